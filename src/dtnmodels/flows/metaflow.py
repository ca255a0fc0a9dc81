"""Run any dtnmodels flow as a Metaflow flow (local, Kubernetes, Argo Workflows).

Metaflow reads a flow's graph from the source code of a ``FlowSpec`` class, so
this module writes that source: one ``@step`` per dtnmodels :class:`Step`
(same name, same order), a ``foreach`` fan-out with a join for each step that
can split its work into batches, and ``start``/``end`` steps that resolve the
config and store the run record. Every generated step calls back into this
module, which calls the dtnmodels step function with a :class:`StepContext`;
no flow logic is duplicated.

Command line (the generated script is cached and run with Metaflow's own CLI)::

    python -m dtnmodels.flows.metaflow fuel run --config my.yaml --as-of 2024-06-30
    python -m dtnmodels.flows.metaflow fuel --with kubernetes run --config my.yaml
    python -m dtnmodels.flows.metaflow fuel argo-workflows create
    python -m dtnmodels.flows.metaflow fuel --export dtn_fuel_flow.py \\
        --default-config configs/fuel-eia-weekly.yaml --schedule daily

``FLOW`` is a registered flow name (``storm``, ``crop``, ``fuel``) or
``package.module:FlowClass`` for a flow defined elsewhere.

Run record as Metaflow artifacts (``Flow("DtnFuelFlow").latest_run.data``):
``config_yaml`` (resolved config), ``metrics`` (the ``metrics.json`` payload),
``report_html``, ``predictions`` (DataFrame or None), ``tables``, ``grids``,
``manifest`` (inputs with SHA-256, step wall times and peak memory, versions,
Metaflow pathspec) and ``out_<step>`` (each step's output). With
``--out DIR`` the usual dtnmodels run directory is also written and a row is
appended to ``DIR/runs.parquet``.

Splitting a step
----------------
A step fans out when its :class:`Step` has ``split`` and ``combine``
callables (see the proposal in the issue 8 report): ``split(ctx)`` returns a
list of picklable batch keys (series ids, region ids, fold numbers),
``func(ctx)`` is then run once per batch with ``ctx.batch`` set, and
``combine(ctx, parts)`` merges the per-batch results (in batch order) into
the step's output. A step without them runs as one Metaflow task.
"""

from __future__ import annotations

import importlib
import keyword
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dtnmodels.core.errors import ConfigError, DataValidationError
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext

if TYPE_CHECKING:
    from omegaconf import DictConfig

__all__ = [
    "BatchContext",
    "finish",
    "flow_class_name",
    "join_batches",
    "main",
    "render_flowspec",
    "resolve_flow",
    "run_batch",
    "run_step",
    "split_step",
    "start",
    "write_flowspec",
]

log = logging.getLogger(__name__)

#: Environment variable naming the folder of generated Metaflow scripts.
SCRIPT_DIR_ENV = "DTNMODELS_METAFLOW_DIR"

_ARTIFACT_PREFIX = "out_"
_RESERVED = frozenset({"start", "end"})


@dataclass
class BatchContext(StepContext):
    """A :class:`StepContext` for one batch of a split step (``batch`` is its key)."""

    batch: Any = None


# --------------------------------------------------------------------------
# Flow lookup and source generation
# --------------------------------------------------------------------------


def resolve_flow(ref: str) -> Flow:
    """Instantiate a flow from a registered name or a ``module:Class`` path.

    Raises
    ------
    ConfigError
        If the name is unknown, or the module or class cannot be imported.
    """
    if ":" not in ref:
        from dtnmodels.flows import get_flow

        return get_flow(ref)
    module_name, _, cls_name = ref.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"flow {ref!r}: cannot import {cls_name!r} from {module_name!r} ({exc}); "
            "check the module is on PYTHONPATH"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Flow)):
        raise ConfigError(f"flow {ref!r} is not a dtnmodels Flow subclass")
    return cls()


def flow_class_name(flow: Flow) -> str:
    """Name of the generated FlowSpec class (and of the Metaflow flow)."""
    words = re.split(r"[^0-9A-Za-z]+", flow.name)
    return "Dtn" + "".join(w[:1].upper() + w[1:] for w in words if w) + "Flow"


