"""Tests for dtnmodels.grid.regrid: regrid methods and point sampling."""

from __future__ import annotations

import dask.array
import geopandas as gpd
import numpy as np
import pytest
import rioxarray  # noqa: F401
import shapely
import xarray as xr

from dtnmodels.core.errors import DataValidationError
from dtnmodels.grid import Regridder, regrid, sample_points


def latlon(values, lat, lon, name="v") -> xr.DataArray:
    """A lat/lon DataArray with EPSG:4326 attached."""
    da = xr.DataArray(
        np.asarray(values, dtype=float),
        dims=("lat", "lon"),
        coords={"lat": np.asarray(lat, float), "lon": np.asarray(lon, float)},
        name=name,
    )
    return da.rio.write_crs("EPSG:4326")


def sphere_area(lat_edges, lon_edges):
    """Unit-sphere areas of lat/lon cells (rows follow lat_edges order)."""
    dsin = np.abs(np.diff(np.sin(np.deg2rad(lat_edges))))
    return np.outer(dsin, np.deg2rad(np.abs(np.diff(lon_edges))))


def test_conservative_block_mean_weights_rows_by_area():
    """Four 1° rows into 2° cells: rows weighted by their sin(lat) bands."""
    src = latlon(
        [[1.0, 1.0], [3.0, 3.0], [5.0, 5.0], [7.0, 7.0]],
        lat=[61.5, 60.5, 59.5, 58.5],
        lon=[0.5, 1.5],
    )
    target = latlon(np.zeros((2, 2)), lat=[61.0, 59.0], lon=[1.0, 3.0])

    out = regrid(src, target, method="conservative")

    a = sphere_area([62, 61, 60], [0, 1])[:, 0]
    expected_north = (1.0 * a[0] + 3.0 * a[1]) / a.sum()
    assert a[0] < a[1]  # the northern band is the smaller one
    assert float(out.sel(lat=61.0, lon=1.0)) == pytest.approx(expected_north, rel=1e-12)
    assert np.isnan(float(out.sel(lat=61.0, lon=3.0)))  # off the source: no data


def test_conservative_preserves_area_integral_and_wraps_0_360(rng):
    """Global 0..360 10° → -180..180 20°: spherical integral preserved."""
    lat_s = np.arange(85, -90, -10.0)
    lon_s = np.arange(5, 360, 10.0)
    values = rng.normal(size=(lat_s.size, lon_s.size))
    src = latlon(values, lat_s, lon_s)
    lat_d = np.arange(-80, 90, 20.0)
    lon_d = np.arange(-170, 180, 20.0)
    target = latlon(np.zeros((lat_d.size, lon_d.size)), lat_d, lon_d)

    out = regrid(src, target, method="conservative")

    area_s = sphere_area(np.arange(90, -91, -10.0), np.arange(0, 361, 10.0))
    area_d = sphere_area(np.arange(-90, 91, 20.0), np.arange(-180, 181, 20.0))
    assert np.sum(out.values * area_d) == pytest.approx(
        np.sum(values * area_s), rel=1e-12
    )
    # last target row (ascending lat) spans 70..90, first column -180..-160,
    # i.e. source rows 0-1 (80..90, 70..80) and columns 18-19 (180..200)
    band = sphere_area([90, 80, 70], [0, 10])[:, 0]
    expected = (band @ values[0:2, 18:20]).sum() / (2 * band.sum())
    assert float(out.isel(lat=-1, lon=0)) == pytest.approx(expected, rel=1e-12)


def test_conservative_projected_block_mean():
    """4×4 10 m cells → 2×2 20 m cells in one CRS: plain block means."""
    values = np.arange(16.0).reshape(4, 4)
    src = xr.DataArray(
        values, dims=("y", "x"), coords={"y": [35.0, 25, 15, 5], "x": [5.0, 15, 25, 35]}
    ).rio.write_crs("EPSG:32615")
    target = xr.DataArray(
        np.zeros((2, 2)), dims=("y", "x"), coords={"y": [10.0, 30], "x": [10.0, 30]}
    ).rio.write_crs("EPSG:32615")

    out = regrid(src, target, method="conservative")

    # target row y=10 (south) holds source rows 2,3; column x=10 source cols 0,1
    np.testing.assert_allclose(out.values, [[(8 + 9 + 12 + 13) / 4, 12.5], [2.5, 4.5]])


def test_conservative_across_crs_keeps_a_constant_field():
    """Lat/lon constant field → Mercator cells inside it: the same constant."""
    src = latlon(
        np.full((20, 20), 7.0), np.arange(9.75, 0, -0.5), np.arange(0.25, 10, 0.5)
    )
    x = np.linspace(200_000.0, 800_000.0, 4)
    y = np.linspace(200_000.0, 800_000.0, 4)
    target = xr.DataArray(
        np.zeros((4, 4)), dims=("y", "x"), coords={"y": y, "x": x}
    ).rio.write_crs("EPSG:3857")

    out = regrid(src, target, method="conservative")

    np.testing.assert_allclose(out.values, 7.0, rtol=1e-9)


