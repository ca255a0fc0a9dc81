"""open_grid on every real grid in shared/data/weather and shared/data/crop."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from pyproj import CRS, Transformer

from dtnmodels.io.grids import open_grid

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
]

# file, keyword arguments, expected CRS check, {dim: (min, max)} of cell centres
GEOGRAPHIC = [
    ("weather/era5_conus_sfc_1995-07-14T12.nc", (24.0, 50.0), (-125.0, -66.0)),
    ("weather/gfs_analysis_namerica_2010-10-26T12.nc", (20.0, 65.0), (-150.0, -50.0)),
    ("weather/gridmet_tmmx_conus_20190121.nc", (25.0667, 49.4), (-124.7667, -67.0583)),
    ("weather/hwind_ike2008_swath_txla.nc", (24.3, 34.3), (-99.9, -89.9)),
    (
        "weather/climada_tc_florida_1990_2004_footprints.nc",
        (21.0, 30.0),
        (-84.0, -75.0),
    ),
    (
        "weather/mrms_qpe01h_midatlantic_2016092000-2016092223.nc",
        (33.025, 38.975),
        (-80.975, -74.025),
    ),
]


@pytest.mark.parametrize(("name", "lat", "lon"), GEOGRAPHIC)
def test_geographic_grids_have_lat_lon_ascending(real_data, name, lat, lon):
    """Every geographic grid opens on ascending lat/lon in -180..180 with a CRS."""
    ds = open_grid(real_data / name)

    assert ds.rio.crs is not None and ds.rio.crs.is_geographic
    assert ds["lat"].values[0] < ds["lat"].values[-1]
    np.testing.assert_allclose([ds["lat"].min(), ds["lat"].max()], lat, atol=1e-3)
    np.testing.assert_allclose([ds["lon"].min(), ds["lon"].max()], lon, atol=1e-3)
    assert all(v.dtype.kind == "f" for v in ds.data_vars.values())


def test_gfs_superstorm_low_found_after_longitude_wrap(real_data):
    """GFS MSLP minimum (967.6 hPa) sits at 47N 94W once 0..360 is wrapped."""
    ds = open_grid(real_data / "weather/gfs_analysis_namerica_2010-10-26T12.nc")

    mslp = ds["Pressure_reduced_to_MSL_msl"].isel(time=0).load()
    low = mslp.where(mslp == mslp.min(), drop=True)

    assert float(mslp.min()) == pytest.approx(96761.4, abs=1)
    assert float(low["lat"][0]) == 47.0 and float(low["lon"][0]) == -94.0


def test_era5_values_unchanged_by_flip(real_data):
    """ERA5 t2m at a point matches xarray's own decoding of the raw file."""
    path = real_data / "weather/era5_conus_sfc_1995-07-14T12.nc"

    ds = open_grid(path)
    with xr.open_dataset(path) as raw:
        expected = float(raw["t2m"].sel(latitude=40.0, longitude=-100.0))

    got = float(ds["t2m"].isel(time=0).sel(lat=40.0, lon=-100.0))
    assert got == pytest.approx(expected)
    assert str(ds["time"].values[0])[:13] == "1995-07-14T12"


def test_mrms_time_stack_and_gridmet_time(real_data):
    """MRMS keeps its 72 hours; gridMET's scalar day becomes a time dim."""
    mrms = open_grid(
        real_data / "weather/mrms_qpe01h_midatlantic_2016092000-2016092223.nc"
    )
    gridmet = open_grid(real_data / "weather/gridmet_tmmx_conus_20190121.nc")

    assert mrms.sizes["time"] == 72
    assert mrms.rio.crs.to_epsg() == 4326
    assert gridmet.rio.crs.to_epsg() == 4326
    assert str(gridmet["time"].values[0])[:10] == "2019-01-21"


def test_hrrr_grib_lambert_conformal(real_data):
    """HRRR GRIB2 opens through GDAL in Lambert conformal with two APCP fields."""
    ds = open_grid(real_data / "weather/hrrr_conus_apcp_20201214_t00z_f12.grib2")

    crs = CRS.from_wkt(ds.rio.crs.to_wkt())
    assert crs.to_dict()["proj"] == "lcc"
    assert crs.to_dict()["lat_1"] == pytest.approx(38.5)
    assert sorted(ds.data_vars) == ["APCP01", "APCP12"]
    assert ds.sizes["y"] == 1059 and ds.sizes["x"] == 1799
    assert ds["y"].values[0] < ds["y"].values[-1]
    assert str(ds["time"].values[0])[:13] == "2020-12-14T12"
    assert ds["APCP12"].attrs["units"] == "kg/(m^2)"


