"""Benchmark: 0.25° global → 1° for 24 steps, conservative and bilinear.

Run from the repository root::

    python benchmarks/bench_regrid.py            # 720×1440 × 24 steps
    python benchmarks/bench_regrid.py --quick    # 720×1440 × 4 steps

Conservative is compared with an independent area-weighted block mean (each
1° cell holds 4×4 source cells, weighted by their spherical areas); bilinear
with :meth:`xarray.DataArray.interp`.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import rioxarray  # noqa: F401
import xarray as xr

from dtnmodels.grid import Regridder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    steps = 4 if args.quick else 24

    rng = np.random.default_rng(0)
    lat = np.arange(89.875, -90, -0.25)
    lon = np.arange(0.125, 360, 0.25)
    src = xr.DataArray(
        rng.normal(size=(steps, lat.size, lon.size)),
        dims=("time", "lat", "lon"),
        coords={"lat": lat, "lon": lon},
    ).rio.write_crs("EPSG:4326")
    tlat = np.arange(89.5, -90, -1.0)
    tlon = np.arange(0.5, 360, 1.0)
    target = xr.DataArray(
        np.zeros((tlat.size, tlon.size)),
        dims=("lat", "lon"),
        coords={"lat": tlat, "lon": tlon},
    ).rio.write_crs("EPSG:4326")

    t = time.perf_counter()
    cons = Regridder(src, target, method="conservative")
    t_cons_build = time.perf_counter() - t
    t = time.perf_counter()
    out_c = cons(src)
    t_cons_apply = time.perf_counter() - t

    edges = np.deg2rad(np.arange(90, -90.1, -0.25))
    band = np.abs(np.diff(np.sin(edges)))  # spherical area per source row
    w = band.reshape(180, 4)[None, :, :, None, None]
    blocks = src.values.reshape(steps, 180, 4, 360, 4)
    ref = (blocks * w).sum(axis=(2, 4)) / (w.sum(axis=(2, 4)) * 4)
    err_c = np.max(np.abs(out_c.values - ref))

    t = time.perf_counter()
    bil = Regridder(src, target, method="bilinear")
    t_bil_build = time.perf_counter() - t
    t = time.perf_counter()
    out_b = bil(src)
    t_bil_apply = time.perf_counter() - t
    t = time.perf_counter()
    ref_b = src.interp(lat=tlat, lon=tlon)
    t_interp = time.perf_counter() - t
    err_b = np.nanmax(np.abs(out_b.values - ref_b.values))

    print(f"0.25° (720×1440) → 1° (180×360), {steps} steps")
    print(
        f"{'method':14s} {'build s':>8s} {'apply s':>8s} {'max |diff|':>11s}  reference"
    )
    print(
        f"{'conservative':14s} {t_cons_build:8.2f} {t_cons_apply:8.2f} {err_c:11.1e}"
        "  area-weighted block mean"
    )
    print(
        f"{'bilinear':14s} {t_bil_build:8.2f} {t_bil_apply:8.2f} {err_b:11.1e}"
        f"  xarray.interp ({t_interp:.2f} s)"
    )
    print(f"\n{platform.machine()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
