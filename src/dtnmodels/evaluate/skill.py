"""Skill against a reference, and whether two forecasts really differ.

:func:`skill_score` turns a score into the fraction of the possible
improvement over a reference (a baseline forecast or climatology) that a
model achieves. :func:`diebold_mariano` tests whether the loss difference
between two forecasts of the same observations is significantly non-zero,
with the small-sample correction of Harvey, Leybourne & Newbold (1997).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np
import xarray as xr
from scipy import stats

from dtnmodels.core.errors import DataValidationError, DtnModelsWarning, warn

__all__ = ["DMResult", "diebold_mariano", "skill_score"]

log = logging.getLogger(__name__)


def skill_score(score: Any, reference: Any, *, perfect: float = 0.0) -> Any:
    r"""Skill of ``score`` relative to ``reference``: 1 perfect, 0 no better.

    .. math:: SS = \frac{S_\text{ref} - S}{S_\text{ref} - S_\text{perfect}}

    Negative values mean worse than the reference. Works element-wise on
    floats, arrays and xarray objects (e.g. the MAE of a model and of
    seasonal naive give the MAE skill score).

    Parameters
    ----------
    score, reference : float, array-like or xarray object
        The model's score and the reference's score (same metric).
    perfect : float, default 0.0
        Value of the metric for a perfect forecast (0 for errors, 1 for
        R² or AUC).
    """
    if isinstance(reference, xr.DataArray | xr.Dataset):
        denominator = reference - perfect
        return (reference - score) / denominator.where(denominator != 0)

    ref = np.asarray(reference, dtype=float)
    denominator = np.where(ref == perfect, np.nan, ref - perfect)
    result = (ref - np.asarray(score, dtype=float)) / denominator
    return float(result) if result.ndim == 0 else result


class DMResult(NamedTuple):
    """Outcome of :func:`diebold_mariano`."""

    statistic: float
    """Test statistic (HLN-corrected when ``harvey``); negative = ``a`` better."""
    pvalue: float
    """p-value for the chosen alternative."""
    mean_difference: float
    """Mean loss of ``a`` minus mean loss of ``b``."""
    n: int
    """Number of paired observations used."""


_LOSSES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "squared": np.square,
    "absolute": np.abs,
}


def diebold_mariano(
    fcst_a: Any,
    fcst_b: Any,
    obs: Any,
    *,
    h: int = 1,
    loss: Literal["squared", "absolute"] | Callable[[np.ndarray], np.ndarray] = (
        "squared"
    ),
    harvey: bool = True,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> DMResult:
    r"""Diebold–Mariano test of equal predictive accuracy of two forecasts.

    With loss differential :math:`d_t = L(a_t - o_t) - L(b_t - o_t)`, mean
    :math:`\bar d` and autocovariances :math:`\hat\gamma_k` of :math:`d`
    (divisor :math:`n`):

    .. math::
        DM = \frac{\bar d}{\sqrt{(\hat\gamma_0 + 2\sum_{k=1}^{h-1}
             \hat\gamma_k) / n}}, \qquad
        DM^* = DM \sqrt{\frac{n + 1 - 2h + h(h - 1)/n}{n}}

    ``DM*`` (``harvey=True``) is compared with Student's t with ``n - 1``
    degrees of freedom, ``DM`` with the standard normal. If the long-run
    variance estimate is not positive (possible for ``h > 1``), only
    :math:`\hat\gamma_0` is used and a warning is given.

    Parameters
    ----------
    fcst_a, fcst_b : array-like
        Two forecasts of the same 1-D sequence of observations (one lead
        time, in time order). NaN triples are dropped.
    obs : array-like
        Observations.
    h : int, default 1
        Forecast horizon in steps; the loss differential of an h-step
        forecast is taken to be MA(h-1).
    loss : {"squared", "absolute"} or callable, default "squared"
        Loss applied to the errors ``fcst - obs``.
    harvey : bool, default True
        Apply the Harvey, Leybourne & Newbold small-sample correction.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        "less": ``a`` has the smaller expected loss; "greater": larger.

    Returns
    -------
    DMResult
        ``statistic``, ``pvalue``, ``mean_difference`` and ``n``.

    References
    ----------
    Diebold, F. X., & Mariano, R. S. (1995). Comparing predictive accuracy.
    Journal of Business & Economic Statistics, 13(3), 253–263.
    https://doi.org/10.1080/07350015.1995.10524599

    Harvey, D., Leybourne, S., & Newbold, P. (1997). Testing the equality of
    prediction mean squared errors. International Journal of Forecasting,
    13(2), 281–291. https://doi.org/10.1016/S0169-2070(96)00719-4
    """
    a, b, o = (np.asarray(x, dtype=float).ravel() for x in (fcst_a, fcst_b, obs))
    if not a.size == b.size == o.size:
        raise DataValidationError(
            f"fcst_a, fcst_b and obs must have the same length; got "
            f"{a.size}, {b.size}, {o.size}"
        )
    valid = ~(np.isnan(a) | np.isnan(b) | np.isnan(o))
    a, b, o = a[valid], b[valid], o[valid]
    n, h = a.size, int(h)
    if h < 1:
        raise DataValidationError(f"h must be >= 1; got {h}")
    if n < max(3, 2 * h):
        raise DataValidationError(
            f"diebold_mariano needs at least max(3, 2h) = {max(3, 2 * h)} paired "
            f"values; got {n}"
        )
    loss_fn = _LOSSES.get(loss) if isinstance(loss, str) else loss
    if loss_fn is None:
        raise DataValidationError(
            f"loss must be one of {sorted(_LOSSES)} or a callable"
        )

    d = loss_fn(a - o) - loss_fn(b - o)
    d_mean = float(d.mean())
    centred = d - d_mean
    gamma = [float(np.dot(centred[k:], centred[: n - k]) / n) for k in range(h)]
    variance = (gamma[0] + 2.0 * sum(gamma[1:])) / n
    if variance <= 0 and h > 1:
        warn(
            "diebold_mariano: long-run variance estimate is not positive; "
            "using the lag-0 variance only",
            DtnModelsWarning,
        )
        variance = gamma[0] / n

    if variance <= 0:
        statistic = 0.0 if d_mean == 0 else np.copysign(np.inf, d_mean)
    else:
        statistic = d_mean / np.sqrt(variance)
    if harvey:
        statistic *= np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
        dist = stats.t(df=n - 1)
    else:
        dist = stats.norm()

    if alternative == "two-sided":
        pvalue = 2.0 * dist.sf(abs(statistic))
    elif alternative == "less":
        pvalue = dist.cdf(statistic)
    elif alternative == "greater":
        pvalue = dist.sf(statistic)
    else:
        raise DataValidationError(
            f"alternative must be 'two-sided', 'less' or 'greater'; got {alternative!r}"
        )
    log.debug("DM n=%r h=%r stat=%r p=%r", n, h, statistic, pvalue)
    return DMResult(float(statistic), float(pvalue), d_mean, n)
