"""As-of runs for schedules: reproducible predictions and a runs index."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from dtnmodels.cli import main

#: The crop flow honours run.as_of on both inputs: images after the date are
#: dropped (the season is forecast from what was seen so far) and yields of
#: the as-of year and later are not used for training or scoring.
FLOW = "crop"
AS_OF = "2022-07-15"
#: Overrides that keep the flow quick.
SMALL = ("compare=[]", "run.progress=false")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(out: Path, *extra: str) -> int:
    sets = [arg for item in SMALL for arg in ("--set", item)]
    return main(["run", FLOW, *sets, *extra, "--out", str(out)])


def _run_dirs(out: Path) -> list[Path]:
    return sorted(p for p in (out / FLOW).iterdir() if not p.name.startswith("."))


def test_as_of_run_twice_is_identical_and_indexed(tmp_path):
    """Same inputs and --as-of: same predictions.parquet bytes; two index rows."""

    first = _run(tmp_path, "--as-of", AS_OF)
    second = _run(tmp_path, "--as-of", AS_OF)

    assert (first, second) == (0, 0)
    run_dirs = _run_dirs(tmp_path)
    assert len(run_dirs) == 2
    hashes = {_sha256(d / "predictions.parquet") for d in run_dirs}
    assert len(hashes) == 1
    metrics = [json.loads((d / "metrics.json").read_text()) for d in run_dirs]
    assert metrics[0] == metrics[1]
    index = pd.read_parquet(tmp_path / "runs.parquet")
    assert sorted(index["run_dir"]) == [str(d) for d in run_dirs]
    assert index["flow"].tolist() == [FLOW, FLOW]
    assert index["as_of"].tolist() == [AS_OF, AS_OF]
    assert index["status"].tolist() == ["succeeded", "succeeded"]
    assert index["selected"].tolist() == [metrics[0]["selected"]] * 2
    key = f"metric_{next(iter(metrics[0]['models'][metrics[0]['selected']]))}"
    assert key in index.columns

    # the as-of run used nothing from the as-of year on: it backtests on
    # earlier seasons and forecasts the as-of season
    predictions = pd.read_parquet(run_dirs[0] / "predictions.parquet")
    years = predictions.groupby("kind")["year"].agg(["min", "max"])
    assert years.loc["backtest", "max"] == 2021
    assert (years.loc["forecast", "min"], years.loc["forecast", "max"]) == (2022, 2022)


def test_failed_run_is_indexed_too(tmp_path):
    """A run that fails inside a step still appends a row with status 'failed'."""
    bad = tmp_path / "yields.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")

    status = _run(tmp_path / "out", "--as-of", AS_OF, "--set", f"data.yields={bad}")

    assert status == 2
    index = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert index["status"].tolist() == ["failed"]
    assert index["as_of"].tolist() == [AS_OF]
    (run_dir,) = _run_dirs(tmp_path / "out")
    assert index["run_dir"].tolist() == [str(run_dir)]
