"""Tests for storm hazard features and units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.storm.hazard import (
    aggregate_tracts,
    hazard_features,
    hazard_fields,
    hours_column,
)
from dtnmodels.storm.units import to_mm, to_ms


def test_to_ms_converts_knots_from_the_units_attribute():
    """A wind of 10 kt becomes 5.14444 m/s and is labelled m s-1."""
    da = xr.DataArray([10.0], attrs={"units": "knots"}, name="wind")

    out = to_ms(da)

    assert out.values[0] == pytest.approx(5.14444)
    assert out.attrs["units"] == "m s-1"


def test_to_ms_refuses_a_wind_without_units():
    """Missing units are an error that asks for them, not a silent guess."""
    da = xr.DataArray([10.0], name="spd")

    with pytest.raises(DataValidationError, match="no 'units' attribute"):
        to_ms(da)


def test_to_ms_refuses_unknown_units_but_accepts_an_override():
    """Undocumented units fail; an explicit override (mph) converts."""
    da = xr.DataArray([100.0], attrs={"units": "undocumented"}, name="spd")

    with pytest.raises(DataValidationError, match="not understood"):
        to_ms(da)
    assert to_ms(da, units="mph").values[0] == pytest.approx(44.704)


def test_to_mm_converts_inches():
    """One inch of rain is 25.4 mm."""
    out = to_mm(xr.DataArray([1.0], attrs={"units": "in"}, name="rain"))

    assert out.values[0] == pytest.approx(25.4)


def test_hazard_fields_per_pixel_summaries(hazard_grid):
    """Max gust, hours above 20 m/s and rain totals match hand counts."""
    fields = hazard_fields(hazard_grid, gust_var="gust", rain_var="rain")

    assert fields["gust_max"].values[0, 0] == 30.0
    assert fields[hours_column(20)].values[0, 0] == 2.0  # 22 and 30 m/s
    assert fields[hours_column(20)].values[0, 3] == 1.0  # the single 40 m/s hour
    assert fields["rain_total"].values[0, 0] == 6.0  # 1 + 1 + 4 mm
    assert fields["rain_max_1h"].values[0, 0] == 4.0


def test_hazard_fields_averages_members(hazard_grid):
    """Two members (x1 and x2 gust) give the member mean of the storm maxima."""
    stacked = xr.concat([hazard_grid, hazard_grid * 2], dim="member")
    stacked["gust"].attrs["units"] = "m s-1"
    stacked["rain"].attrs["units"] = "mm"

    fields = hazard_fields(stacked, rain_var="rain")

    assert fields["gust_max"].values[0, 0] == pytest.approx((30 + 60) / 2)


def test_hazard_features_per_region(hazard_grid, two_boxes):
    """Region max and area mean of the pixel maxima, hand computed."""
    feats = hazard_features(hazard_grid, two_boxes, id_col="id", rain_var="rain")

    assert feats.loc["a", "gust_max"] == pytest.approx(30.0)
    assert feats.loc["b", "gust_max"] == pytest.approx(40.0)
    assert feats.loc["b", "gust_mean"] == pytest.approx((40 + 5 * 3) / 4)
    assert feats.loc["a", "rain_total"] == pytest.approx(6.0)
    assert feats["coverage"].tolist() == pytest.approx([1.0, 1.0])
    assert not feats["partial_coverage"].any()


def test_hazard_features_flag_regions_off_the_grid(hazard_grid, two_boxes):
    """A grid covering only region a flags b, with a DataGapWarning."""
    half = hazard_grid.isel(lon=slice(0, 2))

    with pytest.warns(DataGapWarning, match="partial_coverage"):
        feats = hazard_features(half, two_boxes, id_col="id")

    assert feats["partial_coverage"].to_dict() == {"a": False, "b": True}
    assert feats.loc["b", "coverage"] == pytest.approx(0.0)


def test_fill_value_is_not_calm(hazard_grid, two_boxes):
    """Exact zeros declared as fill are missing, so they do not drag the mean."""
    ds = hazard_grid.copy()
    ds["gust"] = ds["gust"].where(ds["lon"] < 1.5, 0.0)
    ds["gust"].attrs["units"] = "m s-1"

    feats = hazard_features(ds, two_boxes, id_col="id", fill_value=0.0)

    assert feats.loc["b", "gust_mean"] == pytest.approx(5.0)
    assert feats.loc["b", "coverage"] == pytest.approx(0.5)


def test_aggregate_tracts_to_counties():
    """Tract GEOIDs roll up to their 5-digit county; weighted mean by hand."""
    tracts = pd.DataFrame(
        {
            "geoid": ["48201000100", "48201000200", "48167000100"],
            "gust": [30.0, 40.0, 50.0],
            "pop": [1.0, 3.0, 2.0],
        }
    )

    out = aggregate_tracts(tracts, value_cols=["gust"], weight_col="pop")

    assert out.loc["48201", "gust_max"] == 40.0
    assert out.loc["48201", "gust_mean"] == pytest.approx((30 + 3 * 40) / 4)
    assert out.loc["48167", "n_tracts"] == 1


def test_aggregate_tracts_rejects_short_geoids():
    """A 5-digit code in the tract column is refused with the offending value."""
    tracts = pd.DataFrame({"geoid": ["48201"], "gust": [1.0]})

    with pytest.raises(DataValidationError, match="11-digit"):
        aggregate_tracts(tracts, value_cols=["gust"])


def test_irregular_time_steps_are_refused(hazard_grid):
    """Hours above a threshold need a regular step."""
    ds = hazard_grid.assign_coords(
        time=pd.to_datetime(["2026-09-01T00", "2026-09-01T01", "2026-09-01T03"])
    )

    with pytest.raises(DataValidationError, match="irregular"):
        hazard_fields(ds)


def test_hazard_fields_without_time_is_a_swath(hazard_grid):
    """A single 2-D wind field passes through as the storm maximum."""
    swath = hazard_grid.isel(time=2, drop=True)

    fields = hazard_fields(swath, rain_var=None)

    np.testing.assert_allclose(fields["gust_max"].values, swath["gust"].values)
    assert hours_column(20) not in fields
