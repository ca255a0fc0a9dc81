"""Run dtnmodels flows as Metaflow flows in local mode (no cloud, no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from omegaconf import MISSING

from dtnmodels.core.errors import ConfigError
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext
from dtnmodels.flows.config import ComputeConfig, ModelSpec, RunSettings

pytest.importorskip("metaflow", reason="metaflow is an optional extra")

from dtnmodels.flows.metaflow import (
    flow_class_name,
    render_flowspec,
    resolve_flow,
    write_flowspec,
)

REPO = Path(__file__).resolve().parents[2]
BATCHED = "tests.flows.test_metaflow:BatchedFlow"


# --------------------------------------------------------------------------
# A small flow whose fit step splits by series (importable by Metaflow tasks)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitStep(Step):
    """A Step with the proposed ``split``/``combine`` hooks."""

    split: Callable[[StepContext], list[Any]] | None = None
    combine: Callable[[StepContext, list[Any]], Any] | None = None


@dataclass
class BatchedData:
    series: str = MISSING


@dataclass
class BatchedConfig:
    data: BatchedData = field(default_factory=BatchedData)
    model: ModelSpec = field(default_factory=lambda: ModelSpec(name="mean"))
    scale: float = 1.0
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    run: RunSettings = field(default_factory=RunSettings)


def _load(ctx: StepContext) -> pd.DataFrame:
    return pd.read_csv(ctx.cfg.data.series, dtype={"unique_id": str})


def _series(ctx: StepContext) -> list[str]:
    return sorted(ctx.inputs["load"]["unique_id"].unique())


def _fit(ctx: StepContext) -> dict[str, float]:
    frame = ctx.inputs["load"]
    batch = getattr(ctx, "batch", None)
    ids = _series(ctx) if batch is None else [batch]
    return {
        uid: float(frame.loc[frame["unique_id"] == uid, "y"].mean() * ctx.cfg.scale)
        for uid in ids
    }


def _combine(ctx: StepContext, parts: list[dict[str, float]]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for part in parts:
        merged.update(part)
    return merged


def _report(ctx: StepContext) -> FlowOutputs:
    frame = ctx.inputs["load"]
    level = frame["unique_id"].map(ctx.inputs["fit"])
    mae = float(np.mean(np.abs(frame["y"] - level)))
    metrics = {
        "flow": "batched",
        "selected": "mean",
        "baseline": "mean",
        "models": {"mean": {"mae": mae}},
    }
    predictions = pd.DataFrame(
        {"unique_id": list(ctx.inputs["fit"]), "mean": list(ctx.inputs["fit"].values())}
    )
    return FlowOutputs(
        metrics=metrics, report_html=f"<p>{mae}</p>", predictions=predictions
    )


class BatchedFlow(Flow):
    name = "batched"
    summary = "per-series means, fitted one series per Metaflow task"
    schema = BatchedConfig
    steps = (
        Step("load", _load, data_inputs=("series",), config_keys=("data",)),
        SplitStep(
            "fit",
            _fit,
            needs=("load",),
            config_keys=("scale",),
            split=_series,
            combine=_combine,
        ),
        Step("report", _report, needs=("load", "fit")),
    )


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture
def metaflow_env(tmp_path: Path) -> dict[str, str]:
    """Environment for Metaflow's local mode, all state under tmp_path."""
    env = dict(os.environ)
    env.update(
        METAFLOW_HOME=str(tmp_path / "mfhome"),
        METAFLOW_DATASTORE_SYSROOT_LOCAL=str(tmp_path / "mfdata"),
        METAFLOW_DEFAULT_METADATA="local",
        METAFLOW_DEFAULT_DATASTORE="local",
        USERNAME="dtnmodels-ci",
        DTNMODELS_METAFLOW_DIR=str(tmp_path / "scripts"),
        PYTHONPATH=os.pathsep.join(
            [str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]
        ),
        MPLBACKEND="Agg",
    )
    return env


@pytest.fixture
def series_config(tmp_path: Path) -> Path:
    """Three series (a, b, c) and a config pointing at them."""
    frame = pd.DataFrame(
        {
            "unique_id": list("aaabbbccc"),
            "y": [1.0, 2.0, 3.0, 10.0, 10.0, 13.0, 0.0, 0.0, 6.0],
        }
    )
    frame.to_csv(tmp_path / "series.csv", index=False)
    config = tmp_path / "batched.yaml"
    config.write_text(f"data:\n  series: {tmp_path / 'series.csv'}\n", encoding="utf-8")
    return config


