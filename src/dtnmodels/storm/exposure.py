"""Exposure per region: customers, high-voltage line length, substations, land area.

Areas are measured in an equal-area CRS (EPSG:6933, WGS 84 / NSIDC EASE-Grid
2.0 Global, metres) unless another is given, and line lengths geodesically on
the WGS84 ellipsoid, so both are true whatever the regions' own CRS.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["exposure_features"]

log = logging.getLogger(__name__)


def exposure_features(
    regions: gpd.GeoDataFrame,
    *,
    id_col: str,
    customers: pd.Series | None = None,
    lines: gpd.GeoDataFrame | None = None,
    substations: gpd.GeoDataFrame | None = None,
    equal_area_crs: str = "EPSG:6933",
) -> pd.DataFrame:
    """Exposure table per region.

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Region polygons with a CRS.
    id_col : str
        Region id column (string ids).
    customers : pandas.Series, optional
        Customers (or a population proxy) per region id.
    lines : geopandas.GeoDataFrame, optional
        Power-line geometries (LineString) with a CRS.
    substations : geopandas.GeoDataFrame, optional
        Substation points with a CRS.
    equal_area_crs : str, default "EPSG:6933"
        Equal-area CRS in which areas (km²) are measured.

    Returns
    -------
    pandas.DataFrame
        Indexed by region id: ``land_km2`` and, when given, ``customers``,
        ``line_km``, ``substations``, plus densities ``customers_per_km2``
        and ``line_km_per_km2``.
    """
    import geopandas as gpd

    if regions.crs is None:
        raise DataValidationError("regions have no CRS; set one before exposure")
    ids = regions[id_col].astype(str)
    if ids.duplicated().any():
        raise DataValidationError(
            f"region id column {id_col!r} has duplicates, e.g. "
            f"{ids[ids.duplicated()].iloc[0]!r}"
        )
    shapes = gpd.GeoDataFrame(
        {"region": ids.to_numpy()}, geometry=regions.geometry.values, crs=regions.crs
    ).to_crs(equal_area_crs)
    regions_by_id = gpd.GeoDataFrame(
        {"region": ids.to_numpy()}, geometry=regions.geometry.values, crs=regions.crs
    )
    out = pd.DataFrame(index=pd.Index(shapes["region"], name="region"))
    out["land_km2"] = shapes.geometry.area.to_numpy() / 1e6

    if customers is not None:
        values = customers.copy()
        values.index = values.index.astype(str)
        out["customers"] = values.reindex(out.index).to_numpy(dtype=float)
        out["customers_per_km2"] = out["customers"] / out["land_km2"]

    if lines is not None:
        out["line_km"] = _line_km(lines, regions_by_id).reindex(out.index)
        out["line_km"] = out["line_km"].fillna(0.0)
        out["line_km_per_km2"] = out["line_km"] / out["land_km2"]

    if substations is not None:
        points = substations[["geometry"]].to_crs(equal_area_crs)
        joined = gpd.sjoin(points, shapes, predicate="within", how="inner")
        counts = joined.groupby("region").size()
        out["substations"] = counts.reindex(out.index).fillna(0).astype(np.int64)
    return out


def _line_km(lines: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> pd.Series:
    """Geodesic length (km, WGS84 ellipsoid) of the lines inside each region."""
    import geopandas as gpd
    from pyproj import Geod

    if lines.crs is None:
        raise DataValidationError("power lines have no CRS; set one first")
    geographic = gpd.GeoDataFrame(geometry=lines.geometry.values, crs=lines.crs).to_crs(
        "EPSG:4326"
    )
    pieces = gpd.overlay(
        geographic, regions.to_crs("EPSG:4326"), how="intersection", keep_geom_type=True
    )
    geod = Geod(ellps="WGS84")
    length = np.array([geod.geometry_length(g) for g in pieces.geometry])
    return pd.Series(length / 1e3).groupby(pieces["region"].to_numpy()).sum()
