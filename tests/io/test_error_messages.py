"""Wording of the errors dtnmodels.io raises for bad input files (one line each)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from dtnmodels.core.errors import DataValidationError, InputFileError
from dtnmodels.io import open_grid, open_regions
from dtnmodels.io.tract_winds import read_impact_history


def _history(**changes):
    """A two-row impact history table, with columns replaced by ``changes``."""
    frame = pd.DataFrame(
        {
            "storm_id": ["S1", "S1"],
            "region": ["01001", "01003"],
            "customers": [100, 200],
            "customers_out": [10.0, 20.0],
        }
    )
    return frame.assign(**changes)


def test_open_grid_empty_file_says_empty(tmp_path):
    """A 0-byte grid file is reported as empty, in one line."""
    path = tmp_path / "forecast.nc"
    path.write_bytes(b"")

    with pytest.raises(InputFileError, match=r"'.*forecast\.nc' is empty \(0 bytes\)"):
        open_grid(path)


def test_open_grid_junk_file_is_one_line(tmp_path):
    """Bytes no backend understands give one line naming the file, no URL list."""
    path = tmp_path / "junk.nc"
    path.write_bytes(np.random.default_rng(0).bytes(4000))

    with pytest.raises(InputFileError, match="not a NetCDF/HDF5 file") as info:
        open_grid(path)

    assert len(str(info.value).splitlines()) == 1
    assert "junk.nc" in str(info.value)


def test_open_grid_rejects_none_with_type_error():
    """None is not a path: the TypeError says what open_grid accepts."""
    with pytest.raises(TypeError, match="expects a path, a glob pattern or a list"):
        open_grid(None)


def test_open_regions_csv_without_geometry(tmp_path):
    """A table without geometry is refused, naming the file and the formats."""
    path = tmp_path / "regions.csv"
    pd.DataFrame({"id": ["a"], "x": [1]}).to_csv(path, index=False)

    with pytest.raises(DataValidationError, match="has no geometry column"):
        open_regions(path, id_col="id")


def test_open_regions_points_are_not_regions(tmp_path):
    """Point features are refused: regions must be areas."""
    path = tmp_path / "points.geojson"
    gdf = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:4326"
    )
    gdf.to_file(path)

    with pytest.raises(DataValidationError, match=r"2 of 2 features .* are Point"):
        open_regions(path, id_col="id")


def test_open_regions_no_features(tmp_path):
    """A file with no feature says so rather than 'id column not found'."""
    path = tmp_path / "none.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')

    with pytest.raises(DataValidationError, match="holds no features"):
        open_regions(path, id_col="id")


def test_open_regions_empty_file(tmp_path):
    """A 0-byte regions file is reported as empty."""
    path = tmp_path / "regions.geojson"
    path.write_bytes(b"")

    with pytest.raises(InputFileError, match=r"is empty \(0 bytes\)"):
        open_regions(path, id_col="id")


def test_open_regions_polygons_still_open(tmp_path):
    """Polygons keep opening after the geometry check (regression guard)."""
    path = tmp_path / "ok.geojson"
    gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=4326).to_file(path)

    gdf = open_regions(path, id_col="id")

    assert list(gdf["id"]) == ["a"]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"customers_out": [-5.0, 20.0]}, "'customers_out' has 1 negative values"),
        ({"customers_out": [10.0, 500.0]}, "customers_out exceeds customers in 1"),
        ({"customers": ["100", "lots"]}, "'customers' must hold numbers"),
    ],
)
def test_impact_history_bad_counts(tmp_path, changes, match):
    """Negative, impossible or non-numeric counts name the column and the row."""
    path = tmp_path / "history.csv"
    _history(**changes).to_csv(path, index=False)

    with pytest.raises(DataValidationError, match=match) as info:
        read_impact_history(path)

    assert "history.csv" in str(info.value)


def test_impact_history_blank_outages_are_missing(tmp_path):
    """Blank or 'nan' outage cells stay missing values, not errors."""
    path = tmp_path / "history.parquet"
    _history(customers_out=["nan", "12"]).to_parquet(path)

    frame = read_impact_history(path)

    assert frame["customers_out"].isna().tolist() == [True, False]
    assert frame["customers_out"].iloc[1] == 12.0
