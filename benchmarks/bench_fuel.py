"""Fuel demand speed and accuracy: global gbm vs a Prophet loop vs Holt-Winters.

    python benchmarks/bench_fuel.py [--series 1000] [--prophet-subset 20]
                                    [--hw-subset 100] [--scaling 100 1000 10000]

Synthetic daily demand (``make_daily_demand``: weekly and yearly cycles,
3 years), horizon 28 days, the last 28 days held out. MASE uses the seasonal
(m = 7) naive scale. Prophet and Holt-Winters are run on a subset and their
time is extrapolated linearly to all series (said in the table). Wall and CPU
seconds are both printed: the CPU figure is the fairer one on a shared
machine.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

import dtnmodels.fuel  # noqa: F401  (registers the forecasters)
from dtnmodels.core.registry import create_model
from dtnmodels.datasets.synthetic.fuel import make_daily_demand

H = 28


def _split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    last = df["ds"].max() - pd.Timedelta(days=H)
    return df[df["ds"] <= last], df[df["ds"] > last]


def _mase(fcst: pd.DataFrame, test: pd.DataFrame, train: pd.DataFrame) -> float:
    """Mean over series of MAE / in-sample weekly seasonal-naive MAE (grouped, O(n))."""
    ordered = train.sort_values(["unique_id", "ds"])
    naive_err = (ordered["y"] - ordered.groupby("unique_id")["y"].shift(7)).abs()
    scale = naive_err.groupby(ordered["unique_id"]).mean()
    merged = test.merge(fcst, on=["unique_id", "ds"])
    mae = (merged["mean"] - merged["y"]).abs().groupby(merged["unique_id"]).mean()
    return float((mae / scale.reindex(mae.index)).mean())


def _timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run_gbm(train: pd.DataFrame) -> tuple[pd.DataFrame, float, float]:
    model = create_model("forecaster", {"name": "gbm"})
    return _timed(lambda: model.fit(train, freq="D").predict(H))


def run_prophet(train: pd.DataFrame) -> tuple[pd.DataFrame, float, float]:
    model = create_model(
        "forecaster",
        {"name": "prophet", "params": {"uncertainty_samples": 50, "batch_size": 1}},
    )
    import dask

    with dask.config.set(scheduler="synchronous"):  # a plain loop, as users write it
        return _timed(lambda: model.fit(train, freq="D").predict(H))


def run_holt_winters(train: pd.DataFrame) -> tuple[pd.DataFrame, float, float]:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    def loop():
        rows = []
        for uid, g in train.groupby("unique_id"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ExponentialSmoothing(
                    g["y"].to_numpy(),
                    trend="add",
                    damped_trend=True,
                    seasonal="add",
                    seasonal_periods=7,
                ).fit()
            ds = pd.date_range(g["ds"].max() + pd.Timedelta(days=1), periods=H)
            rows.append(
                pd.DataFrame({"unique_id": uid, "ds": ds, "mean": fit.forecast(H)})
            )
        return pd.concat(rows, ignore_index=True)

    return _timed(loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--prophet-subset", type=int, default=20)
    parser.add_argument("--hw-subset", type=int, default=100)
    parser.add_argument("--scaling", type=int, nargs="*", default=[100, 1000, 10000])
    args = parser.parse_args()

    import logging

    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}")

    df = make_daily_demand(args.series, seed=1)
    train, test = _split(df)
    ids = sorted(train["unique_id"].unique())
    rows = []

    fcst, wall, cpu = run_gbm(train)
    rows.append(
        (
            "gbm (default, all series)",
            len(ids),
            wall,
            cpu,
            wall,
            _mase(fcst, test, train),
        )
    )
    gbm_fcst = fcst

    for name, runner, n in (
        ("prophet loop", run_prophet, args.prophet_subset),
        ("statsmodels Holt-Winters", run_holt_winters, args.hw_subset),
    ):
        subset = ids[:n]
        part = train[train["unique_id"].isin(subset)]
        fcst, wall, cpu = runner(part)
        scale = len(ids) / n
        rows.append(
            (
                f"{name} (subset {n}, time x{scale:g})",
                n,
                wall,
                cpu,
                wall * scale,
                _mase(fcst, test[test["unique_id"].isin(subset)], part),
            )
        )
        sub = gbm_fcst[gbm_fcst["unique_id"].isin(subset)]
        rows.append(
            (
                f"  gbm on the same {n} series",
                n,
                np.nan,
                np.nan,
                np.nan,
                _mase(sub, test[test["unique_id"].isin(subset)], part),
            )
        )

    table = pd.DataFrame(
        rows,
        columns=[
            "model",
            "series fitted",
            "wall s",
            "cpu s",
            f"wall s for {len(ids)} (est.)",
            "MASE",
        ],
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    print("\nscaling of the default gbm (fit + forecast, h=28)")
    scaling = []
    for n in args.scaling:
        big = make_daily_demand(n, seed=2)
        tr, te = _split(big)
        fcst, wall, cpu = run_gbm(tr)
        scaling.append((n, wall, cpu, 1000 * wall / n, _mase(fcst, te, tr)))
    print(
        pd.DataFrame(
            scaling, columns=["series", "wall s", "cpu s", "wall ms/series", "MASE"]
        ).to_string(index=False, float_format=lambda v: f"{v:.3f}")
    )


if __name__ == "__main__":
    main()
