"""Run a real flow on a two-worker dask LocalCluster: same metrics as threads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dtnmodels.cli import main
from dtnmodels.io.run_store import read_manifest

distributed = pytest.importorskip("distributed", reason="needs dask[distributed]")

#: The storm flow reduces a dask-backed hazard grid to counties (RegionAggregator)
#: and fits models on the result: both the lazy raster step and the fitting run
#: while the cluster is the active dask scheduler.
FLOW = "storm"
#: Overrides that keep the flow quick; the cluster must not change any number.
SMALL = ("compare=[]", "model.params.n_estimators=30", "run.progress=false")


@pytest.fixture(scope="module")
def cluster():
    """A real two-process, one-thread-per-worker cluster on localhost."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def _only_run(out: Path) -> Path:
    (run_dir,) = [p for p in (out / FLOW).iterdir() if not p.name.startswith(".")]
    return run_dir


def _run(out: Path, scheduler: str) -> Path:
    sets = [arg for item in SMALL for arg in ("--set", item)]
    status = main(
        [
            "run",
            FLOW,
            *sets,
            "--set",
            f"compute.scheduler={scheduler}",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    return _only_run(out)


def test_flow_on_two_worker_cluster_matches_threaded_run(tmp_path, cluster):
    """The same flow through tcp://127.0.0.1:PORT writes the same metrics.json."""
    with distributed.Client(cluster) as client:
        before = sum(
            client.run(lambda dask_worker: dask_worker.state.executed_count).values()
        )

    threaded = _run(tmp_path / "threads", "threads")
    clustered = _run(tmp_path / "cluster", cluster.scheduler_address)

    with distributed.Client(cluster) as client:
        after = sum(
            client.run(lambda dask_worker: dask_worker.state.executed_count).values()
        )
    assert json.loads((clustered / "metrics.json").read_text()) == json.loads(
        (threaded / "metrics.json").read_text()
    )
    compute = read_manifest(clustered)["compute"]
    assert compute == {"scheduler": cluster.scheduler_address, "n_workers": 2}
    assert read_manifest(threaded)["compute"] == {"scheduler": "threads"}
    assert after > before  # dask tasks of the run executed on the workers