def test_wrf_katrina_mercator_xy_matches_xlat_xlong(real_data):
    """WRF x/y built from the projection reproduce XLAT/XLONG within 1e-4 deg."""
    path = real_data / "weather/wrf_katrina_2005-08-28_gulf_mercator.nc"

    ds = open_grid(path)

    crs = CRS.from_wkt(ds.rio.crs.to_wkt())
    assert crs.to_dict()["proj"] == "merc"
    to_lonlat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    xx, yy = np.meshgrid(ds["x"].values, ds["y"].values)
    lon, lat = to_lonlat.transform(xx, yy)
    with xr.open_dataset(path) as raw:
        np.testing.assert_allclose(lon, raw["XLONG"].values[0], atol=1e-4)
        np.testing.assert_allclose(lat, raw["XLAT"].values[0], atol=1e-4)
    assert ds["U"].dims == ("time", "bottom_top", "y", "x")
    assert ds["V"].sizes["y"] == 48
    assert [str(t)[:13] for t in ds["time"].values] == [
        "2005-08-28T12",
        "2005-08-28T15",
        "2005-08-28T18",
        "2005-08-28T21",
    ]
    assert float(ds["PSFC"].min()) == pytest.approx(93852.2, abs=1)


def test_modis_iowa_utm15(real_data):
    """MODIS Iowa NetCDF keeps UTM 15N (EPSG:32615) and its bounds."""
    ds = open_grid(real_data / "crop/modis_iowa/MODIS_MYD09GQ_15TWF79_20171019.nc")

    assert ds.rio.crs.to_epsg() == 32615
    left, bottom, right, top = ds.rio.bounds()
    assert (left, bottom, right, top) == pytest.approx(
        (569849, 4590049, 580150, 4599951), abs=60
    )
    assert ds["sur_refl_b01_1_MYD09GQ"].dtype.kind == "f"


def test_naip_years_stack_with_band_names(real_data):
    """NAIP 2010-2015 stack on time, R,G,B,NIR as variables, nodata 0 -> NaN."""
    files = sorted((real_data / "crop/naip_nd_stutsman").glob("*.tif"))[1:]

    ds = open_grid(
        files, band_names=["red", "green", "blue", "nir"], time_pattern="%Y%m%d"
    )

    assert ds.rio.crs.to_epsg() == 26914
    assert sorted(ds.data_vars) == ["blue", "green", "nir", "red"]
    assert [str(t)[:4] for t in ds["time"].values] == ["2010", "2012", "2014", "2015"]
    assert float(ds["y"].min()) == pytest.approx(5205632.5)
    assert float(ds["red"].isel(time=0).max()) <= 255


def test_naip_2009_is_on_another_grid_and_opens_alone(real_data):
    """The 2009 NAIP image (724 rows) opens alone as a 4-band variable."""
    path = real_data / "crop/naip_nd_stutsman/m_4709963_se_14_1_20090818.tif"

    ds = open_grid(path)

    (var,) = ds.data_vars.values()
    assert var.sizes == {"band": 4, "y": 724, "x": 934}
    assert ds.rio.crs.to_epsg() == 26914


def test_cbers_season_stacks_bands_and_dates(real_data):
    """CBERS B15/B16/CMASK files become 3 variables x 24 dates in EPSG:10857."""
    folder = real_data / "crop/cbers_awfi_goias_bahia_2017_2018"

    ds = open_grid(
        folder / "*.tif",
        time_pattern=r"AWFI_(?P<variable>[A-Z0-9]+)_(?P<time>\d{4}-\d{2}-\d{2})",
    )

    assert sorted(ds.data_vars) == ["B15", "B16", "CMASK"]
    assert ds.sizes == {"time": 24, "y": 50, "x": 50}
    assert ds.rio.crs.to_epsg() == 10857
    red = ds["B15"].isel(time=0).values
    assert np.nanmax(red) < 10000 and not np.any(red == -9999)
