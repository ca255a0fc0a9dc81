"""Public-format readers on the real files in shared/data, spot-checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from dtnmodels.core.errors import DataGapWarning
from dtnmodels.io import (
    read_county_locations,
    read_county_yields,
    read_eaglei_outages,
    read_eia_series,
    read_hurdat2,
    read_storm_events,
)

pytestmark = pytest.mark.real_data

SE_1995 = "storm/StormEvents_details-ftp_v1.0_d1995_c20170522.csv.gz"
SE_2019 = "storm/StormEvents_details-ftp_v1.0_d2019_c20190617.csv.gz"


def test_storm_events_1995_legacy_timezones_and_damage(real_data):
    """1995: bare 'CST' is UTC-6 and '.5K' is 500 USD (event 10314423, Alabama)."""
    with pytest.warns(DataGapWarning, match=r"'0\?'"):
        df = read_storm_events(real_data / SE_1995)

    row = df.set_index("event_id").loc[10314423]
    # File: 11-MAY-95 18:20:00, CST -> 1995-05-12 00:20 UTC; damage ".5K".
    assert row["begin_time_utc"] == pd.Timestamp("1995-05-12 00:20", tz="UTC")
    assert row["damage_property_usd"] == 500.0
    assert row["fips"] == "01003" and bool(row["is_county"])
    assert len(df) == 20461
    assert df["begin_time_utc"].notna().all()
    assert df["damage_property_usd"].max() == pytest.approx(1.2e9)  # "1.2B"


def test_storm_events_2019_zones_offsets_and_winds(real_data):
    """2019: EST-5 and CST-6 rows convert to UTC; zone rows have no FIPS."""
    df = read_storm_events(real_data / SE_2019).set_index("event_id")

    zone = df.loc[801726]  # WV Berkeley zone, 29-JAN-19 12:00 EST-5 -> 17:00 UTC
    county = df.loc[814097]  # AR county 97, 09-MAR-19 08:10 CST-6, 52 kt EG
    assert zone["begin_time_utc"] == pd.Timestamp("2019-01-29 17:00", tz="UTC")
    assert zone["end_time_utc"] == pd.Timestamp("2019-01-30 00:00", tz="UTC")
    assert not zone["is_county"] and pd.isna(zone["fips"])
    assert county["begin_time_utc"] == pd.Timestamp("2019-03-09 14:10", tz="UTC")
    assert county["fips"] == "05097"
    assert county["wind_speed_ms"] == pytest.approx(52 * 0.514444, rel=1e-5)
    assert int((df["cz_type"] == "Z").sum()) == 11765
    assert set(df["utc_offset_hours"].unique()) == {-4, -5, -6, -7, -8, -9, -10, -11}


def test_hurdat2_ike_galveston_landfall(real_data):
    """Ike's 2008-09-13 07 UTC landfall: 29.3N 94.7W, 95 kt, 950 mb, r34 NE 225 nm."""
    df = read_hurdat2(real_data / "storm/hurdat2_atlantic_1970_2018.txt")

    ike = df[df["storm_id"] == "AL092008"]
    fix = ike[ike["time"] == pd.Timestamp("2008-09-13 07:00", tz="UTC")].iloc[0]
    assert len(ike) == 62 and df["storm_id"].nunique() == 797
    assert fix["record_identifier"] == "L" and fix["name"] == "IKE"
    assert (fix["lat"], fix["lon"]) == (29.3, -94.7)
    assert fix["max_wind_ms"] == pytest.approx(95 * 1852 / 3600)
    assert fix["min_pressure_pa"] == 95000.0
    assert fix["r34_ne_m"] == 225 * 1852.0
    alma = df[df["storm_id"] == "AL011970"].iloc[0]
    assert pd.isna(alma["min_pressure_pa"]) and pd.isna(alma["r34_ne_m"])


def test_eia_long_and_wide_files(real_data):
    """Long weekly status, wide weekly/monthly supply and prices read alike."""
    long = read_eia_series(
        real_data / "fuel/eia_weekly_petroleum_status_2015_2023.csv",
        series="WGFUPUS2",
    )
    monthly = read_eia_series(
        real_data / "fuel/eia_us_gasoline_supplied_monthly_1945_2023.csv"
    )
    weekly = read_eia_series(
        real_data / "fuel/eia_us_gasoline_supplied_weekly_1991_2021.csv"
    )
    prices = read_eia_series(
        real_data / "fuel/eia_us_retail_fuel_prices_weekly_1995_2021.csv"
    )

    assert list(long.columns) == ["unique_id", "ds", "y", "unit"]
    assert set(long["unit"]) == {"thousand_barrels_per_day"}
    assert len(monthly) == 948
    assert monthly.set_index("ds").loc["2020-04-01", "y"] == 5866.0
    assert weekly.set_index("ds").loc["2020-04-03", "y"] == 5065.0
    assert prices["unique_id"].nunique() == 13
    regular = prices[prices["unique_id"] == "gasoline_regular_all_form"]
    assert regular.set_index("ds").loc["2020-04-27", "y"] == 1.773
    assert set(prices["unit"]) == {"usd_per_gallon"}


def test_county_yields_drop_2016_placeholders(real_data):
    """The headerless You 2017 table: 1834 zero rows of 2016 dropped with a warning."""
    path = real_data / "crop/yields/you2017_soybean_county_yield_final.csv"

    with pytest.warns(DataGapWarning, match=r"1834 rows .* \[2016\]"):
        df = read_county_yields(path)

    assert len(df) == 20954 - 1834
    assert df["year"].between(2003, 2015).all()
    stutsman = df[df["region_id"] == "38093"].set_index("year")["yield"]
    assert stutsman.loc[2003] == 24.4 and len(stutsman) == 13
    assert df["region_id"].str.len().eq(5).all()
    assert set(df["unit"]) == {"bu/acre"}


def test_county_locations(real_data):
    """County centroids: 1834 unique 5-digit FIPS with lon/lat in degrees."""
    df = read_county_locations(
        real_data / "crop/yields/you2017_county_locations_final.csv"
    )

    assert len(df) == 1834
    first = df.iloc[0]
    assert (first["region_id"], first["lon"], first["lat"]) == (
        "01047",
        -87.114,
        32.334,
    )


def test_eaglei_harvey_and_florence(real_data):
    """EAGLE-I tables: zero-padded FIPS, fraction 0..1, NaN rows warned about."""
    harvey = read_eaglei_outages(
        real_data / "storm/eaglei_outages_by_county_Harvey17.csv"
    )
    with pytest.warns(DataGapWarning, match="6 counties"):
        florence = read_eaglei_outages(
            real_data / "storm/eaglei_outages_by_county_Florence18.csv"
        )

    assert len(harvey) == 318 and harvey["max_pct_out"].between(0, 1).all()
    assert harvey.iloc[0]["fips"] == "22001"
    assert harvey.iloc[0]["atcf_id"] == "AL092017"
    assert florence.set_index("fips").loc["37001", "max_pct_out"] == 1.0
