"""Read the OpenStreetMap high-voltage grid extracts ('#'-separated lines and nodes).

The files (SciGRID-style exports of the ComplexNetTSP ``Power_grids`` project)
separate fields with ``#`` and carry geometry as EWKT
(``SRID=4326;LINESTRING(...)``). A few rows hold a ``#`` inside a quoted name
(``'Laguna - Santa Rosa #2'``), which splits them into too many fields: such
rows are repaired by re-joining the pieces of the single-quoted field; rows
that still do not fit are dropped with a :class:`DataGapWarning` naming their
line numbers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from dtnmodels.core.errors import (
    DataGapWarning,
    DataValidationError,
    InputFileError,
    warn,
)

__all__ = ["read_power_lines", "read_substations"]

log = logging.getLogger(__name__)

#: Node types counted as substations (``typ`` column of the nodes file).
SUBSTATION_TYPES = ("substation", "sub_station", "station")


def _repair(fields: list[str], n_expected: int) -> list[str] | None:
    """Re-join fields split inside a single-quoted value; None if it cannot fit."""
    out: list[str] = []
    buffer: list[str] | None = None
    for field in fields:
        if buffer is not None:
            buffer.append(field)
            if field.endswith("'"):
                out.append("#".join(buffer))
                buffer = None
        elif field.startswith("'") and not (len(field) > 1 and field.endswith("'")):
            buffer = [field]
        else:
            out.append(field)
    if buffer is not None:
        out.extend(buffer)
    return out if len(out) == n_expected else None


def _read_hash_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    source = Path(path)
    if not source.is_file():
        raise InputFileError(f"{str(source)!r} not found")
    try:
        text = source.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputFileError(f"cannot read {str(source)!r}: {exc}") from exc

    lines = text.splitlines()
    if not lines or "#" not in lines[0]:
        raise InputFileError(
            f"{str(source)!r} is not a '#'-separated OSM power-grid table"
        )
    header = lines[0].split("#")
    rows, repaired, dropped = [], 0, []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("#")
        if len(fields) != len(header):
            fixed = _repair(fields, len(header))
            if fixed is None:
                dropped.append(number)
                continue
            fields, repaired = fixed, repaired + 1
        rows.append(fields)
    if dropped:
        warn(
            f"{str(source)!r}: dropped {len(dropped)} malformed row(s) with the "
            f"wrong number of '#' fields (line(s) {dropped[:10]})",
            DataGapWarning,
        )
    log.info("read %r rows from %r (%r repaired)", len(rows), str(source), repaired)
    frame = pd.DataFrame(rows, columns=header)
    return frame.replace("", np.nan)


def _geometry(frame: pd.DataFrame, path: str | os.PathLike[str]):
    import geopandas as gpd
    import shapely

    col = next((c for c in frame.columns if c.startswith("wkt")), None)
    if col is None:
        raise DataValidationError(
            f"{os.fspath(path)!r}: no WKT geometry column (wkt_srid_4326)"
        )
    wkt = frame[col].astype(str).str.replace(r"^SRID=\d+;", "", regex=True)
    geoms = shapely.from_wkt(wkt.to_numpy(), on_invalid="ignore")
    bad = pd.isna(geoms)
    if bad.any():
        warn(
            f"{os.fspath(path)!r}: {int(bad.sum())} row(s) with unreadable WKT dropped",
            DataGapWarning,
        )
    out = gpd.GeoDataFrame(
        frame.drop(columns=[col])[~bad].reset_index(drop=True),
        geometry=geoms[~bad],
        crs="EPSG:4326",
    )
    return out


def read_power_lines(path: str | os.PathLike[str]):
    """High-voltage line segments as a GeoDataFrame (EPSG:4326).

    Parameters
    ----------
    path : path-like
        The OSM ``#``-separated links table, or any vector file
        (GeoJSON, GeoPackage) of LineStrings.

    Returns
    -------
    geopandas.GeoDataFrame
        Source columns plus ``geometry``; ``length_m`` float when present.
    """
    if Path(path).suffix.lower() in (".geojson", ".gpkg", ".json"):
        return _read_vector(path)
    frame = _read_hash_table(path)
    if "length_m" in frame.columns:
        frame["length_m"] = pd.to_numeric(frame["length_m"], errors="coerce")
    return _geometry(frame, path)


def read_substations(path: str | os.PathLike[str]):
    """Substations (points, EPSG:4326) from the OSM nodes table or a vector file.

    Rows of the OSM table whose ``typ`` is not one of
    :data:`SUBSTATION_TYPES` (joints, merges, plants) are left out.
    """
    if Path(path).suffix.lower() in (".geojson", ".gpkg", ".json"):
        return _read_vector(path)
    frame = _read_hash_table(path)
    if "typ" in frame.columns:
        frame = frame[frame["typ"].isin(SUBSTATION_TYPES)].reset_index(drop=True)
    return _geometry(frame, path)


def _read_vector(path: str | os.PathLike[str]):
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types
        raise InputFileError(f"cannot read {os.fspath(path)!r}: {exc}") from exc
    if gdf.crs is None:
        raise DataValidationError(
            f"{os.fspath(path)!r} has no CRS; write it with one (e.g. EPSG:4326)"
        )
    return gdf
