"""Read US EIA series files (long or wide CSV) into one long frame.

Two layouts are read:

* long: ``week_ending,series_id,name,region,unit,value`` (the weekly
  petroleum status extract), one row per series and date;
* wide: a date column (``week_ending``, ``week_of``, ``month`` as
  ``YYYY-MM``, ``date`` ...) followed by one value column per series.

Values keep EIA's units (thousand barrels per day, thousand barrels, percent,
US dollars per gallon), recorded in the ``unit`` column: converting fuel
volumes would make the series incomparable with published EIA figures and
forecast benchmarks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.io.tables import read_table, short_list

__all__ = ["read_eia_series"]

log = logging.getLogger(__name__)

_LONG_COLUMNS = {"series_id", "value"}
_DATE_COLUMNS = ("ds", "date", "week_ending", "week_of", "period", "month", "week")
_LONG_DATE_COLUMNS = ("week_ending", "date", "period", "ds")


def read_eia_series(
    path: str | os.PathLike[str],
    *,
    series: str | Sequence[str] | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """Read an EIA series file, long or wide, as ``unique_id, ds, y, unit``.

    Parameters
    ----------
    path : path-like
        CSV (or Parquet) file in one of the two layouts of the module docstring.
    series : str or sequence of str, optional
        Keep only these series (EIA ids such as ``"WGFUPUS2"`` for long files,
        column names such as ``"gasoline_supplied_kbd"`` for wide ones).
    unit : str, optional
        Unit to record when the file does not give one. By default it is
        taken from the ``unit`` column (long files), else guessed from the
        column name (``*_kbd`` -> ``thousand_barrels_per_day``) or the file
        name (``*price*`` -> ``usd_per_gallon``), else left missing.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (str, series id), ``ds`` (datetime64, the week
        ending / week of / first day of the month), ``y`` (float, NaN where
        EIA gives none) and ``unit`` (str or NA), sorted by ``unique_id, ds``.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    DataValidationError
        No date column, unparseable dates, no value columns, duplicated
        (series, date) pairs, or unknown ``series``.
    """
    raw = read_table(path, what="EIA series file")
    source = os.fspath(path)
    columns = {str(c).strip().lower(): c for c in raw.columns}

    if _LONG_COLUMNS <= set(columns):
        df = _from_long(raw, columns, source)
    else:
        df = _from_wide(raw, columns, source, unit)
    if unit is not None:
        df["unit"] = unit

    if series is not None:
        wanted = [series] if isinstance(series, str) else list(series)
        unknown = sorted(set(wanted) - set(df["unique_id"]))
        if unknown:
            raise DataValidationError(
                f"series {unknown} not in {source!r}; available: "
                f"{short_list(sorted(df['unique_id'].unique()))}"
            )
        df = df[df["unique_id"].isin(wanted)]

    dupes = df.duplicated(["unique_id", "ds"], keep=False)
    if dupes.any():
        pairs = df.loc[dupes, ["unique_id", "ds"]].drop_duplicates()
        raise DataValidationError(
            f"{source!r} repeats {len(pairs)} (series, date) pairs, e.g. "
            f"{short_list(map(tuple, pairs.astype(str).values[:5]))}"
        )
    df = df.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    log.info(
        "read %d EIA series (%d rows) from %r", df.unique_id.nunique(), len(df), source
    )
    return df[["unique_id", "ds", "y", "unit"]]


def _from_long(raw: pd.DataFrame, columns: dict, source: str) -> pd.DataFrame:
    """Long layout: one row per series and date."""
    date_col = next((columns[c] for c in _LONG_DATE_COLUMNS if c in columns), None)
    if date_col is None:
        raise DataValidationError(
            f"long EIA file {source!r} has no date column (one of "
            f"{list(_LONG_DATE_COLUMNS)}); columns present: {list(raw.columns)}"
        )
    unit = (
        raw[columns["unit"]].astype("string")
        if "unit" in columns
        else pd.Series(pd.NA, index=raw.index, dtype="string")
    )
    return pd.DataFrame(
        {
            "unique_id": raw[columns["series_id"]].astype("string").str.strip(),
            "ds": _dates(raw[date_col], source, date_col),
            "y": pd.to_numeric(raw[columns["value"]], errors="coerce").astype(
                "float64"
            ),
            "unit": unit,
        }
    )


def _from_wide(
    raw: pd.DataFrame, columns: dict, source: str, unit: str | None
) -> pd.DataFrame:
    """Wide layout: a date column and one value column per series."""
    date_key = next((c for c in _DATE_COLUMNS if c in columns), None)
    if date_key is None:
        raise DataValidationError(
            f"EIA file {source!r} is neither long (series_id, value, ...) nor "
            f"wide with a date column (one of {list(_DATE_COLUMNS)}); columns "
            f"present: {list(raw.columns)}"
        )
    date_col = columns[date_key]
    value_cols = [c for c in raw.columns if c != date_col]
    if not value_cols:
        raise DataValidationError(f"EIA file {source!r} has no value columns")

    ds = _dates(raw[date_col], source, date_col)
    frames = []
    for col in value_cols:
        values = pd.to_numeric(raw[col], errors="coerce")
        if values.notna().sum() == 0 and raw[col].notna().any():
            raise DataValidationError(
                f"column {col!r} of {source!r} holds no numbers; "
                f"first values {short_list(raw[col].head(3))}"
            )
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": str(col),
                    "ds": ds,
                    "y": values.astype("float64"),
                    "unit": unit or _guess_unit(str(col), source),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    df["unique_id"] = df["unique_id"].astype("string")
    df["unit"] = df["unit"].astype("string")
    return df


def _dates(values: pd.Series, source: str, column: str) -> pd.Series:
    """Parse ISO dates or ``YYYY-MM`` months (to the first of the month)."""
    text = values.astype("string").str.strip()
    fmt = "%Y-%m" if text.str.fullmatch(r"\d{4}-\d{2}").all() else None
    try:
        return pd.to_datetime(text, format=fmt if fmt else "ISO8601")
    except (ValueError, TypeError):
        try:
            return pd.to_datetime(text, format="mixed")
        except (ValueError, TypeError) as exc:
            raise DataValidationError(
                f"cannot parse dates in column {column!r} of {source!r} "
                f"(first values {short_list(text.head(3))}): {exc}"
            ) from exc


def _guess_unit(column: str, source: str) -> str | None:
    """A unit from the column name or file name, when the convention is clear."""
    name = column.lower()
    if name.endswith("_kbd"):
        return "thousand_barrels_per_day"
    if name.endswith("_kb"):
        return "thousand_barrels"
    if "price" in os.path.basename(source).lower():
        return "usd_per_gallon"
    return None
