"""Tests for dtnmodels.grid.rasterize."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rioxarray  # noqa: F401
import shapely
import xarray as xr

from dtnmodels.core.errors import DataValidationError
from dtnmodels.grid import rasterize


def like(lat=(2.5, 1.5, 0.5)) -> xr.DataArray:
    """Empty 3×4 lat/lon grid."""
    return xr.DataArray(
        np.zeros((3, 4)),
        dims=("lat", "lon"),
        coords={"lat": list(lat), "lon": [0.5, 1.5, 2.5, 3.5]},
    ).rio.write_crs("EPSG:4326")


REGIONS = gpd.GeoDataFrame(
    {"fips": ["01001", "01003"]},
    geometry=[shapely.box(0, 2, 2, 3), shapely.box(2.6, 0, 3.4, 1)],
    crs="EPSG:4326",
)


def test_cell_centres_inside_get_the_region_code():
    """Box over cells 0,1 burns code 0; a thin box misses every centre."""
    out = rasterize(REGIONS, like=like(), id_col="fips")

    expected = np.full((3, 4), -1)
    expected[0, :2] = 0
    np.testing.assert_array_equal(out.values, expected)
    assert out.attrs["region_ids"] == ["01001", "01003"]
    assert out.dtype == np.int32


def test_all_touched_and_ascending_lat_grid():
    """all_touched burns the thin box's cells; ascending lat flips the rows."""
    out = rasterize(REGIONS, like=like(lat=(0.5, 1.5, 2.5)), all_touched=True)

    assert out.values[2, :2].tolist() == [0, 0]  # row 2 is now the north
    assert out.values[0, 2:4].tolist() == [1, 1]
    assert (out.values[1] == -1).all()


def test_rasterize_needs_a_crs():
    """Regions without a CRS are refused."""
    bare = REGIONS.set_crs(None, allow_override=True)

    with pytest.raises(DataValidationError, match="no CRS"):
        rasterize(bare, like=like())
