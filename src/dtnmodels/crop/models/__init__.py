"""Yield regressors, registered under the ``"regressor"`` kind.

All follow scikit-learn's ``fit(X, y)`` / ``predict(X)`` on a design frame
``X`` with the columns ``region`` (str), ``year`` (int), optionally ``group``
(e.g. the state of a county), ``lon``/``lat`` (degrees, for the spatial
residual) and any number of numeric feature columns.
"""

from __future__ import annotations

from dtnmodels.crop.models.baselines import HistoricalMean, LinearTrend, PooledTrend
from dtnmodels.crop.models.residual import SpatialResidualGP, TrendResidualRegressor

__all__ = [
    "HistoricalMean",
    "LinearTrend",
    "PooledTrend",
    "SpatialResidualGP",
    "TrendResidualRegressor",
]