def _method_name(step: Step) -> str:
    """Metaflow step name for a dtnmodels step (its own name unless reserved)."""
    from metaflow import FlowSpec

    name = step.name
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ConfigError(
            f"step {name!r} cannot be a Metaflow step name: use a Python identifier"
        )
    if name in _RESERVED or hasattr(FlowSpec, name) or name.startswith("_"):
        return f"{name.lstrip('_')}_step"
    return name


def _splits(step: Step) -> bool:
    return callable(getattr(step, "split", None)) and callable(
        getattr(step, "combine", None)
    )


def _doc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''").strip() or "Step."


def render_flowspec(
    ref: str, *, default_config: str | None = None, schedule: str | None = None
) -> str:
    """Python source of a Metaflow script running the dtnmodels flow ``ref``.

    Parameters
    ----------
    ref : str
        Registered flow name or ``module:Class``.
    default_config : str, optional
        Config file used when ``--config`` is not given; Metaflow reads it when
        the flow is deployed (``argo-workflows create``) and stores it with
        the deployment.
    schedule : {"hourly", "daily", "weekly"}, optional
        Add Metaflow's ``@schedule`` so a production scheduler (Argo
        Workflows) runs the deployed flow on that cadence.

    Returns
    -------
    str
        Source of a module defining one ``FlowSpec`` subclass and calling it
        when run as a script.
    """
    flow = resolve_flow(ref)
    if schedule not in (None, "hourly", "daily", "weekly"):
        raise ConfigError(f"schedule must be hourly, daily or weekly, got {schedule!r}")
    cls = flow_class_name(flow)
    heads = [_method_name(step) for step in flow.steps]
    imports = "FlowSpec, IncludeFile, Parameter, step"
    if schedule:
        imports = "FlowSpec, IncludeFile, Parameter, schedule, step"
    default = f", default={default_config!r}" if default_config else ""
    lines = [
        f'"""Metaflow flow for the dtnmodels flow {flow.name!r}: {_doc(flow.summary)}',
        "",
        "Generated by dtnmodels.flows.metaflow; regenerate it instead of editing.",
        '"""',
        "",
        f"from metaflow import {imports}",
        "",
        "from dtnmodels.flows import metaflow as bridge",
        "",
        f"FLOW = {ref!r}",
        "",
        "",
        *([f"@schedule({schedule}=True)"] if schedule else []),
        f"class {cls}(FlowSpec):",
        f'    """{_doc(flow.summary)}"""',
        "",
        f'    config = IncludeFile("config", is_text=True, required=False{default},',
        '                         help="YAML config merged over the default")',
        '    overrides = Parameter("set", default="", type=str,',
        "                          help=\"KEY=VALUE overrides separated by ';'\")",
        '    as_of = Parameter("as-of", default="", type=str,',
        '                      help="forecast as it could have been made on DATE")',
        '    out = Parameter("out", default="", type=str,',
        '                    help="also write a dtnmodels run record in this folder")',
        "",
        "    @step",
        "    def start(self):",
        '        """Resolve and validate the config; fingerprint the inputs."""',
        "        bridge.start(self, FLOW)",
        f"        self.next(self.{heads[0]})",
    ]
    for i, step in enumerate(flow.steps):
        head = heads[i]
        after = heads[i + 1] if i + 1 < len(heads) else "end"
        doc = _doc(
            (step.func.__doc__ or f"dtnmodels step {step.name!r}.").split("\n\n")[0]
        )
        lines += ["", "    @step", f"    def {head}(self):", f'        """{doc}"""']
        if not _splits(step):
            lines += [
                f"        bridge.run_step(self, FLOW, {step.name!r})",
                f"        self.next(self.{after})",
            ]
            continue
        lines += [
            f"        bridge.split_step(self, FLOW, {step.name!r})",
            f'        self.next(self.{head}_batch, foreach="dtn_batches")',
            "",
            "    @step",
            f"    def {head}_batch(self):",
            f'        """One batch of {step.name!r}."""',
            f"        bridge.run_batch(self, FLOW, {step.name!r})",
            f"        self.next(self.{head}_join)",
            "",
            "    @step",
            f"    def {head}_join(self, inputs):",
            f'        """Combine the batches of {step.name!r}."""',
            f"        bridge.join_batches(self, FLOW, {step.name!r}, inputs)",
            f"        self.next(self.{after})",
        ]
    lines += [
        "",
        "    @step",
        "    def end(self):",
        '        """Store the run record (metrics, report, predictions)."""',
        "        bridge.finish(self, FLOW)",
        "",
        "",
        'if __name__ == "__main__":',
        f"    {cls}()",
        "",
    ]
    return "\n".join(lines)


