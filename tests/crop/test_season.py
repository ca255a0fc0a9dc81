"""Tests of the season calendar and temporal compositing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from dtnmodels.core.errors import ConfigError, DataGapWarning
from dtnmodels.crop.season import SeasonCalendar, composite


def _stack(days, values):
    times = pd.to_datetime(days)
    data = np.asarray(values, dtype=np.float32).reshape(len(days), 1, 2)
    return xr.DataArray(
        data,
        dims=("time", "y", "x"),
        coords={"time": times, "y": [0.0], "x": [0.0, 1.0]},
    )


def test_season_crossing_year_is_labelled_by_end_year():
    """A season from August runs into the next year and takes that year's label."""
    cal = SeasonCalendar(start="08-28", length_days=300, period_days=16)

    where = cal.locate(pd.to_datetime(["2017-08-29", "2018-02-02", "2018-07-15"]))

    assert where["season"].tolist()[:2] == [2018, 2018]
    assert pd.isna(where["season"].iloc[2])
    assert where["day"].tolist()[:2] == [1, 158]


def test_cutoff_day_both_forms():
    """'YYYY-MM-DD' and 'MM-DD' give the same day of season; outside is refused."""
    cal = SeasonCalendar(start="05-01", length_days=160, period_days=16)

    assert cal.cutoff_day("2024-07-15") == 75
    assert cal.cutoff_day("07-15") == 75
    with pytest.raises(ConfigError, match="outside the season"):
        cal.cutoff_day("12-01")


def test_max_and_median_composites():
    """Max and median reduce the images of each 16-day period per pixel."""
    cal = SeasonCalendar(start="05-01", length_days=32, period_days=16)
    da = _stack(
        ["2020-05-01", "2020-05-05", "2020-05-09", "2020-05-20"],
        [[0.1, 0.5], [0.3, np.nan], [0.2, 0.4], [0.7, 0.6]],
    )

    mx, _ = composite(da, cal, method="max")
    md, _ = composite(da, cal, method="median")

    assert_allclose(mx.sel(season=2020).values[:, 0, :], [[0.3, 0.5], [0.7, 0.6]])
    assert_allclose(md.sel(season=2020).values[:, 0, :], [[0.2, 0.45], [0.7, 0.6]])


def test_all_cloud_and_missing_periods_are_nan_and_flagged():
    """An all-masked period and a period without image are NaN, never 0, flagged."""
    cal = SeasonCalendar(start="05-01", length_days=48, period_days=16)
    da = _stack(["2020-05-02", "2020-05-20"], [[0.5, 0.6], [np.nan, np.nan]])

    with pytest.warns(DataGapWarning, match="all_cloud"):
        out, flags = composite(da, cal)

    assert flags["flag"].tolist() == ["ok", "all_cloud", "missing"]
    assert np.isnan(out.values[0, 1:]).all()
    assert flags["n_images"].tolist() == [1, 1, 0]


def test_cutoff_drops_later_images():
    """With a cutoff only earlier images enter, and later periods are absent."""
    cal = SeasonCalendar(start="05-01", length_days=48, period_days=16)
    da = _stack(
        ["2020-05-02", "2020-05-10", "2020-05-20"], [[0.2, 0.2], [0.9, 0.9], [0.5, 0.5]]
    )

    out, flags = composite(da, cal, cutoff_day=5)

    assert out.sizes["period"] == 1
    assert_allclose(out.values[0, 0, 0, :], [0.2, 0.2])
    assert flags["n_images"].tolist() == [1]
