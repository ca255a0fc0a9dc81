"""dtnmodels: geospatial forecasting for weather, agriculture and energy.

Subpackages load on first use, so ``import dtnmodels`` stays light:

- :mod:`dtnmodels.io` reads grids, regions and public tables (the only file I/O),
- :mod:`dtnmodels.grid` aggregates grids to regions, regrids, samples points,
- :mod:`dtnmodels.evaluate` scores, backtests and reports,
- :mod:`dtnmodels.storm`, :mod:`dtnmodels.crop`, :mod:`dtnmodels.fuel` are the domains,
- :mod:`dtnmodels.flows` runs each domain from one YAML config.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "core",
    "crop",
    "datasets",
    "evaluate",
    "flows",
    "fuel",
    "grid",
    "io",
    "storm",
]

_SUBMODULES = {
    "core",
    "crop",
    "datasets",
    "evaluate",
    "flows",
    "fuel",
    "grid",
    "io",
    "storm",
}

# Applications configure logging; the library only adds a NullHandler.
logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"dtnmodels.{name}")
    raise AttributeError(f"module 'dtnmodels' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES)
