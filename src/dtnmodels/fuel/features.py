"""Lag, rolling, seasonal, calendar and exogenous features for global models.

A global model learns one mapping for all series, so every feature is built
relative to a forecast *origin* ``t`` (the last observation it may see) and a
horizon ``k`` (the target is step ``t + k``). Demand is divided by a scale per
origin (the mean of the last ``scale_window`` observations), which puts series
of very different size on one footing.

Series are laid out end to end in one flat array, each padded in front with
NaNs (so any lag that reaches before the series start is NaN) and followed by
``h`` empty future slots (the targets of the forecast).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["FlatPanel", "build_panel", "make_features"]


@dataclass
class FlatPanel:
    """Series laid end to end: ``pad`` NaNs, the history, ``h`` future slots.

    Attributes
    ----------
    ids : list of str
        Series ids in layout order.
    start : ndarray of int
        Flat index of each series' first observation.
    length : ndarray of int
        Number of observations per series.
    y : ndarray of float
        Demand with NaN in the padding and the future slots.
    y_masked : ndarray of float
        ``y`` with shocked observations set to NaN (used for lag features).
    X : ndarray of float, shape (n_flat, n_exog)
        Exogenous values (future slots filled at predict time).
    weight : ndarray of float
        Sample weight of each observation as a target.
    ds : DatetimeIndex
        Timestamp of every flat position.
    """

    ids: list[str]
    start: np.ndarray
    length: np.ndarray
    y: np.ndarray
    y_masked: np.ndarray
    X: np.ndarray
    weight: np.ndarray
    ds: pd.DatetimeIndex


def build_panel(
    df: pd.DataFrame,
    *,
    freq: str,
    pad: int,
    h: int,
    exog_cols: Sequence[str],
    mask_cols: Sequence[str] = (),
) -> FlatPanel:
    """Lay the series of a long frame end to end (see :class:`FlatPanel`).

    Observations flagged (> 0) in any of ``mask_cols`` are hidden from lag
    features; a ``weight`` column, when present, weights targets.
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    ids, starts, lengths, ys, masks, Xs, ws, stamps = [], [], [], [], [], [], [], []
    pos = 0
    n_exog = len(exog_cols)
    for uid, group in df.groupby("unique_id", sort=True):
        n = len(group)
        y = group["y"].to_numpy(float)
        ds0 = pd.Timestamp(group["ds"].iloc[0])
        grid = regular_stamps(ds0, offset, start=-pad, periods=pad + n + h)
        masked = y.copy()
        if mask_cols:
            flagged = (group[list(mask_cols)].to_numpy(float) > 0).any(axis=1)
            masked[flagged] = np.nan
        w = group["weight"].to_numpy(float) if "weight" in group else np.ones(n)
        X = np.full((pad + n + h, n_exog), np.nan)
        if n_exog:
            X[pad : pad + n] = group[list(exog_cols)].to_numpy(float)

        ids.append(str(uid))
        starts.append(pos + pad)
        lengths.append(n)
        ys.append(np.concatenate([np.full(pad, np.nan), y, np.full(h, np.nan)]))
        masks.append(np.concatenate([np.full(pad, np.nan), masked, np.full(h, np.nan)]))
        ws.append(np.concatenate([np.zeros(pad), w, np.zeros(h)]))
        Xs.append(X)
        stamps.append(grid)
        pos += pad + n + h

    return FlatPanel(
        ids=ids,
        start=np.asarray(starts),
        length=np.asarray(lengths),
        y=np.concatenate(ys),
        y_masked=np.concatenate(masks),
        X=np.concatenate(Xs) if Xs else np.empty((0, n_exog)),
        weight=np.concatenate(ws),
        ds=pd.DatetimeIndex(np.concatenate(stamps).astype("datetime64[ns]")),
    )


def regular_stamps(
    anchor: pd.Timestamp, offset: pd.DateOffset, *, start: int, periods: int
) -> np.ndarray:
    """``periods`` timestamps on ``offset``'s grid from ``anchor + start * offset``.

    Fixed steps (hours, days, weeks) and month starts / ends are computed with
    integer arithmetic, which is much faster than ``pd.date_range`` for
    anchored offsets such as ``W-FRI``.
    """
    steps = np.arange(start, start + periods)
    name = offset.rule_code.split("-", 1)[0]
    if name in ("D", "h", "W", "min", "s"):
        step = pd.Timedelta(days=7 * offset.n) if name == "W" else pd.Timedelta(offset)
        return np.datetime64(anchor, "ns") + steps * np.timedelta64(step.value, "ns")
    if name in ("MS", "ME", "M"):
        month = np.datetime64(anchor, "M") + steps * offset.n
        if name == "MS":
            return month.astype("datetime64[ns]")
        return ((month + 1).astype("datetime64[D]") - 1).astype("datetime64[ns]")
    grid = pd.date_range(anchor + start * offset, periods=periods, freq=offset)
    return grid.to_numpy("datetime64[ns]")