def _script_dir() -> Path:
    env = os.environ.get(SCRIPT_DIR_ENV)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "dtnmodels" / "metaflow"


def write_flowspec(
    ref: str,
    path: str | Path | None = None,
    *,
    default_config: str | None = None,
    schedule: str | None = None,
) -> Path:
    """Write the Metaflow script of flow ``ref`` (atomically; unchanged files kept).

    Parameters
    ----------
    ref : str
        Registered flow name or ``module:Class``.
    path : path, optional
        Target file; default ``$DTNMODELS_METAFLOW_DIR/dtn_<flow>_flow.py``
        (``~/.cache/dtnmodels/metaflow`` when the variable is unset).

    default_config, schedule : str, optional
        See :func:`render_flowspec`.

    Returns
    -------
    Path
        The script path.
    """
    source = render_flowspec(ref, default_config=default_config, schedule=schedule)
    if path is None:
        name = re.sub(r"[^0-9A-Za-z]+", "_", resolve_flow(ref).name)
        path = _script_dir() / f"dtn_{name}_flow.py"
    path = Path(path)
    if path.name == "metaflow.py":
        raise ConfigError("a Metaflow script cannot be called metaflow.py")
    if path.is_file() and path.read_text(encoding="utf-8") == source:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(source)
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------
# Step bodies called by the generated FlowSpec
# --------------------------------------------------------------------------


def _artifact(step_name: str) -> str:
    return f"{_ARTIFACT_PREFIX}{step_name}"


def _find_step(flow: Flow, name: str) -> Step:
    for step in flow.steps:
        if step.name == name:
            return step
    raise ConfigError(f"flow {flow.name!r} has no step {name!r}")


def _has_default_config(flow: Flow) -> bool:
    from dtnmodels.flows.config import default_config_path

    return default_config_path(flow.name).is_file()


