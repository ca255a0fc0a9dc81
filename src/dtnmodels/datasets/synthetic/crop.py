"""Seeded crop-yield sample: eleven seasons of red/NIR/QA imagery over 16 fields.

What it holds (paths under ``data/samples``)
--------------------------------------------
``crop/imagery.nc``
    Red, NIR (int16, reflectance × 10 000, ``_FillValue`` −9999) and a QA
    band (0 clear, 1 cloud) on a 32 × 32 grid of 375 m cells in CONUS Albers
    (EPSG:5070, central Iowa), dims ``(time, y, x)``: ten images per season
    (every 16 days from 1 May) for the seasons 2015–2024 and the first five
    images of 2025, the forecast season. The imagery covers every year at
    small size rather than one season at large size, so season features exist
    for each year with a yield. Season 2019 has one all-cloud date, season
    2021 misses one date, and ~15 % of the other images carry cloud blobs.
``crop/fields.geojson``
    16 field polygons (ids ``F01``–``F16``, column ``group`` north/south),
    EPSG:5070.
``crop/cropmask.tif``
    Crop share of each cell (0 or 1, uint8), EPSG:5070, same grid.
``crop/yields.csv``
    ``region, year, yield, unit``: 2015–2024 yields in bu/acre, built as
    trend (0.6 bu/acre/yr) + field offset + 60 × (season peak NDVI anomaly)
    + noise (sd 1.5); the 2025 rows are placeholder zeros (not yet known).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

__all__ = ["make_crop_sample"]

CRS = "EPSG:5070"
N_CELLS = 32
CELL = 375.0
X0, Y0 = 150_000.0, 2_050_000.0  # upper-left corner (m, EPSG:5070)
SEASONS = list(range(2015, 2026))
FORECAST_SEASON = 2025
DATES_PER_SEASON = 10
FORECAST_DATES = 5


def _fields(rng: np.random.Generator):
    import geopandas as gpd
    import shapely

    size = N_CELLS * CELL / 4.0
    polys, ids, groups = [], [], []
    for i in range(4):
        for j in range(4):
            x0 = X0 + j * size + 150.0
            y1 = Y0 - i * size - 150.0
            corners = np.array(
                [
                    [x0, y1],
                    [x0 + size - 300, y1],
                    [x0 + size - 300, y1 - size + 300],
                    [x0, y1 - size + 300],
                ]
            )
            corners += rng.normal(0, 80.0, corners.shape)
            polys.append(shapely.Polygon(corners))
            ids.append(f"F{4 * i + j + 1:02d}")
            groups.append("north" if i < 2 else "south")
    return gpd.GeoDataFrame({"id": ids, "group": groups}, geometry=polys, crs=CRS)


def make_crop_sample(seed: int) -> dict[str, object]:
    """Build the crop sample files in memory (see the module docstring)."""
    rng = np.random.default_rng(seed)
    fields = _fields(rng)
    n = N_CELLS
    x = X0 + CELL * (np.arange(n) + 0.5)
    y = Y0 - CELL * (np.arange(n) + 0.5)

    # 1. which field each cell is in, crop mask, field effects
    import shapely

    centers = shapely.points(*np.meshgrid(x, y))
    owner = np.full((n, n), -1)
    for k, geom in enumerate(fields.geometry):
        owner[shapely.contains(geom, centers)] = k
    crop = (rng.random((n, n)) < 0.8).astype(np.uint8)
    field_offset = rng.normal(0.0, 4.0, len(fields))
    field_amp = rng.normal(0.0, 0.03, len(fields))

    # 2. per season and field: peak NDVI amplitude (season shock + local shock)
    season_shock = rng.normal(0.0, 0.06, len(SEASONS))
    local = rng.normal(0.0, 0.04, (len(SEASONS), len(fields)))
    amp = 0.55 + season_shock[:, None] + field_amp[None, :] + local
    peak_day = 75.0 + rng.normal(0.0, 6.0, (len(SEASONS), len(fields)))

    # 3. imagery
    times, reds, nirs, qas = [], [], [], []
    pixel_noise = 0.02
    for s_idx, season in enumerate(SEASONS):
        n_dates = FORECAST_DATES if season == FORECAST_SEASON else DATES_PER_SEASON
        for d in range(n_dates):
            if season == 2021 and d == 2:
                continue  # a missing date
            day = 16.0 * d + rng.integers(0, 3)
            time = pd.Timestamp(f"{season}-05-01") + pd.Timedelta(days=float(day))
            amp_px = np.where(owner >= 0, amp[s_idx][owner], 0.3)
            pk_px = np.where(owner >= 0, peak_day[s_idx][owner], 80.0)
            ndvi = 0.2 + amp_px * np.exp(-(((day - pk_px) / 45.0) ** 2))
            ndvi = np.where(crop == 1, ndvi, 0.45)
            ndvi = np.clip(ndvi + rng.normal(0, pixel_noise, (n, n)), -0.1, 0.95)
            red = np.clip(0.09 - 0.06 * ndvi + rng.normal(0, 0.003, (n, n)), 0.01, 1)
            nir = red * (1 + ndvi) / (1 - ndvi)
            qa = np.zeros((n, n), dtype=np.int16)
            if (season == 2019 and d == 3) or rng.random() < 0.15:
                if season == 2019 and d == 3:
                    cloud = np.ones((n, n), dtype=bool)
                else:
                    cy, cx = rng.integers(0, n, 2)
                    yy, xx = np.mgrid[:n, :n]
                    cloud = (yy - cy) ** 2 + (xx - cx) ** 2 < rng.integers(20, 120)
                qa[cloud] = 1
                red = np.where(cloud, 0.35, red)
                nir = np.where(cloud, 0.38, nir)
            red_i = np.round(red * 1e4).astype(np.int16)
            nir_i = np.round(np.clip(nir, 0, 1) * 1e4).astype(np.int16)
            swath = (np.arange(n)[:, None] + np.arange(n)[None, :]) < 3
            red_i[swath], nir_i[swath] = -9999, -9999
            times.append(time)
            reds.append(red_i)
            nirs.append(nir_i)
            qas.append(qa)

    coords = {"time": pd.DatetimeIndex(times), "y": y, "x": x}
    encoding_attrs = {"scale_note": "reflectance x 10000", "units": "1"}
    ds = xr.Dataset(
        {
            "red": (("time", "y", "x"), np.stack(reds), encoding_attrs),
            "nir": (("time", "y", "x"), np.stack(nirs), encoding_attrs),
            "qa": (
                ("time", "y", "x"),
                np.stack(qas),
                {"flag_values": "0 clear, 1 cloud"},
            ),
        },
        coords=coords,
    )
    for name in ("red", "nir"):
        ds[name].encoding = {
            "_FillValue": np.int16(-9999),
            "dtype": "int16",
            "zlib": True,
            "complevel": 6,
        }
        ds[name].attrs["_FillValue_note"] = "-9999 = no data"
    ds["qa"].encoding = {"dtype": "int16", "zlib": True, "complevel": 6}
    ds = ds.rio.write_crs(CRS).rio.set_spatial_dims(x_dim="x", y_dim="y")
    ds.attrs = {"title": "dtnmodels synthetic crop imagery", "crs": CRS}

    mask = xr.DataArray(crop, dims=("y", "x"), coords={"y": y, "x": x}, name="crop")
    mask = mask.rio.write_crs(CRS).rio.write_nodata(255)

    # 4. yields: trend + field offset + NDVI-amplitude effect + noise
    rows = []
    for s_idx, season in enumerate(SEASONS):
        for k, fid in enumerate(fields["id"]):
            if season == FORECAST_SEASON:
                value = 0.0
            else:
                value = (
                    45.0
                    + 0.6 * (season - 2015)
                    + field_offset[k]
                    + 60.0 * (amp[s_idx, k] - 0.55)
                    + rng.normal(0.0, 1.5)
                )
            rows.append((fid, season, round(float(value), 1), "bu/acre"))
    yields = pd.DataFrame(rows, columns=["region", "year", "yield", "unit"])

    return {
        "crop/imagery.nc": ds,
        "crop/fields.geojson": fields,
        "crop/cropmask.tif": mask,
        "crop/yields.csv": yields,
    }