def _run_metaflow(flow: str, args: list[str], env: dict[str, str], cwd: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dtnmodels.flows.metaflow", flow, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _latest_run(name: str, env: dict[str, str]) -> dict[str, Any]:
    """Read the latest run's artifacts with Metaflow's client in a clean process."""
    code = (
        "import json, sys\n"
        "from metaflow import Flow, namespace\n"
        "namespace(None)\n"
        f"run = Flow({name!r}).latest_run\n"
        "fit_tasks = [t for s in run for t in s if s.id == 'fit_batch']\n"
        "out = {'successful': run.successful, 'metrics': run.data.metrics,\n"
        "       'manifest': run.data.manifest, 'report': run.data.report_html,\n"
        "       'config_yaml': run.data.config_yaml,\n"
        "       'predictions': run.data.predictions.to_dict('list'),\n"
        "       'fit_batches': sorted(t.data.dtn_batch for t in fit_tasks),\n"
        "       'run_dir': getattr(run.data, 'run_dir', None)}\n"
        "json.dump(out, sys.stdout)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_render_maps_steps_and_fans_out_split_steps():
    """The generated FlowSpec has one step per dtnmodels step and a foreach for fit."""

    source = render_flowspec(BATCHED)

    assert "class DtnBatchedFlow(FlowSpec):" in source
    for name in ("start", "load", "fit", "fit_batch", "fit_join", "report", "end"):
        assert f"    def {name}(self" in source
    assert 'self.next(self.fit_batch, foreach="dtn_batches")' in source
    assert "def fit_join(self, inputs):" in source
    compile(source, "generated.py", "exec")


def test_flow_class_name_and_unknown_flow():
    """Flow names become CamelCase class names; a bad module path is a ConfigError."""

    name = flow_class_name(resolve_flow(BATCHED))

    assert name == "DtnBatchedFlow"
    with pytest.raises(ConfigError, match="cannot import 'Nope'"):
        resolve_flow("tests.flows.test_metaflow:Nope")


def test_write_flowspec_refuses_shadowing_name(tmp_path):
    """A script called metaflow.py would shadow the metaflow package; refused."""

    with pytest.raises(ConfigError, match=r"metaflow\.py"):
        write_flowspec(BATCHED, tmp_path / "metaflow.py")


def test_local_metaflow_run_matches_dtnmodels_run(
    tmp_path, metaflow_env, series_config
):
    """A local Metaflow run fans fit out per series and records what `run` records."""
    from dtnmodels.flows.config import load_flow_config
    from dtnmodels.flows.runner import run_flow

    flow = BatchedFlow()
    cfg = load_flow_config(
        "batched",
        BatchedConfig,
        files=[series_config],
        overrides=["scale=2"],
        include_default=False,
    )
    expected = run_flow(flow, cfg, out_dir=tmp_path / "plain")

    _run_metaflow(
        BATCHED,
        [
            "run",
            "--config",
            str(series_config),
            "--set",
            "scale=2",
            "--out",
            str(tmp_path / "mfruns"),
        ],
        metaflow_env,
        tmp_path,
    )
    got = _latest_run("DtnBatchedFlow", metaflow_env)

    assert got["successful"]
    assert got["fit_batches"] == ["a", "b", "c"]
    assert got["metrics"] == expected.metrics
    # means x2: a=4, b=22, c=4
    assert dict(
        zip(got["predictions"]["unique_id"], got["predictions"]["mean"], strict=True)
    ) == {"a": 4.0, "b": 22.0, "c": 4.0}
    assert got["report"] == (expected.run_dir / "report.html").read_text()
    assert "scale: 2.0" in got["config_yaml"]
    assert set(got["manifest"]["steps"]) == {"load", "fit", "report"}
    assert len(got["manifest"]["steps"]["fit"]["batches"]) == 3
    assert got["manifest"]["inputs"]["series"]["sha256"]
    run_dir = Path(got["run_dir"])
    assert json.loads((run_dir / "metrics.json").read_text()) == expected.metrics
    index = pd.read_parquet(tmp_path / "mfruns" / "runs.parquet")
    assert index["run_dir"].tolist() == [str(run_dir)]


def test_bad_flow_name_exits_2(metaflow_env, tmp_path):
    """An unknown flow prints one line and exits 2 before Metaflow starts."""

    proc = subprocess.run(
        [sys.executable, "-m", "dtnmodels.flows.metaflow", "nope", "run"],
        env=metaflow_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "dtnmodels: error: unknown flow 'nope'; choose one of: crop, fuel, storm"
    ]


def test_real_flow_runs_under_metaflow_like_dtnmodels_run(tmp_path, metaflow_env):
    """The crop flow as a local Metaflow run gives the metrics of `dtnmodels run`."""
    from dtnmodels.flows import run

    overrides = ["compare=[]", "run.progress=false"]
    expected = run("crop", overrides=overrides, out_dir=tmp_path / "plain")

    _run_metaflow(
        "crop",
        ["run", "--set", ";".join(overrides), "--out", str(tmp_path / "mfruns")],
        metaflow_env,
        tmp_path,
    )
    got = _latest_run("DtnCropFlow", metaflow_env)

    assert got["successful"]
    assert got["metrics"] == expected.metrics
    assert set(got["manifest"]["steps"]) == {"load", "features", "evaluate", "report"}
    assert "<img" in got["report"]
    plain = pd.read_parquet(expected.run_dir / "predictions.parquet")
    assert pd.DataFrame(got["predictions"]).equals(plain)


def test_export_writes_a_deployable_script(tmp_path, metaflow_env, series_config):
    """--export with a default config and a schedule gives a script Metaflow accepts."""
    from dtnmodels.flows.metaflow import main

    target = tmp_path / "dtn_batched_flow.py"

    status = main(
        [
            BATCHED,
            "--export",
            str(target),
            "--default-config",
            str(series_config),
            "--schedule",
            "daily",
        ]
    )

    assert status == 0
    source = target.read_text(encoding="utf-8")
    assert "@schedule(daily=True)" in source
    assert f"default={str(series_config)!r}" in source
    proc = subprocess.run(
        [sys.executable, str(target), "show"],
        env=metaflow_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "fit_batch" in proc.stdout + proc.stderr


def test_export_rejects_unknown_schedule(tmp_path):
    """An unknown --schedule is a ConfigError naming the allowed values."""

    with pytest.raises(ConfigError, match="hourly, daily or weekly"):
        write_flowspec(BATCHED, tmp_path / "x.py", schedule="monthly")
