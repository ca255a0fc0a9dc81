"""County event labels from storm-event reports (Storm Events, per-storm tables).

Two shapes of input are accepted:

* the per-storm county table of the hurricaneexposure project (columns
  ``storm_id``, ``fips``, ``event_type``), and
* NCEI Storm Events details as read by
  :func:`dtnmodels.io.storm_events.read_storm_events`
  (``event_type``, ``is_county``, ``fips``, ``begin_time_utc``). Rows on NWS
  forecast zones (``cz_type == "Z"``) carry no county FIPS: they are mapped
  through a zone → county table when one is given, else left out and counted
  in a :class:`DataGapWarning`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn

__all__ = ["county_event_labels"]

log = logging.getLogger(__name__)


def county_event_labels(
    events: pd.DataFrame,
    *,
    event_types: Sequence[str],
    regions: Sequence[str],
    storm_id: str | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    zone_to_county: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """1 where a region reported one of ``event_types``, else 0.

    Parameters
    ----------
    events : pandas.DataFrame
        Event rows (see module docstring).
    event_types : sequence of str
        Event types that count (case-insensitive), e.g. Flood, Flash Flood.
    regions : sequence of str
        County FIPS to label (the output index).
    storm_id : str, optional
        Keep rows of this storm (tables with a ``storm_id`` column).
    start, end : str or Timestamp, optional
        UTC window on ``begin_time_utc`` (Storm Events details).
    zone_to_county : pandas.DataFrame, optional
        Columns ``zone`` (``state_fips * 1000 + cz_fips`` as text) and
        ``fips``, to map forecast-zone rows to counties.

    Returns
    -------
    pandas.DataFrame
        Index ``region``; columns ``event`` (0/1) and ``n_reports``.

    Raises
    ------
    DataValidationError
        Required columns are missing or the storm has no rows at all.
    """
    if "event_type" not in events.columns:
        raise DataValidationError(
            f"event table lacks column 'event_type'; columns: {list(events.columns)}"
        )
    rows = events
    if storm_id is not None:
        if "storm_id" not in rows.columns:
            raise DataValidationError("event table has no 'storm_id' column")
        rows = rows[rows["storm_id"].astype(str) == storm_id]
        if rows.empty:
            known = sorted(events["storm_id"].astype(str).unique())[:10]
            raise DataValidationError(
                f"no event rows for storm {storm_id!r} (e.g. storms: {known})"
            )
    if start is not None or end is not None:
        times = pd.to_datetime(rows["begin_time_utc"], utc=True)
        keep = pd.Series(True, index=rows.index)
        if start is not None:
            keep &= times >= pd.Timestamp(start, tz="UTC")
        if end is not None:
            keep &= times <= pd.Timestamp(end, tz="UTC")
        rows = rows[keep]

    fips = _county_fips(rows, zone_to_county)
    wanted = {t.lower() for t in event_types}
    hit = rows["event_type"].astype(str).str.strip().str.lower().isin(wanted)
    counts = fips[hit & fips.notna()].value_counts()

    index = pd.Index([str(r) for r in regions], name="region")
    out = pd.DataFrame(index=index)
    out["n_reports"] = counts.reindex(index).fillna(0).astype("int64")
    out["event"] = (out["n_reports"] > 0).astype("int64")
    if not hit.any():
        warn(
            f"no {sorted(wanted)} reports{f' for {storm_id}' if storm_id else ''}: "
            "every region is labelled 0",
            DataGapWarning,
        )
    log.info("%r of %r regions reported %r", int(out["event"].sum()), len(out), wanted)
    return out


def _county_fips(rows: pd.DataFrame, zone_to_county: pd.DataFrame | None) -> pd.Series:
    """County FIPS per row; zone rows mapped or NA (with a warning)."""
    if "fips" not in rows.columns:
        raise DataValidationError("event table lacks column 'fips'")
    fips = rows["fips"].astype("string").str.zfill(5)
    if "is_county" not in rows.columns:
        return fips

    zone = ~rows["is_county"].astype(bool)
    if not zone.any():
        return fips
    if zone_to_county is not None:
        key = (
            rows["state_fips"].astype("Int64") * 1000 + rows["cz_fips"].astype("Int64")
        ).astype("string")
        mapping = zone_to_county.set_index(zone_to_county["zone"].astype(str))["fips"]
        fips = fips.where(~zone, key.map(mapping).astype("string"))
        unmapped = int((zone & fips.isna()).sum())
    else:
        unmapped = int(zone.sum())
    if unmapped:
        warn(
            f"{unmapped} of {len(rows)} event rows are on NWS forecast zones, not "
            "counties, and were left out; pass a zone-to-county table to use them",
            DataGapWarning,
        )
    return fips
