"""Gridding: grid-to-region operators, regridding, point sampling, rasterizing.

Every function here takes in-memory objects: xarray grids with spatial dims
``y``/``x`` (projected) or ``lat``/``lon`` (geographic) and a CRS attached via
rioxarray, and GeoDataFrames with a CRS. Files are read and written only by
:mod:`dtnmodels.io` (operators are cached through
:mod:`dtnmodels.io.weights_cache`).
"""

from __future__ import annotations

from dtnmodels.grid._spec import GridSpec, grid_spec, spatial_dims
from dtnmodels.grid.rasterize import rasterize
from dtnmodels.grid.regrid import Regridder, regrid, sample_points
from dtnmodels.grid.zonal import RegionAggregator, zonal_stats

__all__ = [
    "GridSpec",
    "RegionAggregator",
    "Regridder",
    "grid_spec",
    "rasterize",
    "regrid",
    "sample_points",
    "spatial_dims",
    "zonal_stats",
]
