"""Shared machinery of the per-series forecasters: history, dask map, quantiles.

Statistical models (ETS, SARIMAX, Theta, Prophet) fit one series at a time.
:class:`PerSeriesForecaster` keeps each history, fits the series in parallel
through dask (in batches, on whatever scheduler is active) and turns a mean and
a standard error per step into the quantile columns of the shared interface.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from dtnmodels.core.errors import DataValidationError, NotFittedError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, Forecaster, quantile_column
from dtnmodels.fuel.data import check_future_exog, infer_freq, season_length

__all__ = ["PerSeriesForecaster", "SeriesData", "dask_map", "normal_quantiles"]

log = logging.getLogger(__name__)


@dataclass
class SeriesData:
    """One series' history: stamps, values and exogenous matrix (or None)."""

    uid: str
    ds: np.ndarray
    y: np.ndarray
    X: np.ndarray | None


def dask_map(
    func: Callable[..., Any],
    items: Sequence[Any],
    *,
    batch_size: int = 8,
    shared: Any = None,
) -> list[Any]:
    """Apply ``func`` to every item through dask, in batches; order is kept.

    Uses the dask scheduler active in the caller (the flow sets it from the
    ``compute`` config). One item, or one batch, runs inline, and so does
    everything when called inside a task on a ``dask.distributed`` worker
    (e.g. a backtest fold): the fold is already the unit of parallel work.
    With ``shared`` set, ``func(item, shared)`` is called instead, and the
    shared object travels once as a single dask key rather than once per task.
    ``func`` must pickle (a module-level function or a ``functools.partial``
    of one) to run on ``dask.distributed`` workers.
    """
    import dask

    args = () if shared is None else (shared,)
    if len(items) <= 1:
        return [func(item, *args) for item in items]
    batches = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
    if shared is not None:
        client = None if _on_worker() else _active_client()
        if client is not None:  # ship it to the workers once, outside the graph
            args = (client.scatter(shared, broadcast=True, hash=False),)
        else:
            args = (dask.delayed(shared, traverse=False),)
    tasks = [dask.delayed(_run_batch)(func, batch, *args) for batch in batches]
    results = dask.compute(*tasks, scheduler="sync" if _on_worker() else None)
    return [r for batch in results for r in batch]


def _active_client() -> Any:
    """The dask.distributed client in use by this process, or None."""
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _on_worker() -> bool:
    """True inside a task running on a dask.distributed worker."""
    try:
        from distributed import get_worker
    except ImportError:
        return False
    try:
        get_worker()
    except ValueError:
        return False
    return True


def _run_batch(
    func: Callable[..., Any], batch: Sequence[Any], *shared: Any
) -> list[Any]:
    return [func(item, *shared) for item in batch]


def normal_quantiles(
    mean: np.ndarray, se: np.ndarray, quantiles: Sequence[float]
) -> dict[str, np.ndarray]:
    """Gaussian quantile columns ``mean + z_q * se``, named by quantile_column."""
    se = np.nan_to_num(np.asarray(se, float), nan=0.0)
    return {quantile_column(q): mean + stats.norm.ppf(q) * se for q in quantiles}


