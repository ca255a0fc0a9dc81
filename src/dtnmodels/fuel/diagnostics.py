"""Checks on benchmark data: series whose test window sits in another's history.

M4 weekly holds a few near-duplicate series: the values one series must
forecast appear, (almost) exactly, inside the training history of another. A
global model trained on all histories can then "remember" the answer. Scores
without those series show whether a result depends on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["leaky_duplicates"]


def leaky_duplicates(
    history: pd.DataFrame,
    cutoff: pd.Timestamp,
    *,
    rtol: float = 1e-3,
    min_steps: int = 4,
) -> list[str]:
    """Series whose first ``min_steps`` values after ``cutoff`` occur in another's past.

    Parameters
    ----------
    history : DataFrame
        Long frame (``unique_id``, ``ds``, ``y``) including the test window.
    cutoff : Timestamp
        Last training time; values after it are the test window.
    rtol : float, default 1e-3
        Relative tolerance of the match (near-duplicates differ by rounding).
    min_steps : int, default 4
        Consecutive test values that must match.

    Returns
    -------
    list of str
        Ids of the series whose test values are found in another series'
        training history, sorted.
    """
    past = history[history["ds"] <= cutoff].sort_values(["unique_id", "ds"])
    values = past["y"].to_numpy(float)
    owner = past["unique_id"].astype(str).to_numpy()
    after = history[history["ds"] > cutoff].sort_values(["unique_id", "ds"])

    found = []
    for uid, group in after.groupby("unique_id", sort=True):
        target = group["y"].to_numpy(float)[:min_steps]
        if len(target) < min_steps:
            continue
        tol = rtol * np.maximum(np.abs(target), 1e-9)
        starts = np.flatnonzero(np.abs(values - target[0]) <= tol[0])
        starts = starts[starts + min_steps <= len(values)]
        for start in starts:
            window = slice(start, start + min_steps)
            if owner[start] == str(uid) or len(set(owner[window])) > 1:
                continue
            if np.all(np.abs(values[window] - target) <= tol):
                found.append(str(uid))
                break
    return sorted(found)
