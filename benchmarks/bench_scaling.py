"""Scaling of dask work over a local ``dask.distributed`` cluster: 1 vs 2 workers.

Run from the repository root (on demand, never in the test suite)::

    python benchmarks/bench_scaling.py [--quick] [--repeat 3]

Workload 1 (always): county statistics of an hourly gust stack with
:class:`dtnmodels.grid.RegionAggregator` (mean, max, 90th percentile and the
share above 25 m/s for 120 regions), the zonal step of the storm and crop
flows. The stack is built lazily by dask in time chunks, so each chunk is an
independent task. Each worker count gets its own ``LocalCluster`` (processes,
one thread per worker, dashboard off); the table prints the best of
``--repeat`` wall times and the speed-up over one worker.

Workload 2 (``--fuel``): the fuel flow's rolling-origin backtest (many series
fitted per fold; :func:`dtnmodels.evaluate.cross_validate` submits folds and
series batches as dask tasks) run through ``dtnmodels.flows.run`` with
``compute.scheduler`` set to the cluster's ``tcp://`` address; the time is the
``backtest`` step's wall time from the run manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime

import dask.array as dsa
import geopandas as gpd
import numpy as np
import rioxarray  # noqa: F401 - registers the .rio accessor
import shapely
import xarray as xr
from dask.distributed import Client, LocalCluster

from dtnmodels.grid import RegionAggregator

N_REGIONS_SIDE = (12, 10)


def make_stack(n_time: int, n_side: int, chunk: int) -> xr.DataArray:
    """Lazy (time, lat, lon) gust-like stack in m/s on a 0.01 degree grid."""
    rs = dsa.random.RandomState(0)
    values = 15 + 8 * rs.standard_normal(
        (n_time, n_side, n_side), chunks=(chunk, n_side, n_side)
    )
    lat = 35 + 0.01 * (np.arange(n_side) + 0.5)
    lon = -80 + 0.01 * (np.arange(n_side) + 0.5)
    da = xr.DataArray(
        values,
        dims=("time", "lat", "lon"),
        coords={"time": np.arange(n_time), "lat": lat, "lon": lon},
        name="gust",
    )
    return da.rio.write_crs("EPSG:4326")


def make_regions(n_side: int) -> gpd.GeoDataFrame:
    """A grid of rectangular regions covering the stack, offset from cell edges."""
    ny, nx = N_REGIONS_SIDE
    extent = 0.01 * n_side
    ys = np.linspace(35.003, 35 + extent - 0.003, ny + 1)
    xs = np.linspace(-79.997, -80 + extent - 0.003, nx + 1)
    boxes = [
        shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1])
        for j in range(ny)
        for i in range(nx)
    ]
    return gpd.GeoDataFrame(
        {"id": [f"r{k:03d}" for k in range(len(boxes))]},
        geometry=boxes,
        crs="EPSG:4326",
    )


def time_workers(
    n_workers: int, stack: xr.DataArray, agg: RegionAggregator, repeat: int
) -> float:
    """Best wall time (s) of the aggregation on a fresh n-worker LocalCluster."""
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        best = float("inf")
        for _ in range(repeat):
            began = time.perf_counter()
            result = agg.aggregate(
                stack, stats=("mean", "max"), quantiles=(0.9,), thresholds=(25.0,)
            ).compute()
            best = min(best, time.perf_counter() - began)
        assert result.sizes["region"] == len(agg.ids)
    return best


FUEL_OVERRIDES = (
    "input.max_series=20",
    "model.name=ets",
    "compare=[]",
    "evaluation.n_windows=2",
    "delivery.enabled=false",
    "run.progress=false",
)


def time_fuel_backtest(n_workers: int) -> float:
    """Wall time (s) of the fuel flow's backtest step on an n-worker cluster."""
    from dtnmodels.flows import run

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        tempfile.TemporaryDirectory() as out,
    ):
        result = run(
            "fuel",
            overrides=[
                *FUEL_OVERRIDES,
                f"compute.scheduler={cluster.scheduler_address}",
            ],
            out_dir=out,
        )
        manifest = json.loads((result.run_dir / "manifest.json").read_text())
    return float(manifest["steps"]["backtest"]["wall_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller stack")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--fuel", action="store_true", help="also time the fuel backtest"
    )
    args = parser.parse_args()

    n_time, n_side, chunk = (96, 200, 12) if args.quick else (480, 300, 24)
    stack = make_stack(n_time, n_side, chunk)
    agg = RegionAggregator(stack.isel(time=0), make_regions(n_side), id_col="id")

    timings = {n: time_workers(n, stack, agg, args.repeat) for n in (1, 2)}

    print(
        f"# bench_scaling  {datetime.now(UTC):%Y-%m-%d}  {platform.machine()}  "
        f"cpus={os.cpu_count()}"
    )
    print(
        f"stack (time, lat, lon) = ({n_time}, {n_side}, {n_side}) float64, "
        f"{n_time // chunk} chunks; {len(agg.ids)} regions; "
        "stats mean, max, q0.9, frac_above_25"
    )
    print(f"{'workers':>7}  {'wall s':>8}  {'speed-up':>8}")
    for n, seconds in timings.items():
        print(f"{n:>7}  {seconds:>8.2f}  {timings[1] / seconds:>8.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")

    if args.fuel:
        fuel = {n: time_fuel_backtest(n) for n in (1, 2)}
        print(f"fuel backtest ({', '.join(FUEL_OVERRIDES[:3])})")
        print(f"{'workers':>7}  {'wall s':>8}  {'speed-up':>8}")
        for n, seconds in fuel.items():
            print(f"{n:>7}  {seconds:>8.2f}  {fuel[1] / seconds:>8.2f}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
