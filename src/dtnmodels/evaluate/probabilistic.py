"""Scores for probabilistic forecasts: quantiles, intervals, ensembles, Gaussians.

Same conventions as :mod:`dtnmodels.evaluate.metrics`: forecast first,
observation last, options keyword-only, NumPy or xarray in and out. All
scores are in the units of the observation except coverage (a fraction
0–1). Lower is better for every score here; coverage should match its
nominal level.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import xarray as xr
from scipy.special import erf

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate._common import (
    Dims,
    average,
    fill_doc,
    is_xarray,
    mask_pairs,
    prepare,
    resolve_dims,
)

__all__ = [
    "crps_ensemble",
    "crps_gaussian",
    "interval_coverage",
    "interval_score",
    "pinball_loss",
]


@fill_doc
def pinball_loss(
    fcst: Any,
    obs: Any,
    *,
    alpha: Any,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Pinball (quantile) loss of a forecast of the ``alpha`` quantile.

    .. math:: L_\alpha(f, o) = \max\{\alpha (o - f),\ (\alpha - 1)(o - f)\}

    Parameters
    ----------
    fcst, obs : array-like, DataArray or Dataset
        Quantile forecast and observation.
    alpha : float, array-like or DataArray
        Quantile level(s) in (0, 1). An array broadcasts against ``fcst``
        (e.g. one level per column of a ``(n, n_quantiles)`` array, or a
        DataArray over a ``quantile`` dim), which averages the loss over
        several quantiles.
    %(reduce)s

    References
    ----------
    Koenker, R., & Bassett, G. (1978). Regression quantiles. Econometrica,
    46(1), 33–50. https://doi.org/10.2307/1913643
    """
    levels = np.asarray(alpha.values if isinstance(alpha, xr.DataArray) else alpha)
    if np.any((levels <= 0) | (levels >= 1)):
        raise DataValidationError(f"alpha must lie strictly in (0, 1); got {alpha!r}")

    if is_xarray(fcst) and not is_xarray(alpha):
        if levels.ndim:
            raise DataValidationError(
                "with xarray inputs give several alpha levels as a DataArray "
                "over the quantile dim"
            )
        alpha = xr.DataArray(float(levels))
    inputs = prepare(fcst, obs, alpha, names=("fcst", "obs", "alpha"), weights=weights)
    f, o, a = inputs.arrays
    diff = o - f
    loss = xr.where(diff >= 0, a * diff, (a - 1.0) * diff).where(diff.notnull())

    dims = resolve_dims(loss, reduce_dims, preserve_dims)
    return inputs.restore(average(loss, dims, weights=inputs.weights, skipna=skipna))


