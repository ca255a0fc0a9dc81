"""The fuel flow end to end on the samples, and the real-data configs (reduced)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError, UnknownModelError
from dtnmodels.flows import run

REPO = Path(__file__).resolve().parents[2]

#: Shrink the default run so the test stays quick (10 stations, one window).
SMALL = [
    "input.max_series=10",
    "horizon=14",
    "evaluation.n_windows=1",
    "compare=[]",
    "model.params={n_estimators: 40, max_rows: 20000}",
    "run.progress=false",
]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """One shrunk run of the default fuel flow, shared by the tests below."""
    out = tmp_path_factory.mktemp("fuel")
    return run("fuel", overrides=SMALL, out_dir=out)


def test_metrics_json_shape_and_skill(sample_run):
    """metrics.json follows the contract and the gbm beats seasonal naive."""
    metrics = json.loads((sample_run.run_dir / "metrics.json").read_text())

    assert set(metrics) == {"flow", "selected", "baseline", "models"}
    assert metrics["selected"] == "gbm"
    assert metrics["baseline"] == "seasonal_naive"
    gbm, naive = metrics["models"]["gbm"], metrics["models"]["seasonal_naive"]
    assert gbm["mase"] < 0.9 * naive["mase"]
    assert gbm["coherence_max_abs"] < 1e-6
    assert {"mase@bottom", "mase@total", "mase@terminal"} <= set(gbm)


def test_report_has_figures_and_delivery_plan(sample_run):
    """report.html embeds figures and shows the delivery plan."""
    page = (sample_run.run_dir / "report.html").read_text()

    assert page.count("<img") >= 4
    assert "Delivery plan" in page
    assert "Projected tank inventory" in page


def test_predictions_and_plan_tables(sample_run):
    """Predictions hold every node and horizon step; the plan has loads."""
    pred = pd.read_parquet(sample_run.run_dir / "predictions.parquet")
    plan = pd.read_parquet(sample_run.run_dir / "delivery_plan.parquet")

    assert list(pred.columns) == [
        "unique_id",
        "ds",
        "model",
        "mean",
        "q0.1",
        "q0.5",
        "q0.9",
    ]
    assert len(pred) == 13 * 14  # 10 stations + T1 + north + total
    assert pred["ds"].min() == pd.Timestamp("2022-01-01")
    assert len(plan) > 0
    assert (plan["delivery_date"] > plan["reorder_date"]).all()


def test_as_of_runs_are_reproducible(tmp_path):
    """Two runs as of a date inside the history write byte-identical predictions.

    With no future_exog file, the regressors declared known ahead come from the
    demand file's rows after the as-of date and the shock dummy from its window.
    """
    overrides = [
        *SMALL,
        "run.as_of=2021-09-30",
        "data.future_exog=null",
        "model.params={n_estimators: 15, max_rows: 5000}",
    ]

    first = run("fuel", overrides=overrides, out_dir=tmp_path / "a")
    second = run("fuel", overrides=overrides, out_dir=tmp_path / "b")

    a = (first.run_dir / "predictions.parquet").read_bytes()
    b = (second.run_dir / "predictions.parquet").read_bytes()
    assert a == b
    pred = pd.read_parquet(first.run_dir / "predictions.parquet")
    assert pred["ds"].min() == pd.Timestamp("2021-10-01")
    assert pred["ds"].max() == pd.Timestamp("2021-10-14")


def test_plan_covers_only_forecast_stations(sample_run):
    """With input.max_series the delivery plan lists only the stations forecast."""
    pred = pd.read_parquet(sample_run.run_dir / "predictions.parquet")
    plan = pd.read_parquet(sample_run.run_dir / "delivery_plan.parquet")

    stations = {f"S{i:03d}" for i in range(1, 11)}
    assert set(plan["unique_id"]) <= stations
    assert stations <= set(pred["unique_id"])


def test_stations_without_forecast_are_left_out_with_a_warning():
    """Stations missing from the forecast are dropped, named in a DataGapWarning."""
    from dtnmodels.core.errors import DataGapWarning
    from dtnmodels.flows.fuel import _forecast_stations

    stations = pd.DataFrame({"unique_id": ["S001", "S002", "S099"], "x": [1, 2, 3]})
    fcst = pd.DataFrame({"unique_id": ["S001", "S002", "T1"]})

    with pytest.warns(DataGapWarning, match=r"1 stations \(S099\)"):
        kept = _forecast_stations(stations, fcst, limited=False)

    assert kept["unique_id"].tolist() == ["S001", "S002"]


def test_dask_cluster_run_matches_threaded_run(sample_run, tmp_path):
    """On a real two-worker LocalCluster the flow writes the threaded metrics.json."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        result = run(
            "fuel", overrides=[*SMALL, f"compute.scheduler={address}"], out_dir=tmp_path
        )

    threaded = (sample_run.run_dir / "metrics.json").read_text()
    assert (result.run_dir / "metrics.json").read_text() == threaded


