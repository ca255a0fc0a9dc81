"""Baseline impact models: the historical mean and a monotone wind step function."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from dtnmodels.core.errors import DataValidationError
from dtnmodels.core.registry import register_model
from dtnmodels.storm.models.base import ImpactModel

__all__ = ["HistoricalMean", "WindStepFunction"]


@register_model("impact", "historical_mean")
class HistoricalMean(ImpactModel):
    """Each region's mean share out over past storms (all-region mean if unseen).

    Ignores the hazard entirely: the reference any weather-aware model must
    beat. The index of ``X`` carries the region ids.
    """

    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        sample_weight: np.ndarray,
    ) -> None:
        index = X.index.astype(str)
        weighted = pd.Series(y * sample_weight, index=index).groupby(level=0).sum()
        total = pd.Series(sample_weight, index=index).groupby(level=0).sum()
        self.by_region_ = weighted / total
        self.overall_ = float(np.average(y, weights=sample_weight))

    def _predict_share(self, X: pd.DataFrame, customers: np.ndarray) -> np.ndarray:
        values = self.by_region_.reindex(X.index.astype(str)).to_numpy(dtype=float)
        return np.where(np.isnan(values), self.overall_, values)


@register_model("impact", "wind_step")
class WindStepFunction(ImpactModel):
    """Monotone step function of outage share on one wind feature (isotonic fit).

    Parameters
    ----------
    feature : str, default "gust_max"
        Wind feature (m/s) the share steps up with.
    bin_width : float, optional
        Width of gust bins (m/s); when given the feature is first binned and
        the isotonic fit runs on bin centres, giving "share by gust bin".
    zero_weight : float, default 1.0
        Training weight of rows with a share of exactly 0 (see
        :class:`~dtnmodels.storm.models.base.ImpactModel`).
    """

    def __init__(
        self,
        *,
        feature: str = "gust_max",
        bin_width: float | None = None,
        zero_weight: float = 1.0,
    ):
        super().__init__(features=[feature], zero_weight=zero_weight)
        self.feature = feature
        self.bin_width = bin_width

    def _x(self, X: pd.DataFrame) -> np.ndarray:
        x = X[self.feature].to_numpy(dtype=float)
        if self.bin_width:
            if self.bin_width <= 0:
                raise DataValidationError(
                    f"wind_step bin_width must be > 0 m/s, got {self.bin_width!r}"
                )
            x = (np.floor(x / self.bin_width) + 0.5) * self.bin_width
        return x

    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        sample_weight: np.ndarray,
    ) -> None:
        x = self._x(X)
        ok = np.isfinite(x)
        self.iso_ = IsotonicRegression(
            y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip"
        ).fit(x[ok], y[ok], sample_weight=sample_weight[ok])
        self.fill_ = float(np.average(y, weights=sample_weight))

    def _predict_share(self, X: pd.DataFrame, customers: np.ndarray) -> np.ndarray:
        x = self._x(X)
        out = np.full(x.shape, self.fill_)
        ok = np.isfinite(x)
        out[ok] = self.iso_.predict(x[ok])
        return out
