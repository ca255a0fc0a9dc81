"""Configured flows: storm, crop and fuel, each from one YAML config.

>>> from dtnmodels.flows import available_flows
>>> sorted(available_flows())
['crop', 'fuel', 'storm']
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dtnmodels.core.errors import ConfigError
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from dtnmodels.flows.runner import RunResult

__all__ = [
    "Flow",
    "FlowOutputs",
    "Step",
    "StepContext",
    "available_flows",
    "get_flow",
    "load_config",
    "run",
]

#: Flow name -> "module:class"; modules are imported only when a flow is used.
_FLOWS: dict[str, str] = {
    "storm": "dtnmodels.flows.storm:StormFlow",
    "crop": "dtnmodels.flows.crop:CropFlow",
    "fuel": "dtnmodels.flows.fuel:FuelFlow",
}


def available_flows() -> dict[str, str]:
    """Flow names with their one-line summaries."""
    return {name: get_flow(name).summary for name in _FLOWS}


def get_flow(name: str) -> Flow:
    """Instantiate the flow called ``name``."""
    target = _FLOWS.get(name)
    if target is None:
        raise ConfigError(
            f"unknown flow {name!r}; choose one of: {', '.join(sorted(_FLOWS))}"
        )
    module_name, _, cls_name = target.partition(":")
    return getattr(importlib.import_module(module_name), cls_name)()


def load_config(
    name: str, files: Sequence[str | Path] = (), overrides: Sequence[str] = ()
) -> DictConfig:
    """Resolved config of ``name``: its default, then ``files``, then ``overrides``."""
    from dtnmodels.flows.config import load_flow_config

    flow = get_flow(name)
    return load_flow_config(
        name,
        flow.schema,
        files=files,
        overrides=overrides,
        default=flow.default_config(),
    )


def run(
    name: str,
    files: Sequence[str | Path] = (),
    overrides: Sequence[str] = (),
    *,
    out_dir: str | Path = "runs",
    resume: str | Path | None = None,
    auto_scheduler: str = "threads",
) -> RunResult:
    """Run flow ``name`` from configs, as ``dtnmodels run`` does; returns a RunResult.

    Examples
    --------
    >>> from dtnmodels.flows import run
    >>> result = run("fuel", overrides=["model.name=ets"])  # doctest: +SKIP
    >>> result.metrics["selected"]  # doctest: +SKIP
    'ets'
    """
    from dtnmodels.flows.runner import run_flow

    flow = get_flow(name)
    cfg = load_config(name, files, overrides)
    return run_flow(
        flow,
        cfg,
        out_dir=out_dir,
        resume=resume,
        config_files=tuple(str(f) for f in files),
        overrides=tuple(overrides),
        auto_scheduler=auto_scheduler,
    )
