"""Read region polygons (counties, states, fields) as a checked GeoDataFrame.

:func:`open_regions` reads GeoJSON, GeoPackage, GeoParquet and zipped
shapefiles and guarantees what the gridding and domain code expect: a CRS,
unique text ids in a column (FIPS codes keep their leading zeros) and valid
geometries.
"""

from __future__ import annotations

import logging
import os
import reprlib
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import (
    CRSWarning,
    DataGapWarning,
    DataValidationError,
    DtnModelsWarning,
    InputFileError,
    warn,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["open_regions"]

log = logging.getLogger(__name__)

_PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}
_REPR = reprlib.Repr()
_REPR.maxlist = 10
_REPR.maxstring = 60


def open_regions(
    path: str | os.PathLike[str],
    *,
    id_col: str,
    layer: str | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Read region polygons with unique string ids and a known CRS.

    Parameters
    ----------
    path : path-like
        GeoJSON, GeoPackage (``.gpkg``), GeoParquet (``.parquet``), a shapefile,
        or a zipped shapefile given either as a plain ``.zip`` path (the one
        ``.shp`` inside is found, also in a subfolder) or as
        ``"zip://archive.zip!folder/file.shp"``.
    id_col : str
        Column holding the region id (e.g. ``"GEOID"`` or ``"id"`` for county
        FIPS). It is returned as text; ids must be present and unique.
    layer : str, optional
        Layer of a multi-layer GeoPackage, or the name (stem) of the shapefile
        to use in a zip holding several.
    crs : CRS-like, optional
        CRS to declare when the file has none (e.g. ``"EPSG:4326"``). When the
        file declares another CRS, ``crs`` wins and a :class:`CRSWarning` says
        so; geometries are *not* reprojected (use ``gdf.to_crs`` for that).

    Returns
    -------
    geopandas.GeoDataFrame
        The file's columns with ``id_col`` as a string column, a default
        ``RangeIndex`` and ``gdf.crs`` set. Invalid geometries are repaired
        with :func:`shapely.make_valid`.

    Raises
    ------
    InputFileError
        The file (or the zip it points into) is missing or unreadable.
    DataValidationError
        ``id_col`` is absent, ids are missing or duplicated, the CRS is unknown
        and ``crs`` was not given, or a GeoPackage has several layers and
        ``layer`` was not given.

    Warns
    -----
    DataGapWarning
        Geometries were invalid and were repaired, or are empty.
    """
    source = os.fspath(path)
    gdf = _read(source, layer=layer)
    _check_polygons(gdf, source)

    if id_col not in gdf.columns:
        raise DataValidationError(
            f"id column {id_col!r} not found in {source!r}; columns present: "
            f"{[c for c in gdf.columns if c != gdf.geometry.name]}"
        )
    gdf = gdf.reset_index(drop=True)
    gdf[id_col] = _ids_as_text(gdf[id_col], id_col, source)
    _check_ids(gdf[id_col], id_col, source)

    gdf = _with_crs(gdf, crs, source)
    return _repair_geometries(gdf, id_col, source)


def _read(source: str, *, layer: str | None) -> gpd.GeoDataFrame:
    """Read the file with pyogrio/pyarrow, resolving zips and layers."""
    import geopandas as gpd

    target = _resolve_source(source, layer)
    suffix = Path(source).suffix.lower()
    try:
        if suffix in _PARQUET_SUFFIXES:
            return gpd.read_parquet(source)
        if suffix == ".gpkg" and layer is None:
            layer = _single_layer(source)
        if target != source:  # a zip member: layer named the member
            return gpd.read_file(target)
        return gpd.read_file(target, layer=layer)
    except (InputFileError, DataValidationError):
        raise
    except Exception as exc:  # pyogrio/pyarrow raise many kinds
        raise InputFileError(f"cannot read regions from {source!r}: {exc}") from exc


def _check_polygons(gdf: Any, source: str) -> None:
    """The file must hold features with polygon geometries."""
    import shapely

    if getattr(gdf, "_geometry_column_name", None) not in gdf.columns:
        raise DataValidationError(
            f"{source!r} has no geometry column (columns: "
            f"{_REPR.repr(list(gdf.columns))}); regions must be polygons in a "
            "GeoJSON, GeoPackage, shapefile or GeoParquet file"
        )
    if len(gdf) == 0:
        raise DataValidationError(
            f"{source!r} holds no features; give a file with at least one region"
        )
    geoms = gdf.geometry.values
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    kinds = shapely.get_type_id(geoms)
    areal = np.isin(kinds, (3, 6)) | (kinds == 7)  # Polygon, MultiPolygon, collection
    bad = present & ~areal
    if bad.any():
        names = sorted({str(t) for t in gdf.geometry[bad].geom_type})
        raise DataValidationError(
            f"{int(bad.sum())} of {len(gdf)} features of {source!r} are "
            f"{', '.join(names)}, not polygons; regions must be areas (buffer "
            "points or lines into polygons first)"
        )


def _resolve_source(source: str, layer: str | None) -> str:
    """Check existence and turn a plain .zip into a ``zip://`` member path."""
    if source.startswith("zip://"):
        archive = source[len("zip://") :].split("!", 1)[0]
        if not os.path.exists(archive):
            raise InputFileError(f"regions zip file not found: {archive}")
        return source
    if not os.path.exists(source):
        raise InputFileError(f"regions file not found: {source}")
    if os.path.isfile(source) and os.path.getsize(source) == 0:
        raise InputFileError(
            f"regions file {source!r} is empty (0 bytes); re-download or re-export it"
        )
    if not source.lower().endswith(".zip"):
        return source

    try:
        with zipfile.ZipFile(source) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".shp")]
    except zipfile.BadZipFile as exc:
        raise InputFileError(f"{source!r} is not a readable zip file: {exc}") from exc
    if layer is not None:
        members = [m for m in members if Path(m).stem == layer]
    if len(members) != 1:
        raise DataValidationError(
            f"{source!r} holds {len(members)} matching shapefiles "
            f"{_REPR.repr(members)}; name one with layer= or a zip:// path"
        )
    return f"zip://{source}!{members[0]}"


