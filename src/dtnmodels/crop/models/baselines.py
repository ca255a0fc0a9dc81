"""Historical mean, per-region linear trend and pooled (shrunk) trend baselines.

Benchmark studies of county yield forecasts find these hard to beat; every
model is scored against them.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from dtnmodels.core.errors import DataValidationError, NotFittedError
from dtnmodels.core.registry import register_model

__all__ = ["HistoricalMean", "LinearTrend", "PooledTrend", "design_columns"]

log = logging.getLogger(__name__)

#: Columns of a design frame that are keys, not features.
KEY_COLUMNS = ("region", "year", "group", "lon", "lat")


def design_columns(X: pd.DataFrame) -> list[str]:
    """Numeric feature columns of a design frame (everything but the keys)."""
    return [
        c
        for c in X.columns
        if c not in KEY_COLUMNS and pd.api.types.is_numeric_dtype(X[c])
    ]


def _check_frame(X: object, *, where: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame) or not {"region", "year"} <= set(X.columns):
        raise DataValidationError(
            f"{where}: X must be a DataFrame with columns 'region' and 'year'"
        )
    return X


def _groups(X: pd.DataFrame) -> pd.Series:
    if "group" in X.columns:
        return X["group"].astype(str)
    return pd.Series("all", index=X.index)


class HistoricalMean(RegressorMixin, BaseEstimator):
    """Mean of each region's past yields (the group, then overall, mean if none).

    Attributes
    ----------
    means_ : dict of str to float
        Mean yield per region.
    group_means_ : dict of str to float
    overall_ : float
    """

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> HistoricalMean:
        """Learn per-region, per-group and overall means of ``y``."""
        X = _check_frame(X, where="HistoricalMean.fit")
        frame = pd.DataFrame(
            {
                "region": X["region"].astype(str).to_numpy(),
                "group": _groups(X).to_numpy(),
                "y": np.asarray(y, float),
            }
        )
        self.means_ = frame.groupby("region")["y"].mean().to_dict()
        self.group_means_ = frame.groupby("group")["y"].mean().to_dict()
        self.overall_ = float(frame["y"].mean())
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Mean yield of each row's region."""
        if not hasattr(self, "means_"):
            raise NotFittedError("HistoricalMean: call fit before predict")
        X = _check_frame(X, where="HistoricalMean.predict")
        groups = _groups(X)
        out = [
            self.means_.get(r, self.group_means_.get(g, self.overall_))
            for r, g in zip(X["region"].astype(str), groups, strict=True)
        ]
        return np.asarray(out, dtype=np.float64)


class LinearTrend(RegressorMixin, BaseEstimator):
    """Ordinary least-squares line through each region's yields against year.

    Parameters
    ----------
    min_years : int, default 3
        Regions with fewer years get the pooled trend of their group instead.

    Attributes
    ----------
    coef_ : dict of str to (float, float)
        ``(intercept at year 0 of the centring, slope per year)`` per region.
    """

    def __init__(self, *, min_years: int = 3) -> None:
        self.min_years = min_years

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> LinearTrend:
        """Fit one line per region (and a pooled one per group as fallback)."""
        X = _check_frame(X, where="LinearTrend.fit")
        self.fallback_ = PooledTrend(slope_shrinkage=np.inf).fit(X, y)
        frame = pd.DataFrame(
            {
                "region": X["region"].astype(str).to_numpy(),
                "t": X["year"].to_numpy(float),
                "y": np.asarray(y, float),
            }
        )
        self.coef_ = {}
        for region, g in frame.groupby("region"):
            if len(g) < self.min_years or g["t"].nunique() < 2:
                continue
            slope, intercept = np.polyfit(g["t"] - 2000.0, g["y"], 1)
            self.coef_[region] = (float(intercept), float(slope))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Each region's line at each row's year."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("LinearTrend: call fit before predict")
        X = _check_frame(X, where="LinearTrend.predict")
        out = self.fallback_.predict(X)
        t = X["year"].to_numpy(float) - 2000.0
        for i, region in enumerate(X["region"].astype(str)):
            coef = self.coef_.get(region)
            if coef is not None:
                out[i] = coef[0] + coef[1] * t[i]
        return out


