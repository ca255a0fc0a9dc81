"""Scores for events: probability forecasts and yes/no forecasts at a threshold.

An *event* is, for example, "more than 10 % of customers without power" or
"wind gust above 25 m/s". Probability forecasts are scored with the Brier
score and ROC AUC; deterministic forecasts are turned into yes/no at a
threshold and summarised by a 2×2 contingency table (hits, misses, false
alarms, correct negatives) and the scores derived from it.
"""

from __future__ import annotations

import operator as _operator
from typing import Any, Literal

import numpy as np
import xarray as xr

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate._common import (
    Dims,
    apply_on_samples,
    average,
    fill_doc,
    mask_pairs,
    prepare,
    resolve_dims,
)
from dtnmodels.evaluate.metrics import rank

__all__ = [
    "brier_score",
    "contingency_scores",
    "contingency_table",
    "roc_auc",
]

_OPERATORS = {
    ">=": _operator.ge,
    ">": _operator.gt,
    "<=": _operator.le,
    "<": _operator.lt,
}


def _check_binary(obs: Any, name: str) -> None:
    values = obs.values if hasattr(obs, "values") else np.asarray(obs)
    values = np.asarray(values, dtype=float)
    finite = values[~np.isnan(values)]
    if not np.isin(finite, (0.0, 1.0)).all():
        raise DataValidationError(
            f"{name} must hold 0/1 (or NaN); found values such as "
            f"{np.unique(finite[~np.isin(finite, (0.0, 1.0))])[:5].tolist()}; "
            "turn a continuous variable into events with a threshold first"
        )


@fill_doc
def brier_score(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
    skipna: bool = True,
) -> Any:
    r"""Brier score, :math:`\overline{(p - o)^2}`, for event probabilities (0–1).

    Parameters
    ----------
    fcst : array-like, DataArray or Dataset
        Forecast probability of the event, in [0, 1].
    obs : array-like, DataArray or Dataset
        1 where the event happened, 0 where not.
    %(reduce)s

    References
    ----------
    Brier, G. W. (1950). Verification of forecasts expressed in terms of
    probability. Monthly Weather Review, 78(1), 1–3.
    https://doi.org/10.1175/1520-0493(1950)078<0001:VOFEIT>2.0.CO;2
    """
    inputs = prepare(fcst, obs, names=("fcst", "obs"), weights=weights)
    p, o = inputs.arrays
    _check_binary(o, "obs")
    if bool(((p < 0) | (p > 1)).any()):
        raise DataValidationError("fcst must be probabilities in [0, 1]")

    dims = resolve_dims(p, reduce_dims, preserve_dims)
    score = (p - o) ** 2
    return inputs.restore(average(score, dims, weights=inputs.weights, skipna=skipna))


def _auc_1d(score: np.ndarray, event: np.ndarray) -> float:
    positives = event == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return np.nan
    ranks = rank(score)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_auc(
    fcst: Any,
    obs: Any,
    *,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    skipna: bool = True,
) -> Any:
    r"""Area under the ROC curve of a score or probability for a 0/1 event.

    Computed as the Mann–Whitney statistic: the probability that a random
    event case gets a higher forecast than a random non-event case, ties
    counting one half. 0.5 is no skill, 1 is perfect discrimination. NaN when
    only one class is present.

    Parameters
    ----------
    fcst : array-like or DataArray
        Probability or any score that increases with the event's likelihood.
    obs : array-like or DataArray
        1 for events, 0 for non-events.
    reduce_dims, preserve_dims : str, int or sequence, optional
        Dims the AUC is computed over (default all) or kept.
    skipna : bool, default True
        Drop NaN pairs; if False any NaN gives NaN.

    References
    ----------
    Hanley, J. A., & McNeil, B. J. (1982). The meaning and use of the area
    under a receiver operating characteristic (ROC) curve. Radiology, 143(1),
    29–36. https://doi.org/10.1148/radiology.143.1.7063747
    """
    inputs = prepare(fcst, obs, names=("fcst", "obs"))
    f, o = inputs.arrays
    _check_binary(o, "obs")

    dims = resolve_dims(f, reduce_dims, preserve_dims)
    return inputs.restore(apply_on_samples(_auc_1d, f, o, dims=dims, skipna=skipna))