def test_unknown_model_fails_fast(tmp_path):
    """A bad model name is reported before any data are read."""
    with pytest.raises(UnknownModelError, match="does_not_exist"):
        run("fuel", overrides=["model.name=does_not_exist"], out_dir=tmp_path)


def test_bad_demand_file_names_series(tmp_path):
    """Negative demand in the input fails with the series and the date."""
    from dtnmodels.datasets import sample_path

    df = pd.read_parquet(sample_path("fuel/demand.parquet"))
    df.loc[5, "y"] = -3.0
    path = tmp_path / "bad.parquet"
    df.to_parquet(path)

    with pytest.raises(
        DataValidationError, match=r"negative demand.*'S001' at 2019-01-06"
    ):
        run(
            "fuel",
            overrides=[f"data.demand={path}", "run.progress=false"],
            out_dir=tmp_path / "runs",
        )


@pytest.mark.real_data
def test_eia_weekly_config_segments(real_data, tmp_path, monkeypatch):
    """EIA config (4 windows) reports METRIC@SEGMENT keys and beats seasonal naive."""
    monkeypatch.setenv("DTNMODELS_DATA", str(real_data))
    overrides = [
        "evaluation.first_cutoff=2019-09-01",
        "evaluation.step_size=13",
        "compare=[]",
        "run.progress=false",
        "model.params.n_estimators=100",
        "model.params.learning_rate=0.15",
    ]

    result = run(
        "fuel", [REPO / "configs" / "fuel-eia-weekly.yaml"], overrides, out_dir=tmp_path
    )

    models = result.metrics["models"]
    assert {"mase@pre_2020_03", "mase@from_2020_03"} <= set(models["gbm"])
    assert models["gbm"]["mase"] < models["seasonal_naive"]["mase"]


@pytest.mark.real_data
def test_brazil_config_mint_is_coherent(real_data, tmp_path, monkeypatch):
    """Brazil config (one window): MinT-shrink forecasts add up to 1e-6."""
    monkeypatch.setenv("DTNMODELS_DATA", str(real_data))
    overrides = [
        "evaluation.n_windows=1",
        "compare=[]",
        "run.progress=false",
        "model.params={n_estimators: 60}",
    ]

    result = run(
        "fuel", [REPO / "configs" / "fuel-brazil.yaml"], overrides, out_dir=tmp_path
    )

    gbm = result.metrics["models"]["gbm"]
    assert gbm["coherence_max_abs"] < 1e-6
    assert result.metrics["models"]["gbm_unreconciled"]["coherence_max_abs"] > 1.0
    assert {"mase@bottom", "mase@region", "mase@total"} <= set(gbm)


@pytest.mark.real_data
def test_m4_weekly_config_reduced(real_data, tmp_path, monkeypatch):
    """M4 weekly on 60 series: the gbm beats the naive benchmark on MASE."""
    monkeypatch.setenv("DTNMODELS_DATA", str(real_data))
    overrides = [
        "input.max_series=60",
        "compare=[]",
        "run.progress=false",
        "model.params={n_lags: 52, n_estimators: 80, max_rows: 40000}",
    ]

    result = run(
        "fuel", [REPO / "configs" / "m4-weekly.yaml"], overrides, out_dir=tmp_path
    )

    models = result.metrics["models"]
    assert models["gbm"]["mase"] < models["naive"]["mase"]
    assert "mase@no_duplicates" in models["gbm"]