@fill_doc
def interval_coverage(
    fcst_lower: Any,
    fcst_upper: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    """Fraction of observations inside the closed interval [lower, upper] (0–1).

    Parameters
    ----------
    fcst_lower, fcst_upper : array-like, DataArray or Dataset
        Interval bounds, e.g. the 0.1 and 0.9 quantile forecasts (an 80 %
        interval, whose coverage should be near 0.8).
    obs : array-like, DataArray or Dataset
        Observation.
    %(reduce)s
    """
    inputs = prepare(
        fcst_lower,
        fcst_upper,
        obs,
        names=("fcst_lower", "fcst_upper", "obs"),
        weights=weights,
    )
    lower, upper, o = mask_pairs(*inputs.arrays)
    inside = ((o >= lower) & (o <= upper)).astype(float).where(o.notnull())

    dims = resolve_dims(inside, reduce_dims, preserve_dims)
    return inputs.restore(average(inside, dims, weights=inputs.weights, skipna=skipna))


@fill_doc
def interval_score(
    fcst_lower: Any,
    fcst_upper: Any,
    obs: Any,
    *,
    interval_range: float,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Interval (Winkler) score of a central prediction interval.

    .. math:: S = (u - l) + \frac{2}{\alpha}(l - o)\,\mathbb 1[o < l]
                  + \frac{2}{\alpha}(o - u)\,\mathbb 1[o > u],
              \qquad \alpha = 1 - \text{interval\_range}

    Parameters
    ----------
    fcst_lower, fcst_upper : array-like, DataArray or Dataset
        Interval bounds ``l`` and ``u``.
    obs : array-like, DataArray or Dataset
        Observation ``o``.
    interval_range : float
        Nominal coverage in (0, 1), e.g. 0.8 for the (0.1, 0.9) quantiles.
    %(reduce)s

    References
    ----------
    Gneiting, T., & Raftery, A. E. (2007). Strictly proper scoring rules,
    prediction, and estimation. Journal of the American Statistical
    Association, 102(477), 359–378. https://doi.org/10.1198/016214506000001437
    """
    if not 0.0 < float(interval_range) < 1.0:
        raise DataValidationError(
            f"interval_range must lie strictly in (0, 1); got {interval_range!r}"
        )
    alpha = 1.0 - float(interval_range)

    inputs = prepare(
        fcst_lower,
        fcst_upper,
        obs,
        names=("fcst_lower", "fcst_upper", "obs"),
        weights=weights,
    )
    lower, upper, o = mask_pairs(*inputs.arrays)
    below = (lower - o).clip(min=0)
    above = (o - upper).clip(min=0)
    score = (upper - lower) + (2.0 / alpha) * (below + above)

    dims = resolve_dims(score, reduce_dims, preserve_dims)
    return inputs.restore(average(score, dims, weights=inputs.weights, skipna=skipna))


def _crps_members(members: np.ndarray, obs: np.ndarray, fair: bool) -> np.ndarray:
    n = members.shape[-1]
    spread_to_obs = np.mean(np.abs(members - obs[..., None]), axis=-1)

    ordered = np.sort(members, axis=-1)
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    pair_sum = 2.0 * np.sum(weights * ordered, axis=-1)
    pairs = n * (n - 1) if fair else n * n
    spread = pair_sum / pairs if pairs > 0 else np.zeros_like(spread_to_obs)

    return spread_to_obs - 0.5 * spread


@fill_doc
def crps_ensemble(
    fcst: Any,
    obs: Any,
    *,
    member_dim: str = "member",
    method: Literal["ecdf", "fair"] = "ecdf",
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Continuous ranked probability score of an ensemble or sample forecast.

    .. math:: \mathrm{CRPS} = \frac{1}{M}\sum_i |x_i - o|
              - \frac{1}{2 K}\sum_{i,j} |x_i - x_j|,
              \quad K = M^2\ (\text{ecdf}),\ M(M - 1)\ (\text{fair})

    A forecast point with any NaN member has NaN CRPS.

    Parameters
    ----------
    fcst : array-like or DataArray
        Members. For arrays the *last* axis holds the members and the other
        axes match ``obs``; for DataArrays the members are along
        ``member_dim``.
    obs : array-like or DataArray
        Observation.
    member_dim : str, default "member"
        Member dim of a DataArray forecast.
    method : {"ecdf", "fair"}, default "ecdf"
        "ecdf" scores the empirical distribution of the members; "fair"
        is unbiased for the distribution the members are drawn from.
    %(reduce)s

    References
    ----------
    Ferro, C. A. T. (2014). Fair scores for ensemble forecasts. Quarterly
    Journal of the Royal Meteorological Society, 140(683), 1917–1923.
    https://doi.org/10.1002/qj.2270
    """
    if method not in ("ecdf", "fair"):
        raise DataValidationError(f"method must be 'ecdf' or 'fair'; got {method!r}")

    if isinstance(fcst, xr.DataArray | xr.Dataset):
        if member_dim not in fcst.dims:
            raise DataValidationError(
                f"fcst has no member dim {member_dim!r}; dims are {list(fcst.dims)}"
            )
        if fcst.sizes[member_dim] == 0:
            raise DataValidationError(f"fcst has no members along {member_dim!r}")
        members = fcst
    else:
        values = np.asarray(fcst, dtype=float)
        obs_values = np.asarray(obs, dtype=float)
        _check_member_shapes(values.shape, obs_values.shape)
        dims = [f"dim_{i}" for i in range(values.ndim - 1)] + [member_dim]
        members = xr.DataArray(values, dims=dims)
        obs = xr.DataArray(obs_values, dims=dims[: obs_values.ndim])
        if weights is not None:
            weights = xr.DataArray(np.asarray(weights, dtype=float), dims=dims[:-1])

    score = xr.apply_ufunc(
        _crps_members,
        members,
        obs,
        kwargs={"fair": method == "fair"},
        input_core_dims=[[member_dim], []],
        dask="parallelized",
        dask_gufunc_kwargs={"allow_rechunk": True},
        output_dtypes=[float],
    )

    inputs = prepare(score, names=("crps",), weights=weights)
    (score,) = inputs.arrays
    dims = resolve_dims(score, reduce_dims, preserve_dims)
    result = average(score, dims, weights=inputs.weights, skipna=skipna)
    if isinstance(fcst, xr.DataArray | xr.Dataset):
        return result
    values = np.asarray(result.values)
    return float(values) if values.ndim == 0 else values


def _check_member_shapes(fcst_shape: tuple, obs_shape: tuple) -> None:
    """Array members lie on the last axis; the other axes must match ``obs``."""
    if len(fcst_shape) == 0 or fcst_shape[-1] == 0:
        raise DataValidationError(
            f"fcst of shape {fcst_shape} has no members; put the members on the "
            "last axis, e.g. shape (n_points, n_members)"
        )
    if tuple(fcst_shape[:-1]) != tuple(obs_shape):
        raise DataValidationError(
            f"fcst of shape {fcst_shape} does not match obs of shape {obs_shape}: "
            f"expected fcst of shape {(*obs_shape, 'n_members')} (members on the "
            "last axis)"
        )


@fill_doc
def crps_gaussian(
    fcst_mean: Any,
    fcst_std: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""CRPS of a Gaussian forecast :math:`N(\mu, \sigma^2)`, closed form.

    .. math:: \mathrm{CRPS} = \sigma\left[z\,(2\Phi(z) - 1) + 2\varphi(z)
              - \tfrac{1}{\sqrt{\pi}}\right], \quad z = (o - \mu)/\sigma

    A zero standard deviation gives the absolute error :math:`|\mu - o|`.

    Parameters
    ----------
    fcst_mean, fcst_std : array-like, DataArray or Dataset
        Mean and standard deviation (``>= 0``) of the forecast distribution.
    obs : array-like, DataArray or Dataset
        Observation.
    %(reduce)s

    References
    ----------
    Gneiting, T., Raftery, A. E., Westveld, A. H., & Goldman, T. (2005).
    Calibrated probabilistic forecasting using ensemble model output
    statistics and minimum CRPS estimation. Monthly Weather Review, 133(5),
    1098–1118. https://doi.org/10.1175/MWR2904.1
    """
    inputs = prepare(
        fcst_mean,
        fcst_std,
        obs,
        names=("fcst_mean", "fcst_std", "obs"),
        weights=weights,
    )
    mu, sigma, o = mask_pairs(*inputs.arrays)
    if bool((sigma < 0).any()):
        raise DataValidationError("fcst_std must be non-negative")

    safe = sigma.where(sigma > 0)
    z = (o - mu) / safe
    cdf = 0.5 * (1.0 + erf(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    gaussian = safe * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi))
    score = xr.where(sigma > 0, gaussian, abs(mu - o)).where(o.notnull())

    dims = resolve_dims(score, reduce_dims, preserve_dims)
    return inputs.restore(average(score, dims, weights=inputs.weights, skipna=skipna))
