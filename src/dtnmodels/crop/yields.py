"""Clean a yield history: placeholder zeros, duplicates, units, as-of dates.

A yield table has one row per region and year with columns ``region``
(string id, e.g. a 5-digit county FIPS), ``year`` (int), ``yield`` (float)
and optionally ``unit``. Zeros and negative values are placeholders for
"not reported" in public tables (the 2016 rows of the county soybean file),
never a real harvest, and become missing.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn

__all__ = ["clean_yields"]

log = logging.getLogger(__name__)

REQUIRED = ("region", "year", "yield")


def clean_yields(
    df: pd.DataFrame,
    *,
    duplicates: str = "error",
    source: str = "yields",
    unit: str | None = None,
) -> pd.DataFrame:
    """Validated yield table with placeholders dropped and one row per region-year.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``region``, ``year``, ``yield`` (and optionally ``unit``).
    duplicates : {"error", "mean", "last"}, default "error"
        What to do with several rows for one region and year: raise, average
        them, or keep the last (each with a warning except "error").
    source : str, default "yields"
        Name of the input, for messages (e.g. the file).
    unit : str, optional
        Expected unit (e.g. ``"bu/acre"``); rows with another ``unit`` are an
        error.

    Returns
    -------
    pandas.DataFrame
        Columns ``region`` (str), ``year`` (int64), ``yield`` (float64),
        sorted by region and year; rows with missing, zero or negative yields
        removed (with a :class:`DataGapWarning` giving how many and which
        years).

    Raises
    ------
    DataValidationError
        A column is missing, a year is not an integer, units differ, or
        duplicates are found with ``duplicates="error"``.
    """
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {missing}; columns present: "
            f"{list(df.columns)}"
        )
    if duplicates not in ("error", "mean", "last"):
        raise DataValidationError(
            f"yields.duplicates must be 'error', 'mean' or 'last', got {duplicates!r}"
        )

    out = pd.DataFrame(
        {
            "region": df["region"].astype(str).str.strip(),
            "year": pd.to_numeric(df["year"], errors="coerce"),
            "yield": pd.to_numeric(df["yield"], errors="coerce").astype(np.float64),
        }
    )
    if out["year"].isna().any() or (out["year"] % 1 != 0).any():
        bad = df.loc[out["year"].isna() | (out["year"] % 1 != 0), "year"]
        raise DataValidationError(
            f"{source}: column 'year' holds non-integer values such as "
            f"{bad.head(3).tolist()}"
        )
    out["year"] = out["year"].astype(np.int64)
    if unit is not None and "unit" in df.columns:
        units = set(df["unit"].dropna().astype(str))
        if units - {unit}:
            raise DataValidationError(
                f"{source}: column 'unit' holds {sorted(units)}, expected only "
                f"{unit!r}; convert the yields first"
            )

    placeholder = out["yield"].isna() | (out["yield"] <= 0)
    if placeholder.any():
        years = sorted(out.loc[placeholder, "year"].unique().tolist())
        warn(
            f"{source}: {int(placeholder.sum())} row(s) with missing, zero or "
            f"negative yield treated as not reported (years {years})",
            DataGapWarning,
        )
        out = out[~placeholder]

    dup = out.duplicated(["region", "year"], keep=False)
    if dup.any():
        pairs = out.loc[dup, ["region", "year"]].drop_duplicates()
        listed = [f"{r}/{y}" for r, y in pairs.head(5).itertuples(index=False)]
        message = (
            f"{source}: {len(pairs)} region-year(s) appear more than once, e.g. "
            f"{listed}"
        )
        if duplicates == "error":
            raise DataValidationError(
                f"{message}; remove them or set yields.duplicates to 'mean' or 'last'"
            )
        warn(f"{message}; kept the {duplicates} value", DataGapWarning)
        if duplicates == "mean":
            out = out.groupby(["region", "year"], as_index=False)["yield"].mean()
        else:
            out = out.drop_duplicates(["region", "year"], keep="last")

    out = out.sort_values(["region", "year"]).reset_index(drop=True)
    log.debug("%s: %d region-years, %d regions", source, len(out), out.region.nunique())
    return out
