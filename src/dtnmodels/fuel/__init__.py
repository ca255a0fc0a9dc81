"""Fuel demand: forecasting, shocks, reconciliation and delivery planning.

Importing this package registers the forecasters (``ets``, ``sarimax``,
``theta``, ``prophet``, ``gbm``, ``ensemble``) with
:func:`dtnmodels.core.registry.create_model`; the baselines come from
:mod:`dtnmodels.evaluate`.
"""

from __future__ import annotations

import dtnmodels.evaluate.baselines  # noqa: F401  (registers the baselines)
from dtnmodels.fuel.data import check_demand, fill_gaps, infer_freq, season_length
from dtnmodels.fuel.delivery import plan_deliveries
from dtnmodels.fuel.hierarchy import Hierarchy, aggregate, build_hierarchy
from dtnmodels.fuel.models import (
    EnsembleForecaster,
    ETSForecaster,
    GlobalGBMForecaster,
    ProphetForecaster,
    SARIMAXForecaster,
    ThetaForecaster,
)
from dtnmodels.fuel.reconcile import coherence_error, reconcile, shrink_covariance
from dtnmodels.fuel.shocks import ShockWindow, apply_shocks, detect_breaks

__all__ = [
    "ETSForecaster",
    "EnsembleForecaster",
    "GlobalGBMForecaster",
    "Hierarchy",
    "ProphetForecaster",
    "SARIMAXForecaster",
    "ShockWindow",
    "ThetaForecaster",
    "aggregate",
    "apply_shocks",
    "build_hierarchy",
    "check_demand",
    "coherence_error",
    "detect_breaks",
    "fill_gaps",
    "infer_freq",
    "plan_deliveries",
    "reconcile",
    "season_length",
    "shrink_covariance",
]
