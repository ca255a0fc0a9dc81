"""Tests for the storm-specific readers (OSM grid, tract winds, county centres)."""

from __future__ import annotations

import pandas as pd
import pytest

from dtnmodels.core.errors import DataGapWarning, DataValidationError, InputFileError
from dtnmodels.io.county_centers import read_county_centers
from dtnmodels.io.osm_powergrid import read_power_lines, read_substations
from dtnmodels.io.tract_winds import read_impact_history, read_tract_winds

_LINES = (
    "l_id#name#length_m#wkt_srid_4326\n"
    "1#'A - B'#100#SRID=4326;LINESTRING(0 0,1 0)\n"
    "2#'Laguna #2'#200#SRID=4326;LINESTRING(1 0,2 0)\n"
    "3#broken#x#y#SRID=4326;LINESTRING(2 0,3 0)\n"
)


def test_power_lines_repair_quoted_hash_and_drop_broken_rows(tmp_path):
    """A '#' inside a quoted name is repaired; an unfixable row is dropped."""
    path = tmp_path / "lines.csv"
    path.write_text(_LINES)

    with pytest.warns(DataGapWarning, match=r"line\(s\) \[4\]"):
        lines = read_power_lines(path)

    assert lines["name"].tolist() == ["'A - B'", "'Laguna #2'"]
    assert lines.crs.to_epsg() == 4326
    assert lines["length_m"].tolist() == [100.0, 200.0]


def test_substations_keep_station_types(tmp_path):
    """Joints are not substations; substation/sub_station/station are."""
    path = tmp_path / "nodes.csv"
    path.write_text(
        "v_id#typ#wkt_srid_4326\n"
        "1#substation#SRID=4326;POINT(0 0)\n"
        "2#joint#SRID=4326;POINT(1 1)\n"
        "3#sub_station#SRID=4326;POINT(2 2)\n"
    )

    subs = read_substations(path)

    assert subs["v_id"].tolist() == ["1", "3"]


def test_not_a_hash_table(tmp_path):
    """A comma CSV is refused with the file name."""
    path = tmp_path / "lines.csv"
    path.write_text("a,b\n1,2\n")

    with pytest.raises(InputFileError, match="'#'-separated"):
        read_power_lines(path)


def test_tract_winds_keep_geoids_as_text(tmp_path):
    """Leading zeros survive and the county is the first five digits."""
    path = tmp_path / "tracts.csv"
    path.write_text(
        "storm_id,geoid,date,vmax_sust,vmax_gust,gust_dur\n"
        "X-2018,01001020100,2018-09-14 12:00:00,10,14.9,30\n"
    )

    tracts = read_tract_winds(path)

    assert tracts.loc[0, "geoid"] == "01001020100"
    assert tracts.loc[0, "county"] == "01001"
    assert tracts.attrs["units"]["vmax_gust"] == "m s-1"


def test_tract_winds_missing_column(tmp_path):
    """A table without vmax_gust names the missing column."""
    path = tmp_path / "tracts.csv"
    path.write_text("storm_id,geoid,vmax_sust\nX,01001020100,1\n")

    with pytest.raises(DataValidationError, match="vmax_gust"):
        read_tract_winds(path)


def test_impact_history_rejects_duplicate_rows(tmp_path):
    """The same (storm, region) twice is refused."""
    path = tmp_path / "history.csv"
    pd.DataFrame(
        {
            "storm_id": ["a", "a"],
            "region": ["1", "1"],
            "customers": [1, 1],
            "customers_out": [0, 0],
        }
    ).to_csv(path, index=False)

    with pytest.raises(DataValidationError, match="more than once"):
        read_impact_history(path)


def test_county_centers(tmp_path):
    """FIPS are zero padded text and the index."""
    path = tmp_path / "centers.csv"
    path.write_text("fips,population,latitude,longitude\n1001,54571,32.5,-86.5\n")

    centers = read_county_centers(path)

    assert centers.index.tolist() == ["01001"]
    assert centers.loc["01001", "population"] == 54571
