"""Per-region vegetation time series and season features.

Statistics per region go through the shared
:class:`dtnmodels.grid.RegionAggregator`, whose coverage weights (times an
optional crop-mask weight) are built once and applied to every composite.
Season features are then computed from the per-region series, which are
small (regions × seasons × periods).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from dtnmodels.core.errors import DataGapWarning, warn
from dtnmodels.grid import RegionAggregator

__all__ = [
    "SEASON_FEATURES",
    "band_histograms",
    "region_series",
    "season_features",
]

log = logging.getLogger(__name__)

#: Names of the per-index features made by :func:`season_features`.
SEASON_FEATURES = ("peak", "peak_day", "integral", "greenup_day", "senescence_day")


def region_series(
    composites: xr.Dataset,
    aggregator: RegionAggregator,
) -> pd.DataFrame:
    """Crop-mask-weighted mean of each variable per region and composite period.

    Parameters
    ----------
    composites : xarray.Dataset
        Variables with dims ``(season, period, y, x)`` (from
        :func:`dtnmodels.crop.season.composite`) on the aggregator's grid.
    aggregator : RegionAggregator
        Built once for this grid, the regions and the crop mask.

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``season``, ``period``, ``time``, ``day`` (day of
        season of the composite), and per variable
        ``<var>`` (weighted mean, NaN when the region has no valid pixel) and
        ``<var>_valid`` (share of the region's area with a valid value).
    """
    reduced = aggregator.aggregate(composites, stats=("mean", "coverage_valid"))
    reduced = reduced.compute()

    frames = []
    for name in composites.data_vars:
        part = reduced[[f"{name}_mean", f"{name}_coverage_valid"]].rename(
            {f"{name}_mean": str(name), f"{name}_coverage_valid": f"{name}_valid"}
        )
        frames.append(part)
    merged = xr.merge(frames)
    merged = merged.reset_coords([c for c in ("time", "day") if c in merged.coords])
    frame = merged.to_dataframe().reset_index()
    lead = ["region", "season", "period", "time", "day"]
    keep = [c for c in lead if c in frame.columns] + [
        c for c in frame.columns if c not in lead
    ]
    frame = frame[keep].sort_values(["region", "season", "period"])
    frame["region"] = frame["region"].astype(str)
    _warn_empty_regions(frame, [str(v) for v in composites.data_vars])
    return frame.reset_index(drop=True)


def _warn_empty_regions(frame: pd.DataFrame, variables: Sequence[str]) -> None:
    """Warn once about regions that never have a valid pixel."""
    first = variables[0]
    empty = frame.groupby("region")[first].apply(lambda s: s.isna().all())
    names = sorted(empty[empty].index)
    if names:
        warn(
            f"{len(names)} region(s) have no valid pixel in any composite (outside "
            f"the imagery, masked, or no crop): {names[:10]}; their features are NaN",
            DataGapWarning,
        )


def season_features(
    series: pd.DataFrame,
    variables: Sequence[str],
    *,
    period_days: int,
) -> pd.DataFrame:
    """Peak, peak day, integral, green-up and senescence day per region and season.

    For each (region, season) the series of period means is first filled
    across NaN periods by linear interpolation in time (no extrapolation).

    ``peak``
        Largest value of the season.
    ``peak_day``
        Day of season of the peak composite (its ``day`` column: the median
        acquisition day; without it, the period centre).
    ``integral``
        Trapezoidal integral of the series over the days it covers
        (index × days).
    ``greenup_day`` / ``senescence_day``
        Day when the series first rises above / last falls below half of the
        amplitude between the minimum before / after the peak and the peak,
        interpolated linearly between periods (NaN when it never crosses).

    Parameters
    ----------
    series : pandas.DataFrame
        Output of :func:`region_series`.
    variables : sequence of str
        Index columns of ``series`` to summarise.
    period_days : int
        Composite period length (days).

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``season``, ``<var>_<feature>`` for every feature
        in :data:`SEASON_FEATURES`, plus ``<var>_p<k>`` (value of period k).

    References
    ----------
    Jönsson, P., & Eklundh, L. (2004). TIMESAT — a program for analyzing
    time-series of satellite sensor data. Computers & Geosciences, 30(8),
    833–845. https://doi.org/10.1016/j.cageo.2004.05.006 (amplitude-fraction
    definition of season start and end).
    """
    rows = []
    for (region, season), group in series.groupby(["region", "season"], sort=True):
        group = group.sort_values("period")
        if "day" in group.columns:
            days = group["day"].to_numpy(dtype=np.float64)
        else:
            days = group["period"].to_numpy(dtype=np.float64) * period_days
            days = days + period_days / 2.0
        row: dict[str, object] = {"region": region, "season": int(season)}
        for var in variables:
            values = group[var].to_numpy(dtype=np.float64)
            row.update(_one_curve(values, days, prefix=str(var)))
            for k, v in zip(group["period"], values, strict=True):
                row[f"{var}_p{int(k):02d}"] = v
        rows.append(row)
    return pd.DataFrame(rows)


def _one_curve(values: np.ndarray, days: np.ndarray, *, prefix: str) -> dict:
    """Season features of one curve (see :func:`season_features`)."""
    out = {f"{prefix}_{name}": np.nan for name in SEASON_FEATURES}
    ok = np.isfinite(values)
    if ok.sum() == 0:
        return out
    if ok.sum() >= 2:
        lo, hi = days[ok][0], days[ok][-1]
        inside = (days >= lo) & (days <= hi)
        filled = np.full_like(values, np.nan)
        filled[inside] = np.interp(days[inside], days[ok], values[ok])
    else:
        filled = np.where(ok, values, np.nan)

    have = np.isfinite(filled)
    d, v = days[have], filled[have]
    k = int(np.argmax(v))
    out[f"{prefix}_peak"] = float(v[k])
    out[f"{prefix}_peak_day"] = float(d[k])
    out[f"{prefix}_integral"] = float(np.trapezoid(v, d)) if v.size > 1 else 0.0

    before, after = v[: k + 1], v[k:]
    if before.size > 1:
        level = before.min() + 0.5 * (v[k] - before.min())
        out[f"{prefix}_greenup_day"] = _crossing(d[: k + 1], before, level, rising=True)
    if after.size > 1:
        level = after.min() + 0.5 * (v[k] - after.min())
        out[f"{prefix}_senescence_day"] = _crossing(d[k:], after, level, rising=False)
    return out


def _crossing(days: np.ndarray, values: np.ndarray, level: float, *, rising: bool):
    """Day where ``values`` crosses ``level`` (first rise or last fall)."""
    if rising:
        above = np.flatnonzero(values >= level)
        if above.size == 0 or above[0] == 0:
            return np.nan
        j = above[0]
    else:
        below = np.flatnonzero(values <= level)
        if below.size == 0:
            return np.nan
        j = below[0]
        if j == 0:
            return np.nan
    d0, d1, v0, v1 = days[j - 1], days[j], values[j - 1], values[j]
    if v1 == v0:
        return float(d1)
    return float(d0 + (level - v0) * (d1 - d0) / (v1 - v0))


def band_histograms(
    composites: xr.Dataset,
    aggregator: RegionAggregator,
    *,
    bins: Sequence[float],
) -> xr.Dataset:
    """Per-region histograms of each variable's values for every composite.

    The share of a region's valid, crop-weighted area in each bin
    ``(e_k, e_{k+1}]`` is ``frac_above(e_k) - frac_above(e_{k+1})`` from the
    aggregator's threshold statistics (values at or below the first edge fall
    in no bin; the last bin is open above). This is the histogram
    representation of You et al. (2017), *Deep Gaussian process for crop
    yield prediction based on remote sensing data*, AAAI-17.

    Parameters
    ----------
    composites : xarray.Dataset
        Variables with dims ``(season, period, y, x)``.
    aggregator : RegionAggregator
        Coverage operator for the grid and regions.
    bins : sequence of float
        Increasing bin edges, in the variables' units.

    Returns
    -------
    xarray.Dataset
        Per variable ``<var>_hist`` with dims ``(season, period, region, bin)``
        (shares, summing to at most 1 over bins). Lazy for dask input.
    """
    edges = [float(e) for e in bins]
    if len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be at least two increasing edges, got {edges}")
    above = aggregator.aggregate(composites, stats=(), thresholds=edges)

    out = {}
    for name in composites.data_vars:
        fracs = xr.concat(
            [above[f"{name}_frac_above_{e:g}"] for e in edges], dim="edge"
        )
        upper = fracs.shift(edge=-1, fill_value=0.0)
        hist = (fracs - upper).rename(edge="bin").assign_coords(bin=edges)
        out[f"{name}_hist"] = hist.transpose(..., "region", "bin")
    return xr.Dataset(out)
