"""One-off shocks (e.g. the 2020 lockdowns) and structural breaks.

A shock window is modelled as *non-recurring*: by default (``mode=
"intervention"``) it becomes an indicator column ``shock_<name>`` that is 1
inside the window and 0 everywhere else — including the future — so models
with regressors learn its effect without repeating it next year, and the
global model hides the shocked observations from its lag features. Coding a
lockdown as a *holiday* is the known trap: holiday effects recur every year.

Other modes: ``"downweight"`` multiplies the training weight of observations
in the window by ``weight``; ``"exclude"`` replaces them by a seasonal
counterfactual (the same dates a year earlier, rescaled to the level just
before the window) and gives them zero weight.

Structural breaks (lasting level shifts) are found with a sup-F test on
season means of log demand (Andrews, 1993).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dtnmodels.core.errors import ConfigError

__all__ = [
    "MODES",
    "ShockWindow",
    "apply_shocks",
    "detect_breaks",
    "shock_columns",
]

log = logging.getLogger(__name__)

MODES = ("none", "intervention", "downweight", "exclude")

#: Andrews (1993) 5 % critical value of sup-F, one parameter, 15 % trimming.
SUP_F_CRITICAL_5PC = 8.85


@dataclass(frozen=True)
class ShockWindow:
    """A one-off shock: ``name`` and inclusive ``start``/``end`` dates."""

    name: str
    start: str
    end: str

    def mask(self, ds: pd.Series) -> np.ndarray:
        """True where ``ds`` falls in the window."""
        stamps = pd.to_datetime(ds)
        return (
            (stamps >= pd.Timestamp(self.start)) & (stamps <= pd.Timestamp(self.end))
        ).to_numpy()


def shock_columns(windows: Sequence[ShockWindow]) -> list[str]:
    """Indicator column names of the windows (``shock_<name>``)."""
    return [f"shock_{w.name}" for w in windows]


def apply_shocks(
    df: pd.DataFrame,
    windows: Sequence[ShockWindow],
    *,
    mode: str = "intervention",
    weight: float = 0.1,
    season_length: int = 52,
) -> pd.DataFrame:
    """Mark, weight or replace observations in shock windows.

    Parameters
    ----------
    df : DataFrame
        Long history (``unique_id``, ``ds``, ``y``, ...).
    windows : sequence of ShockWindow
    mode : {"intervention", "downweight", "exclude", "none"}
    weight : float, default 0.1
        Training weight of shocked observations for ``"downweight"``.
    season_length : int, default 52
        Steps in a year, for the ``"exclude"`` counterfactual (365 daily, 52
        weekly, 12 monthly).

    Returns
    -------
    DataFrame
        A copy with ``shock_*`` columns (intervention), a ``weight`` column
        (downweight, exclude) or replaced ``y`` values (exclude).
    """
    if mode not in MODES:
        raise ConfigError(f"shocks.mode: {mode!r} is not one of {MODES}")
    out = df.copy()
    if mode == "none" or not windows:
        return out
    for window in windows:
        flag = window.mask(out["ds"])
        if mode == "intervention":
            out[f"shock_{window.name}"] = flag.astype(float)
            continue
        if "weight" not in out:
            out["weight"] = 1.0
        if mode == "downweight":
            out.loc[flag, "weight"] = float(weight)
        else:
            out.loc[flag, "weight"] = 0.0
            out = _counterfactual(out, flag, season_length)
        log.info("shock %r: %s %d observations", window.name, mode, int(flag.sum()))
    return out


def _counterfactual(
    df: pd.DataFrame, flag: np.ndarray, season_length: int
) -> pd.DataFrame:
    """Replace flagged ``y`` by last year's values times the pre-window level ratio."""
    df = df.copy()
    df["_flag"] = flag
    for _uid, idx in df.groupby("unique_id", sort=False).groups.items():
        pos = np.asarray(df.index.get_indexer(idx))
        y = df["y"].to_numpy(float)[pos]
        hit = df["_flag"].to_numpy()[pos]
        if not hit.any():
            continue
        first = int(np.argmax(hit))
        m = season_length
        before = y[max(first - m // 4, 0) : first]
        year_ago = y[max(first - m - m // 4, 0) : max(first - m, 0)]
        ratio = (
            before.mean() / year_ago.mean()
            if len(before) and len(year_ago) and year_ago.mean() > 0
            else 1.0
        )
        for j in np.flatnonzero(hit):
            src = j - m
            y[j] = y[src] * ratio if src >= 0 and not hit[src] else y[first - 1]
        df.loc[idx, "y"] = y
    return df.drop(columns="_flag")


def detect_breaks(
    df: pd.DataFrame,
    *,
    season_length: int,
    trim: float = 0.15,
    critical: float = SUP_F_CRITICAL_5PC,
) -> pd.DataFrame:
    """Find the most likely lasting level shift of each series (sup-F test).

    Demand is averaged over consecutive blocks of ``season_length`` steps
    (removing the within-season cycle), logged, and each admissible split
    point is tested for a change in mean; the F statistic is deflated for
    AR(1) autocorrelation of the two-mean residuals.

    Parameters
    ----------
    df : DataFrame
        Long history (``unique_id``, ``ds``, ``y``).
    season_length : int
        Steps per block (7 daily, 52 weekly, 12 monthly).
    trim : float, default 0.15
        Share of blocks excluded at each end.
    critical : float, default 8.85
        sup-F critical value (Andrews 1993, 5 %, one parameter, 15 % trim).

    Returns
    -------
    DataFrame
        ``unique_id``, ``break_date`` (start of the first block after the
        break), ``sup_f``, ``shift_pct`` (change in level, %) and
        ``significant``.

    References
    ----------
    Andrews, D. W. K. (1993). Tests for parameter instability and structural
    change with unknown change point. Econometrica, 61(4), 821–856.
    https://doi.org/10.2307/2951764
    """
    rows = []
    m = max(int(season_length), 1)
    for uid, group in df.groupby("unique_id", sort=True):
        y = group["y"].to_numpy(float)
        n_blocks = len(y) // m
        if n_blocks < 8:
            continue
        blocks = y[len(y) - n_blocks * m :].reshape(n_blocks, m).mean(axis=1)
        z = np.log(np.maximum(blocks, 1e-9))
        starts = group["ds"].to_numpy()[len(y) - n_blocks * m :: m]

        lo, hi = (
            max(int(trim * n_blocks), 2),
            min(int((1 - trim) * n_blocks), n_blocks - 2),
        )
        ssr0 = float(((z - z.mean()) ** 2).sum())
        best, best_k, best_f = None, None, -np.inf
        for k in range(lo, hi + 1):
            left, right = z[:k], z[k:]
            resid = np.concatenate([left - left.mean(), right - right.mean()])
            ssr1 = float((resid**2).sum())
            f = (ssr0 - ssr1) / max(ssr1 / (n_blocks - 2), 1e-12)
            if f > best_f:
                best, best_k, best_f = resid, k, f
        if best is None:
            continue
        rho = (
            float(np.clip(np.corrcoef(best[:-1], best[1:])[0, 1], 0, 0.95))
            if np.std(best) > 0
            else 0.0
        )
        f_adj = best_f * (1 - rho) / (1 + rho)
        shift = np.exp(z[best_k:].mean() - z[:best_k].mean()) - 1
        rows.append(
            {
                "unique_id": str(uid),
                "break_date": pd.Timestamp(starts[best_k]),
                "sup_f": float(f_adj),
                "shift_pct": float(100 * shift),
                "significant": bool(f_adj > critical),
            }
        )
    return pd.DataFrame(
        rows, columns=["unique_id", "break_date", "sup_f", "shift_pct", "significant"]
    )
