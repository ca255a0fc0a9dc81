"""Generic helpers to read CSV/Parquet tables with clear errors.

The public-format readers of :mod:`dtnmodels.io` build on these so every one
reports a missing file, an unreadable file and a missing column the same way.
"""

from __future__ import annotations

import csv
import logging
import os
import reprlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from dtnmodels.core.errors import DataValidationError, InputFileError

__all__ = [
    "read_table",
    "require_columns",
    "require_file",
    "short_list",
    "zero_pad_fips",
]

log = logging.getLogger(__name__)

_PARQUET_SUFFIXES = {".parquet", ".pq"}
_REPR = reprlib.Repr()
_REPR.maxlist = 8
_REPR.maxstring = 40


def short_list(values: Iterable[Any]) -> str:
    """A capped repr of a list for error messages (``[a, b, c, ...]``)."""
    return _REPR.repr(list(values))


def require_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """Return ``path`` as a Path, or raise InputFileError naming it.

    Parameters
    ----------
    path : path-like
        File that must exist.
    what : str, default "file"
        What the file is, for the message (``"Storm Events file"``).
    """
    p = Path(os.path.expanduser(os.fspath(path)))
    if not p.exists():
        raise InputFileError(f"{what} not found: {p}")
    if p.is_dir():
        raise InputFileError(f"{what} {p} is a directory, not a file")
    return p


def read_table(
    path: str | os.PathLike[str], *, what: str = "table", **kwargs: Any
) -> pd.DataFrame:
    """Read a CSV (also ``.csv.gz``) or Parquet file into a DataFrame.

    Parameters
    ----------
    path : path-like
        ``.csv``, ``.csv.gz``, ``.txt`` or ``.parquet`` file.
    what : str, default "table"
        What the file is, for error messages.
    **kwargs
        Passed to :func:`pandas.read_csv` (ignored keys for Parquet except
        ``columns``).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputFileError
        The file is missing, empty or not parseable as CSV/Parquet.
    """
    p = require_file(path, what=what)
    try:
        if p.suffix.lower() in _PARQUET_SUFFIXES:
            columns = kwargs.get("usecols")
            return pd.read_parquet(p, columns=columns)
        return pd.read_csv(p, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(f"{what} {p} is empty") from exc
    except (
        pd.errors.ParserError,
        UnicodeDecodeError,
        csv.Error,
        OSError,
        EOFError,
    ) as exc:
        raise InputFileError(f"cannot read {what} {p}: {exc}") from exc
    except ValueError as exc:  # bad usecols, pyarrow errors
        raise InputFileError(f"cannot read {what} {p}: {exc}") from exc


def require_columns(
    df: pd.DataFrame, required: Iterable[str], *, source: str | os.PathLike[str]
) -> None:
    """Raise DataValidationError listing missing and present columns.

    Parameters
    ----------
    df : pandas.DataFrame
        Table to check.
    required : iterable of str
        Column names that must be present.
    source : str or path
        Name of the file or table, for the message.
    """
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{os.fspath(source)} lacks columns {missing}; columns present: "
            f"{short_list(map(str, df.columns))}"
        )


def zero_pad_fips(state: pd.Series, county: pd.Series) -> pd.Series:
    """Build 5-digit county FIPS text from numeric state and county codes.

    Parameters
    ----------
    state, county : pandas.Series
        Integer-like state (1-2 digits) and county (1-3 digits) codes; missing
        values give a missing FIPS.

    Returns
    -------
    pandas.Series of string
        ``state * 1000 + county`` zero-padded to 5 characters, e.g. ``"01001"``.
    """
    code = pd.to_numeric(state, errors="coerce") * 1000 + pd.to_numeric(
        county, errors="coerce"
    )
    out = code.astype("Int64").astype("string").str.zfill(5)
    return out.where(code.notna(), pd.NA).astype("string")
