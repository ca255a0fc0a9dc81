"""Read EAGLE-I-derived county power-outage summaries per storm.

The tables (``eaglei_outages_by_county_<Storm>.csv``) hold, per county and
storm, the peak share of customers without power and the mean customer-hours
out, derived from ORNL EAGLE-I 15-minute county outage counts.
"""

from __future__ import annotations

import logging
import os

import pandas as pd

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn
from dtnmodels.io.tables import read_table, require_columns, short_list

__all__ = ["read_eaglei_outages"]

log = logging.getLogger(__name__)

_REQUIRED = ["storm_id", "geoid", "max_pct_out", "avg_customer_hrs_out"]


def read_eaglei_outages(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a county outage table for one or more storms.

    Parameters
    ----------
    path : path-like
        CSV with columns ``storm_id, usa_atcf_id, geoid, max_pct_out,
        avg_customer_hrs_out`` (``usa_atcf_id`` optional).

    Returns
    -------
    pandas.DataFrame
        ``fips`` (str, 5-digit county FIPS, zero-padded), ``storm_id`` (str,
        e.g. ``"Harvey-2017"``), ``atcf_id`` (str, e.g. ``"AL092017"``, NA if
        absent), ``max_pct_out`` (float, peak fraction of customers out,
        0..1), ``customer_hours`` (float, hours without power per customer
        over the storm window, h). Missing values stay NaN.

    Raises
    ------
    InputFileError
        The file is missing or unreadable.
    DataValidationError
        Columns are missing, ``max_pct_out`` lies outside 0..1, or a
        (storm, county) pair repeats.

    Warns
    -----
    DataGapWarning
        Counties without outage values (NaN rows are kept).
    """
    raw = read_table(path, what="EAGLE-I outage file", dtype={"geoid": str})
    require_columns(raw, _REQUIRED, source=path)
    source = os.fspath(path)

    geoid = raw["geoid"].astype("string").str.strip()
    fips = geoid.str.zfill(5)
    if not fips.str.fullmatch(r"\d{5}").fillna(False).all():
        bad = geoid[~fips.str.fullmatch(r"\d{5}").fillna(False)]
        raise DataValidationError(
            f"geoid values of {source!r} are not county FIPS: {short_list(bad)}"
        )
    df = pd.DataFrame(
        {
            "fips": fips.astype("string"),
            "storm_id": raw["storm_id"].astype("string").str.strip(),
            "atcf_id": (
                raw["usa_atcf_id"].astype("string").str.strip()
                if "usa_atcf_id" in raw
                else pd.Series(pd.NA, index=raw.index, dtype="string")
            ),
            "max_pct_out": pd.to_numeric(raw["max_pct_out"], errors="coerce"),
            "customer_hours": pd.to_numeric(
                raw["avg_customer_hrs_out"], errors="coerce"
            ),
        }
    )

    share = df["max_pct_out"]
    if ((share < 0) | (share > 1)).any():
        raise DataValidationError(
            f"max_pct_out of {source!r} must be a fraction 0..1; found "
            f"{short_list(share[(share < 0) | (share > 1)].unique())}"
        )
    dupes = df.duplicated(["storm_id", "fips"], keep=False)
    if dupes.any():
        raise DataValidationError(
            f"{source!r} repeats (storm, county) pairs: "
            f"{short_list(df.loc[dupes, 'fips'].unique())}"
        )
    gaps = df["max_pct_out"].isna() | df["customer_hours"].isna()
    if gaps.any():
        warn(
            f"{int(gaps.sum())} counties of {source!r} have no outage values "
            f"(kept as NaN): {short_list(df.loc[gaps, 'fips'])}",
            DataGapWarning,
        )
    log.info("read %d county outage rows from %r", len(df), source)
    return df
