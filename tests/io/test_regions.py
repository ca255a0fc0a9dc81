"""Tests for dtnmodels.io.regions.open_regions."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from dtnmodels.core.errors import (
    CRSWarning,
    DataGapWarning,
    DataValidationError,
    InputFileError,
)
from dtnmodels.io.regions import open_regions

BOWTIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # self-intersecting


def _frame(ids, geoms=None, crs="EPSG:4326"):
    """A small GeoDataFrame of unit boxes keyed by ``fips``."""
    geoms = geoms or [box(i, 0, i + 1, 1) for i in range(len(ids))]
    return gpd.GeoDataFrame(
        {"fips": ids, "name": list("abcdefgh")[: len(ids)]}, geometry=geoms, crs=crs
    )


def test_geojson_keeps_fips_as_text(tmp_path):
    """FIPS ids stored as text keep their leading zeros and stay a column."""
    path = tmp_path / "counties.geojson"
    _frame(["01001", "38093"]).to_file(path)

    gdf = open_regions(path, id_col="fips")

    assert list(gdf["fips"]) == ["01001", "38093"]
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.index) == [0, 1]


def test_geopackage_and_geoparquet(tmp_path):
    """GeoPackage and GeoParquet read the same rows and CRS."""
    frame = _frame(["19095", "19107"], crs="EPSG:4269")
    frame.to_file(tmp_path / "r.gpkg", layer="counties")
    frame.to_parquet(tmp_path / "r.parquet")

    from_gpkg = open_regions(tmp_path / "r.gpkg", id_col="fips")
    from_parquet = open_regions(tmp_path / "r.parquet", id_col="fips")

    assert list(from_gpkg["fips"]) == list(from_parquet["fips"]) == ["19095", "19107"]
    assert from_gpkg.crs.to_epsg() == from_parquet.crs.to_epsg() == 4269


def test_zipped_shapefile_in_subfolder(tmp_path):
    """A plain .zip with the shapefile in a subfolder is found and read."""
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _frame(["01001", "01003"]).to_file(shp_dir / "c.shp")
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, f"inner/{part.name}")

    plain = open_regions(archive, id_col="fips")
    explicit = open_regions(f"zip://{archive}!inner/c.shp", id_col="fips")

    assert list(plain["fips"]) == list(explicit["fips"]) == ["01001", "01003"]


def test_duplicate_ids_are_listed(tmp_path):
    """Duplicated ids raise an error naming them."""
    path = tmp_path / "dup.geojson"
    _frame(["01001", "01001", "02013"]).to_file(path)

    with pytest.raises(DataValidationError, match=r"not unique: \['01001'\]"):
        open_regions(path, id_col="fips")


def test_missing_id_column_lists_columns(tmp_path):
    """An absent id column is named along with the columns present."""
    path = tmp_path / "r.geojson"
    _frame(["01001"]).to_file(path)

    with pytest.raises(DataValidationError, match=r"'GEOID' not found.*'fips'"):
        open_regions(path, id_col="GEOID")


def test_missing_crs_needs_crs_argument(tmp_path):
    """A file without CRS fails unless crs= is given."""
    path = tmp_path / "nocrs.shp"
    _frame(["1", "2"], crs=None).to_file(path)

    with pytest.raises(DataValidationError, match="declares no CRS"):
        open_regions(path, id_col="fips")
    gdf = open_regions(path, id_col="fips", crs="EPSG:4326")

    assert gdf.crs.to_epsg() == 4326


def test_crs_override_warns(tmp_path):
    """crs= different from the file's CRS wins with a CRSWarning."""
    path = tmp_path / "r.geojson"
    _frame(["1"]).to_file(path)

    with pytest.warns(CRSWarning, match="without reprojecting"):
        gdf = open_regions(path, id_col="fips", crs="EPSG:4269")

    assert gdf.crs.to_epsg() == 4269


def test_invalid_geometry_repaired_with_warning(tmp_path):
    """A bow-tie polygon is made valid and its id is named in a warning."""
    path = tmp_path / "bad.gpkg"
    _frame(["good", "bowtie"], geoms=[box(0, 0, 1, 1), BOWTIE]).to_file(path)

    with pytest.warns(DataGapWarning, match=r"repaired.*'bowtie'"):
        gdf = open_regions(path, id_col="fips")

    assert gdf.is_valid.all()
    assert gdf.geometry.iloc[1].area == pytest.approx(0.5)


def test_numeric_ids_become_text_with_warning(tmp_path):
    """Integer ids are turned into strings, with a warning about lost zeros."""
    path = tmp_path / "num.gpkg"
    _frame([1001, 38093]).to_file(path)

    with pytest.warns(UserWarning, match="leading zeros"):
        gdf = open_regions(path, id_col="fips")

    assert list(gdf["fips"]) == ["1001", "38093"]


def test_missing_file_is_named(tmp_path):
    """Missing files and missing zip archives name the path."""
    with pytest.raises(InputFileError, match=r"nothere\.geojson"):
        open_regions(tmp_path / "nothere.geojson", id_col="id")
    with pytest.raises(InputFileError, match=r"gone\.zip"):
        open_regions(f"zip://{tmp_path}/gone.zip!a.shp", id_col="id")


@pytest.mark.real_data
def test_real_census_counties_and_plotly_geojson(real_data):
    """Census counties (NAD83) and the plotly GeoJSON share 5-digit FIPS ids."""
    census = open_regions(
        real_data / "boundaries/cb_2018_us_county_20m.zip", id_col="GEOID"
    )
    plotly = open_regions(
        real_data / "boundaries/us_counties_fips_plotly.geojson", id_col="id"
    )

    assert len(census) == 3220 and census.crs.to_epsg() == 4269
    assert len(plotly) == 3221 and plotly.crs.to_epsg() == 4326
    assert {"38093", "19095", "01001"} <= set(census["GEOID"]) & set(plotly["id"])
    assert census["GEOID"].str.len().eq(5).all()


@pytest.mark.real_data
def test_real_states_zip_in_subfolder(real_data):
    """The state zip with its shapefile in a subfolder opens as a plain .zip."""
    states = open_regions(
        real_data / "boundaries/cb_2018_us_state_20m.zip", id_col="STUSPS"
    )

    assert len(states) == 52
    assert "ND" in set(states["STUSPS"])
