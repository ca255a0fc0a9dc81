"""Tests for the Holland parametric wind field."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtnmodels.storm.wind_profile import holland_profile, interpolate_track, wind_swath


def test_profile_peaks_at_rmax():
    """V(Rmax) = Vmax and the wind falls off on both sides."""
    r = np.array([10e3, 30e3, 90e3])

    v = holland_profile(r, vmax=50.0, rmax=30e3, b=1.5)

    assert v[1] == pytest.approx(50.0)
    assert v[0] < 50 and v[2] < 50


def test_interpolated_track_motion():
    """A storm moving 1° north in 6 h moves at 111.2 km / 6 h ≈ 5.15 m/s."""
    track = pd.DataFrame(
        {
            "time": pd.to_datetime(["2008-09-12T00", "2008-09-12T06"], utc=True),
            "lat": [28.0, 29.0],
            "lon": [-94.0, -94.0],
            "max_wind_ms": [45.0, 45.0],
        }
    )

    fixes = interpolate_track(track)

    assert len(fixes) == 7
    assert fixes["vt_north"].mean() == pytest.approx(111_195 / 21_600, rel=1e-3)
    assert fixes["vt_east"].abs().max() == pytest.approx(0.0, abs=1e-9)


def test_swath_is_stronger_right_of_motion():
    """For a storm moving north, points east of the track see more wind."""
    track = pd.DataFrame(
        {
            "time": pd.to_datetime(["2008-09-12T00", "2008-09-12T12"], utc=True),
            "lat": [27.0, 29.0],
            "lon": [-94.0, -94.0],
            "max_wind_ms": [45.0, 45.0],
            "min_pressure_pa": [95_000.0, 95_000.0],
        }
    )
    lat = np.array([28.0])
    lon = np.array([-94.5, -93.5])

    swath = wind_swath(track, lat, lon)

    west, east = swath["wind_max"].values[0]
    assert east > west
    assert swath["gust_max"].values[0, 1] == pytest.approx(1.49 * east)
    assert swath.rio.crs.to_epsg() == 4326


def test_swath_features_rank_regions_by_distance_to_track():
    """The region the storm crosses gets the highest county gust."""
    import geopandas as gpd
    import shapely

    from dtnmodels.storm.wind_profile import swath_features

    track = pd.DataFrame(
        {
            "time": pd.to_datetime(["2008-09-12T00", "2008-09-12T12"], utc=True),
            "lat": [27.0, 29.0],
            "lon": [-94.0, -94.0],
            "max_wind_ms": [45.0, 45.0],
        }
    )
    regions = gpd.GeoDataFrame(
        {"id": ["near", "far"]},
        geometry=[
            shapely.box(-94.5, 27.5, -93.5, 28.5),
            shapely.box(-91, 27.5, -90, 28.5),
        ],
        crs="EPSG:4326",
    )

    feats = swath_features(track, regions, id_col="id", resolution=0.1)

    assert feats.loc["near", "gust_max"] > feats.loc["far", "gust_max"]
    assert feats.loc["near", "hours_gust_above_20"] > 0
    assert not feats["partial_coverage"].any()
