"""Deterministic (point-forecast) scores on arrays and xarray objects.

Every function takes the forecast then the observation, positionally, and
options keyword-only: ``metric(fcst, obs, *, reduce_dims=None,
preserve_dims=None, weights=None, skipna=True)``. NumPy-like inputs return a
float (or an array when ``preserve_dims`` keeps axes); xarray inputs return
an xarray object over the preserved dims. Errors are ``fcst - obs``.

Percentage errors (MAPE, sMAPE) are in percent (0–100 scale, sMAPE at most
200). Scaled errors (MASE, RMSSE) are unitless.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import xarray as xr

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn
from dtnmodels.evaluate._common import (
    Dims,
    apply_on_samples,
    as_dataarray,
    average,
    fill_doc,
    mask_pairs,
    prepare,
    resolve_dims,
)

__all__ = [
    "bias",
    "mae",
    "mape",
    "mase",
    "mse",
    "nrmse",
    "r2",
    "rank",
    "rmse",
    "rmsse",
    "seasonal_scale",
    "smape",
    "spearman",
]

log = logging.getLogger(__name__)


def _pointwise_mean(
    pointwise: Any,
    fcst: Any,
    obs: Any,
    reduce_dims: Dims,
    preserve_dims: Dims,
    weights: Any,
    skipna: bool,
) -> Any:
    inputs = prepare(fcst, obs, names=("fcst", "obs"), weights=weights)
    f, o = inputs.arrays

    score = pointwise(f, o)
    dims = resolve_dims(score, reduce_dims, preserve_dims)
    return inputs.restore(average(score, dims, weights=inputs.weights, skipna=skipna))


@fill_doc
def mae(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Mean absolute error, :math:`\overline{|f - o|}`, in the units of ``obs``.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s

    Returns
    -------
    float, ndarray or xarray object
        The score over the reduced dims.
    """
    return _pointwise_mean(
        lambda f, o: abs(f - o), fcst, obs, reduce_dims, preserve_dims, weights, skipna
    )


