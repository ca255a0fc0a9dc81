"""Error handling and parsing rules of the table readers on tiny files."""

from __future__ import annotations

import pandas as pd
import pytest

from dtnmodels.core.errors import DataGapWarning, DataValidationError, InputFileError
from dtnmodels.io import (
    read_county_yields,
    read_eaglei_outages,
    read_eia_series,
    read_hurdat2,
    read_storm_events,
)
from dtnmodels.io.storm_events import parse_damage

READERS = [
    read_storm_events,
    read_hurdat2,
    read_eia_series,
    read_county_yields,
    read_eaglei_outages,
]


@pytest.mark.parametrize("reader", READERS)
def test_missing_file_is_named(tmp_path, reader):
    """Every reader names a missing file in an InputFileError."""
    with pytest.raises(InputFileError, match=r"absent\.csv"):
        reader(tmp_path / "absent.csv")


def test_parse_damage_suffixes():
    """K/M/B/H multiply; empty is NaN; '0' is zero (hand-computed)."""
    values = pd.Series(["10.00K", "1.5M", "2B", ".5K", "2H", "0", "", None, "0?"])

    out = parse_damage(values)

    expected = [1e4, 1.5e6, 2e9, 500.0, 200.0, 0.0, None, None, None]
    pd.testing.assert_series_equal(
        out, pd.Series(expected, dtype="float64"), check_names=False
    )


def test_storm_events_missing_column_lists_columns(tmp_path):
    """A details file without CZ_TIMEZONE names it and the columns present."""
    path = tmp_path / "se.csv"
    path.write_text("EVENT_ID,STATE\n1,TEXAS\n")

    with pytest.raises(DataValidationError, match=r"'CZ_TIMEZONE'.*present"):
        read_storm_events(path)


def test_storm_events_gst_and_unknown_zone(tmp_path):
    """GST10 is UTC+10; an unknown code gives NaT with a DataGapWarning."""
    header = (
        "EVENT_ID,STATE,STATE_FIPS,EVENT_TYPE,CZ_TYPE,CZ_FIPS,CZ_TIMEZONE,"
        "BEGIN_YEARMONTH,BEGIN_DAY,BEGIN_TIME,END_YEARMONTH,END_DAY,END_TIME,"
        "DAMAGE_PROPERTY,DAMAGE_CROPS\n"
    )
    rows = "1,GUAM,98,Typhoon,Z,1,GST10,201905,2,5,201905,2,2330,1.5M,\n"
    rows += "2,X,1,Hail,C,1,XYZ,201905,2,5,201905,2,5,,\n"
    path = tmp_path / "se.csv"
    path.write_text(header + rows)

    with pytest.warns(DataGapWarning, match="XYZ"):
        df = read_storm_events(path)

    # 2019-05-02 00:05 local at UTC+10 is 2019-05-01 14:05 UTC.
    assert df.loc[0, "begin_time_utc"] == pd.Timestamp("2019-05-01 14:05", tz="UTC")
    assert df.loc[0, "end_time_utc"] == pd.Timestamp("2019-05-02 13:30", tz="UTC")
    assert df.loc[0, "damage_property_usd"] == 1.5e6
    assert pd.isna(df.loc[1, "begin_time_utc"])
    assert df.loc[1, "fips"] == "01001"


def test_hurdat2_bad_line_gives_line_number(tmp_path):
    """A garbled fix line is reported with its line number."""
    path = tmp_path / "h.txt"
    path.write_text("AL012000, TEST, 1,\n20000101, 0000, , TS, 10.0X, 50.0W\n")

    with pytest.raises(InputFileError, match="line 2"):
        read_hurdat2(path)


def test_yields_duplicates_and_header_detection(tmp_path):
    """Repeated (fips, year) pairs are listed; a header row asks for 'infer'."""
    dup = tmp_path / "dup.csv"
    dup.write_text("2010,1,1,30\n2010,1,1,31\n")
    with_header = tmp_path / "h.csv"
    with_header.write_text("year,state_fips,county_fips,yield\n2010,1,1,30\n")

    with pytest.raises(DataValidationError, match=r"\('01001', '2010'\)"):
        read_county_yields(dup)
    with pytest.raises(DataValidationError, match="header='infer'"):
        read_county_yields(with_header)
    df = read_county_yields(with_header, header="infer")

    assert df.to_dict("records") == [
        {"region_id": "01001", "year": 2010, "yield": 30.0, "unit": "bu/acre"}
    ]


def test_yields_placeholder_policy(tmp_path):
    """placeholder_zero_years='error' raises; 'keep' keeps the zero."""
    path = tmp_path / "y.csv"
    path.write_text("2015,19,95,50\n2016,19,95,0\n")

    with pytest.raises(DataValidationError, match="2016"):
        read_county_yields(path, placeholder_zero_years="error")
    kept = read_county_yields(path, placeholder_zero_years="keep")

    assert kept["yield"].tolist() == [50.0, 0.0]


def test_eia_wide_monthly_and_unknown_series(tmp_path):
    """A wide monthly file becomes long; an unknown series lists those present."""
    path = tmp_path / "m.csv"
    path.write_text("month,a_kbd,b\n2020-01,1,2\n2020-02,3,\n")

    df = read_eia_series(path)

    assert (
        df["ds"].tolist()
        == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01")] * 2
    )
    assert df.loc[df.unique_id == "a_kbd", "unit"].iloc[0] == "thousand_barrels_per_day"
    assert df["y"].isna().sum() == 1
    with pytest.raises(DataValidationError, match=r"\['zz'\].*'a_kbd'"):
        read_eia_series(path, series="zz")


def test_eaglei_rejects_percent_scale(tmp_path):
    """max_pct_out above 1 is refused as not a fraction."""
    path = tmp_path / "e.csv"
    path.write_text("storm_id,geoid,max_pct_out,avg_customer_hrs_out\nX,1001,45,2\n")

    with pytest.raises(DataValidationError, match=r"fraction 0\.\.1"):
        read_eaglei_outages(path)