class PerSeriesForecaster(Forecaster):
    """Base of models fitted series by series (ETS, SARIMAX, Theta, Prophet).

    Subclasses implement ``_fit_one(series)`` returning a fitted state and
    ``_forecast_one(state, series, h, X_future)`` returning ``(mean, se)``
    arrays of length ``h``, or override ``_quantiles_one`` for other shapes.

    Parameters
    ----------
    season_length : int, optional
        Seasonal period in steps; default from the frequency (7 daily, 52
        weekly, 12 monthly).
    batch_size : int, default 8
        Series per dask task.
    """

    def __init__(self, *, season_length: int | None = None, batch_size: int = 8):
        self.season_length = season_length
        self.batch_size = batch_size

    # -- fitting -------------------------------------------------------------
    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> PerSeriesForecaster:
        """Fit every series of the long frame ``df`` (in parallel through dask)."""
        self.freq_ = freq or infer_freq(df)
        self.m_ = int(self.season_length or season_length(self.freq_))
        extra = [c for c in df.columns if c not in ("unique_id", "ds", "y", "weight")]
        self.exog_cols_ = extra if self.supports_exog else []

        series = []
        for uid, group in df.groupby("unique_id", sort=True):
            X = group[self.exog_cols_].to_numpy(float) if self.exog_cols_ else None
            series.append(
                SeriesData(
                    str(uid), group["ds"].to_numpy(), group["y"].to_numpy(float), X
                )
            )
        self.series_ = {s.uid: s for s in series}
        self.states_ = dict(
            zip(
                self.series_,
                dask_map(self._safe_fit, series, batch_size=self.batch_size),
                strict=True,
            )
        )
        log.debug("%s fitted %d series", type(self).__name__, len(series))
        return self

    def _safe_fit(self, series: SeriesData) -> Any:
        try:
            return self._fit_one(series)
        except (np.linalg.LinAlgError, ValueError) as exc:
            log.info(
                "%s failed on series %r (%s); using a seasonal naive fallback",
                type(self).__name__,
                series.uid,
                exc,
            )
            return _Fallback(series.y, self.m_)

    def _fit_one(self, series: SeriesData) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _forecast_one(
        self, state: Any, series: SeriesData, h: int, X_future: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- prediction ----------------------------------------------------------
    def predict(
        self,
        h: int,
        *,
        X_df: pd.DataFrame | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> pd.DataFrame:
        """Forecast ``h`` steps past each series' end, with quantile columns."""
        if not hasattr(self, "states_"):
            raise NotFittedError(f"{type(self).__name__} must be fitted before predict")
        if h < 1:
            raise DataValidationError(f"horizon h must be >= 1, got {h!r}")
        ids = list(self.series_)
        last = pd.Series({u: s.ds[-1] for u, s in self.series_.items()})
        grid = check_future_exog(
            X_df, ids=ids, last=last, h=h, freq=self.freq_, exog_cols=self.exog_cols_
        )

        jobs = []
        for uid, rows in grid.groupby("unique_id", sort=True):
            X_future = (
                rows[self.exog_cols_].to_numpy(float) if self.exog_cols_ else None
            )
            jobs.append((uid, X_future))

        def run(job: tuple[str, np.ndarray | None]) -> dict[str, np.ndarray]:
            uid, X_future = job
            state, series = self.states_[uid], self.series_[uid]
            if isinstance(state, _Fallback):
                return state.quantiles(h, quantiles)
            return self._quantiles_one(state, series, h, X_future, quantiles)

        results = dask_map(run, jobs, batch_size=self.batch_size)
        out = grid[["unique_id", "ds"]].copy()
        for col in ["mean", *(quantile_column(q) for q in quantiles)]:
            out[col] = np.concatenate([r[col] for r in results])
        return out

    def _quantiles_one(
        self,
        state: Any,
        series: SeriesData,
        h: int,
        X_future: np.ndarray | None,
        quantiles: Sequence[float],
    ) -> dict[str, np.ndarray]:
        mean, se = self._forecast_one(state, series, h, X_future)
        mean = np.asarray(mean, float)
        return {"mean": mean, **normal_quantiles(mean, se, quantiles)}


class _Fallback:
    """Seasonal naive with residual spread, used when a model fails on a series."""

    def __init__(self, y: np.ndarray, m: int):
        self.y = y
        self.m = m if len(y) > m else 1

    def quantiles(self, h: int, quantiles: Sequence[float]) -> dict[str, np.ndarray]:
        m = self.m
        season = self.y[-m:]
        mean = np.resize(season, h).astype(float)
        resid = self.y[m:] - self.y[:-m]
        sigma = float(np.std(resid)) if len(resid) > 1 else 0.0
        se = sigma * np.sqrt(np.arange(h) // m + 1)
        return {"mean": mean, **normal_quantiles(mean, se, quantiles)}
