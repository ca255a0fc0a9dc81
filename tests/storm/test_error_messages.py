"""Wording of storm errors for bad hazard grids, and maps of regions without shape."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from dtnmodels.core.errors import DataValidationError
from dtnmodels.storm.hazard import hazard_fields
from dtnmodels.storm.plots import region_map


def test_negative_gust_names_variable_and_fill_value(hazard_grid):
    """Negative speeds (an undeclared fill value) are refused, naming the fix."""
    ds = hazard_grid.copy(deep=True)
    ds["gust"][0, 0, 0] = -9999.0

    with pytest.raises(
        DataValidationError,
        match=r"'gust' has 1 negative values \(lowest -9999\).*hazard\.fill_value",
    ):
        hazard_fields(ds, gust_var="gust")


def test_declared_fill_value_passes(hazard_grid):
    """The same grid opens once the marker is declared as fill_value."""
    ds = hazard_grid.copy(deep=True)
    ds["gust"][0, 0, 0] = -9999.0

    fields = hazard_fields(ds, gust_var="gust", fill_value=-9999.0)

    assert float(fields["gust_max"].max()) == 40.0


def test_region_map_skips_regions_without_geometry(two_boxes):
    """A region with no geometry is left off the map instead of crashing it."""
    regions = pd.concat(
        [
            two_boxes,
            gpd.GeoDataFrame(
                {"id": ["c"], "customers": [5]}, geometry=[None], crs="EPSG:4326"
            ),
        ],
        ignore_index=True,
    )
    values = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0})

    fig = region_map(regions, values, id_col="id", title="t", label="share")

    assert len(fig.axes) >= 1
    assert not shapely.is_empty(regions.geometry.iloc[0])