class PooledTrend(RegressorMixin, BaseEstimator):
    r"""Group slope plus region offset, with region slopes shrunk to the group's.

    The model for region :math:`r` in group :math:`g` is

    .. math:: \hat y_{r,t} = a_r + b_g t + d_r (t - \bar t_r)

    where :math:`b_g` is the within-region (fixed-effects) slope of group
    :math:`g`, :math:`a_r` the region's mean of :math:`y - b_g t`, and
    :math:`d_r = S_{ty,r} / (S_{tt,r} + \lambda)` the region's own slope
    deviation, shrunk by :math:`\lambda` (``slope_shrinkage``, in year²):
    :math:`\lambda = 0` gives per-region OLS, :math:`\lambda = \infty` a
    common slope per group. Groups are e.g. the states of counties.

    Parameters
    ----------
    slope_shrinkage : float, default 100.0
        :math:`\lambda` above (year²); 100 halves the slope deviation of a
        region with about 10 consecutive years.
    group_shrinkage : float, default 0.0
        Same shrinkage of each group slope towards the overall slope,
        in year² summed over the group's regions.

    Attributes
    ----------
    slope_ : float
    group_slope_, offset_, deviation_, center_ : dict
    """

    def __init__(
        self, *, slope_shrinkage: float = 100.0, group_shrinkage: float = 0.0
    ) -> None:
        self.slope_shrinkage = slope_shrinkage
        self.group_shrinkage = group_shrinkage

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> PooledTrend:
        """Estimate group slopes, region offsets and shrunk slope deviations."""
        X = _check_frame(X, where="PooledTrend.fit")
        frame = pd.DataFrame(
            {
                "region": X["region"].astype(str).to_numpy(),
                "group": _groups(X).to_numpy(),
                "t": X["year"].to_numpy(float) - 2000.0,
                "y": np.asarray(y, float),
            }
        )
        frame = frame[np.isfinite(frame["y"])]

        # 1. within-region moments
        frame["t_mean"] = frame.groupby("region")["t"].transform("mean")
        frame["y_mean"] = frame.groupby("region")["y"].transform("mean")
        frame["dt"] = frame["t"] - frame["t_mean"]
        frame["dy"] = frame["y"] - frame["y_mean"]
        frame["stt"] = frame["dt"] ** 2
        frame["sty"] = frame["dt"] * frame["dy"]

        # 2. overall and group slopes (fixed effects), groups shrunk to overall
        stt_all, sty_all = frame["stt"].sum(), frame["sty"].sum()
        self.slope_ = float(sty_all / stt_all) if stt_all > 0 else 0.0
        by_group = frame.groupby("group")[["stt", "sty"]].sum()
        lam_g = float(self.group_shrinkage)
        self.group_slope_ = {
            g: float((row.sty + lam_g * self.slope_) / (row.stt + lam_g))
            if row.stt + lam_g > 0
            else self.slope_
            for g, row in by_group.iterrows()
        }

        # 3. region offsets and shrunk slope deviations
        frame["b"] = frame["group"].map(self.group_slope_)
        frame["resid"] = frame["y"] - frame["b"] * frame["t"]
        frame["rty"] = frame["dt"] * (
            frame["resid"] - frame.groupby("region")["resid"].transform("mean")
        )
        per = frame.groupby("region").agg(
            offset=("resid", "mean"),
            stt=("stt", "sum"),
            rty=("rty", "sum"),
            center=("t_mean", "first"),
            group=("group", "first"),
        )
        lam = float(self.slope_shrinkage)
        if np.isinf(lam):
            per["deviation"] = 0.0
        else:
            per["deviation"] = per["rty"] / (per["stt"] + lam).where(
                per["stt"] + lam > 0
            )
            per["deviation"] = per["deviation"].fillna(0.0)
        self.offset_ = per["offset"].to_dict()
        self.deviation_ = per["deviation"].to_dict()
        self.center_ = per["center"].to_dict()
        self.group_offset_ = per.groupby("group")["offset"].mean().to_dict()
        self.overall_offset_ = float(per["offset"].mean())
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Trend value of each row's region at its year."""
        if not hasattr(self, "offset_"):
            raise NotFittedError("PooledTrend: call fit before predict")
        X = _check_frame(X, where="PooledTrend.predict")
        regions = X["region"].astype(str).to_numpy()
        groups = _groups(X).to_numpy()
        t = X["year"].to_numpy(float) - 2000.0

        slope = np.array([self.group_slope_.get(g, self.slope_) for g in groups])
        offset = np.array(
            [
                self.offset_.get(r, self.group_offset_.get(g, self.overall_offset_))
                for r, g in zip(regions, groups, strict=True)
            ]
        )
        deviation = np.array([self.deviation_.get(r, 0.0) for r in regions])
        center = np.array([self.center_.get(r, 0.0) for r in regions])
        return offset + slope * t + deviation * (t - center)


register_model("regressor", "historical_mean")(HistoricalMean)
register_model("regressor", "linear_trend")(LinearTrend)
register_model("regressor", "pooled_trend")(PooledTrend)
