"""ETS, SARIMAX (with exogenous regressors) and Theta, from statsmodels.

Each is a :class:`~dtnmodels.fuel.models._base.PerSeriesForecaster`: one
statsmodels fit per series, run in parallel through dask, quantiles from the
model's own forecast variance under a Gaussian error.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from dtnmodels.core.registry import register_model
from dtnmodels.fuel.models._base import PerSeriesForecaster, SeriesData

__all__ = [
    "ETSForecaster",
    "SARIMAXForecaster",
    "ThetaForecaster",
    "ses_error_variance",
]


@register_model("forecaster", "ets")
class ETSForecaster(PerSeriesForecaster):
    """Exponential smoothing (additive error, damped trend, additive season).

    Uses ``statsmodels.tsa.exponential_smoothing.ets.ETSModel`` per series;
    the season is dropped for series shorter than two seasons.

    Parameters
    ----------
    trend : bool, default True
        Include a damped additive trend.
    seasonal : bool, default True
        Include an additive season of ``season_length``.
    season_length, batch_size
        See :class:`PerSeriesForecaster`.

    References
    ----------
    Hyndman, R. J., Koehler, A. B., Ord, J. K., & Snyder, R. D. (2008).
    Forecasting with exponential smoothing. Springer.
    https://doi.org/10.1007/978-3-540-71918-2
    """

    def __init__(
        self,
        *,
        trend: bool = True,
        seasonal: bool = True,
        season_length: int | None = None,
        batch_size: int = 8,
    ):
        super().__init__(season_length=season_length, batch_size=batch_size)
        self.trend = trend
        self.seasonal = seasonal

    def _fit_one(self, series: SeriesData):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        seasonal = self.seasonal and self.m_ > 1 and len(series.y) >= 2 * self.m_ + 2
        model = ETSModel(
            pd.Series(series.y),
            error="add",
            trend="add" if self.trend else None,
            damped_trend=self.trend,
            seasonal="add" if seasonal else None,
            seasonal_periods=self.m_ if seasonal else None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(disp=False, maxiter=200)

    def _forecast_one(self, state, series, h, X_future):
        n = len(series.y)
        pred = state.get_prediction(start=n, end=n + h - 1)
        return np.asarray(pred.predicted_mean), np.sqrt(
            np.asarray(pred.forecast_variance)
        )


@register_model("forecaster", "sarimax")
class SARIMAXForecaster(PerSeriesForecaster):
    """Seasonal ARIMA with exogenous regressors (statsmodels ``SARIMAX``).

    Every column besides ``unique_id``, ``ds`` and ``y`` is a regressor (price,
    temperature, holiday flags, shock indicators), so its future values are
    needed for the horizon.

    Parameters
    ----------
    order : sequence of 3 int, default (1, 0, 1)
        Non-seasonal ``(p, d, q)``.
    seasonal_order : sequence of 3 int, default (0, 1, 1)
        Seasonal ``(P, D, Q)``; the period is ``season_length``.
    trend : str, default "n"
        statsmodels trend term (``"n"``, ``"c"``, ``"t"``, ``"ct"``).
    season_length, batch_size
        See :class:`PerSeriesForecaster`.
    """

    supports_exog = True

    def __init__(
        self,
        *,
        order=(1, 0, 1),
        seasonal_order=(0, 1, 1),
        trend: str = "n",
        season_length: int | None = None,
        batch_size: int = 8,
    ):
        super().__init__(season_length=season_length, batch_size=batch_size)
        self.order = tuple(order)
        self.seasonal_order = tuple(seasonal_order)
        self.trend = trend

    def _fit_one(self, series: SeriesData):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        seasonal = (*self.seasonal_order, self.m_) if self.m_ > 1 else (0, 0, 0, 0)
        X = series.X
        if X is not None:
            keep = X.std(axis=0) > 0  # constant columns (e.g. shock absent) drop out
            X = X[:, keep] if keep.any() else None
        else:
            keep = None
        model = SARIMAX(
            series.y,
            exog=X,
            order=self.order,
            seasonal_order=seasonal,
            trend=self.trend,
            enforce_stationarity=False,
            enforce_invertibility=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(disp=False, maxiter=50), keep

    def _forecast_one(self, state, series, h, X_future):
        result, keep = state
        exog = None
        if keep is not None and keep.any() and X_future is not None:
            exog = X_future[:, keep]
        fc = result.get_forecast(h, exog=exog)
        return np.asarray(fc.predicted_mean), np.asarray(fc.se_mean)


@register_model("forecaster", "theta")
class ThetaForecaster(PerSeriesForecaster):
    """The Theta method (Assimakopoulos & Nikolopoulos, 2000), statsmodels.

    Multiplicatively deseasonalised when the series is seasonal and positive.

    References
    ----------
    Assimakopoulos, V., & Nikolopoulos, K. (2000). The theta model: a
    decomposition approach to forecasting. International Journal of
    Forecasting, 16(4), 521–530. https://doi.org/10.1016/S0169-2070(00)00066-2
    """

    def _fit_one(self, series: SeriesData):
        from statsmodels.tsa.forecasting.theta import ThetaModel

        deseason = self.m_ > 1 and len(series.y) >= 2 * self.m_
        method = "auto" if np.all(series.y > 0) else "additive"
        model = ThetaModel(
            series.y,
            period=self.m_ if deseason else 1,
            deseasonalize=deseason,
            method=method,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit()

    def _forecast_one(self, state, series, h, X_future):
        # SES error variance, sigma^2 (1 + (k - 1) alpha^2). sigma^2 is the
        # variance of the SES one-step errors at the fitted alpha: statsmodels'
        # ``sigma2`` refits an ARIMA(0,1,1) by maximum likelihood for it, which
        # costs ~20x the Theta fit itself
        mean = np.asarray(state.forecast(h))
        alpha = float(state.params.get("alpha", 0.0))
        steps = np.arange(h)
        sigma2 = ses_error_variance(series.y, alpha)
        se = np.sqrt(sigma2 * (1.0 + steps * alpha**2))
        return mean, se


def ses_error_variance(y: np.ndarray, alpha: float) -> float:
    """Variance of the one-step errors of simple exponential smoothing.

    The level starts at the first value, ``l_t = alpha y_t + (1 - alpha)
    l_{t-1}``, and the error of step ``t`` is ``y_t - l_{t-1}``; the errors are
    centred (a drift is not an error) before squaring.

    Parameters
    ----------
    y : ndarray
        Observations of one series, in time order (units of demand).
    alpha : float
        Smoothing weight in [0, 1].

    Returns
    -------
    float
        Error variance, in squared units of ``y``; 0 for fewer than 3 values.
    """
    from scipy.signal import lfilter

    y = np.asarray(y, float)
    if len(y) < 3:
        return 0.0
    level, _ = lfilter([alpha], [1.0, alpha - 1.0], y, zi=[(1.0 - alpha) * y[0]])
    errors = y[1:] - level[:-1]
    return float(np.var(errors, ddof=1))
