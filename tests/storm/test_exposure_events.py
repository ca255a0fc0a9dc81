"""Tests for exposure features and county event labels."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.storm.events import county_event_labels
from dtnmodels.storm.exposure import exposure_features


def test_exposure_area_lines_substations(two_boxes):
    """Area of a 1° box at the equator, a 1° line's geodesic length, one substation."""
    lines = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0.0, 0.5), (1.0, 0.5)])], crs="EPSG:4326"
    )
    subs = gpd.GeoDataFrame(
        geometry=[shapely.Point(1.5, 0.5), shapely.Point(5, 5)], crs="EPSG:4326"
    )
    customers = pd.Series([1000.0, 3000.0], index=["a", "b"])

    out = exposure_features(
        two_boxes, id_col="id", customers=customers, lines=lines, substations=subs
    )

    # oracle: 1° of longitude at lat 0.5 on WGS84 is 111.32 km; box ~12,364 km²
    assert out.loc["a", "line_km"] == pytest.approx(111.3, rel=2e-3)
    assert out.loc["b", "line_km"] == 0.0
    assert out.loc["a", "land_km2"] == pytest.approx(12_364, rel=5e-3)
    assert out["substations"].to_dict() == {"a": 0, "b": 1}
    assert out.loc["b", "customers"] == 3000.0


def test_event_labels_from_per_storm_table():
    """Counties with a Flood/Flash Flood report of the storm get 1."""
    events = pd.DataFrame(
        {
            "storm_id": ["Julia-2016", "Julia-2016", "Julia-2016", "Other-2016"],
            "fips": ["37015", "37015", "37091", "37001"],
            "event_type": ["Flood", "Flash Flood", "Heavy Rain", "Flood"],
        }
    )

    out = county_event_labels(
        events,
        storm_id="Julia-2016",
        event_types=["Flood", "Flash Flood"],
        regions=["37015", "37091", "37001"],
    )

    assert out["event"].to_dict() == {"37015": 1, "37091": 0, "37001": 0}
    assert out.loc["37015", "n_reports"] == 2


def test_event_labels_warn_about_zone_rows():
    """Forecast-zone rows carry no county and are counted in a warning."""
    events = pd.DataFrame(
        {
            "event_type": ["Flood", "Flood"],
            "fips": ["37015", pd.NA],
            "is_county": [True, False],
            "state_fips": [37, 37],
            "cz_fips": [15, 99],
        }
    )

    with pytest.warns(DataGapWarning, match="forecast zones"):
        out = county_event_labels(events, event_types=["Flood"], regions=["37015"])

    assert out.loc["37015", "event"] == 1


def test_event_labels_map_zones_with_a_table():
    """A zone-to-county table turns zone rows into county labels."""
    events = pd.DataFrame(
        {
            "event_type": ["Flood"],
            "fips": [pd.NA],
            "is_county": [False],
            "state_fips": [37],
            "cz_fips": [99],
        }
    )
    table = pd.DataFrame({"zone": ["37099"], "fips": ["37001"]})

    out = county_event_labels(
        events, event_types=["Flood"], regions=["37001"], zone_to_county=table
    )

    assert out.loc["37001", "event"] == 1


def test_storm_without_rows_is_an_error():
    """Asking for a storm absent from the table names it."""
    events = pd.DataFrame({"storm_id": ["A"], "fips": ["1"], "event_type": ["Flood"]})

    with pytest.raises(DataValidationError, match="Julia-2016"):
        county_event_labels(
            events, storm_id="Julia-2016", event_types=["Flood"], regions=["1"]
        )
