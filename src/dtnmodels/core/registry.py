"""Models registered by name, so that a config changes the model, never the code.

A model spec in a config is ``{"name": NAME, "params": {...}}``. ``NAME`` is
either a name registered with :func:`register_model` (``"ets"``,
``"gbm_quantile"``) or the dotted import path of a class
(``"sklearn.ensemble.RandomForestRegressor"``), honoured only when its
top-level package is in the allow-list. Nothing in a config is evaluated.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from dtnmodels.core.errors import ConfigError, UnknownModelError

__all__ = ["KINDS", "available_models", "create_model", "register_model"]

KINDS = ("forecaster", "regressor", "impact")

T = TypeVar("T")

_REGISTRY: dict[str, dict[str, Callable[..., Any]]] = {kind: {} for kind in KINDS}
_SUMMARIES: dict[tuple[str, str], str] = {}


def register_model(kind: str, name: str) -> Callable[[T], T]:
    """Class decorator: make ``cls`` reachable as ``name`` for models of ``kind``."""
    if kind not in _REGISTRY:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def decorate(factory: T) -> T:
        _REGISTRY[kind][name] = factory  # type: ignore[assignment]
        doc = (getattr(factory, "__doc__", None) or "").strip().splitlines()
        _SUMMARIES[(kind, name)] = doc[0] if doc else ""
        return factory

    return decorate


def available_models(kind: str) -> dict[str, str]:
    """Registered names of one kind with the first line of each docstring."""
    return {name: _SUMMARIES[(kind, name)] for name in sorted(_REGISTRY[kind])}


def create_model(
    kind: str,
    spec: Mapping[str, Any],
    *,
    allow_modules: Iterable[str] = ("sklearn", "lightgbm"),
    where: str = "model",
) -> Any:
    """Instantiate the model a config names.

    Parameters
    ----------
    kind : {"forecaster", "regressor", "impact"}
        Family of models to search.
    spec : mapping
        ``{"name": str, "params": mapping}``; ``params`` is optional.
    allow_modules : iterable of str
        Top-level packages whose classes may be named by import path.
    where : str
        Dotted config path of ``spec``, used in error messages.
    """
    name = spec.get("name")
    params = dict(spec.get("params") or {})
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}.name must be a model name, got {name!r}")

    factory = _REGISTRY[kind].get(name)
    if factory is None and "." in name:
        factory = _import_allowed(name, allow_modules, where)
    if factory is None:
        known = ", ".join(sorted(_REGISTRY[kind])) or "(none registered)"
        raise UnknownModelError(
            f"{where}.name: unknown {kind} {name!r}; choose one of: {known}, "
            f"or an import path under {sorted(set(allow_modules))}"
        )

    try:
        return factory(**params)
    except TypeError as exc:
        raise ConfigError(f"{where}.params do not fit {name!r}: {exc}") from exc


def _import_allowed(path: str, allow_modules: Iterable[str], where: str) -> Any:
    allowed = set(allow_modules)
    top = path.split(".", 1)[0]
    if top not in allowed:
        raise UnknownModelError(
            f"{where}.name: import path {path!r} is outside the allow-list "
            f"{sorted(allowed)}; use a registered name or a class from those "
            "packages"
        )
    if any(part.startswith("_") or not part.isidentifier() for part in path.split(".")):
        raise UnknownModelError(
            f"{where}.name: {path!r} is not a public class path (no private or "
            "dunder parts allowed)"
        )
    module_name, _, attr = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownModelError(f"{where}.name: cannot import {path!r}: {exc}") from exc
    # only estimator classes: a config must not call arbitrary functions
    # (sklearn.datasets.dump_svmlight_file writes files, fetch_* downloads)
    if not inspect.isclass(factory) or not (
        callable(getattr(factory, "fit", None))
        and callable(getattr(factory, "predict", None))
    ):
        raise UnknownModelError(
            f"{where}.name: {path!r} is not a model class with fit and predict"
        )
    return factory
