"""Storm hazard features for every US county from an HRRR-size forecast.

A synthetic forecast on the HRRR CONUS grid (Lambert conformal, 3 km,
1,059 × 1,799 cells, 48 hourly steps, 3 variables: gust, rain, 10 m wind) is
reduced to the storm features of all 3,221 counties in two ways, side by side:

* ours: per-pixel storm summaries over time (dask), then one sparse
  regions × pixels product per field through :class:`RegionAggregator`;
* a per-county clip-and-reduce loop: for each county, slice its bounding box
  out of the full time stack, mask the cells whose centre falls inside, and
  reduce. Only a subset of counties is timed and the total is extrapolated.

Both work on the same forecast held in memory (as if already read from
disk); the time to synthesise it is printed but not counted.

Run from the repository root (needs ../shared/data for the county polygons)::

    python benchmarks/bench_storm.py [--steps 48] [--loop-counties 30]
"""

from __future__ import annotations

import argparse
import os
import time

import dask
import dask.array as da
import numpy as np
import pandas as pd
import rioxarray  # noqa: F401
import xarray as xr

from dtnmodels.datasets import require_real_data
from dtnmodels.grid import RegionAggregator
from dtnmodels.io import open_regions
from dtnmodels.storm.hazard import hazard_fields, reduce_fields

HRRR_CRS = (
    "+proj=lcc +lat_0=38.5 +lon_0=-97.5 +lat_1=38.5 +lat_2=38.5 "
    "+R=6371229 +units=m +no_defs"
)
NY, NX, DX = 1059, 1799, 3000.0


