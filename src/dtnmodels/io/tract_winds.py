"""Read per-area storm tables: modelled tract winds and county impact histories.

``read_tract_winds`` reads the stormwindmodel output tables of the
hurricaneexposure project (one row per 2010 census tract: peak sustained and
gust wind in m/s, minutes above 20 m/s). ``read_impact_history`` reads a
table of past storms with one row per (storm, region): hazard features,
customers and observed customers out, as the storm flow trains on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.io.tables import read_table

__all__ = ["read_impact_history", "read_tract_winds"]

_BLANKS = {"", "nan", "na", "n/a", "none", "null"}

log = logging.getLogger(__name__)

_TRACT_COLUMNS = ("storm_id", "geoid", "vmax_sust", "vmax_gust")


def read_tract_winds(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Modelled peak winds per census tract.

    Parameters
    ----------
    path : path-like
        CSV with columns ``storm_id``, ``geoid`` (11-digit 2010 tract GEOID),
        ``vmax_sust``, ``vmax_gust`` (m/s) and optionally ``sust_dur``,
        ``gust_dur`` (minutes above 20 m/s) and ``date`` (UTC).

    Returns
    -------
    pandas.DataFrame
        ``geoid`` as zero-padded text plus ``county`` (its first 5 digits);
        wind columns float with ``attrs["units"] = {"vmax_gust": "m s-1", ...}``.

    Raises
    ------
    DataValidationError
        A required column is missing or a GEOID is not 11 digits.
    """
    frame = read_table(
        path, what="tract wind table", dtype={"geoid": str, "usa_atcf_id": str}
    )
    missing = [c for c in _TRACT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{os.fspath(path)!r}: tract wind table lacks column(s) {missing}; "
            f"columns present: {list(frame.columns)}"
        )

    frame["geoid"] = frame["geoid"].astype(str).str.strip().str.zfill(11)
    bad = frame["geoid"].str.len() != 11
    if bad.any():
        raise DataValidationError(
            f"{os.fspath(path)!r}: column 'geoid' holds {int(bad.sum())} values "
            f"that are not 11-digit tract GEOIDs (e.g. {frame['geoid'][bad].iloc[0]!r})"
        )
    frame["county"] = frame["geoid"].str[:5]
    for col in ("vmax_sust", "vmax_gust", "sust_dur", "gust_dur"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    if "date" in frame.columns:
        frame["date"] = pd.to_datetime(frame["date"], utc=True, format="ISO8601")
    frame.attrs["units"] = {
        "vmax_sust": "m s-1",
        "vmax_gust": "m s-1",
        "sust_dur": "min",
        "gust_dur": "min",
    }
    log.info("read %r tracts from %r", len(frame), os.fspath(path))
    return frame


def read_impact_history(
    path: str | os.PathLike[str],
    *,
    storm_col: str = "storm_id",
    region_col: str = "region",
    required: Sequence[str] = ("customers", "customers_out"),
) -> pd.DataFrame:
    """Past storms' per-region features and impacts (CSV or Parquet).

    Parameters
    ----------
    path : path-like
        Table with one row per (storm, region).
    storm_col, region_col : str
        Storm id and region id columns (region ids returned as text).
    required : sequence of str
        Further columns that must be present.

    Raises
    ------
    DataValidationError
        A required column is missing or a (storm, region) pair repeats.
    """
    frame = read_table(path, what="impact history", dtype={region_col: str})
    missing = [c for c in (storm_col, region_col, *required) if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{os.fspath(path)!r}: impact history lacks column(s) {missing}; "
            f"columns present: {list(frame.columns)}"
        )
    frame[region_col] = frame[region_col].astype(str)
    frame[storm_col] = frame[storm_col].astype(str)
    dup = frame.duplicated([storm_col, region_col])
    if dup.any():
        first = frame.loc[dup, [storm_col, region_col]].iloc[0].tolist()
        raise DataValidationError(
            f"{os.fspath(path)!r}: (storm, region) {first} appears more than once"
        )

    _check_counts(frame, path, storm_col=storm_col, region_col=region_col)
    return frame


def _check_counts(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    storm_col: str,
    region_col: str,
) -> None:
    """Customer counts must be numbers, non-negative, and outages <= customers."""
    source = os.fspath(path)
    counts = [c for c in ("customers", "customers_out") if c in frame.columns]
    for col in counts:
        values = pd.to_numeric(frame[col], errors="coerce")
        blank = frame[col].astype(str).str.strip().str.lower().isin(_BLANKS)
        bad = values.isna() & frame[col].notna() & ~blank
        if bad.any():
            first = frame.loc[bad, [storm_col, region_col, col]].iloc[0].tolist()
            raise DataValidationError(
                f"{source!r}: column {col!r} must hold numbers; {int(bad.sum())} "
                f"rows do not, e.g. (storm, region, value) {first}"
            )
        negative = values < 0
        if negative.any():
            first = frame.loc[negative, [storm_col, region_col]].iloc[0].tolist()
            raise DataValidationError(
                f"{source!r}: column {col!r} has {int(negative.sum())} negative "
                f"values, e.g. at (storm, region) {first}; counts cannot be "
                "negative, fix or blank them"
            )
        frame[col] = values
    if len(counts) == 2:
        over = frame["customers_out"] > frame["customers"]
        if over.any():
            first = frame.loc[over, [storm_col, region_col]].iloc[0].tolist()
            raise DataValidationError(
                f"{source!r}: customers_out exceeds customers in "
                f"{int(over.sum())} rows, e.g. at (storm, region) {first}; check "
                "that both count the same customers"
            )
