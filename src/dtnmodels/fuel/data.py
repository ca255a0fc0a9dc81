"""Long demand frames: frequency, season lengths and input checks.

A demand frame has one row per series and time step, with columns
``unique_id`` (series id, string), ``ds`` (timestamp) and ``y`` (demand, in the
units of the input, e.g. m³/day), plus any exogenous columns (price,
temperature, holiday flags). Every check here names the offending series and
dates, so a bad input never turns into a silently wrong forecast.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn

__all__ = [
    "SEASON_LENGTHS",
    "check_demand",
    "check_future_exog",
    "fill_gaps",
    "infer_freq",
    "normalize_freq",
    "season_length",
]

log = logging.getLogger(__name__)

#: Main seasonal period (in steps) of each supported base frequency.
SEASON_LENGTHS: dict[str, int] = {"D": 7, "W": 52, "MS": 12, "M": 12, "h": 24}

_ALIASES = {
    "D": "D",
    "B": "D",
    "W": "W",
    "MS": "MS",
    "ME": "MS",
    "M": "MS",
    "H": "h",
    "h": "h",
}


def normalize_freq(freq: str) -> str:
    """Base frequency ``"D"``, ``"W"``, ``"MS"`` or ``"h"`` of a pandas alias.

    ``"W-FRI"`` is weekly (``"W"``), ``"ME"``/``"M"``/``"MS"`` are monthly.

    Raises
    ------
    DataValidationError
        For any other alias, naming the supported ones.
    """
    base = str(freq).split("-", 1)[0]
    if base not in _ALIASES:
        raise DataValidationError(
            f"unknown frequency {freq!r}: fuel demand supports daily ('D'), "
            "weekly ('W', 'W-FRI', ...), monthly ('MS') or hourly ('h') series; "
            "set input.freq to one of them"
        )
    return _ALIASES[base]


def season_length(freq: str) -> int:
    """Main seasonal period of ``freq`` in steps: 7 daily, 52 weekly, 12 monthly."""
    return SEASON_LENGTHS[normalize_freq(freq)]


def infer_freq(df: pd.DataFrame) -> str:
    """Pandas alias shared by every series of a long frame (e.g. ``"W-FRI"``).

    Raises
    ------
    DataValidationError
        If a series' steps do not form one regular frequency.
    """
    found: dict[str, str] = {}
    for uid, group in df.groupby("unique_id", sort=True):
        stamps = pd.DatetimeIndex(group["ds"].sort_values())
        if len(stamps) < 3:
            continue
        alias = _infer_alias(stamps[: min(len(stamps), 60)])
        if alias is None:
            raise DataValidationError(
                f"series {uid!r}: cannot infer a regular frequency from its "
                f"timestamps (first {stamps[0].date()}, last {stamps[-1].date()}); "
                "check for gaps or set input.freq"
            )
        found[str(uid)] = alias
        if len(found) >= 20:
            break
    if not found:
        raise DataValidationError("no series has 3 or more timestamps to infer a freq")
    aliases = sorted(set(found.values()))
    if len(aliases) > 1:
        raise DataValidationError(
            f"series have different frequencies {aliases}; fit them separately"
        )
    return aliases[0]


def _infer_alias(stamps: pd.DatetimeIndex) -> str | None:
    """``pd.infer_freq`` as a string, on pandas versions before and after 3."""
    try:
        with pd.option_context("future.infer_freq_returns_offset", True):
            found = pd.infer_freq(stamps)
    except (KeyError, pd.errors.OptionError):
        found = pd.infer_freq(stamps)
    return getattr(found, "freqstr", found)


def _offset(freq: str) -> pd.DateOffset:
    return pd.tseries.frequencies.to_offset(freq)


def check_demand(
    df: pd.DataFrame,
    *,
    freq: str,
    min_length: int = 0,
    exog_cols: Sequence[str] = (),
    allow_gaps: bool = False,
    source: str = "demand",
) -> pd.DataFrame:
    """Check a long demand frame and return it sorted by series and time.

    Parameters
    ----------
    df : DataFrame
        Columns ``unique_id``, ``ds``, ``y`` and ``exog_cols``.
    freq : str
        Pandas alias of the series' frequency (e.g. ``"D"``, ``"W-FRI"``).
    min_length : int, default 0
        Fewest observations a series needs (e.g. one season plus the horizon).
    exog_cols : sequence of str
        Exogenous columns that must be present and complete.
    allow_gaps : bool, default False
        Accept missing time steps (they are then filled by :func:`fill_gaps`).
    source : str, default "demand"
        What the frame is, for messages (e.g. ``"data.demand"``).

    Returns
    -------
    DataFrame
        Sorted by ``unique_id``, ``ds`` with a fresh index.

    Raises
    ------
    DataValidationError
        Missing column, duplicate timestamps, gaps, negative or missing demand,
        too-short series, or missing exogenous values — naming series and dates.
    """
    missing = [c for c in ("unique_id", "ds", "y", *exog_cols) if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {missing}; columns present: "
            f"{list(df.columns)}"
        )
    normalize_freq(freq)

    out = df.copy()
    out["unique_id"] = out["unique_id"].astype(str)
    out["ds"] = _parse_stamps(out, source)
    out["y"] = _parse_demand(out, source)
    out = out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)

    dup = out.duplicated(["unique_id", "ds"], keep=False)
    if dup.any():
        raise DataValidationError(
            f"{source}: duplicate timestamps {_where(out[dup])}; keep one row per "
            "series and time step (aggregate or drop duplicates)"
        )

    bad_y = out["y"].isna()
    if bad_y.any():
        raise DataValidationError(
            f"{source}: missing demand (NaN) {_where(out[bad_y])}; fill or drop "
            "these rows (validation.fill_gaps interpolates them)"
        )
    negative = out["y"] < 0
    if negative.any():
        raise DataValidationError(
            f"{source}: negative demand {_where(out[negative])}; demand must be "
            ">= 0 (returns are not demand)"
        )
    for col in exog_cols:
        nan = out[col].isna()
        if nan.any():
            raise DataValidationError(
                f"{source}: exogenous column {col!r} is missing {_where(out[nan])}"
            )

    if not allow_gaps:
        _check_gaps(out, freq, source)

    lengths = out.groupby("unique_id", sort=True).size()
    short = lengths[lengths < min_length]
    if len(short):
        listed = ", ".join(f"{u!r} ({n})" for u, n in short.head(5).items())
        raise DataValidationError(
            f"{source}: {len(short)} series shorter than {min_length} steps "
            f"(one season plus the horizon): {listed}; drop them or lower "
            "evaluation.n_windows / horizon"
        )
    log.debug("checked %d series, %d rows at freq %r", len(lengths), len(out), freq)
    return out


def _check_gaps(df: pd.DataFrame, freq: str, source: str) -> None:
    offset = _offset(freq)
    for uid, group in df.groupby("unique_id", sort=True):
        stamps = pd.DatetimeIndex(group["ds"])
        expected = pd.date_range(stamps[0], stamps[-1], freq=offset)
        if len(expected) == len(stamps) and expected.equals(stamps):
            continue
        absent = expected.difference(stamps)
        off_grid = stamps.difference(expected)
        if len(off_grid):
            raise DataValidationError(
                f"{source}: series {uid!r} has timestamps off the {freq!r} grid, "
                f"e.g. {_dates(off_grid)}; set input.freq to the data's frequency"
            )
        raise DataValidationError(
            f"{source}: series {uid!r} has {len(absent)} gap(s) at {freq!r} "
            f"frequency, missing {_dates(absent)}; fill them or set "
            "validation.fill_gaps: true to interpolate"
        )


def fill_gaps(df: pd.DataFrame, *, freq: str) -> pd.DataFrame:
    """Reindex each series to a full grid and interpolate missing demand (opt-in).

    Missing ``y`` and exogenous values are linearly interpolated in time
    (nearest value at the ends); a :class:`DataGapWarning` says how many.
    """
    offset = _offset(freq)
    parts = []
    n_filled = 0
    for uid, group in df.groupby("unique_id", sort=True):
        group = group.set_index("ds")
        grid = pd.date_range(group.index.min(), group.index.max(), freq=offset)
        full = group.reindex(grid)
        n_filled += int(full["y"].isna().sum())
        numeric = full.select_dtypes("number").columns
        full[numeric] = full[numeric].interpolate("time").ffill().bfill()
        full["unique_id"] = uid
        parts.append(full.rename_axis("ds").reset_index())
    out = pd.concat(parts, ignore_index=True)
    if n_filled:
        warn(
            f"filled {n_filled} missing demand values by interpolation", DataGapWarning
        )
    return out


def check_future_exog(
    X_df: pd.DataFrame | None,
    *,
    ids: Sequence[str],
    last: pd.Series,
    h: int,
    freq: str,
    exog_cols: Sequence[str],
) -> pd.DataFrame:
    """Check that exogenous values cover the ``h`` steps after each series' end.

    Parameters
    ----------
    X_df : DataFrame or None
        Future regressors: ``unique_id``, ``ds`` and ``exog_cols``.
    ids : sequence of str
        Series to forecast.
    last : Series
        Last observed timestamp per ``unique_id``.
    h : int
        Horizon in steps.
    freq : str
        Pandas alias of the series.
    exog_cols : sequence of str
        Regressors the model was fitted with.

    Returns
    -------
    DataFrame
        The rows of ``X_df`` on the forecast grid, sorted.

    Raises
    ------
    DataValidationError
        Naming the series and the first missing dates.
    """
    grid = future_grid(ids, last, h=h, freq=freq)
    if not exog_cols:
        return grid
    if X_df is None:
        raise DataValidationError(
            f"the model uses regressors {list(exog_cols)} but no future values "
            f"were given for the {h}-step horizon; supply data.future_exog or "
            "set exog.future: last"
        )
    X = X_df.copy()
    X["unique_id"] = X["unique_id"].astype(str)
    X["ds"] = pd.to_datetime(X["ds"])
    merged = grid.merge(
        X[["unique_id", "ds", *exog_cols]], on=["unique_id", "ds"], how="left"
    )
    absent = merged[list(exog_cols)].isna()
    gaps = merged[absent.any(axis=1)]
    if len(gaps):
        cols = [c for c in exog_cols if absent[c].any()]
        raise DataValidationError(
            f"future regressors {cols} are missing for the horizon "
            f"{_where(gaps)}; extend data.future_exog to cover {h} steps after "
            "each series' last date"
        )
    return merged


def future_grid(
    ids: Sequence[str], last: pd.Series, *, h: int, freq: str
) -> pd.DataFrame:
    """Frame of ``unique_id``, ``ds`` for the ``h`` steps after each series' end."""
    offset = _offset(freq)
    rows = []
    for uid in ids:
        start = pd.Timestamp(last[uid]) + offset
        stamps = pd.date_range(start, periods=h, freq=offset)
        rows.append(pd.DataFrame({"unique_id": uid, "ds": stamps}))
    return pd.concat(rows, ignore_index=True)