def _split_overrides(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def start(spec: Any, ref: str) -> None:
    """``start`` step: resolve, validate and store the config; fingerprint inputs."""
    from omegaconf import OmegaConf

    from dtnmodels.flows.config import load_flow_config
    from dtnmodels.flows.runner import _code_version, _versions
    from dtnmodels.io.run_store import file_fingerprint

    flow = resolve_flow(ref)
    overrides = _split_overrides(spec.overrides)
    if spec.as_of:
        overrides.append(f"run.as_of={spec.as_of}")

    with tempfile.TemporaryDirectory() as tmp:
        files: list[Path] = []
        if spec.config:
            files.append(Path(tmp) / "config.yaml")
            files[0].write_text(spec.config, encoding="utf-8")
        cfg = load_flow_config(
            flow.name,
            flow.schema,
            files=files,
            overrides=overrides,
            include_default=_has_default_config(flow),
        )
    flow.check_inputs(cfg)

    spec.flow_name = flow.name
    spec.config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    spec.dtn_overrides = overrides
    spec.dtn_inputs = {
        key: file_fingerprint(path) for key, path in flow.input_paths(cfg).items()
    }
    spec.dtn_started = datetime.now(UTC).isoformat()
    spec.dtn_code_version = _code_version()
    spec.dtn_versions = _versions()
    spec.dtn_steps = {}


def _config(spec: Any, flow: Flow) -> DictConfig:
    from omegaconf import OmegaConf

    cfg = OmegaConf.merge(
        OmegaConf.structured(flow.schema), OmegaConf.create(spec.config_yaml)
    )
    OmegaConf.set_readonly(cfg, True)
    return cfg


def _call(
    spec: Any, flow: Flow, step: Step, func: Any, *extra: Any, batch: Any = None
) -> tuple[Any, dict[str, Any]]:
    """Run ``func(ctx, *extra)`` for ``step`` under the configured dask scheduler."""
    from dtnmodels.flows.compute import dask_scheduler
    from dtnmodels.flows.runner import _PeakMemory

    cfg = _config(spec, flow)
    ctx = BatchContext(
        cfg=cfg,
        inputs={name: getattr(spec, _artifact(name)) for name in step.needs},
        log=logging.getLogger(f"dtnmodels.flows.{flow.name}.{step.name}"),
        show_progress=False,
        batch=batch,
    )
    began = time.perf_counter()
    with dask_scheduler(cfg.get("compute") or {}), _PeakMemory() as memory:
        result = func(ctx, *extra)
    record = {
        "wall_seconds": round(time.perf_counter() - began, 4),
        "peak_rss_mb": round(memory.peak / 2**20, 1),
    }
    return result, record


def _store(spec: Any, step: Step, result: Any, record: dict[str, Any]) -> None:
    setattr(spec, _artifact(step.name), result)
    steps = dict(spec.dtn_steps)
    steps[step.name] = record
    spec.dtn_steps = steps


def run_step(spec: Any, ref: str, name: str) -> None:
    """Run dtnmodels step ``name`` whole; its output becomes ``out_<name>``."""
    flow = resolve_flow(ref)
    step = _find_step(flow, name)
    result, record = _call(spec, flow, step, step.func)
    _store(spec, step, result, record)


def split_step(spec: Any, ref: str, name: str) -> None:
    """Head of a split step: ``split(ctx)`` becomes the foreach list ``dtn_batches``."""
    flow = resolve_flow(ref)
    step = _find_step(flow, name)
    batches, _ = _call(spec, flow, step, step.split)
    batches = list(batches)
    if not batches:
        raise DataValidationError(
            f"step {name!r} of flow {flow.name!r} split its work into no batches; "
            "check that the inputs hold at least one series or region"
        )
    log.info("%s: %d batches", name, len(batches))
    spec.dtn_batches = batches


def run_batch(spec: Any, ref: str, name: str) -> None:
    """One foreach task: run the step on batch ``spec.input``; keep the part."""
    flow = resolve_flow(ref)
    step = _find_step(flow, name)
    part, record = _call(spec, flow, step, step.func, batch=spec.input)
    spec.dtn_batch = spec.input
    spec.dtn_part = part
    spec.dtn_part_index = spec.index
    spec.dtn_part_record = record


def join_batches(spec: Any, ref: str, name: str, inputs: Sequence[Any]) -> None:
    """Join of a split step: ``combine(ctx, parts)`` in batch order → ``out_<name>``."""
    flow = resolve_flow(ref)
    step = _find_step(flow, name)
    ordered = sorted(inputs, key=lambda task: task.dtn_part_index)
    parts = [task.dtn_part for task in ordered]
    spec.merge_artifacts(
        inputs, exclude=["dtn_batch", "dtn_part", "dtn_part_index", "dtn_part_record"]
    )
    result, record = _call(spec, flow, step, step.combine, parts)
    record["batches"] = [task.dtn_part_record for task in ordered]
    record["wall_seconds"] += sum(r["wall_seconds"] for r in record["batches"])
    _store(spec, step, result, record)


def finish(spec: Any, ref: str) -> None:
    """``end`` step: expose the run record as artifacts; optionally write it to disk.

    Raises
    ------
    TypeError
        If the last step did not return :class:`FlowOutputs`.
    """
    flow = resolve_flow(ref)
    last = flow.steps[-1]
    outputs = getattr(spec, _artifact(last.name))
    if not isinstance(outputs, FlowOutputs):
        raise TypeError(
            f"the last step of flow {flow.name!r} must return FlowOutputs, "
            f"got {type(outputs).__name__}"
        )

    spec.metrics = outputs.metrics
    spec.report_html = outputs.report_html
    spec.predictions = outputs.predictions
    spec.tables = dict(outputs.tables)
    spec.grids = {name: ds.load() for name, ds in outputs.grids.items()}
    ended = datetime.now(UTC)
    spec.manifest = {
        "flow": flow.name,
        "status": "succeeded",
        "engine": "metaflow",
        "pathspec": f"{spec.name}/{_current('run_id')}",
        "started": spec.dtn_started,
        "ended": ended.isoformat(),
        "overrides": list(spec.dtn_overrides),
        "code_version": spec.dtn_code_version,
        "versions": spec.dtn_versions,
        "inputs": spec.dtn_inputs,
        "steps": spec.dtn_steps,
    }
    if spec.out:
        spec.run_dir = str(_write_record(spec, flow, outputs))


def _current(attr: str) -> Any:
    from metaflow import current

    return getattr(current, attr, None)


def _write_record(spec: Any, flow: Flow, outputs: FlowOutputs) -> Path:
    """Write the dtnmodels run directory and append to ``runs.parquet``."""
    import yaml

    from dtnmodels.io.run_store import RunWriter, append_run_index

    writer = RunWriter(spec.out, flow.name)
    writer.write_text("config.yaml", spec.config_yaml)
    writer.write_json("manifest.json", dict(spec.manifest, run_id=writer.run_id))
    writer.write_json("metrics.json", outputs.metrics)
    writer.write_text("report.html", outputs.report_html)
    if outputs.predictions is not None:
        writer.write_parquet("predictions.parquet", outputs.predictions)
    for name, ds in outputs.grids.items():
        writer.write_netcdf(f"{name}.nc", ds)
    for name, table in outputs.tables.items():
        writer.write_parquet(f"{name}.parquet", table)
    run_dir = writer.publish()

    as_of = (yaml.safe_load(spec.config_yaml).get("run") or {}).get("as_of")
    selected = outputs.metrics.get("selected")
    row: dict[str, Any] = {
        "flow": flow.name,
        "as_of": as_of,
        "run_dir": str(run_dir),
        "status": "succeeded",
        "recorded": datetime.now(UTC).isoformat(),
        "selected": selected,
    }
    scores = (outputs.metrics.get("models") or {}).get(selected) or {}
    for metric, value in scores.items():
        if isinstance(value, (int, float)) and "@" not in metric:
            row[f"metric_{metric}"] = float(value)
    append_run_index(spec.out, row)
    return run_dir


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

_USAGE = """\
usage: python -m dtnmodels.flows.metaflow FLOW [--export PATH [OPTIONS] | METAFLOW ARGS]

FLOW is storm, crop, fuel or package.module:FlowClass. Everything after FLOW is
passed to Metaflow, e.g.:
  run --config my.yaml --set 'model.name=ets;run.seed=1' --as-of 2024-06-30
  --with kubernetes run --config my.yaml
  argo-workflows create
  show
--export PATH writes the generated Metaflow script to PATH (for deployment);
  --default-config FILE  config used when none is passed (read at deploy time)
  --schedule daily       add @schedule (hourly, daily or weekly) for Argo Workflows
"""


def _export(ref: str, args: Sequence[str]) -> Path:
    """``--export PATH [--default-config FILE] [--schedule daily]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog=f"{ref} --export", add_help=False, exit_on_error=False
    )
    parser.add_argument("path")
    parser.add_argument("--default-config")
    parser.add_argument("--schedule", choices=("hourly", "daily", "weekly"))
    try:
        opts, unknown = parser.parse_known_args(list(args))
    except argparse.ArgumentError as exc:
        raise ConfigError(f"--export: {exc}") from exc
    if unknown:
        raise ConfigError(f"--export: unexpected arguments {unknown}")
    return write_flowspec(
        ref, opts.path, default_config=opts.default_config, schedule=opts.schedule
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m dtnmodels.flows.metaflow``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(_USAGE, end="")
        return 0 if args else 2
    ref, rest = args[0], args[1:]
    try:
        if rest[:1] == ["--export"]:
            print(_export(ref, rest[1:]))
            return 0
        script = write_flowspec(ref)
    except ConfigError as exc:
        print(f"dtnmodels: error: {exc}", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(script), *rest])


if __name__ == "__main__":
    sys.exit(main())
