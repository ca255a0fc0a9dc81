"""Ingestion: the only subpackage that opens files.

Gridded data come back as lazy, normalised :class:`xarray.Dataset` objects
(:func:`open_grid`), region polygons as checked GeoDataFrames
(:func:`open_regions`), and public tables (NOAA Storm Events, HURDAT2, EIA,
county yields, EAGLE-I outages) as tidy DataFrames in documented units.
"""

from dtnmodels.io.anp import read_anp_sales
from dtnmodels.io.county_centers import read_county_centers
from dtnmodels.io.eaglei import read_eaglei_outages
from dtnmodels.io.eia import read_eia_series
from dtnmodels.io.grids import open_grid
from dtnmodels.io.hurdat2 import read_hurdat2
from dtnmodels.io.m4 import read_m4
from dtnmodels.io.osm_powergrid import read_power_lines, read_substations
from dtnmodels.io.regions import open_regions
from dtnmodels.io.storm_events import read_storm_events
from dtnmodels.io.tables import read_table, require_columns
from dtnmodels.io.tract_winds import read_impact_history, read_tract_winds
from dtnmodels.io.yields import read_county_locations, read_county_yields

__all__ = [
    "open_grid",
    "open_regions",
    "read_anp_sales",
    "read_county_centers",
    "read_county_locations",
    "read_county_yields",
    "read_eaglei_outages",
    "read_eia_series",
    "read_hurdat2",
    "read_impact_history",
    "read_m4",
    "read_power_lines",
    "read_storm_events",
    "read_substations",
    "read_table",
    "read_tract_winds",
    "require_columns",
]
__all__.sort()
