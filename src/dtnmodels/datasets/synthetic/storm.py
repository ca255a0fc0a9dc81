"""Seeded storm-impact sample: a hurricane crossing 36 synthetic counties.

Files (relative to ``data/samples``)
------------------------------------
``storm/hazard_forecast.nc``
    48 hourly steps of wind gust (``gust``, m s-1) and hourly rain (``rain``,
    mm) on a 0.05° lat/lon grid (EPSG:4326, 50 × 50 cells), packed as int16
    with CF ``scale_factor``.
``storm/counties.geojson``
    36 county polygons (EPSG:4326, ids ``"99001"``…), unions of grid cells so
    grid-to-county reductions are exact, with ``name`` and ``customers``.
``storm/powerlines.geojson``, ``storm/substations.geojson``
    A synthetic high-voltage network (EPSG:4326) for exposure features.
``storm/history.parquet``
    Ten past storms × 36 counties: the same hazard features the flow derives
    from a grid (``gust_max``, ``gust_mean``, ``hours_gust_above_15/20/25``,
    ``rain_total``, ``rain_total_max``, ``rain_max_1h``), ``customers`` and
    observed peak ``customers_out``; one storm has no recorded impacts
    (``customers_out`` missing) on purpose; ``date`` (UTC) is each storm's
    landfall, so ``run.as_of`` can drop later storms.

Impacts follow a logistic hazard → share relation (mean gust, hours above
20 m/s, storm rain, line density) with a random storm effect and county noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

__all__ = ["make_storm_sample"]

_N = 50
_RES = 0.05
_LON0, _LAT0 = -80.0, 34.0
_HOURS = 48
_THRESHOLDS = (15.0, 20.0, 25.0)


def _centres() -> tuple[np.ndarray, np.ndarray]:
    lon = _LON0 + _RES * (np.arange(_N) + 0.5)
    lat = _LAT0 + _RES * (np.arange(_N) + 0.5)
    return np.round(lon, 4), np.round(lat, 4)


def _county_labels(rng: np.random.Generator) -> np.ndarray:
    """Assign each cell to the nearest of 36 jittered seeds (cell-aligned shapes)."""
    step = _N / 6
    seeds = np.array(
        [
            (
                (i + 0.5) * step + rng.uniform(-2, 2),
                (j + 0.5) * step + rng.uniform(-2, 2),
            )
            for j in range(6)
            for i in range(6)
        ]
    )
    cols, rows = np.meshgrid(np.arange(_N) + 0.5, np.arange(_N) + 0.5)
    d = (cols[..., None] - seeds[:, 0]) ** 2 + (rows[..., None] - seeds[:, 1]) ** 2
    return np.argmin(d, axis=-1)  # (lat, lon), row 0 = south


def _storm(rng: np.random.Generator, lon: np.ndarray, lat: np.ndarray) -> dict:
    """Hourly gust (m/s) and rain (mm) of one storm crossing the domain."""
    vmax = rng.uniform(28, 55)
    rmax = rng.uniform(0.25, 0.5)  # degrees
    heading = np.deg2rad(rng.uniform(20, 70))  # from south-east, towards north-east
    start = np.array([rng.uniform(-80.5, -78.0), rng.uniform(32.8, 33.6)])
    speed = rng.uniform(0.06, 0.11)  # degrees per hour
    rain_rate = rng.uniform(6, 18)
    hours = np.arange(_HOURS)
    centre = start[None, :] + speed * hours[:, None] * np.array(
        [np.sin(heading) - 0.3, np.cos(heading)]
    )

    glon, glat = np.meshgrid(lon, lat)
    dx = (glon[None] - centre[:, 0, None, None]) * np.cos(np.deg2rad(35))
    dy = glat[None] - centre[:, 1, None, None]
    r = np.sqrt(dx**2 + dy**2) + 1e-3
    ratio = (rmax / r) ** 1.3
    profile = vmax * np.sqrt(ratio * np.exp(1 - ratio))
    right = 0.5 + 0.5 * np.clip(dx * np.cos(heading) - dy * np.sin(heading), -1, 1)
    decay = np.exp(-hours / 60.0)[:, None, None]
    gust = 1.3 * profile * (0.85 + 0.3 * right) * decay
    gust = gust + rng.normal(0, 1.0, gust.shape)
    rain = rain_rate * np.exp(-(r**2) / (2 * (2.2 * rmax) ** 2)) * decay
    rain = rain * rng.lognormal(0, 0.3, rain.shape)
    return {"gust": np.clip(gust, 0, None), "rain": np.clip(rain, 0, None)}


def _cell_features(fields: dict) -> dict[str, np.ndarray]:
    gust, rain = fields["gust"], fields["rain"]
    out = {"gust_max": gust.max(0)}
    for t in _THRESHOLDS:
        out[f"hours_gust_above_{t:g}"] = (gust > t).sum(0).astype(float)
    out["rain_total"] = rain.sum(0)
    out["rain_max_1h"] = rain.max(0)
    return out


def _county_features(cells: dict[str, np.ndarray], labels: np.ndarray) -> pd.DataFrame:
    flat = labels.ravel()
    frame = pd.DataFrame({k: v.ravel() for k, v in cells.items()})
    frame["county"] = flat
    grouped = frame.groupby("county")
    out = grouped.mean()
    out = out.rename(columns={"gust_max": "gust_mean"})
    out["gust_max"] = grouped["gust_max"].max()
    out["rain_total_max"] = grouped["rain_total"].max()
    return out


def _quantize(values: np.ndarray, scale: float) -> np.ndarray:
    return np.round(values / scale).astype(np.int16)


def make_storm_sample(seed: int) -> dict[str, object]:
    """Build the storm sample in memory (see module docstring)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    lon, lat = _centres()
    labels = _county_labels(rng)
    ids = [f"99{k + 1:03d}" for k in range(36)]

    # counties as unions of their cells
    polygons = []
    for k in range(36):
        rows, cols = np.nonzero(labels == k)
        boxes = shapely.box(
            _LON0 + cols * _RES,
            _LAT0 + rows * _RES,
            _LON0 + (cols + 1) * _RES,
            _LAT0 + (rows + 1) * _RES,
        )
        polygons.append(shapely.union_all(boxes).buffer(0))
    customers = np.round(rng.lognormal(np.log(40_000), 0.8, 36)).astype(np.int64)
    counties = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": [f"County {k + 1}" for k in range(36)],
            "customers": customers,
        },
        geometry=polygons,
        crs="EPSG:4326",
    )

    # synthetic grid: substations and lines between near neighbours
    n_sub = 60
    sub_xy = np.c_[rng.uniform(-79.95, -77.55, n_sub), rng.uniform(34.05, 36.45, n_sub)]
    substations = gpd.GeoDataFrame(
        {"name": [f"SS{i:02d}" for i in range(n_sub)], "voltage": 230000},
        geometry=shapely.points(sub_xy),
        crs="EPSG:4326",
    )
    segments = []
    for i in range(n_sub):
        d = np.hypot(*(sub_xy - sub_xy[i]).T)
        for j in np.argsort(d)[1:3]:
            if i < j:
                segments.append(shapely.linestrings([sub_xy[i], sub_xy[j]]))
    lines = gpd.GeoDataFrame(
        {"voltage": np.full(len(segments), 230000)}, geometry=segments, crs="EPSG:4326"
    )
    line_density = _line_density(lines, counties)

    # history of past storms and their impacts
    rows = []
    for s in range(10):
        feats = _county_features(_cell_features(_storm(rng, lon, lat)), labels)
        effect = rng.normal(0, 0.3)
        eta = (
            -7.0
            + 0.17 * feats["gust_mean"].to_numpy()
            + 0.05 * feats["hours_gust_above_20"].to_numpy()
            + 0.004 * feats["rain_total"].to_numpy()
            + 0.5 * np.log(line_density + 0.05)
            + effect
            + rng.normal(0, 0.35, 36)
        )
        share = 1 / (1 + np.exp(-eta))
        out = rng.binomial(customers, share).astype(float)
        storm_id = f"S{2010 + s}"
        if s == 7:
            out[:] = np.nan  # a storm with no recorded impacts
        frame = feats.reset_index(drop=True)
        frame.insert(0, "region", ids)
        frame.insert(0, "storm_id", storm_id)
        frame["date"] = pd.Timestamp(f"{2010 + s}-09-15T00:00", tz="UTC")
        frame["customers"] = customers
        frame["customers_out"] = out
        rows.append(frame)
    history = pd.concat(rows, ignore_index=True)
    float_cols = history.select_dtypes("float").columns
    history[float_cols] = history[float_cols].round(3)

    # the storm to forecast
    fields = _storm(rng, lon, lat)
    time = pd.date_range("2026-09-14T00:00", periods=_HOURS, freq="h")
    ds = xr.Dataset(
        {
            "gust": (("time", "lat", "lon"), fields["gust"].astype(np.float32)),
            "rain": (("time", "lat", "lon"), fields["rain"].astype(np.float32)),
        },
        coords={"time": time, "lat": lat, "lon": lon},
    )
    ds["gust"].attrs = {"units": "m s-1", "long_name": "10 m wind gust"}
    ds["rain"].attrs = {"units": "mm", "long_name": "1-hour precipitation"}
    for name, scale in (("gust", 0.1), ("rain", 0.05)):
        ds[name].encoding = {
            "dtype": "int16",
            "scale_factor": scale,
            "_FillValue": np.int16(-32768),
            "zlib": True,
            "complevel": 6,
        }
    ds = ds.rio.write_crs("EPSG:4326")
    ds.attrs = {"title": "dtnmodels synthetic storm forecast", "source": "synthetic"}

    return {
        "storm/hazard_forecast.nc": ds,
        "storm/counties.geojson": counties,
        "storm/powerlines.geojson": lines,
        "storm/substations.geojson": substations,
        "storm/history.parquet": history,
    }


def _line_density(lines, counties) -> np.ndarray:
    """Line km per km² of each county (equal-area EPSG:6933)."""
    import geopandas as gpd

    ea = counties.to_crs("EPSG:6933")
    pieces = gpd.overlay(
        lines.to_crs("EPSG:6933"),
        ea[["id", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    km = pieces.geometry.length.groupby(pieces["id"].to_numpy()).sum() / 1e3
    km = km.reindex(ea["id"]).fillna(0.0).to_numpy()
    return km / (ea.geometry.area.to_numpy() / 1e6)