def forecast(steps: int) -> xr.Dataset:
    """Lazy float32 forecast with smooth, moving storm-like fields."""
    y = (np.arange(NY) - NY / 2) * DX
    x = (np.arange(NX) - NX / 2) * DX

    def field(block_info=None, scale=30.0, seed=0):
        loc = block_info[None]["array-location"]
        t0, t1 = loc[0]
        t = np.arange(t0, t1)[:, None, None]
        yy = y[None, :, None]
        xx = x[None, None, :]
        cx = -1.5e6 + 6e4 * t
        cy = -6e5 + 2e4 * t
        r = np.hypot(xx - cx, yy - cy)
        out = scale * np.exp(-((r / 3e5) ** 2)) + 0.1 * seed
        return out.astype(np.float32)

    chunks = ((4,) * (steps // 4) + ((steps % 4,) if steps % 4 else ()), (NY,), (NX,))
    data = {}
    for i, (name, scale, units) in enumerate(
        (("gust", 45.0, "m s-1"), ("rain", 20.0, "mm"), ("wind10", 30.0, "m s-1"))
    ):
        arr = da.map_blocks(field, dtype=np.float32, chunks=chunks, scale=scale, seed=i)
        data[name] = (("time", "y", "x"), arr, {"units": units})
    time_ = pd.date_range("2026-09-14", periods=steps, freq="h")
    ds = xr.Dataset(data, coords={"time": time_, "y": y[::-1], "x": x})
    return ds.rio.write_crs(HRRR_CRS)


def ours(ds: xr.Dataset, counties) -> tuple[pd.DataFrame, dict[str, float]]:
    times = {}
    start = time.perf_counter()
    agg = RegionAggregator(ds["gust"].isel(time=0), counties, id_col="id")
    times["build operator (once per grid)"] = time.perf_counter() - start

    start = time.perf_counter()
    fields = hazard_fields(ds.chunk({"time": 8}), gust_var="gust", rain_var="rain")
    fields["wind10_max"] = ds["wind10"].chunk({"time": 8}).max("time")
    with dask.config.set(scheduler="threads", num_workers=2):
        fields = fields.compute()
    times["per-pixel storm summaries (dask)"] = time.perf_counter() - start

    start = time.perf_counter()
    feats = reduce_fields(fields, counties, id_col="id", aggregator=agg)
    times["features for all counties"] = time.perf_counter() - start
    return feats, times


def clip_loop(ds: xr.Dataset, counties, n: int) -> tuple[float, pd.DataFrame]:
    """Per-county bbox slice + centre-in-polygon mask + reduce, for n counties."""
    from rasterio.features import geometry_mask
    from rasterio.transform import from_origin

    projected = counties.to_crs(HRRR_CRS)
    x, y = ds["x"].to_numpy(), ds["y"].to_numpy()
    rows = []
    start = time.perf_counter()
    conus = projected[~projected["id"].str[:2].isin(["02", "15", "72"])]
    for _, county in conus.sample(n, random_state=0).iterrows():
        minx, miny, maxx, maxy = county.geometry.bounds
        sub = ds.sel(x=slice(minx - DX, maxx + DX), y=slice(maxy + DX, miny - DX))
        if sub.sizes["x"] == 0 or sub.sizes["y"] == 0:
            continue
        transform = from_origin(
            float(sub.x[0]) - DX / 2, float(sub.y[0]) + DX / 2, DX, DX
        )
        inside = ~geometry_mask(
            [county.geometry], (sub.sizes["y"], sub.sizes["x"]), transform
        )
        if not inside.any():
            continue
        block = sub
        gust = block["gust"].values[:, inside]
        rain = block["rain"].values[:, inside]
        rows.append(
            {
                "region": county["id"],
                "gust_max": gust.max(),
                "gust_mean": gust.max(0).mean(),
                "hours_gust_above_20": (gust > 20).sum(0).mean(),
                "rain_total": rain.sum(0).mean(),
                "wind10_max": block["wind10"].values[:, inside].max(),
            }
        )
    del x, y
    return time.perf_counter() - start, pd.DataFrame(rows).set_index("region")


def rio_clip_loop(ds: xr.Dataset, counties, n: int) -> tuple[float, int]:
    """The common idiom: ``ds.rio.clip([polygon])`` then reduce, for n counties."""
    conus = counties[~counties["id"].str[:2].isin(["02", "15", "72"])]
    done = 0
    start = time.perf_counter()
    for _, county in conus.sample(n, random_state=0).iterrows():
        clipped = ds.rio.clip([county.geometry], crs=counties.crs, drop=True)
        gust = clipped["gust"]
        _ = (
            float(gust.max()),
            float(gust.max("time").mean()),
            float((gust > 20).sum("time").mean()),
            float(clipped["rain"].sum("time").mean()),
            float(clipped["wind10"].max()),
        )
        done += 1
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--loop-counties", type=int, default=30)
    args = parser.parse_args()

    counties = open_regions(
        require_real_data("boundaries/us_counties_fips_plotly.geojson"), id_col="id"
    )
    start = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=2):
        ds = forecast(args.steps).compute()  # in memory, as if read from disk
    print(f"made the synthetic forecast in {time.perf_counter() - start:.1f} s")
    print(
        f"grid {NY} x {NX}, {args.steps} steps, 3 variables "
        f"({3 * args.steps * NY * NX * 4 / 1e9:.2f} GB float32), "
        f"{len(counties)} counties, {os.cpu_count()} cores"
    )

    feats, times = ours(ds, counties)
    total = sum(times.values())
    loop_s, loop = clip_loop(ds, counties, args.loop_counties)
    per_county = loop_s / max(len(loop), 1)
    clip_s, clip_n = rio_clip_loop(ds, counties, max(args.loop_counties // 3, 3))
    common = loop.index.intersection(feats.index)
    diff = (feats.loc[common, "gust_max"] - loop.loc[common, "gust_max"]).abs().max()

    print("| job | seconds | note |")
    print("| --- | ---: | --- |")
    for name, seconds in times.items():
        print(f"| ours: {name} | {seconds:.2f} | measured |")
    print(f"| ours: total | {total:.2f} | {len(feats)} counties |")
    print(
        f"| rio.clip-and-reduce loop | {clip_s / clip_n * len(counties):.0f} | "
        f"{clip_n} counties timed ({clip_s:.1f} s), extrapolated to "
        f"{len(counties)} |"
    )
    print(
        f"| bbox-slice + mask loop | {per_county * len(counties):.0f} | "
        f"{len(loop)} counties timed ({loop_s:.1f} s), extrapolated to "
        f"{len(counties)} |"
    )
    print(
        f"\nmax |gust_max difference| on {len(common)} shared counties: {diff:.3f} m/s"
    )
    covered = int((~feats["partial_coverage"]).sum())
    print(f"counties with >= 50% valid coverage: {covered} of {len(feats)}")


if __name__ == "__main__":
    main()
