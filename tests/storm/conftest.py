"""Small in-memory grids and regions for the storm tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rioxarray  # noqa: F401
import shapely
import xarray as xr


@pytest.fixture
def two_boxes() -> gpd.GeoDataFrame:
    """Two 1° × 1° regions side by side (EPSG:4326), ids 'a' and 'b'."""
    return gpd.GeoDataFrame(
        {"id": ["a", "b"], "customers": [1000, 3000]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )


@pytest.fixture
def hazard_grid() -> xr.Dataset:
    """3 hourly steps of gust (m/s) and rain (mm) on a 2 × 4 grid of 0.5° cells."""
    lat = np.array([0.25, 0.75])
    lon = np.array([0.25, 0.75, 1.25, 1.75])
    gust = np.zeros((3, 2, 4))
    gust[:, :, :2] = [[[10.0]], [[22.0]], [[30.0]]]  # region a: same in every cell
    gust[:, :, 2:] = 5.0  # region b: calm
    gust[1, 0, 3] = 40.0  # one gusty cell in b at hour 1
    rain = np.ones((3, 2, 4))
    rain[2, :, :2] = 4.0
    time = pd.date_range("2026-09-01", periods=3, freq="h")
    ds = xr.Dataset(
        {
            "gust": (("time", "lat", "lon"), gust, {"units": "m s-1"}),
            "rain": (("time", "lat", "lon"), rain, {"units": "mm"}),
        },
        coords={"time": time, "lat": lat, "lon": lon},
    )
    return ds.rio.write_crs("EPSG:4326")