def _single_layer(source: str) -> str | None:
    """The only layer of a GeoPackage, or an error listing several."""
    import pyogrio

    layers = [row[0] for row in pyogrio.list_layers(source)]
    if len(layers) > 1:
        raise DataValidationError(
            f"{source!r} has layers {layers}; choose one with layer="
        )
    return layers[0] if layers else None


def _ids_as_text(ids: pd.Series, id_col: str, source: str) -> pd.Series:
    """Return ids as strings; warn when they were stored as numbers."""
    if pd.api.types.is_string_dtype(ids) or ids.dtype == object:
        return ids.astype("string").str.strip()
    if pd.api.types.is_float_dtype(ids) and ids.notna().all():
        if (ids % 1 == 0).all():
            ids = ids.astype("int64")
    warn(
        f"ids in {id_col!r} of {source!r} are stored as numbers; they are "
        "turned into text, but leading zeros (e.g. of FIPS codes) cannot be "
        "restored here — store ids as text or zero-pad them yourself",
        DtnModelsWarning,
    )
    return ids.astype("string")


def _check_ids(ids: pd.Series, id_col: str, source: str) -> None:
    """Ids must be present and unique."""
    missing = ids.isna() | (ids == "")
    if missing.any():
        raise DataValidationError(
            f"{int(missing.sum())} rows of {source!r} have no {id_col!r} "
            f"(row positions {_REPR.repr(list(ids.index[missing]))})"
        )
    dupes = ids[ids.duplicated(keep=False)].unique()
    if len(dupes):
        raise DataValidationError(
            f"{len(dupes)} ids in {id_col!r} of {source!r} are not unique: "
            f"{_REPR.repr(sorted(map(str, dupes)))}"
        )


def _with_crs(gdf: gpd.GeoDataFrame, crs: Any, source: str) -> gpd.GeoDataFrame:
    """Attach ``crs`` when the file has none; insist on one."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if crs is None:
        if gdf.crs is None:
            raise DataValidationError(
                f"regions file {source!r} declares no CRS; pass it, e.g. "
                "open_regions(path, id_col=..., crs='EPSG:4326')"
            )
        return gdf
    try:
        wanted = CRS.from_user_input(crs)
    except CRSError as exc:
        raise DataValidationError(f"crs={crs!r} is not a CRS: {exc}") from exc
    if gdf.crs is not None and not gdf.crs.equals(wanted):
        warn(
            f"{source!r} declares CRS {gdf.crs.to_string()!r} but crs="
            f"{wanted.to_string()!r} was given; using crs= without reprojecting",
            CRSWarning,
        )
    return gdf.set_crs(wanted, allow_override=True)


def _repair_geometries(
    gdf: gpd.GeoDataFrame, id_col: str, source: str
) -> gpd.GeoDataFrame:
    """Repair invalid geometries with make_valid; warn naming the ids."""
    import shapely

    geoms = gdf.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        warn(
            f"{int(empty.sum())} regions of {source!r} have no geometry: "
            f"{_REPR.repr(list(gdf.loc[empty, id_col]))}",
            DataGapWarning,
        )
    invalid = ~shapely.is_valid(geoms) & ~empty
    if invalid.any():
        ids = list(gdf.loc[invalid, id_col])
        log.info("repairing %d invalid geometries of %r", len(ids), source)
        gdf = gdf.copy()
        gdf.loc[invalid, gdf.geometry.name] = shapely.make_valid(geoms[invalid])
        warn(
            f"{len(ids)} invalid geometries of {source!r} were repaired with "
            f"make_valid: {_REPR.repr(ids)}",
            DataGapWarning,
        )
    return gdf
