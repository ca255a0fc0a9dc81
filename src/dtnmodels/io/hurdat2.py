"""Read NHC HURDAT2 best-track text files into one row per track fix.

HURDAT2 alternates a storm header (``AL092008, IKE, 62,``) with that many fix
lines (date, time UTC, record identifier, status, latitude ``17.2N``,
longitude ``37.0W``, maximum wind in knots, minimum pressure in mb, then the
34/50/64-kt wind radii NE/SE/SW/NW in nautical miles; files since 2022 add the
radius of maximum wind). Missing values are ``-999`` (``-99`` for some old
winds).
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd

from dtnmodels.core.errors import InputFileError
from dtnmodels.io.tables import require_file

__all__ = ["read_hurdat2"]

log = logging.getLogger(__name__)

KNOT_TO_MS = 1852.0 / 3600.0
NAUTICAL_MILE_M = 1852.0
HPA_TO_PA = 100.0

_RADII = [
    f"r{kt}_{quadrant}_m"
    for kt in (34, 50, 64)
    for quadrant in ("ne", "se", "sw", "nw")
]
_COLUMNS = [
    "storm_id",
    "name",
    "time",
    "record_identifier",
    "status",
    "lat",
    "lon",
    "max_wind_ms",
    "min_pressure_pa",
    *_RADII,
    "rmw_m",
]


def read_hurdat2(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a HURDAT2 text file (Atlantic or north-east Pacific).

    Parameters
    ----------
    path : path-like
        The NHC ``hurdat2-*.txt`` file.

    Returns
    -------
    pandas.DataFrame
        One row per fix, in file order, with columns

        ``storm_id`` : str
            ATCF id, e.g. ``"AL092008"``.
        ``name`` : str
            Storm name as given (``"IKE"``, ``"UNNAMED"``).
        ``time`` : datetime64[UTC]
            Fix time in UTC.
        ``record_identifier`` : str
            ``"L"`` landfall, ``"I"`` intensity peak, ... ; empty string if none.
        ``status`` : str
            ``"HU"``, ``"TS"``, ``"TD"``, ``"EX"``, ...
        ``lat``, ``lon`` : float
            Position in degrees north / east (south and west negative).
        ``max_wind_ms`` : float
            Maximum sustained (1-min) wind, m/s (from knots).
        ``min_pressure_pa`` : float
            Minimum central pressure, Pa (from mb).
        ``r34_ne_m`` ... ``r64_nw_m`` : float
            Radii of 34/50/64-kt winds per quadrant, m (from nautical miles).
        ``rmw_m`` : float
            Radius of maximum wind, m (NaN for files without it).

        Missing values (``-999``, ``-99``) are NaN.

    Raises
    ------
    InputFileError
        The file is missing or a line does not follow the HURDAT2 layout (the
        message gives the line number).
    """
    p = require_file(path, what="HURDAT2 file")
    source = os.fspath(path)

    rows: list[list[object]] = []
    storm_id = name = None
    remaining = 0
    with open(p, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            fields = [f.strip() for f in line.rstrip().rstrip(",").split(",")]
            if remaining == 0:
                storm_id, name, remaining = _header(fields, number, source)
                continue
            rows.append(_fix(fields, storm_id, name, number, source))
            remaining -= 1
    if remaining:
        raise InputFileError(
            f"{source!r} ends {remaining} fixes short of storm {storm_id}"
        )
    if not rows:
        raise InputFileError(f"{source!r} holds no HURDAT2 storms")

    df = pd.DataFrame(rows, columns=_COLUMNS)
    df["time"] = pd.to_datetime(df["time"], format="%Y%m%d%H%M", utc=True)
    numeric = ["lat", "lon", "max_wind_ms", "min_pressure_pa", *_RADII, "rmw_m"]
    df[numeric] = df[numeric].astype("float64")
    log.info(
        "read %d fixes of %d storms from %r", len(df), df.storm_id.nunique(), source
    )
    return df


def _header(fields: list[str], number: int, source: str) -> tuple[str, str, int]:
    """Parse a storm header line: id, name and number of fixes."""
    try:
        storm_id, name, count = fields[0], fields[1], int(fields[2])
    except (IndexError, ValueError) as exc:
        raise InputFileError(
            f"line {number} of {source!r} should be a HURDAT2 storm header like "
            f"'AL092008, IKE, 62,' but is {','.join(fields)[:60]!r}"
        ) from exc
    if len(storm_id) != 8 or not storm_id[:2].isalpha():
        raise InputFileError(
            f"line {number} of {source!r}: {storm_id!r} is not a storm id like AL092008"
        )
    return storm_id, name, count


def _fix(
    fields: list[str], storm_id: str | None, name: str | None, number: int, source: str
) -> list[object]:
    """Parse one fix line into the output row."""
    if len(fields) < 20:
        raise InputFileError(
            f"line {number} of {source!r} has {len(fields)} fields; a HURDAT2 fix "
            "has at least 20"
        )
    try:
        lat = _signed(fields[4], "N", "S")
        lon = _signed(fields[5], "E", "W")
        wind = _missing(float(fields[6])) * KNOT_TO_MS
        pressure = _missing(float(fields[7])) * HPA_TO_PA
        radii = [_missing(float(v)) * NAUTICAL_MILE_M for v in fields[8:20]]
        rmw = (
            _missing(float(fields[20])) * NAUTICAL_MILE_M
            if len(fields) > 20 and fields[20]
            else np.nan
        )
    except ValueError as exc:
        raise InputFileError(
            f"line {number} of {source!r} ({storm_id}) is not a HURDAT2 fix: {exc}"
        ) from exc
    when = fields[0] + fields[1].zfill(4)
    return [
        storm_id,
        name,
        when,
        fields[2],
        fields[3],
        lat,
        lon,
        wind,
        pressure,
        *radii,
        rmw,
    ]


def _signed(text: str, positive: str, negative: str) -> float:
    """Degrees from ``17.2N`` / ``37.0W`` style text."""
    hemisphere = text[-1].upper()
    value = float(text[:-1])
    if hemisphere == positive:
        return value
    if hemisphere == negative:
        return -value
    raise ValueError(f"{text!r} lacks a {positive}/{negative} hemisphere letter")


def _missing(value: float) -> float:
    """NaN for the HURDAT2 missing markers (-999 and -99)."""
    return np.nan if value in (-999.0, -99.0) else value
