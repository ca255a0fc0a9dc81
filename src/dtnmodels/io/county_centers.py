"""Read the 2010 Census county population centres (FIPS, population, lat/lon)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from dtnmodels.core.errors import DataValidationError, InputFileError

__all__ = ["read_county_centers"]

log = logging.getLogger(__name__)

_COLUMNS = ("fips", "population", "latitude", "longitude")


def read_county_centers(path: str | os.PathLike[str]) -> pd.DataFrame:
    """County population centres.

    Parameters
    ----------
    path : path-like
        CSV with ``fips`` (5-digit county FIPS), ``population`` (2010 count),
        ``latitude``, ``longitude`` (degrees, WGS84/NAD83) and optionally
        ``county_name``, ``state_name``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``fips`` (zero-padded text) with ``population`` (int64),
        ``latitude``, ``longitude`` and the name columns.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    DataValidationError
        A column is missing, a FIPS repeats or a population is negative.
    """
    source = Path(path)
    if not source.is_file():
        raise InputFileError(f"{str(source)!r} not found")
    try:
        frame = pd.read_csv(source, dtype={"fips": str})
    except (OSError, ValueError) as exc:
        raise InputFileError(f"cannot read {str(source)!r}: {exc}") from exc

    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{str(source)!r}: county centres lack column(s) {missing}; "
            f"columns present: {list(frame.columns)}"
        )
    frame["fips"] = frame["fips"].astype(str).str.strip().str.zfill(5)
    if frame["fips"].duplicated().any():
        raise DataValidationError(
            f"{str(source)!r}: FIPS "
            f"{frame['fips'][frame['fips'].duplicated()].iloc[0]!r} appears more "
            "than once"
        )
    frame["population"] = pd.to_numeric(frame["population"], errors="raise")
    if (frame["population"] < 0).any():
        raise DataValidationError(f"{str(source)!r}: negative population values")
    frame["population"] = frame["population"].astype("int64")
    return frame.set_index("fips").sort_index()
