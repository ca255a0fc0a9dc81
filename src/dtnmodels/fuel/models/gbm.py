"""A global gradient-boosting forecaster over all series (LightGBM, quantile loss).

One model per quantile learns, across every series at once, how the demand
``k`` steps after an origin relates to the scaled recent history (lags,
rolling means), the same phase of earlier seasons, the calendar of the target
date and the exogenous regressors. This is the *direct* multi-horizon
strategy: the horizon is a feature, so no forecast is fed back as an input.
Targets are divided by each origin's recent level, so one model serves small
stations and national totals alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError, NotFittedError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, Forecaster, quantile_column
from dtnmodels.core.registry import register_model
from dtnmodels.fuel.data import check_future_exog, infer_freq, normalize_freq
from dtnmodels.fuel.features import build_panel, make_features
from dtnmodels.fuel.models._base import dask_map

__all__ = ["GlobalGBMForecaster"]

log = logging.getLogger(__name__)

#: Defaults per base frequency: lags, seasonal periods, rolling windows, scale.
_DEFAULTS = {
    "D": {"n_lags": 14, "seasonal_lags": (7, 364), "rolling": (7, 28, 91), "scale": 28},
    "W": {"n_lags": 52, "seasonal_lags": (52,), "rolling": (4, 13, 52), "scale": 13},
    "MS": {"n_lags": 24, "seasonal_lags": (12,), "rolling": (3, 12), "scale": 12},
    "h": {"n_lags": 48, "seasonal_lags": (24, 168), "rolling": (24, 168), "scale": 24},
}

#: Reserved columns that are not regressors.
RESERVED = ("unique_id", "ds", "y", "weight")


@register_model("forecaster", "gbm")
class GlobalGBMForecaster(Forecaster):
    """Global LightGBM over all series with quantile loss (the fuel default).

    Parameters
    ----------
    n_lags : int, optional
        Lags counted back from the origin (default 14 daily, 52 weekly, 24
        monthly).
    seasonal_lags : sequence of int, optional
        Seasonal periods in steps (default (7, 364) daily, (52,) weekly, (12,)
        monthly).
    rolling_windows : sequence of int, optional
        Windows of rolling mean / standard deviation at the origin.
    scale_window : int, optional
        Observations averaged into each origin's scale.
    max_rows : int, default 100_000
        Training rows (origin, horizon pairs) sampled at most.
    recent_share : float, default 0.0
        Share of the sampled rows drawn from the last ``recent_origins``
        origins of each series (more weight on recent behaviour).
    recent_origins : int, default 104
    n_estimators, learning_rate, num_leaves, min_child_samples,
    feature_fraction, bagging_fraction, max_bin, lambda_l2 :
        LightGBM settings.
    level_feature : bool, default False
        Add the log of each origin's level as a feature.
    mask_cols_prefix : str, default "shock_"
        Observations flagged in columns with this prefix are hidden from the
        lag features, so a past shock does not echo into later forecasts.
    n_jobs : int, default 1
        LightGBM threads per booster. The quantile boosters are trained in
        parallel through dask, one thread each, which scales better than
        OpenMP threads on a busy machine.
    random_state : int, default 0
    """

    supports_exog = True

    def __init__(
        self,
        *,
        n_lags: int | None = None,
        seasonal_lags: Sequence[int] | None = None,
        rolling_windows: Sequence[int] | None = None,
        scale_window: int | None = None,
        max_rows: int = 100_000,
        recent_share: float = 0.0,
        recent_origins: int = 104,
        n_estimators: int = 150,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        feature_fraction: float = 0.8,
        bagging_fraction: float = 1.0,
        max_bin: int = 127,
        lambda_l2: float = 0.0,
        level_feature: bool = False,
        mask_cols_prefix: str = "shock_",
        n_jobs: int | None = None,
        random_state: int = 0,
    ):
        self.n_lags = n_lags
        self.seasonal_lags = None if seasonal_lags is None else tuple(seasonal_lags)
        self.rolling_windows = (
            None if rolling_windows is None else tuple(rolling_windows)
        )
        self.scale_window = scale_window
        self.max_rows = max_rows
        self.recent_share = recent_share
        self.recent_origins = recent_origins
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.max_bin = max_bin
        self.lambda_l2 = lambda_l2
        self.level_feature = level_feature
        self.mask_cols_prefix = mask_cols_prefix
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------
    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> GlobalGBMForecaster:
        """Keep the history; the boosters are trained for the horizon at predict.

        Training is deferred because the direct strategy learns one mapping
        per horizon range; a later ``predict`` with the same or a shorter
        horizon reuses the boosters.
        """
        self.freq_ = freq or infer_freq(df)
        base = normalize_freq(self.freq_)
        defaults = _DEFAULTS[base]
        self.base_freq_ = base
        self.n_lags_ = int(self.n_lags or defaults["n_lags"])
        self.seasonal_lags_ = tuple(self.seasonal_lags or defaults["seasonal_lags"])
        self.rolling_windows_ = tuple(self.rolling_windows or defaults["rolling"])
        self.scale_window_ = int(self.scale_window or defaults["scale"])
        self.exog_cols_ = [c for c in df.columns if c not in RESERVED]
        self.mask_cols_ = [
            c for c in self.exog_cols_ if c.startswith(self.mask_cols_prefix)
        ]
        self.df_ = df.sort_values(["unique_id", "ds"], kind="stable")
        self.boosters_: dict[float, object] = {}
        self.h_ = 0
        return self

    def _pad(self, h: int) -> int:
        seasonal = max(
            (p * int(np.ceil(h / p)) + p + 2 for p in self.seasonal_lags_), default=0
        )
        return (
            max(
                self.n_lags_,
                max(self.rolling_windows_, default=0),
                self.scale_window_,
                seasonal,
            )
            + 1
        )

    def _features(self, panel, origin, k):
        return make_features(
            panel,
            origin,
            k,
            freq=self.base_freq_,
            n_lags=self.n_lags_,
            seasonal_lags=self.seasonal_lags_,
            rolling_windows=self.rolling_windows_,
            scale_window=self.scale_window_,
            exog_cols=self.exog_cols_,
            level_feature=self.level_feature,
        )

    def _training_rows(self, panel, h: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(self.random_state)
        min_obs = max(2, min(self.scale_window_, 8))
        lengths = panel.length
        n_origins = np.maximum(lengths - min_obs, 0)
        series = np.repeat(np.arange(len(lengths)), n_origins)
        offset = np.concatenate(
            [np.arange(min_obs - 1, n - 1) for n in lengths if n > min_obs]
            or [np.array([], int)]
        )
        origin = panel.start[series] + offset
        end = panel.start[series] + lengths[series] - 1

        total = int(np.sum(np.minimum(end - origin, h)))
        if total <= self.max_rows:
            k = (
                np.concatenate([np.arange(1, h + 1)] * len(origin))
                if len(origin)
                else np.array([], int)
            )
            o = np.repeat(origin, h)
            e = np.repeat(end, h)
        else:
            n_draw = int(self.max_rows * 1.3)
            pick = rng.integers(0, len(origin), n_draw)
            if self.recent_share > 0:
                recent = offset >= (lengths[series] - 1 - self.recent_origins)
                recent_idx = np.flatnonzero(recent)
                n_recent = int(n_draw * self.recent_share)
                pick[:n_recent] = recent_idx[rng.integers(0, len(recent_idx), n_recent)]
            o, e = origin[pick], end[pick]
            k = rng.integers(1, h + 1, n_draw)
        keep = o + k <= e
        o, k = o[keep], k[keep]
        keep = panel.weight[o + k] > 0
        o, k = o[keep][: self.max_rows], k[keep][: self.max_rows]
        order = np.lexsort((k, o))
        return o[order], k[order]

    def _train(self, h: int, quantiles: Sequence[float]) -> None:
        panel = build_panel(
            self.df_,
            freq=self.freq_,
            pad=self._pad(h),
            h=h,
            exog_cols=self.exog_cols_,
            mask_cols=self.mask_cols_,
        )
        origin, k = self._training_rows(panel, h)
        if len(origin) < 50:
            raise DataValidationError(
                f"gbm: only {len(origin)} training rows for horizon {h}; the "
                "series are too short for a global model (use ets or theta)"
            )
        X, scale = self._features(panel, origin, k)
        target = panel.y[origin + k] / scale
        weight = panel.weight[origin + k]
        log.info(
            "gbm: training on %d rows x %d features for h=%d", len(X), X.shape[1], h
        )

        levels = sorted(set(quantiles) | {0.5})
        params = {
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1 if self.bagging_fraction < 1 else 0,
            "lambda_l2": self.lambda_l2,
            "max_bin": self.max_bin,
            "num_threads": self.n_jobs or 1,
            "seed": self.random_state,
        }
        # one booster per quantile, each single-threaded, in parallel via dask;
        # the training matrix is one shared dask key, not a copy per task
        job = partial(
            _train_booster,
            params=params,
            n_rounds=self.n_estimators,
            feature_names=[str(c) for c in X.columns],
        )
        boosters = dask_map(
            job, levels, batch_size=1, shared=(X.to_numpy(float), target, weight)
        )
        self.boosters_.update(dict(zip(levels, boosters, strict=True)))
        self.h_ = h
        self.feature_names_ = list(X.columns)

    # -- prediction ----------------------------------------------------------
    def predict(
        self,
        h: int,
        *,
        X_df: pd.DataFrame | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> pd.DataFrame:
        """Forecast ``h`` steps with a ``mean`` (the median) and quantile columns."""
        if not hasattr(self, "df_"):
            raise NotFittedError("gbm must be fitted before predict")
        if h < 1:
            raise DataValidationError(f"horizon h must be >= 1, got {h!r}")
        needed = sorted(set(quantiles) | {0.5})
        if h > self.h_ or any(q not in self.boosters_ for q in needed):
            self._train(max(h, self.h_), needed)

        ids = sorted(self.df_["unique_id"].astype(str).unique())
        last = self.df_.groupby("unique_id", sort=True)["ds"].max()
        grid = check_future_exog(
            X_df, ids=ids, last=last, h=h, freq=self.freq_, exog_cols=self.exog_cols_
        )
        panel = build_panel(
            self.df_,
            freq=self.freq_,
            pad=self._pad(self.h_),
            h=h,
            exog_cols=self.exog_cols_,
            mask_cols=self.mask_cols_,
        )
        origin = np.repeat(panel.start + panel.length - 1, h)
        k = np.tile(np.arange(1, h + 1), len(panel.ids))
        if self.exog_cols_:
            panel.X[origin + k] = grid[self.exog_cols_].to_numpy(float)
        X, scale = self._features(panel, origin, k)

        raw = np.column_stack([self.boosters_[q].predict(X) for q in needed])
        raw = np.sort(raw, axis=1) * scale[:, None]  # no quantile crossing
        raw = np.maximum(raw, 0.0)  # demand is never negative
        out = grid[["unique_id", "ds"]].copy()
        out["mean"] = raw[:, needed.index(0.5)]
        for q in quantiles:
            out[quantile_column(q)] = raw[:, needed.index(q)]
        return out.reset_index(drop=True)

    def feature_importance(self) -> pd.Series:
        """Gain importance of each feature in the median booster."""
        if not getattr(self, "boosters_", None):
            raise NotFittedError("gbm has not been trained yet (call predict)")
        booster = self.boosters_[0.5]
        gain = booster.feature_importance(importance_type="gain")
        return pd.Series(gain, index=self.feature_names_).sort_values(ascending=False)


def _train_booster(
    q: float,
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    params: dict[str, object],
    n_rounds: int,
    feature_names: list[str] | None = None,
):
    """Train one quantile booster on ``(X, target, weight)``.

    Module level, with plain arrays in and a booster out, so the task
    serialises to ``dask.distributed`` workers (an ``lgb.Dataset`` does not).
    """
    import lightgbm as lgb

    X, target, weight = data
    dataset = lgb.Dataset(
        X,
        label=target,
        weight=weight,
        feature_name=feature_names or "auto",
        params={
            "max_bin": params["max_bin"],
            "verbose": -1,
            "feature_pre_filter": False,
        },
    )
    full = {
        **params,
        "objective": "quantile",
        "alpha": float(q),
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }
    return lgb.train(full, dataset, num_boost_round=n_rounds)
