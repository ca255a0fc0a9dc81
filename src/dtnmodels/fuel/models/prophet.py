"""Prophet with holidays, regressors and changepoints, per series.

Columns named ``holiday*`` (0/1 flags) become Prophet holidays (named after the
column); every other exogenous column — price, temperature and the ``shock_*``
intervention indicators — is an extra regressor. A shock therefore stays a
one-off: its indicator is 0 in the future, unlike a shock coded as a holiday,
which Prophet would repeat wherever that holiday's dates recur.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dtnmodels.core.interfaces import quantile_column
from dtnmodels.core.registry import register_model
from dtnmodels.fuel.models._base import PerSeriesForecaster, SeriesData

__all__ = ["ProphetForecaster"]


def _quiet() -> None:
    for name in ("prophet", "cmdstanpy"):
        logging.getLogger(name).setLevel(logging.WARNING)


@register_model("forecaster", "prophet")
class ProphetForecaster(PerSeriesForecaster):
    """Facebook Prophet per series, with holidays, regressors and changepoints.

    Parameters
    ----------
    changepoint_prior_scale : float, default 0.05
        Flexibility of the piecewise-linear trend.
    n_changepoints : int, default 25
        Potential trend changepoints in the first 80 % of the history.
    seasonality_mode : {"additive", "multiplicative"}, default "additive"
    yearly_seasonality, weekly_seasonality : bool or "auto", default "auto"
    uncertainty_samples : int, default 200
        Posterior draws used for the quantiles.
    season_length, batch_size
        See :class:`PerSeriesForecaster`.

    References
    ----------
    Taylor, S. J., & Letham, B. (2018). Forecasting at scale. The American
    Statistician, 72(1), 37–45. https://doi.org/10.1080/00031305.2017.1380080
    """

    supports_exog = True

    def __init__(
        self,
        *,
        changepoint_prior_scale: float = 0.05,
        n_changepoints: int = 25,
        seasonality_mode: str = "additive",
        yearly_seasonality: bool | str = "auto",
        weekly_seasonality: bool | str = "auto",
        uncertainty_samples: int = 200,
        season_length: int | None = None,
        batch_size: int = 4,
    ):
        super().__init__(season_length=season_length, batch_size=batch_size)
        self.changepoint_prior_scale = changepoint_prior_scale
        self.n_changepoints = n_changepoints
        self.seasonality_mode = seasonality_mode
        self.yearly_seasonality = yearly_seasonality
        self.weekly_seasonality = weekly_seasonality
        self.uncertainty_samples = uncertainty_samples

    def _split(self) -> tuple[list[str], list[str]]:
        holidays = [c for c in self.exog_cols_ if c.startswith("holiday")]
        regressors = [c for c in self.exog_cols_ if c not in holidays]
        return holidays, regressors

    def _frame(self, ds: np.ndarray, X: np.ndarray | None) -> pd.DataFrame:
        frame = pd.DataFrame({"ds": pd.to_datetime(ds)})
        if X is not None:
            for j, col in enumerate(self.exog_cols_):
                frame[col] = X[:, j]
        return frame

    def _fit_one(self, series: SeriesData):
        from prophet import Prophet

        _quiet()
        holidays_cols, regressors = self._split()
        frame = self._frame(series.ds, series.X)
        frame["y"] = series.y
        weekly = self.weekly_seasonality
        if self.freq_ != "D" and weekly == "auto":
            weekly = False
        model = Prophet(
            changepoint_prior_scale=self.changepoint_prior_scale,
            n_changepoints=min(self.n_changepoints, max(len(frame) // 4, 1)),
            seasonality_mode=self.seasonality_mode,
            yearly_seasonality=self.yearly_seasonality,
            weekly_seasonality=weekly,
            daily_seasonality=False,
            uncertainty_samples=self.uncertainty_samples,
            holidays=self._holidays(frame, holidays_cols),
        )
        for col in regressors:
            if frame[col].std() > 0:
                model.add_regressor(col)
        model.fit(frame, algorithm="LBFGS")
        return model

    def _holidays(self, frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame | None:
        rows = [
            pd.DataFrame({"holiday": col, "ds": frame.loc[frame[col] > 0, "ds"]})
            for col in cols
        ]
        rows = [r for r in rows if len(r)]
        return pd.concat(rows, ignore_index=True) if rows else None

    def _quantiles_one(self, state, series, h, X_future, quantiles: Sequence[float]):
        from prophet import Prophet

        future = self._frame(self._future_ds(series, h), X_future)
        if state.holidays is not None:  # add the horizon's holiday dates by name
            cols, _ = self._split()
            ahead = [
                pd.DataFrame({"holiday": c, "ds": future.loc[future[c] > 0, "ds"]})
                for c in cols
            ]
            state.holidays = pd.concat([state.holidays, *ahead], ignore_index=True)
            state.holidays = state.holidays.drop_duplicates(ignore_index=True)
        assert isinstance(state, Prophet)
        rng_state = np.random.get_state()
        np.random.seed(0)
        try:
            samples = state.predictive_samples(future)["yhat"]
        finally:
            np.random.set_state(rng_state)
        out = {"mean": state.predict(future)["yhat"].to_numpy()}
        for q in quantiles:
            out[quantile_column(q)] = np.quantile(samples, q, axis=1)
        return out

    def _future_ds(self, series: SeriesData, h: int) -> np.ndarray:
        offset = pd.tseries.frequencies.to_offset(self.freq_)
        start = pd.Timestamp(series.ds[-1]) + offset
        return pd.date_range(start, periods=h, freq=offset).to_numpy()
