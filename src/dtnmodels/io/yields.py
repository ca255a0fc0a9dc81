"""Read county crop-yield tables and county centroid tables.

The You et al. (2017) soybean table ships without a header (year, state FIPS,
county FIPS, yield in bu/acre) and carries placeholder rows of yield 0 for
2016; :func:`read_county_yields` reads it with an explicit schema, builds
5-digit FIPS text ids and drops the placeholders with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn
from dtnmodels.io.tables import (
    read_table,
    require_columns,
    short_list,
    zero_pad_fips,
)

__all__ = ["YOU2017_COLUMNS", "read_county_locations", "read_county_yields"]

log = logging.getLogger(__name__)

#: Column order of the headerless You et al. (2017) county yield file.
YOU2017_COLUMNS = ("year", "state_fips", "county_fips", "yield")
_LOCATION_COLUMNS = ("state_fips", "county_fips", "lon", "lat")


def read_county_yields(
    path: str | os.PathLike[str],
    *,
    header: Literal["infer"] | None = None,
    columns: Sequence[str] | Mapping[str, str] = YOU2017_COLUMNS,
    unit: str = "bu/acre",
    placeholder_zero_years: Literal["warn", "drop", "keep", "error"] = "warn",
) -> pd.DataFrame:
    """Read a county yield table into ``region_id, year, yield, unit``.

    Parameters
    ----------
    path : path-like
        CSV (or Parquet) file.
    header : {None, "infer"}, default None
        ``None``: the file has no header and ``columns`` names its columns in
        order. ``"infer"``: the first row is a header and ``columns`` maps the
        file's names to ``year``, ``yield`` and either ``fips`` or
        ``state_fips`` + ``county_fips`` (omitted names are expected as is).
    columns : sequence or mapping of str, default YOU2017_COLUMNS
        See ``header``. Must provide ``year``, ``yield`` and the FIPS parts.
    unit : str, default "bu/acre"
        Unit of the yield values, written to the ``unit`` column.
    placeholder_zero_years : {"warn", "drop", "keep", "error"}, default "warn"
        What to do with rows whose yield is exactly 0 (placeholders, as the
        2016 rows of the You et al. file): drop them with a DataGapWarning
        naming how many and which years, drop them quietly, keep them, or
        raise.

    Returns
    -------
    pandas.DataFrame
        ``region_id`` (str, 5-digit county FIPS, e.g. ``"38093"``), ``year``
        (int64), ``yield`` (float, in ``unit``), ``unit`` (str), sorted by
        region and year.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    DataValidationError
        Missing columns, a header row read as data (pass ``header="infer"``),
        non-numeric values, placeholder zeros with ``"error"``, or repeated
        (region, year) pairs (listed).
    """
    source = os.fspath(path)
    df = _read_with_schema(path, header=header, columns=columns, what="yield file")
    if "fips" not in df.columns:
        require_columns(df, ["state_fips", "county_fips"], source=source)
    require_columns(df, ["year", "yield"], source=source)

    out = pd.DataFrame(
        {
            "region_id": _fips(df, source),
            "year": _numeric(df["year"], "year", source).astype("int64"),
            "yield": _numeric(df["yield"], "yield", source).astype("float64"),
        }
    )

    zero = out["yield"] == 0
    if zero.any() and placeholder_zero_years != "keep":
        years = sorted(out.loc[zero, "year"].unique().tolist())
        message = (
            f"{int(zero.sum())} rows of {source!r} have yield exactly 0 "
            f"(placeholders, years {years}); they are dropped"
        )
        if placeholder_zero_years == "error":
            raise DataValidationError(
                message.replace(
                    "they are dropped",
                    "pass placeholder_zero_years='warn' to drop them",
                )
            )
        if placeholder_zero_years == "warn":
            warn(message, DataGapWarning)
        else:
            log.info(message)
        out = out[~zero]

    dupes = out.duplicated(["region_id", "year"], keep=False)
    if dupes.any():
        pairs = out.loc[dupes, ["region_id", "year"]].drop_duplicates()
        raise DataValidationError(
            f"{source!r} has {len(pairs)} repeated (fips, year) pairs: "
            f"{short_list(map(tuple, pairs.astype(str).values))}"
        )

    out["unit"] = pd.Series(unit, index=out.index, dtype="string")
    out = out.sort_values(["region_id", "year"]).reset_index(drop=True)
    log.info("read %d county yields from %r", len(out), source)
    return out


def read_county_locations(
    path: str | os.PathLike[str],
    *,
    header: Literal["infer"] | None = None,
    columns: Sequence[str] | Mapping[str, str] = _LOCATION_COLUMNS,
) -> pd.DataFrame:
    """Read county centroids (``you2017_county_locations_final.csv`` layout).

    Parameters
    ----------
    path : path-like
        Headerless CSV of state FIPS, county FIPS, longitude, latitude.
    header, columns
        As in :func:`read_county_yields`; the columns needed are ``lon``,
        ``lat`` and ``fips`` or ``state_fips`` + ``county_fips``.

    Returns
    -------
    pandas.DataFrame
        ``region_id`` (str, 5-digit FIPS), ``lon``, ``lat`` (float, degrees,
        WGS84 / EPSG:4326), one row per county.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    DataValidationError
        Missing columns, coordinates out of range, or repeated counties.
    """
    source = os.fspath(path)
    df = _read_with_schema(
        path, header=header, columns=columns, what="county locations file"
    )
    if "fips" not in df.columns:
        require_columns(df, ["state_fips", "county_fips"], source=source)
    require_columns(df, ["lon", "lat"], source=source)

    out = pd.DataFrame(
        {
            "region_id": _fips(df, source),
            "lon": _numeric(df["lon"], "lon", source).astype("float64"),
            "lat": _numeric(df["lat"], "lat", source).astype("float64"),
        }
    )
    if not (out["lon"].between(-180, 180).all() and out["lat"].between(-90, 90).all()):
        raise DataValidationError(
            f"{source!r} has lon/lat outside -180..180 / -90..90; are the "
            "columns in the order state_fips, county_fips, lon, lat?"
        )
    dupes = out["region_id"].duplicated(keep=False)
    if dupes.any():
        raise DataValidationError(
            f"{source!r} repeats counties {short_list(out.loc[dupes, 'region_id'])}"
        )
    return out


def _read_with_schema(
    path: str | os.PathLike[str],
    *,
    header: Literal["infer"] | None,
    columns: Sequence[str] | Mapping[str, str],
    what: str,
) -> pd.DataFrame:
    """Read a table headerless with names, or with a header and a rename map."""
    source = os.fspath(path)
    if header is None:
        if isinstance(columns, Mapping):
            raise DataValidationError(
                "with header=None, columns must be a sequence of names in file order"
            )
        names = list(columns)
        df = read_table(path, what=what, header=None, dtype=str)
        if df.shape[1] != len(names):
            raise DataValidationError(
                f"{source!r} has {df.shape[1]} columns but {len(names)} names were "
                f"given ({names}); first row: {short_list(df.iloc[0])}"
            )
        df.columns = names
        first = df.iloc[0].astype(str).str.strip()
        if len(df) and pd.to_numeric(first, errors="coerce").isna().any():
            raise DataValidationError(
                f"the first row of {source!r} is not numeric "
                f"({short_list(first)}): it looks like a header; pass "
                "header='infer'"
            )
        return df
    if header != "infer":
        raise DataValidationError(f"header must be None or 'infer', not {header!r}")

    df = read_table(path, what=what, dtype=str)
    if isinstance(columns, Mapping):
        require_columns(df, list(columns), source=source)
        df = df.rename(columns=dict(columns))
    return df


def _fips(df: pd.DataFrame, source: str) -> pd.Series:
    """5-digit FIPS text from a fips column or state + county parts."""
    if "fips" in df.columns:
        text = df["fips"].astype("string").str.strip()
        fips = text.str.zfill(5)
    else:
        state = _numeric(df["state_fips"], "state_fips", source)
        county = _numeric(df["county_fips"], "county_fips", source)
        if (county >= 1000).any() or (state >= 100).any():
            raise DataValidationError(
                f"{source!r}: state_fips must be < 100 and county_fips < 1000"
            )
        fips = zero_pad_fips(state, county)
    bad = ~fips.str.fullmatch(r"\d{5}").fillna(False)
    if bad.any():
        raise DataValidationError(
            f"{source!r} has ids that are not 5-digit FIPS: {short_list(fips[bad])}"
        )
    return fips.astype("string")


def _numeric(values: pd.Series, column: str, source: str) -> pd.Series:
    """Numbers from text, or an error naming the column and the bad values."""
    out = pd.to_numeric(values, errors="coerce")
    bad = out.isna() & values.notna()
    if bad.any() or out.isna().any():
        shown = values[bad] if bad.any() else values[out.isna()]
        raise DataValidationError(
            f"column {column!r} of {source!r} has missing or non-numeric values: "
            f"{short_list(shown.astype(str))}"
        )
    return out