@fill_doc
def mse(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Mean squared error, :math:`\overline{(f - o)^2}`, in squared units.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s
    """
    return _pointwise_mean(
        lambda f, o: (f - o) ** 2,
        fcst,
        obs,
        reduce_dims,
        preserve_dims,
        weights,
        skipna,
    )


@fill_doc
def rmse(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Root mean squared error, :math:`\sqrt{\overline{(f - o)^2}}`.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s
    """
    squared = mse(
        fcst,
        obs,
        reduce_dims=reduce_dims,
        preserve_dims=preserve_dims,
        weights=weights,
        skipna=skipna,
    )
    return np.sqrt(squared)


@fill_doc
def bias(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Mean (additive) error, :math:`\overline{f - o}`; positive = over-forecast.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s
    """
    return _pointwise_mean(
        lambda f, o: f - o, fcst, obs, reduce_dims, preserve_dims, weights, skipna
    )


@fill_doc
def mape(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Mean absolute percentage error, :math:`100\,\overline{|f - o| / |o|}`.

    Points where ``obs == 0`` have no defined percentage error; they are
    treated as missing (left out when ``skipna``).

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s
    """

    def pointwise(f: Any, o: Any) -> Any:
        denominator = abs(o)
        return 100.0 * abs(f - o) / denominator.where(denominator > 0)

    return _pointwise_mean(
        pointwise, fcst, obs, reduce_dims, preserve_dims, weights, skipna
    )


@fill_doc
def smape(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Symmetric MAPE as in the M4 competition, in percent (0–200).

    .. math:: \mathrm{sMAPE} = \frac{100}{n} \sum \frac{2 |f - o|}{|f| + |o|}

    Points with ``f == o == 0`` count as zero error.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s

    References
    ----------
    Makridakis, S., Spiliotis, E., & Assimakopoulos, V. (2020). The M4
    Competition: 100,000 time series and 61 forecasting methods. International
    Journal of Forecasting, 36(1), 54–74.
    https://doi.org/10.1016/j.ijforecast.2019.04.014
    """

    def pointwise(f: Any, o: Any) -> Any:
        numerator = 200.0 * abs(f - o)
        denominator = abs(f) + abs(o)
        return xr.where(
            denominator > 0, numerator / denominator.where(denominator > 0), 0.0
        ).where(f.notnull() & o.notnull())

    return _pointwise_mean(
        pointwise, fcst, obs, reduce_dims, preserve_dims, weights, skipna
    )


def seasonal_scale(
    insample: Any,
    *,
    season_length: int = 1,
    time_dim: str = "time",
    power: Literal[1, 2] = 1,
) -> Any:
    r"""Mean in-sample seasonal-naive error: the MASE (``power=1``) or RMSSE scale.

    .. math:: s = \frac{1}{T - m} \sum_{t=m+1}^{T} |y_t - y_{t-m}|^p

    NaNs in ``insample`` are skipped pairwise, so ragged histories can be
    NaN-padded.

    Parameters
    ----------
    insample : array-like or DataArray
        History before the forecast origin. For arrays the *last* axis is time
        and leading axes match the leading axes of the forecast (e.g. shape
        ``(n_series, T)`` for forecasts of shape ``(n_series, h)``).
    season_length : int, default 1
        Seasonal period ``m`` in time steps (1 = non-seasonal naive).
    time_dim : str, default "time"
        Name of the time dim of a DataArray ``insample``.
    power : {1, 2}, default 1
        1 for the MASE scale (mean absolute difference), 2 for RMSSE (mean
        squared difference, not square-rooted).

    Returns
    -------
    float, ndarray or DataArray
        Scale per series; series with fewer than ``m + 1`` points are NaN.
    """
    if int(season_length) < 1:
        raise DataValidationError(f"season_length must be >= 1, got {season_length!r}")
    numpy = not isinstance(insample, xr.DataArray)
    if numpy:
        values = np.asarray(insample, dtype=float)
        dims = [f"dim_{i}" for i in range(values.ndim - 1)] + [time_dim]
        insample = as_dataarray(values, name="insample", dims=dims)
    if time_dim not in insample.dims:
        raise DataValidationError(
            f"insample has no time dim {time_dim!r}; dims are {list(insample.dims)}"
        )

    m = int(season_length)
    diffs = abs(insample - insample.shift({time_dim: m})) ** power
    scale = diffs.mean(dim=time_dim, skipna=True)
    if numpy:
        values = np.asarray(scale.values)
        return float(values) if values.ndim == 0 else values
    return scale


def _scaled_error(
    fcst: Any,
    obs: Any,
    *,
    insample: Any,
    scale: Any,
    season_length: int,
    time_dim: str,
    power: Literal[1, 2],
    reduce_dims: Dims,
    preserve_dims: Dims,
    weights: Any,
    skipna: bool,
    name: str,
) -> Any:
    if (insample is None) == (scale is None):
        raise DataValidationError(f"{name}: give exactly one of insample or scale")
    if scale is None:
        scale = seasonal_scale(
            insample, season_length=season_length, time_dim=time_dim, power=power
        )

    inputs = prepare(fcst, obs, names=("fcst", "obs"), weights=weights)
    f, o = inputs.arrays
    if inputs.numpy:
        scale_values = np.asarray(scale, dtype=float)
        scale = xr.DataArray(scale_values, dims=f.dims[: scale_values.ndim])

    if bool((scale <= 0).any()):
        warn(
            f"{name}: in-sample seasonal differences are all zero for some series "
            "(constant history); their scaled errors are NaN",
            DataGapWarning,
        )
    scale = scale.where(scale > 0)

    score = abs(f - o) ** power / scale
    dims = resolve_dims(score, reduce_dims, preserve_dims)
    return inputs.restore(average(score, dims, weights=inputs.weights, skipna=skipna))


@fill_doc
def mase(
    fcst: Any,
    obs: Any,
    *,
    insample: Any = None,
    scale: Any = None,
    season_length: int = 1,
    time_dim: str = "time",
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Mean absolute scaled error (Hyndman & Koehler, 2006).

    .. math:: \mathrm{MASE} = \overline{|f - o|} / s,\quad
              s = \overline{|y_t - y_{t-m}|}_{\text{in-sample}}

    Averaging over several series pools the scaled errors
    :math:`|f - o| / s_i`, which equals the mean of per-series MASE when every
    series has the same horizon (the M4 convention).

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    insample : array-like or DataArray, optional
        History used for the scale (see :func:`seasonal_scale`).
    scale : array-like or DataArray, optional
        Precomputed scale per series, instead of ``insample``.
    season_length : int, default 1
        Seasonal period ``m`` of the naive reference.
    time_dim : str, default "time"
        Time dim of a DataArray ``insample``.
    %(reduce)s

    References
    ----------
    Hyndman, R. J., & Koehler, A. B. (2006). Another look at measures of
    forecast accuracy. International Journal of Forecasting, 22(4), 679–688.
    https://doi.org/10.1016/j.ijforecast.2006.03.001
    """
    return _scaled_error(
        fcst,
        obs,
        insample=insample,
        scale=scale,
        season_length=season_length,
        time_dim=time_dim,
        power=1,
        reduce_dims=reduce_dims,
        preserve_dims=preserve_dims,
        weights=weights,
        skipna=skipna,
        name="mase",
    )


@fill_doc
def rmsse(
    fcst: Any,
    obs: Any,
    *,
    insample: Any = None,
    scale: Any = None,
    season_length: int = 1,
    time_dim: str = "time",
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Root mean squared scaled error (M5 competition).

    .. math:: \mathrm{RMSSE} = \sqrt{\overline{(f - o)^2} / s_2},\quad
              s_2 = \overline{(y_t - y_{t-m})^2}_{\text{in-sample}}

    Over several series the squared scaled errors are pooled before the root;
    use ``preserve_dims`` (or :func:`~dtnmodels.evaluate.score_frame`) to get
    one RMSSE per series.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    insample : array-like or DataArray, optional
        History used for the scale (see :func:`seasonal_scale`).
    scale : array-like or DataArray, optional
        Precomputed mean squared seasonal difference per series.
    season_length : int, default 1
        Seasonal period ``m`` of the naive reference.
    time_dim : str, default "time"
        Time dim of a DataArray ``insample``.
    %(reduce)s
    """
    squared = _scaled_error(
        fcst,
        obs,
        insample=insample,
        scale=scale,
        season_length=season_length,
        time_dim=time_dim,
        power=2,
        reduce_dims=reduce_dims,
        preserve_dims=preserve_dims,
        weights=weights,
        skipna=skipna,
        name="rmsse",
    )
    return np.sqrt(squared)


@fill_doc
def r2(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Coefficient of determination, :math:`1 - \sum (o - f)^2 / \sum (o - \bar o)^2`.

    Equal to scikit-learn's ``r2_score`` (and to the Nash–Sutcliffe
    efficiency). NaN when ``obs`` is constant over the reduced points.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    %(reduce)s
    """
    inputs = prepare(fcst, obs, names=("fcst", "obs"), weights=weights)
    f, o = mask_pairs(*inputs.arrays)
    dims = resolve_dims(f, reduce_dims, preserve_dims)

    w = inputs.weights
    sse = average((o - f) ** 2, dims, weights=w, skipna=skipna)
    mean_obs = average(o, dims, weights=w, skipna=skipna)
    sst = average((o - mean_obs) ** 2, dims, weights=w, skipna=skipna)
    return inputs.restore(1.0 - sse / sst.where(sst > 0))


@fill_doc
def nrmse(
    fcst: Any,
    obs: Any,
    *,
    normalization: Literal["mean", "range", "std", "iqr"] = "mean",
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""RMSE divided by a statistic of the observations over the same points.

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Forecast and observation, broadcastable.
    normalization : {"mean", "range", "std", "iqr"}, default "mean"
        Divisor: mean of ``obs`` (the coefficient of variation of the RMSE),
        max − min, population standard deviation, or interquartile range.
        The divisor is unweighted.
    %(reduce)s
    """
    inputs = prepare(fcst, obs, names=("fcst", "obs"), weights=weights)
    f, o = mask_pairs(*inputs.arrays)
    dims = resolve_dims(f, reduce_dims, preserve_dims)

    error = np.sqrt(average((f - o) ** 2, dims, weights=inputs.weights, skipna=skipna))
    if normalization == "mean":
        divisor = o.mean(dim=dims, skipna=skipna)
    elif normalization == "range":
        divisor = o.max(dim=dims, skipna=skipna) - o.min(dim=dims, skipna=skipna)
    elif normalization == "std":
        divisor = o.std(dim=dims, skipna=skipna)
    elif normalization == "iqr":
        quartiles = o.quantile([0.25, 0.75], dim=dims, skipna=skipna)
        divisor = quartiles.sel(quantile=0.75) - quartiles.sel(quantile=0.25)
        divisor = divisor.drop_vars("quantile", errors="ignore")
    else:
        raise DataValidationError(
            "normalization must be one of 'mean', 'range', 'std', 'iqr'; "
            f"got {normalization!r}"
        )
    return inputs.restore(error / divisor.where(divisor != 0))


def rank(values: np.ndarray) -> np.ndarray:
    """Ranks from 1 to n with ties given their average rank (1-D, no NaN)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]

    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, ordered.size])
    average_rank = starts + (counts + 1) / 2.0

    ranks = np.empty(values.size)
    ranks[order] = np.repeat(average_rank, counts)
    return ranks


def _spearman_1d(f: np.ndarray, o: np.ndarray) -> float:
    if f.size < 2:
        return np.nan
    rf, ro = rank(f) - (f.size + 1) / 2.0, rank(o) - (o.size + 1) / 2.0
    denominator = np.sqrt(np.sum(rf**2) * np.sum(ro**2))
    return float(np.sum(rf * ro) / denominator) if denominator > 0 else np.nan


def spearman(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    skipna: bool = True,
) -> Any:
    r"""Spearman rank correlation between forecast and observation (−1 to 1).

    Pearson correlation of the ranks, ties at their average rank. NaN with
    fewer than two points or when either input is constant.

    Parameters
    ----------
    fcst, obs : array-like, DataArray
        Forecast and observation, broadcastable.
    reduce_dims, preserve_dims : str, int or sequence, optional
        Dims the correlation is computed over (default all) or kept.
    skipna : bool, default True
        Drop NaN pairs; if False any NaN gives NaN.
    """
    inputs = prepare(fcst, obs, names=("fcst", "obs"))
    f, o = xr.broadcast(*inputs.arrays)
    dims = resolve_dims(f, reduce_dims, preserve_dims)
    result = apply_on_samples(_spearman_1d, f, o, dims=dims, skipna=skipna)
    return inputs.restore(result)
