"""Season features from a stack of red/NIR dates: speed and peak memory.

Target (issue 6): 24 dates × 2,000 × 2,000 pixels × 500 fields, season
features in seconds on 2 cores with peak memory bounded by the chunk size,
and the ratio against per-date zonal statistics with exactextract.

Jobs, side by side in one run:

* ``ours``: red/NIR (dask, one chunk per date) → cloud mask → NDVI →
  16-day max composites → one :class:`RegionAggregator` (coverage built once)
  → per-field means of every composite → season features;
* ``exactextract per date``: NDVI of each date materialised as NumPy, then
  ``exact_extract(..., "mean")`` over the 500 fields, once per date (in
  memory, no disk I/O), plus the same season features. Dates are 15 days
  apart and composites 15 days long, so both paths average the same images.

Run from the repository root::

    python benchmarks/bench_crop.py            # the target size
    python benchmarks/bench_crop.py --quick    # 6 dates × 500 × 500
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import warnings

import dask
import dask.array as da
import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import rioxarray  # noqa: F401
import shapely
import xarray as xr

from dtnmodels.crop.features import region_series, season_features
from dtnmodels.crop.indices import ndvi
from dtnmodels.crop.preprocess import cloud_mask
from dtnmodels.crop.season import SeasonCalendar, composite
from dtnmodels.grid import RegionAggregator

CRS = "EPSG:5070"
CELL = 10.0
X0, Y0 = 200_000.0, 2_100_000.0


class PeakRSS:
    """Sample resident memory every 20 ms; ``peak`` in MB above the start."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.start = self.proc.memory_info().rss
        self.peak = self.start
        self.stop = threading.Event()

    def __enter__(self) -> PeakRSS:
        def sample() -> None:
            while not self.stop.wait(0.02):
                self.peak = max(self.peak, self.proc.memory_info().rss)

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    @property
    def mb(self) -> float:
        return (self.peak - self.start) / 2**20


def make_stack(n: int, n_dates: int, seed: int = 0) -> xr.Dataset:
    """Lazy red, NIR, QA stack (time, y, x), one chunk per date."""
    rs = da.random.RandomState(seed)
    chunks = (1, n, n)
    shape = (n_dates, n, n)
    red = rs.uniform(0.02, 0.10, shape, chunks=chunks).astype(np.float32)
    nir = rs.uniform(0.15, 0.55, shape, chunks=chunks).astype(np.float32)
    qa = (rs.uniform(0, 1, shape, chunks=chunks) < 0.1).astype(np.float32)
    times = pd.date_range("2020-01-05", periods=n_dates, freq="15D")
    coords = {
        "time": times,
        "y": Y0 - CELL * (np.arange(n) + 0.5),
        "x": X0 + CELL * (np.arange(n) + 0.5),
    }
    dims = ("time", "y", "x")
    ds = xr.Dataset(
        {"red": (dims, red), "nir": (dims, nir), "qa": (dims, qa)}, coords=coords
    )
    return ds.rio.write_crs(CRS)