def _dates(stamps: pd.DatetimeIndex, limit: int = 3) -> str:
    shown = ", ".join(str(s.date()) for s in stamps[:limit])
    more = f" and {len(stamps) - limit} more" if len(stamps) > limit else ""
    return f"{shown}{more}"


def _parse_stamps(df: pd.DataFrame, source: str) -> pd.Series:
    """``ds`` as naive datetimes (UTC stamps lose their zone), or an error."""
    stamps = pd.to_datetime(df["ds"], errors="coerce", format="mixed")
    bad = stamps.isna() & df["ds"].notna()
    if bad.any():
        first = df.loc[bad].iloc[0]
        raise DataValidationError(
            f"{source}: column 'ds' holds {int(bad.sum())} values that are not "
            f"dates, e.g. {first['ds']!r} for series {first['unique_id']!r}; "
            "use ISO dates (YYYY-MM-DD)"
        )
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps


def _parse_demand(df: pd.DataFrame, source: str) -> pd.Series:
    """``y`` as floats, or an error naming the first row that is not a number."""
    values = pd.to_numeric(df["y"], errors="coerce")
    bad = values.isna() & df["y"].notna()
    if bad.any():
        first = df.loc[bad].iloc[0]
        raise DataValidationError(
            f"{source}: column 'y' holds {int(bad.sum())} values that are not "
            f"numbers, e.g. {first['y']!r} for series {first['unique_id']!r} at "
            f"{first['ds']}"
        )
    return values.astype(float)


def _where(rows: pd.DataFrame, limit: int = 3) -> str:
    """``"for series 'a' at 2020-01-01, 2020-01-02 and 4 more"`` (capped)."""
    parts = []
    for uid, group in list(rows.groupby("unique_id", sort=True))[:limit]:
        parts.append(f"series {uid!r} at {_dates(pd.DatetimeIndex(group['ds']))}")
    n_series = rows["unique_id"].nunique()
    more = f" (and {n_series - limit} more series)" if n_series > limit else ""
    return "for " + "; ".join(parts) + more


def as_matrix(df: pd.DataFrame) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """Series ids, right-aligned value matrix (NaN padded) and each series' stamps."""
    ids, values, stamps = [], [], []
    for uid, group in df.groupby("unique_id", sort=True):
        ids.append(str(uid))
        values.append(group["y"].to_numpy(float))
        stamps.append(group["ds"].to_numpy())
    width = max(len(v) for v in values)
    mat = np.full((len(values), width), np.nan)
    for i, v in enumerate(values):
        mat[i, width - len(v) :] = v
    return ids, mat, stamps