def test_bilinear_matches_xarray_interp(rng):
    """Bilinear weights equal xarray.interp inside the source centres."""
    lat = np.arange(10.5, 0, -1.0)
    lon = np.arange(20.5, 35, 1.0)
    src = latlon(rng.normal(size=(lat.size, lon.size)), lat, lon)
    target = latlon(
        np.zeros((4, 5)), lat=[2.2, 4.7, 7.2, 9.7], lon=[21.0, 24.3, 27.6, 30.9, 34.2]
    )

    out = regrid(src, target, method="bilinear")
    expected = src.interp(lat=target.lat, lon=target.lon)

    np.testing.assert_allclose(out.values, expected.values, rtol=1e-12)


def test_nearest_takes_the_containing_cell_and_nan_off_grid():
    """Nearest: the source cell containing each target centre, NaN outside."""
    src = latlon(np.arange(12.0).reshape(3, 4), [2.5, 1.5, 0.5], [0.5, 1.5, 2.5, 3.5])
    target = latlon(np.zeros((2, 2)), lat=[0.9, 2.1], lon=[3.2, 5.0])

    out = regrid(src, target, method="nearest")

    np.testing.assert_array_equal(out.values, [[11.0, np.nan], [3.0, np.nan]])
    assert out.rio.crs.to_epsg() == 4326


def test_regrid_is_lazy_and_reuses_weights():
    """A dask stack regrids lazily; one Regridder serves many calls."""
    src = latlon(np.arange(12.0).reshape(3, 4), [2.5, 1.5, 0.5], [0.5, 1.5, 2.5, 3.5])
    stack = src.expand_dims(time=4).copy(
        data=np.stack([src.values * k for k in range(4)])
    )
    target = latlon(np.zeros((2, 2)), lat=[2.0, 1.0], lon=[1.0, 3.0])
    rg = Regridder(src, target, method="bilinear")

    out = rg(stack.chunk({"time": 1}))

    assert isinstance(out.data, dask.array.Array)
    np.testing.assert_allclose(out.isel(time=2).values, 2 * rg(src).values)
    # lat 2.0 lies halfway between rows 0 and 1, lon 1.0 between cols 0 and 1
    assert float(rg(src).isel(lat=0, lon=0)) == pytest.approx((0 + 1 + 4 + 5) / 4)


def test_nan_neighbours_are_dropped_and_renormalised():
    """Bilinear with one NaN neighbour averages the remaining three."""
    values = np.arange(12.0).reshape(3, 4)
    values[0, 0] = np.nan
    src = latlon(values, [2.5, 1.5, 0.5], [0.5, 1.5, 2.5, 3.5])
    target = latlon(np.zeros((2, 2)), lat=[2.0, 1.0], lon=[1.0, 3.0])

    out = regrid(src, target, method="bilinear")

    assert float(out.isel(lat=0, lon=0)) == pytest.approx((1 + 4 + 5) / 3)


def points(*xy, crs="EPSG:4326", ids=None) -> gpd.GeoDataFrame:
    """Point GeoDataFrame with optional ids."""
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(p) for p in xy], crs=crs)
    if ids is not None:
        gdf["asset"] = ids
    return gdf


def test_sample_points_nearest_bilinear_and_off_grid():
    """Points get their cell (nearest), a blend (bilinear) or NaN (off grid)."""
    src = latlon(np.arange(12.0).reshape(3, 4), [2.5, 1.5, 0.5], [0.5, 1.5, 2.5, 3.5])
    pts = points((1.2, 1.1), (1.0, 2.0), (9.0, 9.0), ids=["a", "b", "c"])

    near = sample_points(src, pts, id_col="asset")
    bil = sample_points(src, pts, method="bilinear", id_col="asset")

    assert near.dims == ("point",)
    assert list(near.point.values) == ["a", "b", "c"]
    np.testing.assert_array_equal(
        near.values, [5.0, 5.0, np.nan]
    )  # edges go east/south
    assert float(bil.sel(point="b")) == pytest.approx(2.5)
    assert np.isnan(float(bil.sel(point="c")))


def test_sample_points_west_of_zero_on_0_360_grid_and_projected_points():
    """A point at lon -1.5 finds column 358; points in EPSG:3857 are reprojected."""
    lon = np.arange(360) + 0.5
    src = latlon(np.tile(np.arange(360.0), (3, 1)), [2.5, 1.5, 0.5], lon)
    merc = points((-1.5, 1.5), (10.2, 0.2)).to_crs("EPSG:3857")

    out = sample_points(src.expand_dims(time=2), merc)

    assert out.dims == ("time", "point")
    np.testing.assert_allclose(out.isel(time=0).values, [358.0, 10.0])


def test_sample_points_refuses_polygons_and_bad_method():
    """Polygons and unknown methods are refused with a clear message."""
    src = latlon(np.zeros((3, 4)), [2.5, 1.5, 0.5], [0.5, 1.5, 2.5, 3.5])
    polys = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4326)

    with pytest.raises(DataValidationError, match="Point geometries"):
        sample_points(src, polys)
    with pytest.raises(DataValidationError, match="method must be one of"):
        sample_points(src, points((1, 1)), method="cubic")
    with pytest.raises(DataValidationError, match="method must be one of"):
        regrid(src, src, method="spline")
