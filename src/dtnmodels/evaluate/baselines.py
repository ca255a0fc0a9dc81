"""Benchmark forecasters that every model is scored beside.

Four classic references, each a :class:`~dtnmodels.core.interfaces.Forecaster`
registered by name (``create_model("forecaster", {"name": "naive"})``):

``naive``
    Last observed value.
``seasonal_naive``
    Value one season earlier (``season_length`` steps).
``mean``
    Historical mean (climatology); with ``season_length > 1`` the mean of
    each position in the season (e.g. each week of the year).
``drift`` (alias ``trend``)
    Straight line through the first and last observation.

Quantiles come from the in-sample residuals of each method, either as a
Gaussian with the residual standard deviation or from the residuals'
empirical quantiles, both widened with the horizon by the factor the method
implies (e.g. :math:`\\sqrt{h}` for the naive random walk), following
Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.),
section 5.5, https://otexts.com/fpp3/prediction-intervals.html.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from dtnmodels.core.errors import (
    DataGapWarning,
    DataValidationError,
    NotFittedError,
    warn,
)
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, Forecaster, quantile_column
from dtnmodels.core.registry import register_model

__all__ = [
    "BASELINES",
    "DriftForecaster",
    "MeanForecaster",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "baseline_factories",
    "future_times",
]

log = logging.getLogger(__name__)

#: Names under which the baselines are registered.
BASELINES = ("naive", "seasonal_naive", "mean", "drift")


@dataclass(frozen=True)
class _Series:
    """What a baseline keeps of one series after ``fit``."""

    y: np.ndarray
    last_time: Any
    step: Any


def future_times(last_time: Any, step: Any, h: int) -> pd.Index:
    """The ``h`` timestamps (or integer steps) after ``last_time``.

    ``step`` is a pandas offset (datetime series) or a number (integer
    time index).
    """
    if isinstance(step, pd.offsets.BaseOffset):
        return pd.date_range(start=last_time, periods=h + 1, freq=step)[1:]
    return pd.Index([last_time + step * k for k in range(1, h + 1)])


def _infer_step(times: pd.Series, freq: str | None, series_id: Any) -> Any:
    if pd.api.types.is_datetime64_any_dtype(times):
        if freq is not None:
            return pd.tseries.frequencies.to_offset(freq)
        if len(times) < 2:
            raise DataValidationError(
                f"series {series_id!r} has a single timestamp; pass freq= to fit"
            )
        gaps = times.diff().iloc[1:]
        if (gaps == gaps.iloc[0]).all():  # fixed step: hours, days, weeks
            return pd.tseries.frequencies.to_offset(gaps.iloc[0])
        with warnings.catch_warnings():
            # pandas 3 announces an offset instead of a string; to_offset takes both
            warnings.filterwarnings("ignore", message=".*BaseOffset object instead.*")
            inferred = pd.DatetimeIndex(times).inferred_freq
        if inferred is None:
            return pd.tseries.frequencies.to_offset(gaps.iloc[-1])
        return pd.tseries.frequencies.to_offset(inferred)
    if pd.api.types.is_numeric_dtype(times):
        return times.iloc[-1] - times.iloc[-2] if len(times) >= 2 else 1
    raise DataValidationError(
        f"column 'ds' of series {series_id!r} must be datetime64 or integer; "
        f"got {times.dtype}"
    )


class _Baseline(Forecaster):
    """Shared fit/predict machinery; subclasses supply point forecast and spread."""

    def __init__(
        self,
        *,
        season_length: int = 1,
        interval_method: Literal["gaussian", "empirical"] = "gaussian",
    ) -> None:
        self.season_length = season_length
        self.interval_method = interval_method

    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> _Baseline:
        """Keep each series' history; ``df`` has ``unique_id``, ``ds``, ``y``."""
        if int(self.season_length) < 1:
            raise DataValidationError(
                f"season_length must be >= 1; got {self.season_length!r}"
            )
        if self.interval_method not in ("gaussian", "empirical"):
            raise DataValidationError(
                "interval_method must be 'gaussian' or 'empirical'; "
                f"got {self.interval_method!r}"
            )
        missing = [c for c in ("unique_id", "ds", "y") if c not in df.columns]
        if missing:
            raise DataValidationError(
                f"{type(self).__name__}.fit: frame lacks columns {missing}; "
                "expected a long frame with unique_id, ds, y"
            )

        data = df[["unique_id", "ds", "y"]].sort_values(
            ["unique_id", "ds"], kind="stable"
        )
        n_missing = int(data["y"].isna().sum())
        if n_missing:
            warn(
                f"{type(self).__name__}.fit: dropped {n_missing} rows with missing y",
                DataGapWarning,
            )
            data = data.dropna(subset=["y"])

        self.series_ = {}
        for series_id, group in data.groupby("unique_id", sort=False):
            times = group["ds"].reset_index(drop=True)
            step = _infer_step(times, freq, series_id)
            y = group["y"].to_numpy(dtype=float)
            self.series_[series_id] = _Series(y=y, last_time=times.iloc[-1], step=step)
        log.debug("%s fitted on %d series", type(self).__name__, len(self.series_))
        return self

    def predict(
        self,
        h: int,
        *,
        X_df: pd.DataFrame | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> pd.DataFrame:
        """Forecast ``h`` steps per series: ``unique_id, ds, mean, q…`` columns."""
        if not hasattr(self, "series_"):
            raise NotFittedError(f"{type(self).__name__} must be fitted before predict")
        if int(h) < 1:
            raise DataValidationError(f"h must be >= 1; got {h!r}")
        h = int(h)
        columns = [quantile_column(q) for q in quantiles]
        steps = np.arange(1, h + 1)

        frames = []
        for series_id, series in self.series_.items():
            point = self._point(series.y, steps)
            residuals = self._residuals(series.y)
            residuals = residuals[~np.isnan(residuals)]
            factor = self._spread_factor(series.y.size, steps)

            out = {
                "unique_id": series_id,
                "ds": future_times(series.last_time, series.step, h),
            }
            out["mean"] = point
            for q, column in zip(quantiles, columns, strict=True):
                out[column] = point + self._offset(residuals, q) * factor
            frames.append(pd.DataFrame(out))

        result = pd.concat(frames, ignore_index=True)
        return result[["unique_id", "ds", "mean", *columns]]

    def _offset(self, residuals: np.ndarray, q: float) -> float:
        if residuals.size == 0:
            return np.nan
        if self.interval_method == "empirical":
            return float(np.quantile(residuals, q))
        sigma = float(np.sqrt(np.mean(residuals**2)))
        return sigma * float(stats.norm.ppf(q))

    def _point(self, y: np.ndarray, steps: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _residuals(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _spread_factor(self, n: int, steps: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@register_model("forecaster", "naive")
class NaiveForecaster(_Baseline):
    """Naive: every future value equals the last observation (random walk).

    Parameters
    ----------
    interval_method : {"gaussian", "empirical"}, default "gaussian"
        Quantiles from a Gaussian with the RMS of the one-step residuals, or
        from their empirical quantiles; both scaled by :math:`\\sqrt{h}`.
    """

    def __init__(
        self, *, interval_method: Literal["gaussian", "empirical"] = "gaussian"
    ) -> None:
        super().__init__(season_length=1, interval_method=interval_method)

    def _point(self, y: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return np.full(steps.size, y[-1])

    def _residuals(self, y: np.ndarray) -> np.ndarray:
        return np.diff(y)

    def _spread_factor(self, n: int, steps: np.ndarray) -> np.ndarray:
        return np.sqrt(steps)


@register_model("forecaster", "seasonal_naive")
class SeasonalNaiveForecaster(_Baseline):
    """Seasonal naive: the value one season (``season_length`` steps) earlier.

    Parameters
    ----------
    season_length : int, default 1
        Steps per season (52 for weekly data with a yearly cycle, 12 for
        monthly). With 1 this is :class:`NaiveForecaster`.
    interval_method : {"gaussian", "empirical"}, default "gaussian"
        As for :class:`NaiveForecaster`; the spread grows with the number of
        whole seasons ahead, :math:`\\sqrt{\\lfloor (h-1)/m \\rfloor + 1}`.
    """

    def _point(self, y: np.ndarray, steps: np.ndarray) -> np.ndarray:
        m = min(int(self.season_length), y.size)
        last_season = y[-m:]
        return last_season[(steps - 1) % m]

    def _residuals(self, y: np.ndarray) -> np.ndarray:
        m = int(self.season_length)
        return y[m:] - y[:-m] if y.size > m else np.array([])

    def _spread_factor(self, n: int, steps: np.ndarray) -> np.ndarray:
        return np.sqrt((steps - 1) // int(self.season_length) + 1)


@register_model("forecaster", "mean")
class MeanForecaster(_Baseline):
    """Historical mean (climatology), optionally per position in the season.

    Parameters
    ----------
    season_length : int, default 1
        With 1 the forecast is the mean of the whole history; with ``m > 1``
        each future step gets the mean of the past values at the same
        position in the season (e.g. the same week of the year).
    window : int, optional
        Use only the last ``window`` observations.
    interval_method : {"gaussian", "empirical"}, default "gaussian"
        Spread from the deviations from the (seasonal) mean, widened by
        :math:`\\sqrt{1 + 1/T}`.
    """

    def __init__(
        self,
        *,
        season_length: int = 1,
        window: int | None = None,
        interval_method: Literal["gaussian", "empirical"] = "gaussian",
    ) -> None:
        super().__init__(season_length=season_length, interval_method=interval_method)
        self.window = window

    def _recent(self, y: np.ndarray) -> np.ndarray:
        return y[-int(self.window) :] if self.window else y

    def _season_means(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = self._recent(y)
        m = int(self.season_length)
        position = (np.arange(y.size) - y.size) % m  # position of each value
        means = np.array(
            [
                y[position == p].mean() if np.any(position == p) else y.mean()
                for p in range(m)
            ]
        )
        return means, position

    def _point(self, y: np.ndarray, steps: np.ndarray) -> np.ndarray:
        means, _ = self._season_means(y)
        return means[(steps - 1) % int(self.season_length)]

    def _residuals(self, y: np.ndarray) -> np.ndarray:
        means, position = self._season_means(y)
        return self._recent(y) - means[position]

    def _spread_factor(self, n: int, steps: np.ndarray) -> np.ndarray:
        used = min(n, int(self.window)) if self.window else n
        per_season = max(used // int(self.season_length), 1)
        return np.full(steps.size, np.sqrt(1.0 + 1.0 / per_season))


@register_model("forecaster", "drift")
@register_model("forecaster", "trend")
class DriftForecaster(_Baseline):
    """Drift: extend the line through the first and last observation (linear trend).

    Parameters
    ----------
    interval_method : {"gaussian", "empirical"}, default "gaussian"
        Spread of the one-step residuals around the drift, widened by
        :math:`\\sqrt{h (1 + h / T)}`.
    """

    def __init__(
        self, *, interval_method: Literal["gaussian", "empirical"] = "gaussian"
    ) -> None:
        super().__init__(season_length=1, interval_method=interval_method)

    @staticmethod
    def _slope(y: np.ndarray) -> float:
        return float((y[-1] - y[0]) / (y.size - 1)) if y.size > 1 else 0.0

    def _point(self, y: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return y[-1] + self._slope(y) * steps

    def _residuals(self, y: np.ndarray) -> np.ndarray:
        return np.diff(y) - self._slope(y)

    def _spread_factor(self, n: int, steps: np.ndarray) -> np.ndarray:
        return np.sqrt(steps * (1.0 + steps / max(n, 1)))


def baseline_factories(
    *,
    season_length: int = 1,
    names: Sequence[str] = BASELINES,
    interval_method: Literal["gaussian", "empirical"] = "gaussian",
) -> dict[str, Callable[[], Forecaster]]:
    """Factories of the baselines, ready for :func:`~dtnmodels.evaluate.cross_validate`.

    ``season_length`` goes to ``seasonal_naive`` and ``mean``.
    """
    makers: dict[str, Callable[[], Forecaster]] = {
        "naive": lambda: NaiveForecaster(interval_method=interval_method),
        "seasonal_naive": lambda: SeasonalNaiveForecaster(
            season_length=season_length, interval_method=interval_method
        ),
        "mean": lambda: MeanForecaster(
            season_length=season_length, interval_method=interval_method
        ),
        "drift": lambda: DriftForecaster(interval_method=interval_method),
    }
    unknown = [n for n in names if n not in makers]
    if unknown:
        raise DataValidationError(
            f"unknown baselines {unknown}; choose from {BASELINES}"
        )
    return {name: makers[name] for name in names}
