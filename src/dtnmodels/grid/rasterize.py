"""Burn region polygons into a grid of region codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from pyproj import CRS

from dtnmodels.core.errors import DataValidationError
from dtnmodels.grid._spec import grid_spec
from dtnmodels.grid.zonal import _region_ids

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["rasterize"]

#: Code of cells outside every region.
NO_REGION = -1


def rasterize(
    regions: gpd.GeoDataFrame,
    *,
    like: xr.DataArray | xr.Dataset,
    id_col: str | None = None,
    all_touched: bool = False,
) -> xr.DataArray:
    """Region code of every cell of a grid (rasterio.features.rasterize).

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Polygons with a CRS; reprojected to the grid's CRS.
    like : xarray.DataArray or xarray.Dataset
        Any array on the target grid (values unused).
    id_col : str, optional
        Unique id column; the ids are listed in ``attrs["region_ids"]``
        (code ``i`` is ``region_ids[i]``). Without it, code ``i`` is the
        ``i``-th row of ``regions``.
    all_touched : bool, default False
        Burn every cell a polygon touches instead of cells whose centre lies
        inside it.

    Returns
    -------
    xarray.DataArray of int32
        Dims and coordinates of ``like``'s grid; ``-1`` outside every region.
        Where polygons overlap, the later row wins.
    """
    from rasterio import features

    if regions.crs is None:
        raise DataValidationError(
            "regions have no CRS; set one with set_crs('EPSG:...')"
        )
    spec = grid_spec(like)
    geoms = regions.geometry
    if CRS.from_user_input(regions.crs) != spec.crs:
        geoms = geoms.to_crs(spec.crs)

    shapes = [
        (g, i) for i, g in enumerate(geoms.values) if g is not None and not g.is_empty
    ]
    codes = np.full(spec.shape, NO_REGION, dtype=np.int32)
    if shapes:
        codes = features.rasterize(
            shapes,
            out_shape=spec.shape,
            transform=spec.transform,
            fill=NO_REGION,
            all_touched=all_touched,
            dtype="int32",
        )
    if spec.flip_y:
        codes = codes[::-1]
    if spec.flip_x:
        codes = codes[:, ::-1]

    out = xr.DataArray(
        codes,
        dims=(spec.y_dim, spec.x_dim),
        coords={spec.y_dim: spec.y_centers(), spec.x_dim: spec.x_centers()},
        name="region_code",
    )
    if id_col is not None:
        out.attrs["region_ids"] = _region_ids(regions, id_col).tolist()
    return out.rio.write_crs(spec.crs.to_wkt())
