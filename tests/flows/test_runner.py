"""Run records: layout, atomicity, failures and --resume (flows/runner.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError
from dtnmodels.flows.config import load_flow_config
from dtnmodels.flows.runner import run_flow
from tests.flows.toy_flow import ToyFlow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def series_file(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("y\n1\n2\n3\n", encoding="utf-8")
    return path


def _cfg(series_file, *overrides):
    return load_flow_config(
        "toy",
        ToyFlow.schema,
        overrides=[f"data.series={series_file}", *overrides],
        default=ToyFlow().default_config(),
    )


def test_run_writes_complete_record(tmp_path, series_file):
    """A run leaves config, manifest, metrics, predictions and report."""
    result = run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")

    names = {p.name for p in result.run_dir.iterdir()}
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    metrics = json.loads((result.run_dir / "metrics.json").read_text())

    assert {
        "config.yaml",
        "manifest.json",
        "metrics.json",
        "predictions.parquet",
        "report.html",
        "steps",
    } <= names
    assert manifest["status"] == "succeeded"
    assert set(manifest["steps"]) == {"load", "fit", "report"}
    assert manifest["inputs"]["series"]["size"] == series_file.stat().st_size
    assert len(manifest["inputs"]["series"]["sha256"]) == 64
    assert manifest["versions"]["dtnmodels"]
    assert all(s["peak_rss_mb"] > 0 for s in manifest["steps"].values())
    assert metrics == {
        "flow": "toy",
        "selected": "mean",
        "baseline": "mean",
        "models": {"mean": {"mae": pytest.approx(2 / 3)}},
    }
    assert pd.read_parquet(result.run_dir / "predictions.parquet")["mean"].item() == 2.0


def test_second_run_never_touches_the_first(tmp_path, series_file):
    """Two runs get two directories; the first is byte-for-byte unchanged."""
    first = run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")
    before = {p: p.read_bytes() for p in first.run_dir.rglob("*") if p.is_file()}

    second = run_flow(
        ToyFlow(), _cfg(series_file, "scale=2"), out_dir=tmp_path / "runs"
    )

    after = {p: p.read_bytes() for p in first.run_dir.rglob("*") if p.is_file()}
    assert second.run_dir != first.run_dir
    assert before == after


def test_resume_reuses_unchanged_steps(tmp_path, series_file):
    """--resume on an unchanged config reruns nothing; a changed key reruns its step."""
    first = run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")

    same = run_flow(
        ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs", resume=first.run_dir
    )
    changed = run_flow(
        ToyFlow(),
        _cfg(series_file, "scale=2"),
        out_dir=tmp_path / "runs",
        resume=first.run_dir,
    )

    same_steps = json.loads((same.run_dir / "manifest.json").read_text())["steps"]
    changed_steps = json.loads((changed.run_dir / "manifest.json").read_text())["steps"]
    assert all(step["reused"] for step in same_steps.values())
    assert same.metrics == first.metrics
    assert changed_steps["load"]["reused"] is True
    assert changed_steps["fit"]["reused"] is False
    assert changed_steps["report"]["reused"] is False


def test_resume_reruns_when_an_input_file_changes(tmp_path, series_file):
    """A changed input hash invalidates the steps that read it."""
    first = run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")
    series_file.write_text("y\n10\n20\n30\n", encoding="utf-8")

    again = run_flow(
        ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs", resume=first.run_dir
    )

    steps = json.loads((again.run_dir / "manifest.json").read_text())["steps"]
    assert not any(step["reused"] for step in steps.values())
    assert again.metrics["models"]["mean"]["mae"] == pytest.approx(20 / 3)


def test_failed_run_is_recorded_and_reraised(tmp_path, series_file):
    """A step error leaves a complete record with status failed and the message."""
    with pytest.raises(DataValidationError, match="negative demand") as info:
        run_flow(
            ToyFlow(), _cfg(series_file, "fail_in_fit=true"), out_dir=tmp_path / "runs"
        )

    run_dir = info.value.run_dir
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "negative demand" in manifest["error"]["message"]
    assert not (run_dir / "metrics.json").exists()


def test_runs_index_gets_one_row_per_run(tmp_path, series_file):
    """Each run appends a row to <out>/runs.parquet."""
    run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")
    run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")

    index = pd.read_parquet(tmp_path / "runs" / "runs.parquet")

    assert list(index["status"]) == ["succeeded", "succeeded"]
    assert index["metric_mae"].tolist() == pytest.approx([2 / 3, 2 / 3])


SLOW_FLOW = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from tests.flows.toy_flow import ToyFlow
    from dtnmodels.flows.base import Step
    from dtnmodels.flows.config import load_flow_config
    from dtnmodels.flows.runner import run_flow

    def slow(ctx):
        print("started", flush=True)
        time.sleep(60)

    class SlowFlow(ToyFlow):
        steps = (Step("load", slow),)

    cfg = load_flow_config("toy", ToyFlow.schema,
                           overrides=["data.series={series}"],
                           default=ToyFlow().default_config())
    run_flow(SlowFlow(), cfg, out_dir={out!r})
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_run_leaves_no_run_directory(tmp_path, series_file, sig):
    """A run killed mid-way leaves no run directory (and its staging is swept)."""
    out = tmp_path / "runs"
    script = SLOW_FLOW.format(repo=str(REPO), series=series_file, out=str(out))
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "started"

    os.kill(proc.pid, sig)
    proc.wait(timeout=30)
    time.sleep(0.1)
    run_flow(ToyFlow(), _cfg(series_file), out_dir=out)  # a later run sweeps leftovers

    entries = sorted(p.name for p in (out / "toy").iterdir())
    assert len(entries) == 1
    assert not entries[0].startswith(".")


def test_resume_refuses_step_files_it_did_not_write(tmp_path, series_file):
    """A step cache replaced by a foreign pickle is never unpickled."""
    import pickle

    from dtnmodels.core.errors import InputFileError

    first = run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Evil(str(marker)))
    (first.run_dir / "steps" / "load.pkl").write_bytes(b"\0" * 32 + evil)

    with pytest.raises(InputFileError, match="not reused"):
        run_flow(
            ToyFlow(),
            _cfg(series_file),
            out_dir=tmp_path / "runs",
            resume=first.run_dir,
        )

    assert not marker.exists()


class _Evil:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_record_files_follow_the_umask(tmp_path, series_file):
    """Run records are readable like any file the user writes (not mkstemp's 0600)."""
    result = run_flow(ToyFlow(), _cfg(series_file), out_dir=tmp_path / "runs")

    modes = {
        p.name: p.stat().st_mode & 0o777
        for p in result.run_dir.iterdir()
        if p.is_file()
    }

    expected = 0o666 & ~_current_umask()
    assert modes["manifest.json"] == expected
    assert modes["config.yaml"] == expected


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
