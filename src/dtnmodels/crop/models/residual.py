"""Trend plus feature regression plus a space-time Gaussian-process residual.

:class:`TrendResidualRegressor` is the yield model of the crop flow: a pooled
trend (:class:`~dtnmodels.crop.models.baselines.PooledTrend`) carries the
technology gain, a scikit-learn regressor (ridge, gradient boosting) explains
the trend residual from season features, and an optional
:class:`SpatialResidualGP` spreads what is left over nearby regions and years.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, RegressorMixin, clone

from dtnmodels.core.errors import DataValidationError, NotFittedError
from dtnmodels.core.registry import create_model, register_model
from dtnmodels.crop.models.baselines import PooledTrend, design_columns

__all__ = ["SpatialResidualGP", "TrendResidualRegressor"]

log = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0


def _xyz_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geocentric coordinates (km) of WGS84 points on a sphere."""
    lo, la = np.radians(lon), np.radians(lat)
    return (
        EARTH_RADIUS_KM
        * np.c_[np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]
    )


class SpatialResidualGP(RegressorMixin, BaseEstimator):
    r"""Nearest-neighbour Gaussian-process (kriging) mean over space and year.

    The residual field has the separable squared-exponential covariance

    .. math:: k = \sigma_f^2 \exp\left(-\frac{\lVert x - x'\rVert^2}{2 \ell_s^2}
              - \frac{(t - t')^2}{2 \ell_t^2}\right) + \sigma_n^2 \delta

    with :math:`x` the region location (km on the sphere, from ``lon``/
    ``lat``) and :math:`t` the year. Each prediction is the posterior mean
    given its ``n_neighbors`` nearest training points in the scaled
    space-time metric (a nearest-neighbour GP, Datta et al., 2016,
    https://doi.org/10.1080/01621459.2015.1044091), so the cost is
    :math:`O(n k^3)`, not :math:`O(n^3)`. The spatial-temporal GP over county
    residuals follows You et al. (2017), AAAI-17.

    Parameters
    ----------
    length_scale_km : float, default 100.0
    length_scale_years : float, default 0.7
    signal_fraction : float, default 0.5
        :math:`\sigma_f^2` as a share of the training residual variance; the
        rest is noise :math:`\sigma_n^2`.
    n_neighbors : int, default 30
    """

    def __init__(
        self,
        *,
        length_scale_km: float = 100.0,
        length_scale_years: float = 0.7,
        signal_fraction: float = 0.5,
        n_neighbors: int = 30,
    ) -> None:
        self.length_scale_km = length_scale_km
        self.length_scale_years = length_scale_years
        self.signal_fraction = signal_fraction
        self.n_neighbors = n_neighbors

    def _coords(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in ("lon", "lat", "year") if c not in X.columns]
        if missing:
            raise DataValidationError(
                f"SpatialResidualGP needs columns {missing} (region locations); "
                "give data.locations or regions with geometry"
            )
        xyz = _xyz_km(X["lon"].to_numpy(float), X["lat"].to_numpy(float))
        t = X["year"].to_numpy(float)[:, None]
        return np.c_[xyz / self.length_scale_km, t / self.length_scale_years]

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> SpatialResidualGP:
        """Store the training residuals and their locations."""
        coords = self._coords(X)
        y = np.asarray(y, dtype=np.float64)
        ok = np.isfinite(coords).all(axis=1) & np.isfinite(y)
        self.coords_, self.values_ = coords[ok], y[ok]
        variance = float(np.var(self.values_)) if ok.any() else 0.0
        self.signal_ = self.signal_fraction * variance
        self.noise_ = max((1.0 - self.signal_fraction) * variance, 1e-9)
        self.tree_ = cKDTree(self.coords_)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Posterior mean of the residual at each row (0 without neighbours)."""
        if not hasattr(self, "tree_"):
            raise NotFittedError("SpatialResidualGP: call fit before predict")
        coords = self._coords(X)
        out = np.zeros(len(coords))
        ok = np.isfinite(coords).all(axis=1)
        k = min(int(self.n_neighbors), len(self.values_))
        if k == 0 or not ok.any():
            return out

        _, idx = self.tree_.query(coords[ok], k=k)
        idx = idx.reshape(len(idx), k)
        neighbours = self.coords_[idx]
        diff = neighbours[:, :, None, :] - neighbours[:, None, :, :]
        gram = self.signal_ * np.exp(-0.5 * np.sum(diff**2, axis=-1))
        gram += self.noise_ * np.eye(k)[None]
        cross = coords[ok][:, None, :] - neighbours
        kstar = self.signal_ * np.exp(-0.5 * np.sum(cross**2, axis=-1))

        alpha = np.linalg.solve(gram, self.values_[idx][..., None])[..., 0]
        out[ok] = np.sum(kstar * alpha, axis=1)
        return out


class TrendResidualRegressor(RegressorMixin, BaseEstimator):
    """Pooled trend + regressor on season features + optional space-time GP.

    Parameters
    ----------
    trend : dict, optional
        Parameters of :class:`PooledTrend` (``slope_shrinkage``,
        ``group_shrinkage``).
    regressor : dict, optional
        Model spec ``{"name": ..., "params": {...}}`` of a scikit-learn
        regressor fitted to the trend residual from the feature columns (any
        registered regressor or import path, e.g.
        ``sklearn.linear_model.Ridge``); ignored when ``X`` has no feature
        column.
    gp : dict or None, optional
        Parameters of :class:`SpatialResidualGP` for the remaining residual;
        None (default) leaves it out.
    """

    def __init__(
        self,
        *,
        trend: dict[str, Any] | None = None,
        regressor: dict[str, Any] | None = None,
        gp: dict[str, Any] | None = None,
    ) -> None:
        self.trend = trend
        self.regressor = regressor
        self.gp = gp

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TrendResidualRegressor:
        """Fit the trend, then the feature regressor, then the GP, each on residuals."""
        y = np.asarray(y, dtype=np.float64)
        self.trend_ = PooledTrend(**(self.trend or {})).fit(X, y)
        resid = y - self.trend_.predict(X)

        # feature columns with at least one value in the training rows; the
        # regressor sees only rows with features (see _features)
        self.features_ = [
            c for c in design_columns(X) if np.isfinite(X[c].to_numpy(float)).any()
        ]
        self.regressor_ = None
        if self.features_ and self.regressor:
            model = create_model("regressor", self.regressor, where="model.params")
            features, seen = self._features(X, fit=True)
            self.regressor_ = clone(model).fit(features[seen], resid[seen])
            resid = resid - self._feature_effect(features, seen)

        self.gp_ = None
        if self.gp is not None:
            self.gp_ = SpatialResidualGP(**dict(self.gp)).fit(X, resid)
        return self

    def _features(
        self, X: pd.DataFrame, *, fit: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Feature matrix (gaps filled with training means) and rows with any value.

        Rows without any feature (years without imagery) are left out of the
        regression and get no feature effect, rather than imputed values that
        would shrink the features' spread.
        """
        features = X[self.features_].to_numpy(float)
        seen = np.isfinite(features).any(axis=1)
        if fit:
            self.fill_ = np.nan_to_num(np.nanmean(features[seen], axis=0))
        return np.where(np.isfinite(features), features, self.fill_), seen

    def _feature_effect(self, features: np.ndarray, seen: np.ndarray) -> np.ndarray:
        effect = np.zeros(len(features))
        if seen.any():
            effect[seen] = self.regressor_.predict(features[seen])
        return effect

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Trend + feature effect + GP residual at each row."""
        if not hasattr(self, "trend_"):
            raise NotFittedError("TrendResidualRegressor: call fit before predict")
        out = self.trend_.predict(X)
        if self.regressor_ is not None:
            out = out + self._feature_effect(*self._features(X))
        if self.gp_ is not None:
            out = out + self.gp_.predict(X)
        return out


@register_model("regressor", "trend_ridge")
def trend_ridge(
    *, alpha: float = 1.0, trend: dict | None = None, gp: dict | None = None
) -> TrendResidualRegressor:
    """Pooled trend + ridge regression of the residual on season features."""
    return TrendResidualRegressor(
        trend=trend,
        regressor={"name": "scaled_ridge", "params": {"alpha": alpha}},
        gp=gp,
    )


@register_model("regressor", "trend_gbm")
def trend_gbm(
    *,
    n_estimators: int = 200,
    learning_rate: float = 0.05,
    max_depth: int = 3,
    subsample: float = 0.8,
    trend: dict | None = None,
    gp: dict | None = None,
) -> TrendResidualRegressor:
    """Pooled trend + gradient boosting of the residual on season features."""
    params = {
        "n_estimators": n_estimators,
        "learning_rate": learning_rate,
        "max_depth": max_depth,
        "subsample": subsample,
        "random_state": 0,
    }
    return TrendResidualRegressor(
        trend=trend,
        regressor={
            "name": "sklearn.ensemble.GradientBoostingRegressor",
            "params": params,
        },
        gp=gp,
    )


@register_model("regressor", "trend_gp")
def trend_gp(
    *, trend: dict | None = None, gp: dict | None = None
) -> TrendResidualRegressor:
    """Pooled trend + space-time Gaussian-process residual (no imagery needed)."""
    return TrendResidualRegressor(trend=trend, gp=gp if gp is not None else {})


@register_model("regressor", "scaled_ridge")
def scaled_ridge(*, alpha: float = 1.0) -> Any:
    """Standardise features, then ridge regression (used by trend_ridge)."""
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), Ridge(alpha=alpha))
