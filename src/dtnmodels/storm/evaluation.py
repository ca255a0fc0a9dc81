"""Leave-one-storm-out evaluation of impact models.

Each storm of the history is held out in turn; every model is fitted on the
other storms and predicts the held-out one. Scores are computed on the
pooled held-out predictions of the share of customers out:

``mae``
    Mean absolute error of the share (0–1), over all held-out county rows.
``mae_customers``
    Mean absolute error in customers out.
``spearman``
    Rank correlation across counties within each storm, averaged over storms
    (``spearman@<storm>`` keeps each storm's value).
``pod``, ``far``, ``csi``
    For the event "at least ``event_share`` of customers out".
``coverage``
    Share of rows whose observed share lies inside [P10, P90] (nominal 0.8).

Rows without a recorded outage (missing ``customers_out``) are neither
trained on nor scored; a storm with none recorded is skipped and reported.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn
from dtnmodels.core.interfaces import quantile_column
from dtnmodels.evaluate import (
    contingency_scores,
    interval_coverage,
    leave_one_event_out,
    mae,
    spearman,
)
from dtnmodels.storm.models.base import ImpactModel, shares_from_counts

__all__ = ["leave_one_storm_out", "score_impacts"]

log = logging.getLogger(__name__)


def leave_one_storm_out(
    history: pd.DataFrame,
    factories: Mapping[str, Callable[[], ImpactModel]],
    *,
    features: Sequence[str],
    storm_col: str = "storm_id",
    region_col: str = "region",
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    progress: Callable[..., Any] | None = None,
) -> pd.DataFrame:
    """Held-out predictions of every model for every storm.

    Parameters
    ----------
    history : pandas.DataFrame
        One row per (storm, region) with ``features``, ``customers`` and
        ``customers_out`` (NaN where not recorded).
    factories : mapping of str to callable
        Model name → function returning a fresh unfitted model.
    features : sequence of str
        Feature columns.
    storm_col, region_col : str
        Storm and region id columns.
    quantiles : sequence of float
        Quantile levels to predict.
    progress : callable, optional
        ``progress(iterable, desc=..., total=...)`` wrapper for the fold loop.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``storm_id``, ``region``, ``customers``,
        ``observed`` (share), ``mean`` and the ``q<level>`` columns (shares),
        sorted by model, storm and region.
    """
    missing = [
        c
        for c in (storm_col, region_col, "customers", "customers_out", *features)
        if c not in history.columns
    ]
    if missing:
        raise DataValidationError(
            f"impact history lacks column(s) {missing}; "
            f"columns: {list(history.columns)}"
        )
    recorded = history[history["customers_out"].notna()].reset_index(drop=True)
    unrecorded = sorted(
        set(history[storm_col].astype(str)) - set(recorded[storm_col].astype(str))
    )
    if unrecorded:
        warn(
            f"storm(s) {unrecorded} have no recorded impacts; they are left out of "
            "training and scoring",
            DataGapWarning,
        )
    folds = leave_one_event_out(recorded, event_col=storm_col)
    if len(folds) < 2:
        raise DataValidationError(
            f"leave-one-storm-out needs at least 2 storms with recorded impacts; "
            f"found {len(folds)}"
        )

    X = recorded.set_index(region_col)[list(features)]
    observed = shares_from_counts(recorded["customers_out"], recorded["customers"])
    loop = progress(folds, desc="storms", total=len(folds)) if progress else folds
    pieces = []
    for fold in loop:
        train, test = fold.train, fold.test
        for name, factory in factories.items():
            model = factory()
            model.fit(
                X.iloc[train],
                recorded["customers_out"].to_numpy()[train],
                customers=recorded["customers"].to_numpy()[train],
                groups=recorded[storm_col].to_numpy()[train],
            )
            pred = model.predict(
                X.iloc[test],
                customers=recorded["customers"].to_numpy()[test],
                quantiles=quantiles,
            )
            frame = pred.reset_index(drop=True)
            frame.insert(0, "observed", observed[test])
            frame.insert(0, "customers", recorded["customers"].to_numpy()[test])
            frame.insert(0, "region", recorded[region_col].to_numpy()[test])
            frame.insert(0, "storm_id", str(fold.name))
            frame.insert(0, "model", name)
            pieces.append(frame)
    out = pd.concat(pieces, ignore_index=True)
    return out.sort_values(["model", "storm_id", "region"]).reset_index(drop=True)


def score_impacts(
    held_out: pd.DataFrame,
    *,
    event_share: float = 0.1,
    lower: float = 0.1,
    upper: float = 0.9,
) -> dict[str, dict[str, float]]:
    """Scores per model from :func:`leave_one_storm_out` output (module docstring).

    Returns
    -------
    dict
        ``{model: {metric: value}}`` with ``metric@storm`` entries for
        per-storm MAE and Spearman.
    """
    lo, hi = quantile_column(lower), quantile_column(upper)
    scores: dict[str, dict[str, float]] = {}
    for name, frame in held_out.groupby("model", sort=False):
        obs, pred = frame["observed"].to_numpy(), frame["mean"].to_numpy()
        entry = {
            "mae": float(mae(pred, obs)),
            "mae_customers": float(
                mae(pred * frame["customers"], obs * frame["customers"])
            ),
        }
        per_storm = {}
        for storm, part in frame.groupby("storm_id", sort=True):
            rho = float(spearman(part["mean"].to_numpy(), part["observed"].to_numpy()))
            per_storm[storm] = rho
            entry[f"spearman@{storm}"] = rho
            entry[f"mae@{storm}"] = float(
                mae(part["mean"].to_numpy(), part["observed"].to_numpy())
            )
        finite = [v for v in per_storm.values() if np.isfinite(v)]
        entry["spearman"] = float(np.mean(finite)) if finite else float("nan")
        events = contingency_scores(pred, obs, threshold=event_share)
        entry.update({k: float(events[k]) for k in ("pod", "far", "csi")})
        if lo in frame.columns and hi in frame.columns:
            entry["coverage"] = float(
                interval_coverage(frame[lo].to_numpy(), frame[hi].to_numpy(), obs)
            )
        scores[str(name)] = entry
    return scores
