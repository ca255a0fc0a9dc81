"""Parametric hurricane surface winds from best tracks (Holland 1980 profile).

For each (hourly-interpolated) best-track fix the 1-minute sustained surface
wind at distance :math:`r` from the centre is

.. math::
    V(r) = V_s \\left[ \\left(\\frac{R}{r}\\right)^B
           \\exp\\left(1 - \\left(\\frac{R}{r}\\right)^B\\right) \\right]^{1/2}

the cyclostrophic form of the Holland (1980) profile scaled so that
:math:`V(R) = V_s`, where :math:`R` is the radius of maximum wind and
:math:`V_s = \\max(V_{max} - \\alpha |\\mathbf{v}_t|, 0)` the storm-relative
maximum wind (best-track :math:`V_{max}` includes the storm's motion).
Translation asymmetry is added as a vector: the cyclonic (counter-clockwise
in the northern hemisphere) wind of speed :math:`V(r)` plus
:math:`\\alpha \\mathbf{v}_t`, so winds are strongest to the right of the
motion (Phadke et al. 2003 use the same construction; :math:`\\alpha = 0.5`).

* :math:`B = \\rho e V_s^2 / \\Delta p` (Holland 1980, eq. 7) from the
  central pressure deficit :math:`\\Delta p = p_{env} - p_c`, clipped to
  [1, 2.5]; 1.3 where the pressure is missing.
* :math:`R` from the track's radius of maximum wind where given, else the
  Willoughby, Darling & Rahn (2006) fit
  :math:`R = 46.4\\,e^{-0.0155 V_{max} + 0.0169 |\\varphi|}` km.
* Gust = 1.49 × sustained (the factor of the stormwindmodel tract winds
  this library trains on). No decay over land or surface roughness is
  modelled, which overstates inland winds for slow storms.

References
----------
Holland, G. J. (1980). An analytic model of the wind and pressure profiles in
hurricanes. Monthly Weather Review, 108(8), 1212–1218.
Willoughby, H. E., Darling, R. W. R., & Rahn, M. E. (2006). Parametric
representation of the primary hurricane vortex. Part II. Monthly Weather
Review, 134(4), 1102–1120.
Phadke, A. C., Martino, C. D., Cheung, K. F., & Houston, S. H. (2003).
Modeling of tropical cyclone winds and waves for emergency management.
Ocean Engineering, 30(4), 553–578.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from dtnmodels.core.errors import DataValidationError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["holland_profile", "interpolate_track", "swath_features", "wind_swath"]

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_000.0
AIR_DENSITY = 1.15  # kg m-3, near-surface air in a hurricane
GUST_FACTOR = 1.49


def holland_profile(r: np.ndarray, *, vmax: float, rmax: float, b: float) -> np.ndarray:
    """Sustained wind (m/s) at distances ``r`` (m) for one storm state.

    Parameters
    ----------
    r : numpy.ndarray
        Distances from the centre, m (> 0).
    vmax : float
        Storm-relative maximum wind, m/s.
    rmax : float
        Radius of maximum wind, m.
    b : float
        Holland shape parameter (1–2.5).
    """
    ratio = (rmax / np.maximum(r, 1.0)) ** b
    return vmax * np.sqrt(ratio * np.exp(1.0 - ratio))


def interpolate_track(track: pd.DataFrame, *, freq: str = "1h") -> pd.DataFrame:
    """Best-track fixes of one storm interpolated in time, with motion vectors.

    Parameters
    ----------
    track : pandas.DataFrame
        Columns ``time`` (UTC), ``lat``, ``lon`` (degrees), ``max_wind_ms``
        and optionally ``min_pressure_pa``, ``rmw_m`` (as
        :func:`dtnmodels.io.read_hurdat2` returns for one ``storm_id``).
    freq : str, default "1h"
        Output step.

    Returns
    -------
    pandas.DataFrame
        Same columns at the new step plus ``vt_east``, ``vt_north`` (m/s).
    """
    need = ["time", "lat", "lon", "max_wind_ms"]
    missing = [c for c in need if c not in track.columns]
    if missing:
        raise DataValidationError(f"track lacks column(s) {missing}")
    track = track.sort_values("time").drop_duplicates("time")
    if len(track) < 2:
        raise DataValidationError("a track needs at least two fixes")
    cols = [
        c
        for c in ("lat", "lon", "max_wind_ms", "min_pressure_pa", "rmw_m")
        if c in track.columns
    ]
    frame = track.set_index(pd.DatetimeIndex(track["time"]))[cols].astype(float)
    grid = pd.date_range(frame.index[0], frame.index[-1], freq=freq)
    frame = frame.reindex(frame.index.union(grid)).interpolate("time").loc[grid]

    seconds = np.gradient((grid - grid[0]).total_seconds().to_numpy())
    lat = np.deg2rad(frame["lat"].to_numpy())
    frame["vt_north"] = np.gradient(lat) * EARTH_RADIUS_M / seconds
    lon = np.deg2rad(np.unwrap(frame["lon"].to_numpy(), period=360))
    frame["vt_east"] = np.gradient(lon) * EARTH_RADIUS_M * np.cos(lat) / seconds
    frame.index.name = "time"
    return frame.reset_index()


def wind_swath(
    track: pd.DataFrame,
    lat: np.ndarray,
    lon: np.ndarray,
    *,
    env_pressure_pa: float = 101_300.0,
    asymmetry: float = 0.5,
    gust_factor: float = GUST_FACTOR,
    max_distance_m: float = 1_000_000.0,
    thresholds: tuple[float, ...] = (20.0,),
) -> xr.Dataset:
    """Storm-maximum winds of one track on a lat/lon grid (EPSG:4326).

    Parameters
    ----------
    track : pandas.DataFrame
        Fixes of one storm (see :func:`interpolate_track`); any step, hourly
        interpolation is done here.
    lat, lon : numpy.ndarray
        1-D cell-centre coordinates, degrees.
    env_pressure_pa : float, default 101300
        Environmental pressure for the pressure deficit, Pa.
    asymmetry : float, default 0.5
        Share of the translation velocity added to the storm winds.
    gust_factor : float, default 1.49
        Gust / sustained ratio.
    max_distance_m : float, default 1e6
        Winds beyond this distance from the centre are 0.
    thresholds : tuple of float, default (20,)
        Gust thresholds (m/s) for the hours-above fields.

    Returns
    -------
    xarray.Dataset
        ``wind_max`` (sustained) and ``gust_max`` (m/s) and
        ``hours_gust_above_<t>`` over ``(lat, lon)``, CRS EPSG:4326.
    """
    import rioxarray  # noqa: F401  (registers .rio)

    fixes = interpolate_track(track)
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    glon, glat = np.meshgrid(np.deg2rad(lon), np.deg2rad(lat))
    swath = np.zeros(glat.shape)
    hours = {t: np.zeros(glat.shape) for t in thresholds}

    for fix in fixes.itertuples(index=False):
        if not np.isfinite(fix.max_wind_ms) or fix.max_wind_ms <= 0:
            continue
        clat, clon = np.deg2rad(fix.lat), np.deg2rad(fix.lon)
        dx = EARTH_RADIUS_M * np.cos(clat) * (glon - clon)
        dy = EARTH_RADIUS_M * (glat - clat)
        r = np.hypot(dx, dy)
        near = r < max_distance_m
        if not near.any():
            continue

        speed_t = np.hypot(fix.vt_east, fix.vt_north)
        vs = max(fix.max_wind_ms - asymmetry * speed_t, 1.0)
        rmax = getattr(fix, "rmw_m", np.nan)
        if not np.isfinite(rmax):
            rmax = 46.4e3 * np.exp(-0.0155 * fix.max_wind_ms + 0.0169 * abs(fix.lat))
        pressure = getattr(fix, "min_pressure_pa", np.nan)
        deficit = env_pressure_pa - pressure
        b = AIR_DENSITY * np.e * vs**2 / deficit if deficit > 100 else 1.3
        b = float(np.clip(b, 1.0, 2.5))

        v = holland_profile(r[near], vmax=vs, rmax=rmax, b=b)
        sign = 1.0 if fix.lat >= 0 else -1.0  # cyclonic turning
        ue = -sign * dy[near] / np.maximum(r[near], 1.0) * v + asymmetry * fix.vt_east
        un = sign * dx[near] / np.maximum(r[near], 1.0) * v + asymmetry * fix.vt_north
        total = np.hypot(ue, un)
        swath[near] = np.maximum(swath[near], total)
        for t in thresholds:
            hours[t][near] += total * gust_factor > t

    coords = {"lat": lat, "lon": lon}
    data = {
        "wind_max": (("lat", "lon"), swath, {"units": "m s-1"}),
        "gust_max": (("lat", "lon"), swath * gust_factor, {"units": "m s-1"}),
    }
    for t, h in hours.items():
        data[f"hours_gust_above_{t:g}"] = (("lat", "lon"), h, {"units": "h"})
    return xr.Dataset(data, coords=coords).rio.write_crs("EPSG:4326")


def swath_features(
    track: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    *,
    id_col: str,
    resolution: float = 0.05,
    pad: float = 0.5,
    min_coverage: float = 0.5,
    **swath_options: object,
) -> pd.DataFrame:
    """Region hazard features of a past storm from its best track alone.

    Builds a lat/lon grid (EPSG:4326, ``resolution`` degrees) over the
    regions' bounds plus ``pad`` degrees, computes :func:`wind_swath` on it
    and reduces it with :func:`dtnmodels.storm.hazard.reduce_fields`, so the
    features (``gust_max``, ``gust_mean``, ``hours_gust_above_<t>``) have the
    names and meaning of those computed from a forecast grid.
    """
    from dtnmodels.storm.hazard import reduce_fields

    west, south, east, north = regions.to_crs("EPSG:4326").total_bounds
    lat = np.arange(south - pad, north + pad, resolution) + resolution / 2
    lon = np.arange(west - pad, east + pad, resolution) + resolution / 2
    swath = wind_swath(track, np.round(lat, 6), np.round(lon, 6), **swath_options)
    fields = swath.drop_vars("wind_max")
    return reduce_fields(fields, regions, id_col=id_col, min_coverage=min_coverage)
