"""Run a flow and record it: resolved config, inputs, versions, timings, outputs.

The record is a new directory ``<out>/<flow>/<run id>/`` holding
``config.yaml``, ``manifest.json``, ``metrics.json``, ``predictions.parquet``
(and ``<grid>.nc``, ``<table>.parquet``), ``report.html`` and ``steps/`` (the
cached step outputs that ``--resume`` reuses). It is staged beside its final
place and renamed in at the end, so it appears complete or not at all; a run
that fails still leaves a complete record with ``status: failed``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from dtnmodels.core.errors import DtnModelsError
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext
from dtnmodels.flows.compute import dask_scheduler
from dtnmodels.io.run_store import (
    RunWriter,
    append_run_index,
    file_fingerprint,
    load_step_output,
    read_manifest,
)

__all__ = ["RunResult", "run_flow"]

log = logging.getLogger(__name__)

_PACKAGES = (
    "dtnmodels",
    "numpy",
    "pandas",
    "xarray",
    "dask",
    "distributed",
    "rasterio",
    "rioxarray",
    "geopandas",
    "shapely",
    "pyproj",
    "exactextract",
    "statsmodels",
    "prophet",
    "scikit-learn",
    "lightgbm",
    "omegaconf",
    "pyarrow",
    "matplotlib",
)


@dataclass
class RunResult:
    """Where a run was recorded and how it ended."""

    run_dir: Path
    status: str
    metrics: dict[str, Any] | None


class _PeakMemory:
    """Sample this process's resident memory in a thread; report the peak (MB)."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak = self._proc.memory_info().rss

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> _PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _code_version() -> str:
    """Package version plus a hash of its source, so code edits invalidate caches."""
    import dtnmodels

    root = Path(dtnmodels.__file__).parent
    digest = hashlib.sha256(dtnmodels.__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    return f"{dtnmodels.__version__}+{digest.hexdigest()[:12]}"


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _select(cfg: DictConfig, key: str) -> Any:
    value = OmegaConf.select(cfg, key, default=None)
    if isinstance(value, DictConfig) or OmegaConf.is_list(value):
        return OmegaConf.to_container(value, resolve=True)
    return value


def _step_key(
    step: Step,
    cfg: DictConfig,
    inputs: dict[str, dict[str, Any]],
    upstream: dict[str, str],
    code: str,
) -> str:
    """Hash of what a step's output depends on."""
    config_keys = step.config_keys or tuple(str(k) for k in cfg.keys())
    parts = {
        "step": step.name,
        "config": {key: _select(cfg, key) for key in config_keys},
        "inputs": {k: inputs[k]["sha256"] for k in step.data_inputs if k in inputs},
        "upstream": {name: upstream[name] for name in step.needs},
        "code": code,
        "as_of": _select(cfg, "run.as_of"),
    }
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def _reusable_steps(resume: Path | None) -> dict[str, str]:
    if resume is None:
        return {}
    manifest = read_manifest(resume)
    return {
        name: info["key"]
        for name, info in manifest.get("steps", {}).items()
        if info.get("cached")
    }


class _Interrupted(KeyboardInterrupt):
    """Raised from SIGTERM so a killed run removes its staging folder."""


def run_flow(
    flow: Flow,
    cfg: DictConfig,
    *,
    out_dir: str | Path = "runs",
    resume: str | Path | None = None,
    config_files: tuple[str, ...] = (),
    overrides: tuple[str, ...] = (),
    auto_scheduler: str = "threads",
) -> RunResult:
    """Run every step of ``flow`` on ``cfg`` and record the run.

    Parameters
    ----------
    flow : Flow
        The flow to run.
    cfg : DictConfig
        Resolved config from :func:`dtnmodels.flows.config.load_flow_config`.
    out_dir : path
        Root folder of run records.
    resume : path, optional
        A previous run directory whose unchanged steps are reused.
    config_files, overrides : tuple of str
        Recorded in the manifest (how the config was assembled).
    auto_scheduler : str
        What ``compute.scheduler: auto`` means for this run (``dtnmodels run``
        passes ``"local"``, a LocalCluster).

    Returns
    -------
    RunResult
        Run directory, status and metrics. A failed run re-raises its error,
        with ``run_dir`` set on the exception to the record it left.
    """
    resume_dir = Path(resume).resolve() if resume else None
    reusable = _reusable_steps(resume_dir)
    flow.check_inputs(cfg)

    writer = RunWriter(out_dir, flow.name)
    started = datetime.now(UTC)
    manifest: dict[str, Any] = {
        "flow": flow.name,
        "run_id": writer.run_id,
        "status": "running",
        "started": started.isoformat(),
        "command": sys.argv,
        "config_files": list(config_files),
        "overrides": list(overrides),
        "resumed_from": str(resume_dir) if resume_dir else None,
        "code_version": _code_version(),
        "versions": _versions(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "inputs": {},
        "steps": {},
    }

    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupted)

    metrics: dict[str, Any] | None = None
    try:
        writer.write_config("config.yaml", cfg)
        manifest["inputs"] = {
            key: file_fingerprint(path) for key, path in flow.input_paths(cfg).items()
        }
        compute = cfg.get("compute") or {}
        with dask_scheduler(compute, auto=auto_scheduler) as scheduler_info:
            manifest["compute"] = scheduler_info
            outputs = _run_steps(flow, cfg, writer, manifest, reusable, resume_dir)
        metrics = outputs.metrics
        _write_outputs(writer, outputs)
        manifest["status"] = "succeeded"
    except KeyboardInterrupt:  # also SIGTERM, through _Interrupted
        writer.discard()
        raise
    except Exception as exc:
        manifest["status"] = "failed"
        manifest["error"] = {"type": type(exc).__name__, "message": str(exc)}
        log.debug("run failed", exc_info=True)
        if not isinstance(exc, DtnModelsError):
            manifest["error"]["user_error"] = False
        failure = exc
    else:
        failure = None
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)

    ended = datetime.now(UTC)
    manifest["ended"] = ended.isoformat()
    manifest["wall_seconds"] = round((ended - started).total_seconds(), 3)
    writer.write_json("manifest.json", manifest)
    run_dir = writer.publish()
    _index(out_dir, flow.name, cfg, run_dir, manifest["status"], metrics)

    if failure is not None:
        # the caller's message points at the record the failed run left
        failure.run_dir = run_dir  # type: ignore[attr-defined]
        raise failure
    return RunResult(run_dir=run_dir, status=manifest["status"], metrics=metrics)


