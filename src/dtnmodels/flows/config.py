"""Flow configs: a typed schema, a packaged default, user files and ``--set`` overrides.

Sources merge in order: the flow's schema (types and defaults), the default
config shipped in ``dtnmodels/flows/configs/<flow>.yaml``, each ``-c`` file,
then each ``--set key=value``. Every source is checked against the schema as
it is merged, so an unknown key or a wrong type is reported with its dotted
path and the file that set it. Interpolations such as
``${oc.env:DTNMODELS_DATA,../shared/data}`` and ``${sample:fuel/demand.parquet}``
(a path inside the embedded samples) are resolved; nothing else is evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    InterpolationResolutionError,
    MissingMandatoryValue,
    OmegaConfBaseException,
    ValidationError,
)

from dtnmodels.core.errors import ConfigError
from dtnmodels.datasets import sample_path
from dtnmodels.io.config_files import load_config_file, plain_yaml_value

__all__ = [
    "ComputeConfig",
    "ModelSpec",
    "RunSettings",
    "default_config_path",
    "load_flow_config",
    "parse_override",
]

SCHEDULERS = ("threads", "synchronous", "processes", "local")


@dataclass
class ModelSpec:
    """A model named in a config: a registered name or an allowed import path."""

    name: str = MISSING
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ComputeConfig:
    """Where dask work runs.

    ``scheduler`` is one of ``auto`` (the default: a ``dask.distributed``
    ``LocalCluster`` sized to the machine for ``dtnmodels run``, dask's threaded
    scheduler for :func:`dtnmodels.flows.run` in notebooks), ``threads``,
    ``synchronous`` (one thread, for debugging), ``processes``, ``local`` (a
    LocalCluster) or the address of an existing scheduler (``tcp://host:8786``).
    """

    scheduler: str = "auto"
    n_workers: int | None = None
    threads_per_worker: int | None = None
    memory_limit: str | None = None


@dataclass
class RunSettings:
    """Settings of a run that are not the science: seed, as-of date, progress."""

    seed: int = 0
    as_of: str | None = None
    progress: bool = True


def _register_resolvers() -> None:
    if OmegaConf.has_resolver("sample"):
        return
    register = getattr(OmegaConf, "register_resolver", None)
    if register is None:  # omegaconf < 2.4
        register = OmegaConf.register_new_resolver
    register("sample", lambda rel: str(sample_path(rel)))


def default_config_path(flow: str) -> Path:
    """Path of the default config shipped with the package for ``flow``."""
    ref = resources.files("dtnmodels.flows") / "configs" / f"{flow}.yaml"
    return Path(str(ref))


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``key.path=value``; the value is parsed as YAML (numbers, lists, null)."""
    import yaml

    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set expects key=value, got {text!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, plain_yaml_value(value)


def load_flow_config(
    flow: str,
    schema: type,
    *,
    files: Sequence[str | Path] = (),
    overrides: Sequence[str] = (),
    default: str | Path | None = None,
    include_default: bool = True,
) -> DictConfig:
    """Merge schema, default config, user files and overrides; validate; resolve.

    Parameters
    ----------
    flow : str
        Flow name (selects the packaged default config).
    schema : dataclass type
        Typed structure of the flow's config.
    files : sequence of path
        User config files, merged in order (later wins).
    overrides : sequence of str
        ``key.path=value`` strings, applied last.
    default : path, optional
        The flow's default config; None means the packaged
        ``dtnmodels/flows/configs/<flow>.yaml``.
    include_default : bool
        Merge the default config (True for normal runs).

    Returns
    -------
    DictConfig
        Read-only, fully resolved config.

    Raises
    ------
    ConfigError
        Unknown key, wrong type, missing required value or bad interpolation,
        with the dotted key and the source that set it.
    """
    _register_resolvers()
    cfg = OmegaConf.structured(schema)

    sources: list[tuple[str, DictConfig]] = []
    if include_default:
        default = Path(default) if default is not None else default_config_path(flow)
        sources.append((f"default config of flow {flow!r} ({default})", _load(default)))
    for path in files:
        sources.append((f"config file {str(path)!r}", _load(path)))

    for origin, layer in sources:
        cfg = _merge(cfg, layer, origin)
    for text in overrides:
        key, value = parse_override(text)
        cfg = _merge(cfg, _dotted_layer(key, value), f"--set {text}")

    try:
        missing = sorted(OmegaConf.missing_keys(cfg))
    except OmegaConfBaseException as exc:
        raise ConfigError(_describe(exc, "config")) from exc
    if missing:
        raise ConfigError(
            f"missing required value for {', '.join(missing)}: set it in a config "
            "file or with --set KEY=VALUE"
        )

    try:
        container = OmegaConf.to_container(cfg, resolve=True)
    except InterpolationResolutionError as exc:
        key = getattr(exc, "full_key", "") or "?"
        msg = _first_line(exc)
        raise ConfigError(f"{key}: cannot resolve interpolation: {msg}") from exc
    except OmegaConfBaseException as exc:
        raise ConfigError(_describe(exc, "config")) from exc

    resolved = OmegaConf.merge(OmegaConf.structured(schema), container)
    OmegaConf.set_readonly(resolved, True)
    return resolved


def _load(path: str | Path) -> DictConfig:
    return load_config_file(path)


def _dotted_layer(key: str, value: Any) -> DictConfig:
    layer = OmegaConf.create({})
    OmegaConf.update(layer, key, value, force_add=True)
    return layer


def _merge(cfg: DictConfig, layer: DictConfig, origin: str) -> DictConfig:
    try:
        return OmegaConf.merge(cfg, layer)
    except OmegaConfBaseException as exc:
        raise ConfigError(_describe(exc, origin)) from exc
    except TypeError as exc:  # e.g. a list where a mapping is expected
        raise ConfigError(
            f"{origin}: a value has the wrong shape ({exc}); give a mapping "
            "(key: value) where the default config has one, e.g. model.params"
        ) from exc


def _first_line(exc: OmegaConfBaseException) -> str:
    text = str(getattr(exc, "msg", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _describe(exc: OmegaConfBaseException, origin: str) -> str:
    """One sentence: dotted key, what is wrong, what is allowed, who set it."""
    key = getattr(exc, "full_key", None) or "config"
    if isinstance(exc, (ConfigKeyError, ConfigAttributeError)):
        parent = str(key).rpartition(".")[0]
        allowed = _allowed_keys(exc)
        hint = f"; allowed keys{f' under {parent!r}' if parent else ''}: {allowed}"
        return f"unknown key {key!r} in {origin}{hint if allowed else ''}"
    if isinstance(exc, ValidationError):
        return f"{key}: {_first_line(exc)} (set in {origin})"
    if isinstance(exc, MissingMandatoryValue):
        return f"missing required value for {key} ({origin})"
    return f"{key}: {_first_line(exc)} (in {origin})"


def _allowed_keys(exc: OmegaConfBaseException) -> str:
    obj_type = getattr(exc, "object_type", None)
    fields = getattr(obj_type, "__dataclass_fields__", None)
    if not fields:
        return ""
    return ", ".join(sorted(fields))
