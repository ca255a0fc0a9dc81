"""Read NOAA NCEI Storm Events "details" bulk CSV files.

The files give local begin/end times with a time-zone code per row
(``CZ_TIMEZONE``: ``CST-6``, ``EST-5``, ``GST10`` since about 2007; bare
``CST``, ``EDT``, ``ESt`` ... in older files), damage as text (``10.00K``,
``1.5M``, ``2B``, ``.5K``, ``2H``), and rows keyed either by county (``C``) or
by NWS forecast zone (``Z``). :func:`read_storm_events` turns them into a
tidy table with UTC times, damage in US dollars and 5-digit county FIPS.
"""

from __future__ import annotations

import logging
import os
import re

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataGapWarning, warn
from dtnmodels.io.tables import (
    read_table,
    require_columns,
    short_list,
    zero_pad_fips,
)

__all__ = ["UTC_OFFSET_HOURS", "parse_damage", "read_storm_events"]

log = logging.getLogger(__name__)

#: UTC offsets (hours) of the bare time-zone codes of older Storm Events files.
#: ``SCT`` occurs once in 1995 (Wisconsin) and is read as a typo of ``CST``.
UTC_OFFSET_HOURS: dict[str, float] = {
    "AST": -4,
    "ADT": -3,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "SCT": -6,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "SST": -11,
    "GST": 10,
    "CHST": 10,
    "UTC": 0,
    "GMT": 0,
}

_TZ_WITH_OFFSET = re.compile(r"^([A-Z]+)([+-]?\d{1,2})$")
_DAMAGE = re.compile(r"^\s*(\d*\.?\d*)\s*([HKMB]?)\s*$", flags=re.IGNORECASE)
_MULTIPLIER = {"": 1.0, "H": 1e2, "K": 1e3, "M": 1e6, "B": 1e9}

_KNOT = 1852.0 / 3600.0  # m/s
_INCH = 0.0254  # m
_MILE = 1609.344  # m
_YARD = 0.9144  # m
_WIND_MAGNITUDE_TYPES = {"EG", "ES", "MG", "MS"}

_REQUIRED = [
    "EVENT_ID",
    "STATE",
    "STATE_FIPS",
    "EVENT_TYPE",
    "CZ_TYPE",
    "CZ_FIPS",
    "CZ_TIMEZONE",
    "BEGIN_YEARMONTH",
    "BEGIN_DAY",
    "BEGIN_TIME",
    "END_YEARMONTH",
    "END_DAY",
    "END_TIME",
    "DAMAGE_PROPERTY",
    "DAMAGE_CROPS",
]


