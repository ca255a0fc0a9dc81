"""Benchmark: county means of a CONUS grid stack vs exactextract and rasterstats.

Run from the repository root::

    python benchmarks/bench_zonal.py            # 4000×4000 × 48 steps
    python benchmarks/bench_zonal.py --quick    # 1000×1000 × 12 steps

A synthetic float32 field on an EPSG:5070 grid covering CONUS is written to a
tiled, band-interleaved multi-band GeoTIFF in /tmp; the 3,220 Census 2018
county polygons (all states and territories; those off the grid get NaN) are
aggregated to a mean per county and step by

* ``RegionAggregator`` (read with rioxarray/dask + build + apply; and with the
  operator loaded from its cache),
* exactextract given the whole stack in one call (``mean`` of every band),
* exactextract called once per step (a few steps timed, extrapolated),
* rasterstats (a subset of counties on one band, extrapolated).

All timings happen in one run, side by side, on the same file.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import psutil
import rasterio
import xarray as xr
from rasterio.transform import from_bounds

from dtnmodels.core.errors import DataGapWarning
from dtnmodels.datasets import real_data_dir
from dtnmodels.grid import RegionAggregator
from dtnmodels.io import open_regions

CONUS_5070 = (-2_400_000.0, 200_000.0, 2_300_000.0, 3_200_000.0)


class PeakRSS:
    """Sample the process RSS in a thread; ``peak`` in MiB above the start."""

    def __enter__(self):
        self.proc = psutil.Process()
        self.start = self.proc.memory_info().rss
        self.peak_rss = self.start
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop:
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop = True
        self.thread.join()
        self.peak = (self.peak_rss - self.start) / 2**20


def write_stack(path: Path, n: int, steps: int) -> None:
    """Smooth random float32 field, one band per step, tiled GeoTIFF."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:n, 0:n] / n
    transform = from_bounds(*CONUS_5070, n, n)
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": steps,
        "width": n,
        "height": n,
        "crs": "EPSG:5070",
        "transform": transform,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "interleave": "band",  # see README: pixel interleave makes per-band reads x48
        "nodata": np.nan,
    }
    with rasterio.open(path, "w", **profile) as dst:
        for b in range(steps):
            a, c = rng.uniform(1, 6, size=2)
            field = np.sin(a * np.pi * xx) * np.cos(c * np.pi * yy) * 10 + b
            field[: n // 50, : n // 50] = np.nan  # a nodata corner
            dst.write(field.astype(np.float32), b + 1)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def synthetic(n_rows: int, n_cols: int, steps: int, crs, transform, chunk: int):
    """A lazy random float32 stack on a given grid (no file involved)."""
    import dask.array as dsa

    x = transform.c + transform.a * (np.arange(n_cols) + 0.5)
    y = transform.f + transform.e * (np.arange(n_rows) + 0.5)
    data = (
        dsa.random.default_rng(0)
        .random((steps, n_rows, n_cols), chunks=(chunk, -1, -1))
        .astype(np.float32)
    )
    da = xr.DataArray(data, dims=("step", "y", "x"), coords={"y": y, "x": x})
    return da.rio.write_crs(crs)


def build_and_apply(da, regions) -> tuple[float, float]:
    """Seconds to build the operator and to apply it to every step."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataGapWarning)
        agg, t_build = timed(lambda: RegionAggregator(da, regions, id_col="GEOID"))
    _, t_apply = timed(lambda: agg.aggregate(da).compute())
    return t_build, t_apply


def scaling(counties, quick: bool) -> None:
    """HRRR-size job and scaling with pixels, steps and regions (in memory)."""
    data = real_data_dir()
    from dtnmodels.io import open_grid

    hrrr = open_grid(data / "weather/hrrr_conus_apcp_20201214_t00z_f12.grib2")
    hrrr_crs = hrrr.rio.crs
    t = hrrr["APCP12"].rio.transform()
    steps = 12 if quick else 48
    da = synthetic(1059, 1799, steps, hrrr_crs, t, chunk=8)
    conus = counties[~counties["GEOID"].str[:2].isin(["02", "15", "72"])]
    tb, ta = build_and_apply(da, conus.to_crs(hrrr_crs))
    print(f"\nHRRR-size 1059×1799 Lambert × {steps} h → {len(conus)} counties")
    print(f"  build {tb:.2f} s, apply {ta:.2f} s, total {tb + ta:.2f} s")

    head = ("scaling", "size", "build s", "apply s", "ms/step")
    print("\n{:10s} {:>14s} {:>8s} {:>8s} {:>8s}".format(*head))
    sizes = (500, 1000, 2000) if quick else (1000, 2000, 4000)
    for n in sizes:
        tr = from_bounds(*CONUS_5070, n, n)
        tb, ta = build_and_apply(synthetic(n, n, 12, "EPSG:5070", tr, 4), counties)
        print(f"{'pixels':10s} {f'{n}²×12':>14s} {tb:8.2f} {ta:8.2f} {ta / 12e-3:8.1f}")
    tr = from_bounds(*CONUS_5070, 1000, 1000)
    for k in (12, 48, 192):
        tb, ta = build_and_apply(synthetic(1000, 1000, k, "EPSG:5070", tr, 8), counties)
        print(
            f"{'steps':10s} {f'1000²×{k}':>14s} {tb:8.2f} {ta:8.2f} {ta / k * 1e3:8.1f}"
        )
    for m in (100, 1000, len(counties)):
        sub = counties.iloc[:m]
        tb, ta = build_and_apply(synthetic(1000, 1000, 12, "EPSG:5070", tr, 4), sub)
        size = f"{m} × 1000²×12"
        print(f"{'regions':10s} {size:>14s} {tb:8.2f} {ta:8.2f} {ta / 12e-3:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1000×1000 × 12 steps")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument(
        "--scaling", action="store_true", help="HRRR-size and scaling runs only"
    )
    args = parser.parse_args()
    n = args.size or (1000 if args.quick else 4000)
    steps = args.steps or (12 if args.quick else 48)
    band_chunk = 4 if n <= 2000 else 2  # keeps a chunk's float64 work arrays < 1 GB

    from exactextract import exact_extract
    from rasterstats import zonal_stats as rs_zonal_stats

    data = real_data_dir()
    counties = open_regions(
        data / "boundaries/cb_2018_us_county_20m.zip", id_col="GEOID"
    ).to_crs("EPSG:5070")
    if args.scaling:
        scaling(counties, args.quick)
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench_zonal_"))
    tif = workdir / "stack.tif"
    _, t_write = timed(lambda: write_stack(tif, n, steps))
    print(
        f"grid {n}×{n} × {steps} steps, {len(counties)} counties, write {t_write:.1f} s"
    )

    # exactextract, single band and whole stack
    with rasterio.open(tif) as src:
        from exactextract.raster import RasterioRasterSource

        one_band = RasterioRasterSource(src, 1)
        _, t_ee1 = timed(
            lambda: exact_extract(one_band, counties, ["mean"], output="pandas")
        )
    ee_all, t_eeM = timed(
        lambda: exact_extract(str(tif), counties, ["mean"], output="pandas")
    )
    ee_cols = [c for c in ee_all.columns if c.endswith("mean")]
    ee = ee_all[ee_cols].to_numpy()  # (regions, steps)

    # ours: read (lazy) + build + apply
    import rioxarray

    def ours(cached: Path | None = None):
        da = rioxarray.open_rasterio(tif, chunks={"band": band_chunk, "y": -1, "x": -1})
        da = da.rename(band="step")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataGapWarning)
            if cached is None:
                agg, t_b = timed(lambda: RegionAggregator(da, counties, id_col="GEOID"))
            else:
                agg, t_b = timed(lambda: RegionAggregator.load(cached, grid=da))
        res, t_a = timed(lambda: agg.aggregate(da, stats=("mean",)).compute())
        return agg, res, t_b, t_a

    with PeakRSS() as mem:
        (agg, res, t_build, t_apply), t_ours = timed(ours)
    cache = workdir / "op.npz"
    agg.save(cache)
    (_, _, t_load, _), t_ours_cached = timed(lambda: ours(cache))

    mine = res["mean"].transpose("region", "step").to_numpy()
    both = np.isfinite(mine) & np.isfinite(ee)
    rel = np.abs(mine[both] - ee[both]) / np.maximum(np.abs(ee[both]), 1e-12)
    nan_agree = bool(np.all(np.isfinite(mine) == np.isfinite(ee)))

    # exactextract per step (two steps timed, extrapolated)
    with rasterio.open(tif) as src:
        t0 = time.perf_counter()
        for b in (1, 2):
            exact_extract(
                RasterioRasterSource(src, b), counties, ["mean"], output="pandas"
            )
        t_ee_step = (time.perf_counter() - t0) / 2

    # rasterstats on a subset of counties, one band, extrapolated
    k = 100 if not args.quick else 200
    subset = counties.iloc[:: max(1, len(counties) // k)]
    _, t_rs = timed(lambda: rs_zonal_stats(subset, str(tif), stats=["mean"], band=1))
    t_rs_total = t_rs * len(counties) / len(subset) * steps

    per_band_ee = t_eeM / steps
    per_step_ours = t_apply / steps
    rows = [
        ("exactextract single band (1 call)", t_ee1, "measured"),
        ("exactextract whole stack (1 call)", t_eeM, "measured"),
        (f"exactextract per step ×{steps}", t_ee_step * steps, "2 steps ×"),
        (f"rasterstats ×{steps}", t_rs_total, f"{len(subset)} counties ×"),
        ("ours: build operator", t_build, "measured"),
        ("ours: apply, all steps", t_apply, "measured"),
        ("ours: read+build+apply", t_ours, "measured"),
        ("ours cached: load+apply", t_ours_cached, "measured"),
    ]
    print(f"\n{'job':38s} {'seconds':>9s}  note")
    for name, sec, note in rows:
        print(f"{name:38s} {sec:9.2f}  {note}")
    print("\nratios")
    print(
        f"  build / single-band exactextract       {t_build / t_ee1:8.2f}  (target ≤ 2)"
    )
    print(
        f"  ee per-band / ours per-step apply      "
        f"{per_band_ee / per_step_ours:8.1f}  (≥ 10)"
    )
    print(f"  ee whole stack / ours whole job        {t_eeM / t_ours:8.2f}  (≥ 2)")
    print(
        f"  ee whole stack / ours cached job       {t_eeM / t_ours_cached:8.2f}  (≥ 3)"
    )
    print(
        f"  rasterstats / ours whole job           {t_rs_total / t_ours:8.1f}  (≥ 30)"
    )
    print(f"  max relative diff vs exactextract      {rel.max():8.1e}  (≤ 1e-6)")
    print(f"  NaN pattern identical                  {nan_agree}")
    print(f"  peak RSS above start, ours             {mem.peak:8.0f} MiB")
    print(f"  cache load                             {t_load:8.2f} s")
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
