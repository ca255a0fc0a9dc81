"""Hazard features per region from gridded forecasts or from tract tables.

Gridded hazards are reduced in two stages. First every pixel's storm summary
is computed over time (and ensemble members): the highest gust, the hours the
gust exceeds each threshold, the storm-total rain and the highest hourly rain.
Those few 2-D fields are then reduced to regions by the shared
:class:`dtnmodels.grid.RegionAggregator` (exact coverage fractions), which
gives the area-weighted mean and the maximum of each field together with the
share of each region the grid actually covers. Reducing time first keeps the
region step independent of the forecast length: a 48-step HRRR run costs the
same region work as a single swath.

Feature names (columns of the returned frames)
----------------------------------------------
``gust_max``
    Highest pixel gust in the region over the storm, m/s.
``gust_mean``
    Area-weighted mean of the pixels' storm-maximum gust, m/s.
``hours_gust_above_<t>``
    Area-weighted mean number of hours with gust above ``t`` m/s.
``rain_total``, ``rain_total_max``
    Area-weighted mean and maximum of the storm-total rain, mm.
``rain_max_1h``
    Area-weighted mean of the pixels' highest hourly rain, mm.
``coverage``
    Share (0–1) of the region's area on valid grid pixels; ``partial_coverage``
    flags regions below the chosen minimum.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import xarray as xr

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn
from dtnmodels.grid import RegionAggregator
from dtnmodels.storm.units import to_mm, to_ms

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "aggregate_tracts",
    "hazard_features",
    "hazard_fields",
    "hours_column",
    "reduce_fields",
]

log = logging.getLogger(__name__)


def hours_column(threshold: float) -> str:
    """Feature name for hours of gust above ``threshold`` m/s."""
    return f"hours_gust_above_{threshold:g}"


def _step_hours(da: xr.DataArray, time_dim: str) -> float:
    """Length of one time step in hours (1 for a single step)."""
    if time_dim not in da.dims or da.sizes[time_dim] < 2:
        return 1.0
    times = pd.DatetimeIndex(da[time_dim].values)
    steps = np.diff((times - times[0]).total_seconds().to_numpy()) / 3600.0
    if not np.allclose(steps, steps[0]):
        raise DataValidationError(
            f"time steps of {da.name!r} are irregular ({sorted(set(steps))} h); "
            "resample the forecast to a regular step first"
        )
    return float(steps[0])


def hazard_fields(
    ds: xr.Dataset,
    *,
    gust_var: str | None = "gust",
    rain_var: str | None = None,
    gust_units: str | None = None,
    rain_units: str | None = None,
    gust_factor: float = 1.0,
    wind_thresholds: Sequence[float] = (15.0, 20.0, 25.0),
    fill_value: float | None = None,
    time_dim: str = "time",
    member_dim: str = "member",
    member_reduce: Literal["mean", "max"] = "mean",
) -> xr.Dataset:
    """Per-pixel storm summaries of a hazard grid (time and members reduced).

    Parameters
    ----------
    ds : xarray.Dataset
        Hazard grid with spatial dims ``lat``/``lon`` or ``y``/``x`` (any CRS,
        carried over), optional ``time`` (regular steps) and ``member`` dims.
    gust_var, rain_var : str, optional
        Names of the wind-gust and the rain variable (None to skip one).
        Rain is the accumulation over each time step (mm per step).
    gust_units, rain_units : str, optional
        Units to assume when the variable lacks a ``units`` attribute (or to
        override it), e.g. ``"kt"``, ``"mph"``, ``"mm"``.
    gust_factor : float, default 1.0
        Multiplier turning the wind variable into a gust (e.g. 1.49 for
        1-minute sustained wind to 3-second gust); 1 when it already is one.
    wind_thresholds : sequence of float, default (15, 20, 25)
        Gust thresholds in m/s for the hours-above features.
    fill_value : float, optional
        Value that marks missing pixels in the source (besides NaN), e.g. 0
        for a swath whose edge cells are written as exact zeros.
    time_dim, member_dim : str
        Names of the time and ensemble-member dims.
    member_reduce : {"mean", "max"}, default "mean"
        How per-member summaries are combined (ensemble mean or worst member).

    Returns
    -------
    xarray.Dataset
        2-D fields ``gust_max`` (m/s), ``hours_gust_above_<t>`` (h, only with
        a time dim), ``rain_total`` and ``rain_max_1h`` (mm), on the input grid.
    """
    if gust_var is None and rain_var is None:
        raise DataValidationError("hazard_fields needs gust_var or rain_var")
    if member_reduce not in ("mean", "max"):
        raise DataValidationError(
            f"member_reduce must be 'mean' or 'max', got {member_reduce!r}"
        )
    fields: dict[str, xr.DataArray] = {}

    if gust_var is not None:
        gust = _variable(ds, gust_var, fill_value)
        _check_non_negative(gust, gust_var)
        gust = to_ms(gust, units=gust_units) * gust_factor
        reduce_dims = [d for d in (time_dim,) if d in gust.dims]
        fields["gust_max"] = gust.max(reduce_dims) if reduce_dims else gust
        if time_dim in gust.dims:
            hours = _step_hours(gust, time_dim)
            valid = gust.notnull().any(time_dim)
            for threshold in wind_thresholds:
                above = (gust > threshold).sum(time_dim) * hours
                fields[hours_column(threshold)] = above.where(valid)

    if rain_var is not None:
        rain = to_mm(_variable(ds, rain_var, fill_value), units=rain_units)
        if time_dim in rain.dims:
            valid = rain.notnull().any(time_dim)
            fields["rain_total"] = rain.sum(time_dim).where(valid)
            fields["rain_max_1h"] = rain.max(time_dim)
        else:
            fields["rain_total"] = rain
            fields["rain_max_1h"] = rain

    out = xr.Dataset(fields)
    if member_dim in out.dims:
        out = getattr(out, member_reduce)(member_dim)
    out = out.drop_vars([time_dim], errors="ignore")
    if ds.rio.crs is not None:
        out = out.rio.write_crs(ds.rio.crs)
    return out


def _check_non_negative(da: xr.DataArray, name: str) -> None:
    """Wind speeds cannot be negative: an undeclared fill value or a bad file."""
    n_negative = int((da < 0).sum())
    if n_negative:
        lowest = float(da.min())
        raise DataValidationError(
            f"wind variable {name!r} has {n_negative} negative values (lowest "
            f"{lowest:g}); speeds cannot be negative: declare the missing-value "
            "marker with hazard.fill_value or fix the file"
        )


def _variable(ds: xr.Dataset, name: str, fill_value: float | None) -> xr.DataArray:
    if name not in ds.data_vars:
        raise DataValidationError(
            f"hazard grid has no variable {name!r}; variables: {sorted(ds.data_vars)}"
        )
    da = ds[name]
    if fill_value is not None:
        da = da.where(da != fill_value)
    return da


def reduce_fields(
    fields: xr.Dataset,
    regions: gpd.GeoDataFrame,
    *,
    id_col: str,
    aggregator: RegionAggregator | None = None,
    min_coverage: float = 0.5,
) -> pd.DataFrame:
    """Region features from per-pixel storm summaries (see module docstring).

    Parameters
    ----------
    fields : xarray.Dataset
        Output of :func:`hazard_fields`.
    regions : geopandas.GeoDataFrame
        Region polygons with a CRS and string ids in ``id_col``.
    id_col : str
        Region id column.
    aggregator : RegionAggregator, optional
        Prebuilt operator for this grid and these regions.
    min_coverage : float, default 0.5
        Regions whose valid-pixel share is below this are flagged
        (``partial_coverage``) and a :class:`DataGapWarning` names them.

    Returns
    -------
    pandas.DataFrame
        Indexed by region id (``region``), one column per feature plus
        ``coverage`` and ``partial_coverage``.
    """
    if aggregator is None:
        aggregator = RegionAggregator(fields, regions, id_col=id_col)
    fields = fields.compute()

    stats = aggregator.aggregate(fields, stats=("mean", "max", "coverage"))
    frame = pd.DataFrame(index=pd.Index(aggregator.ids, name="region"))
    for name in fields.data_vars:
        mean = stats[f"{name}_mean"].to_numpy()
        if name == "gust_max":
            frame["gust_max"] = stats["gust_max_max"].to_numpy()
            frame["gust_mean"] = mean
        elif name == "rain_total":
            frame["rain_total"] = mean
            frame["rain_total_max"] = stats["rain_total_max"].to_numpy()
        else:
            frame[str(name)] = mean

    first = next(iter(fields.data_vars))
    frame["coverage"] = stats[f"{first}_coverage_valid"].to_numpy()
    frame["partial_coverage"] = ~(frame["coverage"] >= min_coverage)
    flagged = frame.index[frame["partial_coverage"]].tolist()
    if flagged:
        warn(
            f"{len(flagged)} of {len(frame)} regions are less than "
            f"{min_coverage:.0%} covered by valid hazard pixels (e.g. "
            f"{flagged[:5]}); their features are partial or NaN and they are "
            "flagged in column 'partial_coverage'",
            DataGapWarning,
        )
    log.info("hazard features for %r regions, %r flagged", len(frame), len(flagged))
    return frame


def hazard_features(
    ds: xr.Dataset,
    regions: gpd.GeoDataFrame,
    *,
    id_col: str,
    aggregator: RegionAggregator | None = None,
    min_coverage: float = 0.5,
    **field_options: object,
) -> pd.DataFrame:
    """Region hazard features straight from a hazard grid.

    :func:`hazard_fields` (with ``field_options``) then :func:`reduce_fields`.
    """
    fields = hazard_fields(ds, **field_options)  # type: ignore[arg-type]
    return reduce_fields(
        fields, regions, id_col=id_col, aggregator=aggregator, min_coverage=min_coverage
    )


def aggregate_tracts(
    tracts: pd.DataFrame,
    *,
    value_cols: Sequence[str],
    geoid_col: str = "geoid",
    weight_col: str | None = None,
) -> pd.DataFrame:
    """County features from census-tract values (tract GEOID → 5-digit county).

    Each value column gives ``<col>_max`` (highest tract) and ``<col>_mean``
    (tract mean, weighted by ``weight_col`` such as tract population or land
    area). Without weights every tract counts once; census tracts are drawn
    to hold roughly equal populations (about 4,000 people), so the plain
    mean approximates a population-weighted one.

    Parameters
    ----------
    tracts : pandas.DataFrame
        One row per tract with an 11-digit GEOID string column.
    value_cols : sequence of str
        Columns to aggregate.
    geoid_col : str, default "geoid"
        Tract GEOID column; its first 5 digits are the county FIPS.
    weight_col : str, optional
        Non-negative weight column.

    Returns
    -------
    pandas.DataFrame
        Indexed by county FIPS (``region``), with ``n_tracts``.
    """
    missing = [c for c in (geoid_col, *value_cols) if c not in tracts.columns]
    if missing:
        raise DataValidationError(
            f"tract table lacks column(s) {missing}; columns: {list(tracts.columns)}"
        )
    geoid = tracts[geoid_col].astype(str)
    bad = geoid.str.len() != 11
    if bad.any():
        raise DataValidationError(
            f"column {geoid_col!r} must hold 11-digit tract GEOIDs; "
            f"{int(bad.sum())} rows do not (e.g. {geoid[bad].iloc[0]!r})"
        )

    frame = tracts[list(value_cols)].astype(float).copy()
    frame["region"] = geoid.str[:5]
    weights = (
        tracts[weight_col].astype(float).clip(lower=0)
        if weight_col is not None
        else pd.Series(1.0, index=tracts.index)
    )
    grouped = frame.groupby("region", sort=True)
    out = grouped[list(value_cols)].max().add_suffix("_max")
    total = weights.groupby(frame["region"]).sum()
    for col in value_cols:
        weighted = (frame[col] * weights).groupby(frame["region"]).sum()
        out[f"{col}_mean"] = weighted / total.replace(0.0, np.nan)
    out["n_tracts"] = grouped.size()
    return out