def make_features(
    panel: FlatPanel,
    origin: np.ndarray,
    k: np.ndarray,
    *,
    freq: str,
    n_lags: int,
    seasonal_lags: Sequence[int],
    rolling_windows: Sequence[int],
    scale_window: int,
    exog_cols: Sequence[str],
    level_feature: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature matrix for (origin, horizon) pairs and the scale of each row.

    Parameters
    ----------
    panel : FlatPanel
        The laid-out series.
    origin : ndarray of int
        Flat index of each row's forecast origin (its last visible observation).
    k : ndarray of int
        Horizon of each row (target at ``origin + k``).
    freq : str
        Base frequency (``"D"``, ``"W"``, ``"MS"``) for calendar features.
    n_lags : int
        Lags ``1..n_lags`` counted back from the origin.
    seasonal_lags : sequence of int
        Seasonal periods ``P``: the latest value at the target's phase
        (``target - P * ceil(k / P)``), its neighbours' mean and the one a
        season earlier.
    rolling_windows : sequence of int
        Windows of the rolling mean and standard deviation at the origin.
    scale_window : int
        Observations averaged into the row's scale.
    exog_cols : sequence of str
        Exogenous columns, taken at the target and at the origin.
    level_feature : bool, default False
        Add ``log1p(scale)`` so the model can tell big series from small.

    Returns
    -------
    features : DataFrame
    scale : ndarray
        Divide targets by it for training; multiply predictions by it.
    """
    ym = panel.y_masked
    target = origin + k

    window = np.stack([ym[origin - j] for j in range(max(scale_window, 1))], axis=1)
    with _quiet_nan():
        scale = np.nanmean(np.abs(window), axis=1)
        # every recent value masked (origin inside a shock): use the raw values
        raw = np.stack([panel.y[origin - j] for j in range(max(scale_window, 1))], 1)
        scale = np.where(np.isfinite(scale), scale, np.nanmean(np.abs(raw), axis=1))
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)

    cols: dict[str, np.ndarray] = {"horizon": k.astype(float)}
    lags = np.stack([ym[origin - j] for j in range(n_lags)], axis=1) / scale[:, None]
    for j in range(n_lags):
        cols[f"lag_{j + 1}"] = lags[:, j]
    with np.errstate(invalid="ignore"), _quiet_nan():
        for w in rolling_windows:
            if w <= n_lags:
                part = lags[:, :w]
            else:
                part = np.stack([ym[origin - j] for j in range(w)], axis=1)
                part = part / scale[:, None]
            cols[f"roll_mean_{w}"] = np.nanmean(part, axis=1)
            cols[f"roll_std_{w}"] = np.nanstd(part, axis=1)

        for period in seasonal_lags:
            back = period * np.ceil(k / period).astype(int)
            idx = target - back
            near = np.stack(
                [
                    ym[idx - 1],
                    ym[idx],
                    np.where(
                        idx + 1 <= origin, ym[np.minimum(idx + 1, origin)], np.nan
                    ),
                ],
                axis=1,
            )
            cols[f"seas_{period}"] = ym[idx] / scale
            cols[f"seas_{period}_near"] = np.nanmean(near, axis=1) / scale
            cols[f"seas_{period}_prev"] = ym[idx - period] / scale

    stamps = panel.ds[target]
    cols["month"] = stamps.month.to_numpy(float)
    if freq == "D":
        cols["dayofweek"] = stamps.day_of_week.to_numpy(float)
        cols["dayofyear"] = stamps.day_of_year.to_numpy(float)
        cols["dayofmonth"] = stamps.day.to_numpy(float)
    if freq in ("D", "W"):
        cols["weekofyear"] = stamps.isocalendar().week.to_numpy(float)

    for j, col in enumerate(exog_cols):
        cols[f"{col}"] = panel.X[target, j]
        cols[f"{col}_origin"] = panel.X[origin, j]
    if level_feature:
        cols["level"] = np.log1p(scale)
    return pd.DataFrame(cols), scale


class _quiet_nan:
    """Silence numpy's all-NaN slice warnings inside a block."""

    def __enter__(self) -> None:
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)