def make_fields(n: int, n_fields: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``n_fields`` jittered rectangles tiling the grid."""
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(n_fields * 1.25)))
    rows = int(np.ceil(n_fields / cols))
    w, h = n * CELL / cols, n * CELL / rows
    geoms, ids = [], []
    for k in range(n_fields):
        i, j = divmod(k, cols)
        x0 = X0 + j * w + rng.uniform(0, 0.1 * w)
        y1 = Y0 - i * h - rng.uniform(0, 0.1 * h)
        geoms.append(shapely.box(x0, y1 - 0.85 * h, x0 + 0.85 * w, y1))
        ids.append(f"f{k:04d}")
    return gpd.GeoDataFrame({"field": ids}, geometry=geoms, crs=CRS)


CPU: dict[str, float] = {}


def timed(func, *, label: str | None = None):
    """Run ``func``; return (result, wall seconds); CPU seconds go to ``CPU``."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = func()
    if label is not None:
        CPU[label] = time.process_time() - c0
    return out, time.perf_counter() - t0


def run_inputs_only(stack: xr.Dataset) -> float:
    """Cost of making the inputs: generate, mask and NDVI every date, no zones."""
    clear = cloud_mask(stack["qa"], clear_values=[0])
    index = ndvi(stack["red"].where(clear), stack["nir"].where(clear))
    _, seconds = timed(lambda: float(index.mean().compute()), label="inputs")
    return seconds


def run_ours(stack: xr.Dataset, fields: gpd.GeoDataFrame, calendar: SeasonCalendar):
    agg, t_build = timed(
        lambda: RegionAggregator(stack, fields, id_col="field"), label="build"
    )

    def pipeline():
        clear = cloud_mask(stack["qa"], clear_values=[0])
        index = ndvi(stack["red"].where(clear), stack["nir"].where(clear))
        comp, _ = composite(index, calendar, method="max", check_valid=False)
        series = region_series(xr.Dataset({"ndvi": comp}), agg)
        return season_features(series, ["ndvi"], period_days=calendar.period_days)

    with PeakRSS() as mem:
        feats, t_run = timed(pipeline, label="ours")
    return feats, t_build, t_run, mem.mb


def run_exactextract(stack, fields, calendar):
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    n = stack.sizes["x"]
    xmin, ymax = X0, Y0
    xmax, ymin = X0 + n * CELL, Y0 - n * CELL
    rows = []

    def loop():
        for t in range(stack.sizes["time"]):
            date = stack.isel(time=t).compute()
            clear = date["qa"] == 0
            index = ndvi(date["red"].where(clear), date["nir"].where(clear))
            src = NumPyRasterSource(
                np.ascontiguousarray(index.values.astype(np.float64)),
                xmin,
                ymin,
                xmax,
                ymax,
                nodata=np.nan,
                srs_wkt=fields.crs.to_wkt(),
            )
            means = exact_extract(
                src, fields, ["mean"], include_cols=["field"], output="pandas"
            )
            means["time"] = stack.time.values[t]
            rows.append(means)
        frame = pd.concat(rows)
        where = calendar.locate(frame["time"])
        frame = frame.assign(
            season=where["season"].to_numpy(),
            period=where["period"].to_numpy(),
            day=where["day"].to_numpy(),
        )
        frame = frame.groupby(["field", "season", "period"], as_index=False).agg(
            ndvi=("mean", "max"), day=("day", "median")
        )
        frame = frame.rename(columns={"field": "region"})
        return season_features(frame, ["ndvi"], period_days=calendar.period_days)

    with PeakRSS() as mem:
        feats, t_run = timed(loop, label="exactextract")
    return feats, t_run, mem.mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    n, n_dates, n_fields = (500, 6, 100) if args.quick else (2000, 24, 500)

    warnings.simplefilter("ignore")
    dask.config.set(scheduler="threads", num_workers=args.threads)
    stack = make_stack(n, n_dates)
    fields = make_fields(n, n_fields)
    calendar = SeasonCalendar(
        start="01-05", length_days=15 * n_dates, period_days=15
    )  # one date per composite period

    t_inputs = run_inputs_only(stack)
    ours, t_build, t_ours, mem_ours = run_ours(stack, fields, calendar)
    ref, t_ee, mem_ee = run_exactextract(stack, fields, calendar)
    diff = ours.set_index("region")["ndvi_peak"] - ref.set_index("region")["ndvi_peak"]

    stack_mb = 3 * n_dates * n * n * 4 / 2**20
    chunk_mb = n * n * 4 / 2**20
    print(
        f"# bench_crop: {n_dates} dates x {n} x {n} px x {n_fields} fields, "
        f"{args.threads} threads, {platform.machine()}, {os.cpu_count()} cpus, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"# stack (red, nir, qa) {stack_mb:.0f} MB as float32, "
        f"one chunk {chunk_mb:.0f} MB"
    )
    ours_total = t_ours + t_build
    cpu_ours = CPU["ours"] + CPU["build"]
    rows = [
        ("inputs only: generate + mask + NDVI, no zones", t_inputs, "inputs", ""),
        ("ours: build aggregator (once)", t_build, "build", ""),
        (
            "ours: mask + NDVI + composite + field means + features",
            t_ours,
            "ours",
            f"{mem_ours:.0f}",
        ),
        (
            "exactextract per date + same features",
            t_ee,
            "exactextract",
            f"{mem_ee:.0f}",
        ),
    ]
    print("| job | wall s | CPU s | peak RSS above start (MB) |")
    print("| --- | ---: | ---: | ---: |")
    for label, wall, key, mem in rows:
        print(f"| {label} | {wall:.2f} | {CPU[key]:.2f} | {mem} |")
    print(f"| ratio exactextract / ours (incl. build), wall | {t_ee / ours_total:.2f}x")
    print(
        f"| ratio exactextract / ours (incl. build), CPU | "
        f"{CPU['exactextract'] / cpu_ours:.2f}x"
    )
    print(f"max |peak NDVI ours - exactextract| = {np.nanmax(np.abs(diff)):.2e}")


if __name__ == "__main__":
    main()
