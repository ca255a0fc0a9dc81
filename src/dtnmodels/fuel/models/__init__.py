"""Fuel demand forecasters; importing this package registers them by name.

``ets``, ``sarimax``, ``theta`` (statsmodels), ``prophet``, ``gbm`` (global
LightGBM with quantile loss, the default) and ``ensemble``. The baselines
(``naive``, ``seasonal_naive``, ...) come from :mod:`dtnmodels.evaluate`.
"""

from __future__ import annotations

from dtnmodels.fuel.models.ensemble import EnsembleForecaster
from dtnmodels.fuel.models.gbm import GlobalGBMForecaster
from dtnmodels.fuel.models.prophet import ProphetForecaster
from dtnmodels.fuel.models.statistical import (
    ETSForecaster,
    SARIMAXForecaster,
    ThetaForecaster,
)

__all__ = [
    "ETSForecaster",
    "EnsembleForecaster",
    "GlobalGBMForecaster",
    "ProphetForecaster",
    "SARIMAXForecaster",
    "ThetaForecaster",
]