def read_storm_events(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a Storm Events details CSV (``.csv`` or ``.csv.gz``).

    Parameters
    ----------
    path : path-like
        An NCEI ``StormEvents_details-ftp_v1.0_dYYYY_cYYYYMMDD.csv(.gz)`` file.

    Returns
    -------
    pandas.DataFrame
        One row per event with every column of the file in lowercase
        snake_case (``event_id``, ``state``, ``cz_type`` ...) plus:

        ``begin_time_utc``, ``end_time_utc`` : datetime64[UTC]
            Event start and end in UTC, from ``BEGIN_YEARMONTH``/``BEGIN_DAY``/
            ``BEGIN_TIME`` (local clock) and the offset of ``CZ_TIMEZONE``.
            NaT where the time-zone code is unknown (a DataGapWarning says so).
            (``begin_time``/``end_time`` stay the file's local ``HHMM`` text.)
        ``utc_offset_hours`` : float
            Offset of the local clock from UTC, h (e.g. -6 for ``CST-6``).
        ``damage_property_usd``, ``damage_crops_usd`` : float
            Damage in US dollars (``10.00K`` = 10000); NaN when not given.
        ``is_county`` : bool
            True for county rows (``cz_type == "C"``), False for zone rows.
        ``fips`` : string
            5-digit county FIPS (``state_fips * 1000 + cz_fips``) for county
            rows, NA for zone rows.
        ``wind_speed_ms`` : float
            ``magnitude`` in m/s for wind rows (magnitude type EG/ES/MG/MS,
            given in knots), else NaN.
        ``hail_size_m`` : float
            Hail diameter in m for ``Hail`` rows (given in inches), else NaN.
        ``tor_length_m``, ``tor_width_m`` : float
            Tornado path length (given in miles) and width (yards) in m.

        ``state_fips``, ``cz_fips``, ``event_id``, ``episode_id`` are
        nullable integers; ``begin_lat``/``begin_lon``/``end_lat``/``end_lon``
        are floats in degrees (WGS84).

    Raises
    ------
    InputFileError
        The file is missing or not a readable CSV.
    DataValidationError
        A column needed for the conversions is absent (message lists the
        missing and present columns).

    Warns
    -----
    DataGapWarning
        Some time-zone codes or damage strings could not be read.
    """
    raw = read_table(path, what="Storm Events file", dtype=str, keep_default_na=False)
    require_columns(raw, _REQUIRED, source=path)
    source = os.fspath(path)

    df = raw.replace({"": pd.NA})
    df.columns = [_snake(c) for c in df.columns]
    for col in ("event_id", "episode_id", "state_fips", "cz_fips"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    for col in ("begin_lat", "begin_lon", "end_lat", "end_lon", "magnitude"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    for col in (
        "injuries_direct",
        "injuries_indirect",
        "deaths_direct",
        "deaths_indirect",
    ):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")

    offsets = _utc_offsets(df["cz_timezone"], source)
    df["utc_offset_hours"] = offsets
    df["begin_time_utc"] = _utc_times(
        df["begin_yearmonth"], df["begin_day"], df["begin_time"], offsets
    )
    df["end_time_utc"] = _utc_times(
        df["end_yearmonth"], df["end_day"], df["end_time"], offsets
    )

    df["damage_property_usd"] = _damage_column(df["damage_property"], source)
    df["damage_crops_usd"] = _damage_column(df["damage_crops"], source)

    cz_type = df["cz_type"].str.strip().str.upper()
    df["cz_type"] = cz_type
    df["is_county"] = (cz_type == "C").fillna(False).astype(bool)
    fips = zero_pad_fips(df["state_fips"], df["cz_fips"])
    df["fips"] = fips.where(df["is_county"], pd.NA).astype("string")

    df = _physical_units(df)
    log.info("read %d Storm Events rows from %r", len(df), source)
    return df


def parse_damage(values: pd.Series) -> pd.Series:
    """Turn Storm Events damage text into US dollars.

    Parameters
    ----------
    values : pandas.Series of str
        Text like ``"10.00K"``, ``"1.5M"``, ``"2B"``, ``".5K"``, ``"2H"``
        (hundreds), ``"0"``; empty or missing means not reported.

    Returns
    -------
    pandas.Series of float
        Damage in USD; NaN where empty or not readable (e.g. ``"0?"``).
    """
    text = values.astype("string").str.strip()
    parts = text.str.extract(_DAMAGE)
    number = pd.to_numeric(parts[0].replace({"": pd.NA, ".": pd.NA}), errors="coerce")
    factor = parts[1].str.upper().map(_MULTIPLIER)
    out = (number.astype("float64") * factor.astype("float64")).astype("float64")
    return out.where(text.notna() & (text != ""), np.nan)


def _damage_column(values: pd.Series, source: str) -> pd.Series:
    """parse_damage with a warning listing the strings that could not be read."""
    out = parse_damage(values)
    bad = values.notna() & (values.astype("string").str.strip() != "") & out.isna()
    if bad.any():
        warn(
            f"{int(bad.sum())} damage values of {source!r} could not be read and "
            f"are NaN: {short_list(values[bad].unique())}",
            DataGapWarning,
        )
    return out


def _snake(name: str) -> str:
    """Lowercase snake_case of a column name."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()


def _utc_offsets(codes: pd.Series, source: str) -> pd.Series:
    """UTC offsets in hours from codes like ``CST-6``, ``GST10`` or ``EDT``."""
    unique = codes.dropna().unique()
    table: dict[str, float] = {}
    unknown = []
    for code in unique:
        key = str(code).strip().upper()
        match = _TZ_WITH_OFFSET.match(key)
        if match:
            table[code] = float(match.group(2))
        elif key in UTC_OFFSET_HOURS:
            table[code] = float(UTC_OFFSET_HOURS[key])
        else:
            unknown.append(code)
    offsets = codes.map(table).astype("float64")
    if unknown or codes.isna().any():
        n = int(offsets.isna().sum())
        warn(
            f"{n} rows of {source!r} have an unknown or missing CZ_TIMEZONE "
            f"{short_list(unknown)}; their UTC times are NaT",
            DataGapWarning,
        )
    return offsets


def _utc_times(
    yearmonth: pd.Series, day: pd.Series, hhmm: pd.Series, offsets: pd.Series
) -> pd.Series:
    """UTC timestamps from YYYYMM, day, local HHMM and an hour offset."""
    ym = pd.to_numeric(yearmonth, errors="coerce")
    clock = pd.to_numeric(hhmm, errors="coerce").fillna(0)
    local = pd.to_datetime(
        {
            "year": ym // 100,
            "month": ym % 100,
            "day": pd.to_numeric(day, errors="coerce"),
            "hour": clock // 100,
            "minute": clock % 100,
        },
        errors="coerce",
    )
    utc = local - pd.to_timedelta(offsets, unit="h")
    return utc.dt.tz_localize("UTC")


def _physical_units(df: pd.DataFrame) -> pd.DataFrame:
    """Add SI columns for wind, hail and tornado path sizes."""
    magnitude = df["magnitude"] if "magnitude" in df else pd.Series(np.nan, df.index)
    mtype = (
        df["magnitude_type"].astype("string").str.strip().str.upper()
        if "magnitude_type" in df
        else pd.Series(pd.NA, df.index, dtype="string")
    )
    is_wind = mtype.isin(list(_WIND_MAGNITUDE_TYPES)).fillna(False).astype(bool)
    is_hail = (df["event_type"].astype("string").str.strip() == "Hail").fillna(False)
    df["wind_speed_ms"] = magnitude.where(is_wind) * _KNOT
    df["hail_size_m"] = magnitude.where(is_hail.astype(bool)) * _INCH
    if "tor_length" in df:
        df["tor_length_m"] = pd.to_numeric(df["tor_length"], errors="coerce") * _MILE
    if "tor_width" in df:
        df["tor_width_m"] = pd.to_numeric(df["tor_width"], errors="coerce") * _YARD
    return df