def contingency_table(
    fcst: Any,
    obs: Any,
    *,
    threshold: float | None = None,
    obs_threshold: float | None = None,
    operator: Literal[">=", ">", "<=", "<"] = ">=",
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
) -> dict[str, Any] | xr.Dataset:
    """Counts of hits, misses, false alarms and correct negatives.

    Parameters
    ----------
    fcst, obs : array-like or DataArray
        Forecast and observation. Without ``threshold`` both must already be
        0/1 events.
    threshold : float, optional
        An event is ``fcst <operator> threshold`` (and the same for ``obs``).
    obs_threshold : float, optional
        Threshold for ``obs`` when it differs from the forecast's.
    operator : {">=", ">", "<=", "<"}, default ">="
        Comparison that defines the event.
    reduce_dims, preserve_dims : str, int or sequence, optional
        Dims summed over (default all) or kept.
    weights : array-like or DataArray, optional
        Weight of each point in the counts (default 1). NaN pairs count 0.

    Returns
    -------
    dict or Dataset
        ``hits``, ``misses``, ``false_alarms``, ``correct_negatives`` and
        ``total``: floats (or arrays) for array inputs, a Dataset for xarray.
    """
    if operator not in _OPERATORS:
        raise DataValidationError(
            f"operator must be one of {sorted(_OPERATORS)}; got {operator!r}"
        )
    inputs = prepare(fcst, obs, names=("fcst", "obs"), weights=weights)
    f, o = mask_pairs(*inputs.arrays)
    valid = f.notnull()

    if threshold is None:
        _check_binary(f, "fcst")
        _check_binary(o, "obs")
        f_event, o_event = f == 1, o == 1
    else:
        compare = _OPERATORS[operator]
        o_cut = threshold if obs_threshold is None else obs_threshold
        f_event, o_event = compare(f, threshold), compare(o, o_cut)

    w = inputs.weights if inputs.weights is not None else xr.ones_like(f)
    w = w.where(valid, 0.0)
    dims = resolve_dims(f, reduce_dims, preserve_dims)
    counts = {
        "hits": (w * (f_event & o_event)).sum(dim=dims),
        "misses": (w * (~f_event & o_event)).sum(dim=dims),
        "false_alarms": (w * (f_event & ~o_event)).sum(dim=dims),
        "correct_negatives": (w * (~f_event & ~o_event)).sum(dim=dims),
    }
    counts["total"] = sum(counts.values())

    if inputs.numpy:
        return {k: inputs.restore(v) for k, v in counts.items()}
    return xr.Dataset(counts)


def contingency_scores(
    fcst: Any,
    obs: Any,
    *,
    threshold: float | None = None,
    obs_threshold: float | None = None,
    operator: Literal[">=", ">", "<=", "<"] = ">=",
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
    weights: Any = None,
) -> dict[str, Any] | xr.Dataset:
    r"""POD, FAR, CSI and ETS (plus the counts) at a threshold.

    With hits :math:`a`, false alarms :math:`b`, misses :math:`c` and total
    :math:`n`:

    .. math::
        \mathrm{POD} = \frac{a}{a + c},\quad
        \mathrm{FAR} = \frac{b}{a + b},\quad
        \mathrm{CSI} = \frac{a}{a + b + c},\quad
        \mathrm{ETS} = \frac{a - a_r}{a + b + c - a_r},\
        a_r = \frac{(a + b)(a + c)}{n}

    FAR is the false alarm *ratio*. A score whose denominator is zero is NaN.
    Parameters are those of :func:`contingency_table`.

    Returns
    -------
    dict or Dataset
        The counts and ``pod``, ``far``, ``csi``, ``ets``.

    References
    ----------
    Jolliffe, I. T., & Stephenson, D. B. (Eds.). (2012). Forecast
    Verification: A Practitioner's Guide in Atmospheric Science (2nd ed.).
    Wiley. https://doi.org/10.1002/9781119960003
    """
    table = contingency_table(
        fcst,
        obs,
        threshold=threshold,
        obs_threshold=obs_threshold,
        operator=operator,
        reduce_dims=reduce_dims,
        preserve_dims=preserve_dims,
        weights=weights,
    )
    a, b = table["hits"], table["false_alarms"]
    c, n = table["misses"], table["total"]

    def ratio(num: Any, den: Any) -> Any:
        if isinstance(den, xr.DataArray):
            return num / den.where(den != 0)
        den = np.asarray(den, dtype=float)
        return num / np.where(den == 0, np.nan, den)

    random_hits = ratio((a + b) * (a + c), n)
    scores = {
        "pod": ratio(a, a + c),
        "far": ratio(b, a + b),
        "csi": ratio(a, a + b + c),
        "ets": ratio(a - random_hits, a + b + c - random_hits),
    }
    if isinstance(table, xr.Dataset):
        return table.assign(scores)
    out = dict(table)
    out.update(
        {k: (float(v) if np.ndim(v) == 0 else np.asarray(v)) for k, v in scores.items()}
    )
    return out
