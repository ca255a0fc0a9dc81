"""Input checks of long demand frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.fuel.data import (
    check_demand,
    check_future_exog,
    fill_gaps,
    infer_freq,
    normalize_freq,
    season_length,
)


def test_check_demand_sorts_and_passes_clean_frame(weekly_frame):
    """A clean frame comes back sorted with a fresh index."""
    shuffled = weekly_frame.sample(frac=1.0, random_state=0)

    out = check_demand(shuffled, freq="D", min_length=14)

    assert out["unique_id"].is_monotonic_increasing
    assert len(out) == len(weekly_frame)


def test_duplicate_timestamps_name_series_and_date(weekly_frame):
    """A repeated (series, date) row is refused with the series and the date."""
    dup = pd.concat([weekly_frame, weekly_frame.iloc[[5]]])

    with pytest.raises(
        DataValidationError, match=r"duplicate timestamps.*'s0'.*2021-01-09"
    ):
        check_demand(dup, freq="D")


def test_gap_names_series_and_missing_dates(weekly_frame):
    """A missing day is reported with its date and the opt-in fix."""
    gappy = weekly_frame.drop(index=[10, 11])

    with pytest.raises(
        DataValidationError, match=r"'s0' has 2 gap.*2021-01-14.*fill_gaps"
    ):
        check_demand(gappy, freq="D")


def test_negative_demand_is_refused(weekly_frame):
    """Negative demand is an error naming the series."""
    bad = weekly_frame.copy()
    bad.loc[bad.index[-1], "y"] = -1.0

    with pytest.raises(DataValidationError, match=r"negative demand.*'s2'"):
        check_demand(bad, freq="D")


def test_missing_demand_is_refused(weekly_frame):
    """NaN demand is an error naming the series and date."""
    bad = weekly_frame.copy()
    bad.loc[3, "y"] = np.nan

    with pytest.raises(
        DataValidationError, match=r"missing demand.*'s0' at 2021-01-07"
    ):
        check_demand(bad, freq="D")


def test_short_series_is_refused(weekly_frame):
    """Series shorter than a season plus the horizon are listed."""
    short = weekly_frame[weekly_frame["ds"] < "2021-01-10"]

    with pytest.raises(DataValidationError, match=r"3 series shorter than 35 steps"):
        check_demand(short, freq="D", min_length=35)


def test_unknown_frequency_is_refused():
    """An unsupported alias names the supported ones."""
    with pytest.raises(DataValidationError, match=r"unknown frequency 'QS'.*daily"):
        normalize_freq("QS")


def test_season_lengths_of_supported_frequencies():
    """Daily 7, weekly (any anchor) 52, monthly 12."""
    assert [season_length(f) for f in ("D", "W-FRI", "MS")] == [7, 52, 12]


def test_infer_freq_of_weekly_fridays():
    """Weekly Friday stamps infer as W-FRI."""
    ds = pd.date_range("2020-01-03", periods=10, freq="W-FRI")
    frame = pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0})

    assert infer_freq(frame) == "W-FRI"


def test_fill_gaps_interpolates_and_warns(weekly_frame):
    """Opt-in gap filling interpolates linearly in time and warns."""
    gappy = weekly_frame.drop(index=[10])
    expected = (weekly_frame.loc[9, "y"] + weekly_frame.loc[11, "y"]) / 2

    with pytest.warns(DataGapWarning, match="filled 1"):
        out = fill_gaps(gappy, freq="D")

    assert out.loc[10, "y"] == pytest.approx(expected)


def test_missing_future_regressors_name_series_and_dates():
    """Future regressors that stop short of the horizon are refused."""
    last = pd.Series({"a": pd.Timestamp("2021-01-10")})
    X = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2021-01-11", periods=2), "price": 1.0}
    )

    with pytest.raises(
        DataValidationError, match=r"missing for the horizon.*'a' at 2021-01-13"
    ):
        check_future_exog(X, ids=["a"], last=last, h=3, freq="D", exog_cols=["price"])


def test_text_demand_names_series_and_value():
    """Demand stored as text is refused, naming the value and the series."""
    df = pd.DataFrame(
        {
            "unique_id": ["a", "a", "a"],
            "ds": ["2021-01-01", "2021-01-02", "2021-01-03"],
            "y": ["1.0", "lots", "2.0"],
        }
    )

    with pytest.raises(DataValidationError, match=r"not numbers, e\.g\. 'lots'.*'a'"):
        check_demand(df, freq="D", min_length=1, source="demand.csv")


def test_bad_timestamp_names_series():
    """Timestamps that are not dates are refused with the first bad value."""
    df = pd.DataFrame(
        {"unique_id": ["a", "a"], "ds": ["2021-01-01", "garbage"], "y": [1.0, 2.0]}
    )

    with pytest.raises(DataValidationError, match=r"not dates, e\.g\. 'garbage'"):
        check_demand(df, freq="D", min_length=1, source="demand.csv")