def _raise_interrupted(signum: int, frame: object) -> None:
    raise _Interrupted(f"signal {signum}")


def _run_steps(
    flow: Flow,
    cfg: DictConfig,
    writer: RunWriter,
    manifest: dict[str, Any],
    reusable: dict[str, str],
    resume_dir: Path | None,
) -> FlowOutputs:
    code = manifest["code_version"]
    progress = _select(cfg, "run.progress")
    show = (progress is None or bool(progress)) and sys.stderr.isatty()
    outputs: dict[str, Any] = {}
    keys: dict[str, str] = {}

    for index, step in enumerate(flow.steps, start=1):
        key = _step_key(step, cfg, manifest["inputs"], keys, code)
        keys[step.name] = key
        cache_name = f"steps/{step.name}.pkl"
        record: dict[str, Any] = {"key": key}

        log.info("[%d/%d] %s: %s", index, len(flow.steps), flow.name, step.name)
        if show:
            print(
                f"[{index}/{len(flow.steps)}] {flow.name}: {step.name}",
                file=sys.stderr,
                flush=True,
            )

        start = time.perf_counter()
        with _PeakMemory() as memory:
            if resume_dir is not None and reusable.get(step.name) == key:
                result = load_step_output(resume_dir, cache_name)
                record["reused"] = True
            else:
                ctx = StepContext(
                    cfg=cfg,
                    inputs={name: outputs[name] for name in step.needs},
                    log=logging.getLogger(f"dtnmodels.flows.{flow.name}.{step.name}"),
                    show_progress=show,
                )
                result = step.func(ctx)
                record["reused"] = False
        record["wall_seconds"] = round(time.perf_counter() - start, 4)
        record["peak_rss_mb"] = round(memory.peak / 2**20, 1)
        record["cached"] = writer.write_pickle(cache_name, result) is not None
        manifest["steps"][step.name] = record
        outputs[step.name] = result

    final = outputs[flow.steps[-1].name]
    if not isinstance(final, FlowOutputs):
        raise TypeError(
            f"the last step of flow {flow.name!r} must return FlowOutputs, "
            f"got {type(final).__name__}"
        )
    return final


def _write_outputs(writer: RunWriter, outputs: FlowOutputs) -> None:
    writer.write_json("metrics.json", outputs.metrics)
    writer.write_text("report.html", outputs.report_html)
    if outputs.predictions is not None:
        writer.write_parquet("predictions.parquet", outputs.predictions)
    for name, ds in outputs.grids.items():
        writer.write_netcdf(f"{name}.nc", ds)
    for name, table in outputs.tables.items():
        writer.write_parquet(f"{name}.parquet", table)


def _index(
    out_dir: str | Path,
    flow: str,
    cfg: DictConfig,
    run_dir: Path,
    status: str,
    metrics: dict[str, Any] | None,
) -> None:
    row: dict[str, Any] = {
        "flow": flow,
        "as_of": _select(cfg, "run.as_of"),
        "run_dir": str(run_dir),
        "status": status,
        "recorded": datetime.now(UTC).isoformat(),
        "selected": (metrics or {}).get("selected"),
    }
    selected = (metrics or {}).get("selected")
    for metric, value in (
        (metrics or {}).get("models", {}).get(selected) or {}
    ).items():
        if isinstance(value, (int, float)) and "@" not in metric:
            row[f"metric_{metric}"] = float(value)
    try:
        append_run_index(out_dir, row)
    except (OSError, ValueError) as exc:  # the run itself is already recorded
        log.warning("could not update the runs index in %r: %s", str(out_dir), exc)
