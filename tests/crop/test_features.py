"""Tests of per-region series, season features and band histograms."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rioxarray  # noqa: F401
import shapely
import xarray as xr
from numpy.testing import assert_allclose

from dtnmodels.core.errors import DataGapWarning
from dtnmodels.crop.features import band_histograms, region_series, season_features
from dtnmodels.grid import RegionAggregator

CRS = "EPSG:5070"


def _composites(values):
    """A (season=1, period=P, y=2, x=4) stack of 10 m cells, x 0..40, y 0..20."""
    data = np.asarray(values, dtype=np.float32)
    n_periods = data.shape[0]
    da = xr.DataArray(
        data[None],
        dims=("season", "period", "y", "x"),
        coords={
            "season": [2020],
            "period": np.arange(n_periods),
            "y": [15.0, 5.0],
            "x": [5.0, 15.0, 25.0, 35.0],
        },
    )
    da = da.assign_coords(day=(("season", "period"), [8.0 + 16 * np.arange(n_periods)]))
    return xr.Dataset({"ndvi": da}).rio.write_crs(CRS)


def _regions():
    return gpd.GeoDataFrame(
        {"id": ["left", "right", "away"]},
        geometry=[
            shapely.box(0, 0, 20, 20),
            shapely.box(20, 0, 40, 20),
            shapely.box(100, 100, 120, 120),
        ],
        crs=CRS,
    )


def test_region_series_crop_weighted_mean():
    """Region means are weighted by the crop mask; NaN pixels do not count."""
    values = [[[0.2, 0.4, 0.5, np.nan], [0.6, 0.8, 0.5, 0.7]]]
    stack = _composites(values)
    mask = xr.DataArray(
        [[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]],
        dims=("y", "x"),
        coords={"y": stack.y, "x": stack.x},
    )
    agg = RegionAggregator(stack, _regions(), id_col="id", weights=mask)

    with pytest.warns(DataGapWarning, match="away"):
        series = region_series(stack, agg)

    got = series.set_index("region")["ndvi"]
    assert got["left"] == pytest.approx((0.2 + 0.6 + 0.8) / 3)
    assert got["right"] == pytest.approx((0.5 + 0.5 + 0.7) / 3)
    assert np.isnan(got["away"])
    assert series.set_index("region").loc["right", "ndvi_valid"] == pytest.approx(0.75)


def test_season_features_hand_computed():
    """Peak, integral, green-up and senescence of a triangle curve."""
    series = pd.DataFrame(
        {
            "region": "a",
            "season": 2020,
            "period": np.arange(5),
            "day": [0.0, 10.0, 20.0, 30.0, 40.0],
            "ndvi": [0.2, 0.4, 0.8, np.nan, 0.2],
        }
    )

    out = season_features(series, ["ndvi"], period_days=10).iloc[0]

    assert out["ndvi_peak"] == pytest.approx(0.8)
    assert out["ndvi_peak_day"] == pytest.approx(20.0)
    # NaN at day 30 is interpolated to 0.5; trapezoids: 3 + 6 + 6.5 + 3.5
    assert out["ndvi_integral"] == pytest.approx(19.0)
    # half amplitude 0.5: rising between day 10 (0.4) and 20 (0.8) -> 12.5
    assert out["ndvi_greenup_day"] == pytest.approx(12.5)
    # falling: 0.5 reached at day 30 after interpolation
    assert out["ndvi_senescence_day"] == pytest.approx(30.0)
    assert out["ndvi_p03"] != out["ndvi_p03"]  # the raw period value stays NaN


def test_band_histograms_match_naive_counts():
    """Histogram shares equal a naive per-region count over the pixels (oracle)."""
    values = [[[0.1, 0.3, 0.5, 0.7], [0.35, 0.9, 0.55, 0.65]]]
    stack = _composites(values)
    regions = _regions().iloc[:2]
    agg = RegionAggregator(stack, regions, id_col="id")
    edges = [0.0, 0.25, 0.5, 0.75]

    hist = band_histograms(stack, agg, bins=edges).compute()["ndvi_hist"]

    left = np.array([0.1, 0.3, 0.35, 0.9])
    expected = [
        np.mean((left > lo) & (left <= hi))
        for lo, hi in zip(edges, [*edges[1:], np.inf], strict=True)
    ]
    got = hist.sel(season=2020, period=0, region="left").values
    assert_allclose(got, expected, atol=1e-9)
