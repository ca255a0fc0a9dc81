"""Zonal statistics on real public grids: Ike wind, Julia rain, NAIP NDVI, HRRR."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource

from dtnmodels.core.errors import DataGapWarning
from dtnmodels.grid import RegionAggregator, grid_spec, zonal_stats
from dtnmodels.io import open_grid, open_regions

pytestmark = pytest.mark.real_data

COUNTIES = "boundaries/cb_2018_us_county_20m.zip"


@pytest.fixture(scope="module")
def counties(real_data):
    """Census 2018 county polygons (EPSG:4269) keyed by GEOID."""
    return open_regions(real_data / COUNTIES, id_col="GEOID")


def test_ike_peak_wind_galveston_beats_inland_counties(real_data, counties):
    """Ike swath maximum over Galveston (48167) far exceeds Dallas (48113)."""
    ds = open_grid(real_data / "weather/hwind_ike2008_swath_txla.nc")
    txla = counties[counties["GEOID"].str[:2].isin(["48", "22"])]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataGapWarning)  # west Texas is off the swath
        # exact zeros on the swath's edge are fill, not calm air
        out = zonal_stats(
            ds["spd"],
            txla,
            id_col="GEOID",
            stats=("max", "mean", "coverage"),
            nodata=0.0,
        )

    galveston = out.sel(region="48167")
    assert float(galveston["max"]) > 90.0
    assert float(galveston["coverage_outside"]) < 1e-6
    for inland in ("48113", "48453"):  # Dallas, Travis
        assert float(out["max"].sel(region=inland)) < 0.5 * float(galveston["max"])
    assert np.isnan(float(out["max"].sel(region="48141")))  # El Paso: off the grid
    assert set(out["max"].to_series().nlargest(5).index) >= {"48167"}


def test_julia_72h_rain_bertie_among_wettest(real_data, counties):
    """72 hourly MRMS grids per county: Bertie NC (37015) in the top 10, peak inside."""
    ds = open_grid(
        real_data / "weather/mrms_qpe01h_midatlantic_2016092000-2016092223.nc"
    )
    rain = ds["qpe_1h"]
    ncva = counties[counties["GEOID"].str[:2].isin(["37", "51"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataGapWarning)  # the grid ends mid-state
        agg = RegionAggregator(rain, ncva, id_col="GEOID")

    hourly = agg.aggregate(rain, stats=("mean", "coverage_outside")).compute()
    storm_total = agg.aggregate(rain.sum("time", min_count=1), stats=("max",))

    inside = (hourly["coverage_outside"].isel(time=0) < 0.01).values
    total = hourly["mean"].sum("time")[inside].to_series()
    assert hourly["mean"].sizes["time"] == 72
    assert "37015" in total.nlargest(10).index
    assert 150.0 < total["37015"] < 400.0  # mm over 72 h
    assert storm_total["max"].to_series().idxmax() == "37015"  # the 376 mm peak


def test_naip_ndvi_over_stutsman_each_year(real_data, counties):
    """Mean NAIP NDVI over Stutsman ND (38093) equals the image's own valid mean."""
    folder = real_data / "crop/naip_nd_stutsman"
    stutsman = counties[counties["GEOID"] == "38093"]
    aggregator = None

    for path in sorted(folder.glob("*.tif")):
        ds = open_grid(path)
        bands = ds[next(iter(ds.data_vars))]
        red, nir = bands.isel(band=0), bands.isel(band=3)
        ndvi = ((nir - red) / (nir + red)).where((red > 0) & (nir > 0))
        if aggregator is None or not grid_spec(ndvi).same_grid(aggregator.spec):
            aggregator = RegionAggregator(ndvi, stutsman, id_col="GEOID")

        out = aggregator.aggregate(ndvi, stats=("mean", "coverage"))

        expected = float(ndvi.mean(skipna=True))  # the image lies inside the county
        assert float(out["mean"].sel(region="38093")) == pytest.approx(
            expected, rel=1e-6
        )
        assert -0.2 < expected < 0.3
        assert float(out["coverage_outside"].sel(region="38093")) > 0.99  # small tile


def test_hrrr_lambert_precip_per_county_matches_exactextract(real_data, counties):
    """HRRR APCP on its Lambert grid: CONUS counties covered, equal to exactextract."""
    ds = open_grid(real_data / "weather/hrrr_conus_apcp_20201214_t00z_f12.grib2")
    apcp = ds["APCP12"].isel(time=0)
    conus = counties[~counties["GEOID"].str[:2].isin(["02", "15", "72"])]

    out = zonal_stats(apcp, conus, id_col="GEOID", stats=("mean", "max", "coverage"))

    assert out.sizes["region"] == len(conus)
    assert float(out["coverage_outside"].max()) < 1e-3
    assert float(out["mean"].min()) >= 0.0
    sample = conus.iloc[::200].to_crs(apcp.rio.crs)
    spec = grid_spec(apcp)
    xmin, ymin, xmax, ymax = spec.bounds
    values = np.asarray(apcp.transpose("y", "x").values)
    if spec.flip_y:
        values = values[::-1]
    raster = NumPyRasterSource(
        values, xmin, ymin, xmax, ymax, srs_wkt=spec.crs.to_wkt()
    )
    reference = exact_extract(raster, sample, ["mean"], output="pandas")["mean"]
    ours = out["mean"].sel(region=sample["GEOID"].to_numpy()).values
    np.testing.assert_allclose(ours, reference.to_numpy(), rtol=1e-6)


def test_hrrr_lazy_stack_gives_the_eager_answer(real_data, counties):
    """The dask-backed HRRR variable aggregates lazily to the eager result."""
    ds = open_grid(real_data / "weather/hrrr_conus_apcp_20201214_t00z_f12.grib2")
    stack = xr.concat([ds["APCP01"], ds["APCP12"]], dim="field")
    nc = counties[counties["GEOID"].str[:2] == "37"]
    agg = RegionAggregator(stack, nc, id_col="GEOID")

    lazy = agg.aggregate(stack, stats=("sum",))
    eager = agg.aggregate(stack.compute(), stats=("sum",))

    assert lazy["sum"].chunks is not None
    xr.testing.assert_allclose(lazy.compute(), eager)
