"""Tests for dtnmodels.io.grids.open_grid on tiny synthetic files."""

from __future__ import annotations

import logging

import dask.array
import numpy as np
import pytest
import rasterio
import xarray as xr
from rasterio.transform import from_origin

from dtnmodels.core.errors import CRSWarning, DataValidationError, InputFileError
from dtnmodels.io.grids import open_grid


def _write_tif(path, data, *, crs="EPSG:32614", nodata=None, origin=(500000, 4e6)):
    """Write a (bands, rows, cols) array as a north-up GeoTIFF with 10 m pixels."""
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    profile = {
        "driver": "GTiff",
        "height": data.shape[1],
        "width": data.shape[2],
        "count": data.shape[0],
        "dtype": data.dtype,
        "crs": crs,
        "transform": from_origin(origin[0], origin[1], 10, 10),
        "nodata": nodata,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return path


def test_cf_packing_and_fill_value_become_float_nan(tmp_path):
    """scale_factor/add_offset are applied and _FillValue becomes NaN."""
    decoded = np.array([[10.0, 11.0], [np.nan, 12.0]])
    ds = xr.Dataset(
        {"t": (("lat", "lon"), decoded)},
        coords={"lat": [10.0, 11.0], "lon": [20.0, 21.0]},
    )
    ds["t"].encoding = {
        "dtype": "int16",
        "scale_factor": 0.5,
        "add_offset": 10.0,
        "_FillValue": -999,
    }
    ds["t"].attrs["units"] = "K"
    path = tmp_path / "packed.nc"
    ds.to_netcdf(path)
    with xr.open_dataset(path, mask_and_scale=False) as raw:
        np.testing.assert_array_equal(raw["t"].values, [[0, 2], [-999, 4]])

    out = open_grid(path)

    expected = np.array([[10.0, 11.0], [np.nan, 12.0]])  # raw * 0.5 + 10
    np.testing.assert_allclose(out["t"].values, expected)
    assert out["t"].dtype.kind == "f"
    assert out["t"].attrs["units"] == "K"


def test_plain_lat_lon_means_epsg4326_and_is_logged(tmp_path, caplog):
    """A grid with only lat/lon coordinates gets EPSG:4326 and a log line."""
    path = tmp_path / "plain.nc"
    xr.Dataset(
        {"v": (("lat", "lon"), np.ones((2, 3)))},
        coords={"lat": [0.0, 1.0], "lon": [0.0, 1.0, 2.0]},
    ).to_netcdf(path)

    with caplog.at_level(logging.INFO, logger="dtnmodels.io.grids"):
        out = open_grid(path)

    assert out.rio.crs.to_epsg() == 4326
    assert "assuming EPSG:4326" in caplog.text
    assert isinstance(out["v"].data, dask.array.Array)


def test_0_360_longitudes_are_wrapped_and_sorted(tmp_path):
    """Longitudes 0..360 become -180..180, sorted, with values following them."""
    lon = np.array([0.0, 90.0, 180.0, 270.0])
    values = np.array([[0.0, 90.0, 180.0, 270.0]])
    path = tmp_path / "gfs_like.nc"
    xr.Dataset(
        {"v": (("latitude", "longitude"), values)},
        coords={"latitude": [5.0], "longitude": lon},
    ).to_netcdf(path)

    out = open_grid(path)

    np.testing.assert_array_equal(out["lon"].values, [-180.0, -90.0, 0.0, 90.0])
    np.testing.assert_array_equal(out["v"].values[0], [180.0, 270.0, 0.0, 90.0])
    across_seam = out["v"].sel(lon=slice(-100, 100))
    np.testing.assert_array_equal(across_seam.values[0], [270.0, 0.0, 90.0])


def test_descending_latitude_is_made_ascending(tmp_path):
    """An ERA5-like north-to-south grid comes back south-to-north."""
    path = tmp_path / "era5_like.nc"
    xr.Dataset(
        {"v": (("latitude", "longitude"), np.array([[3.0], [2.0], [1.0]]))},
        coords={"latitude": [50.0, 40.0, 30.0], "longitude": [-100.0]},
    ).to_netcdf(path)

    out = open_grid(path)

    np.testing.assert_array_equal(out["lat"].values, [30.0, 40.0, 50.0])
    assert float(out["v"].sel(lat=50.0, lon=-100.0)) == 3.0


def test_scalar_time_becomes_time_dim(tmp_path):
    """A scalar valid time (as ERA5 and gridMET store it) becomes a time dim."""
    path = tmp_path / "scalar_time.nc"
    xr.Dataset(
        {"v": (("lat", "lon"), np.ones((1, 1)))},
        coords={"lat": [1.0], "lon": [1.0], "day": np.datetime64("2019-01-21")},
    ).to_netcdf(path)

    out = open_grid(path)

    assert out["v"].dims == ("time", "lat", "lon")
    assert str(out["time"].values[0])[:10] == "2019-01-21"


def test_geotiff_nodata_is_nan_and_y_ascending(tmp_path):
    """GeoTIFF nodata becomes NaN, CRS comes from the file, y is ascending."""
    data = np.array([[1, 2], [-9999, 4]], dtype="int16")
    path = _write_tif(tmp_path / "one.tif", data, nodata=-9999)

    out = open_grid(path)

    assert out.rio.crs.to_epsg() == 32614
    assert list(out.dims) == ["y", "x"] or set(out.dims) == {"y", "x"}
    assert out["y"].values[0] < out["y"].values[1]
    var = out["one"]
    # Top row of the file is the northern one: after sorting it is the last row.
    np.testing.assert_array_equal(var.values, [[np.nan, 4.0], [1.0, 2.0]])
    assert var.dtype == np.float32


def test_multiband_geotiff_band_names_make_variables(tmp_path):
    """band_names turns each band into its own float variable."""
    data = np.stack([np.full((2, 2), b, dtype="uint8") for b in (10, 20, 30, 0)])
    path = _write_tif(tmp_path / "naip.tif", data, nodata=0)

    out = open_grid(path, band_names=["red", "green", "blue", "nir"])

    assert sorted(out.data_vars) == ["blue", "green", "nir", "red"]
    assert float(out["green"].mean()) == 20.0
    assert bool(out["nir"].isnull().all())


def test_band_names_count_must_match(tmp_path):
    """A wrong number of band names is an error naming both counts."""
    path = _write_tif(tmp_path / "two.tif", np.ones((2, 2, 2), dtype="uint8"))

    with pytest.raises(DataValidationError, match=r"3 names but .* 2 bands"):
        open_grid(path, band_names=["a", "b", "c"])


def test_stack_with_dates_in_file_names(tmp_path):
    """Single-date files stack on time, one variable per band name in the file."""
    for band, base in (("B15", 100), ("B16", 200)):
        for day, offset in (("2017-09-14", 1), ("2017-08-29", 0)):
            data = np.full((2, 2), base + offset, dtype="int16")
            _write_tif(tmp_path / f"CBERS_{band}_{day}.tif", data, nodata=-9999)

    out = open_grid(tmp_path / "CBERS_*.tif", time_pattern="%Y-%m-%d")

    assert sorted(out.data_vars) == ["CBERS_B15", "CBERS_B16"]
    assert [str(t)[:10] for t in out["time"].values] == ["2017-08-29", "2017-09-14"]
    np.testing.assert_array_equal(out["CBERS_B16"].mean(("y", "x")).values, [200, 201])
    assert out.rio.crs.to_epsg() == 32614


def test_stack_regex_with_variable_group(tmp_path):
    """A regex time_pattern may name the variable with a 'variable' group."""
    for day in ("20090818", "20100629"):
        _write_tif(tmp_path / f"img_B4_{day}.tif", np.ones((2, 2), dtype="uint8"))

    out = open_grid(
        sorted(tmp_path.glob("*.tif")),
        time_pattern=r"_(?P<variable>B\d)_(?P<time>\d{8})",
    )

    assert list(out.data_vars) == ["B4"]
    assert out.sizes["time"] == 2


def test_stack_without_time_is_an_error(tmp_path):
    """Files of a stack without any time ask for time_pattern."""
    a = _write_tif(tmp_path / "a.tif", np.ones((2, 2), dtype="uint8"))
    b = _write_tif(tmp_path / "b.tif", np.ones((2, 2), dtype="uint8"))

    with pytest.raises(DataValidationError, match="time_pattern"):
        open_grid([a, b])


def test_stack_on_different_grids_is_an_error(tmp_path):
    """Files whose pixels do not line up cannot be stacked."""
    a = _write_tif(tmp_path / "a_20200101.tif", np.ones((2, 2), dtype="uint8"))
    b = _write_tif(
        tmp_path / "a_20200102.tif", np.ones((2, 2), dtype="uint8"), origin=(0, 0)
    )

    with pytest.raises(DataValidationError, match=r"different .* grid"):
        open_grid([a, b], time_pattern="%Y%m%d")


def test_projected_grid_without_crs_is_an_error_then_crs_arg_works(tmp_path):
    """x/y grids without a CRS fail with advice, and crs= fixes them."""
    path = tmp_path / "nocrs.nc"
    xr.Dataset(
        {"v": (("y", "x"), np.ones((2, 2)))},
        coords={"y": [0.0, 100.0], "x": [0.0, 100.0]},
    ).to_netcdf(path)

    with pytest.raises(DataValidationError, match="crs='EPSG"):
        open_grid(path)
    out = open_grid(path, crs="EPSG:32615")

    assert out.rio.crs.to_epsg() == 32615


def test_crs_argument_overriding_file_crs_warns(tmp_path):
    """crs= different from the file's CRS wins, with a CRSWarning."""
    path = _write_tif(tmp_path / "utm.tif", np.ones((2, 2), dtype="uint8"))

    with pytest.warns(CRSWarning, match="declares CRS"):
        out = open_grid(path, crs="EPSG:32615")

    assert out.rio.crs.to_epsg() == 32615


def test_missing_file_and_empty_glob_name_the_path(tmp_path):
    """A missing file or an empty glob is an InputFileError naming it."""
    with pytest.raises(InputFileError, match=r"nothere\.nc"):
        open_grid(tmp_path / "nothere.nc")
    with pytest.raises(InputFileError, match=r"no grid file matches .*\*\.tif"):
        open_grid(str(tmp_path / "*.tif"))


def test_unknown_suffix_and_unreadable_file(tmp_path):
    """Unknown formats and corrupt files raise InputFileError."""
    odd = tmp_path / "grid.xyz"
    odd.write_text("1 2 3")
    bad = tmp_path / "bad.nc"
    bad.write_text("not a netcdf")

    with pytest.raises(InputFileError, match="engine="):
        open_grid(odd)
    with pytest.raises(InputFileError, match="cannot read grid file"):
        open_grid(bad)


def test_variables_selects_and_reports_missing(tmp_path):
    """variables= keeps the named ones and lists the available on a miss."""
    path = tmp_path / "two_vars.nc"
    xr.Dataset(
        {
            "a": (("lat", "lon"), np.ones((1, 1))),
            "b": (("lat", "lon"), np.ones((1, 1))),
        },
        coords={"lat": [0.0], "lon": [0.0]},
    ).to_netcdf(path)

    out = open_grid(path, variables=["b"])

    assert list(out.data_vars) == ["b"]
    with pytest.raises(DataValidationError, match=r"\['c'\].*available: \['a', 'b'\]"):
        open_grid(path, variables=["c"])


def test_zarr_store_opens_lazily(tmp_path):
    """A Zarr store with a grid_mapping keeps its projected CRS."""
    ds = xr.Dataset(
        {"v": (("y", "x"), np.arange(4.0).reshape(2, 2))},
        coords={"y": [10.0, 0.0], "x": [0.0, 10.0]},
    )
    ds = ds.rio.write_crs("EPSG:10857")
    path = tmp_path / "grid.zarr"
    ds.to_zarr(path)

    out = open_grid(path)

    assert out.rio.crs.to_epsg() == 10857
    assert isinstance(out["v"].data, dask.array.Array)
    np.testing.assert_array_equal(out["v"].values, [[2.0, 3.0], [0.0, 1.0]])
