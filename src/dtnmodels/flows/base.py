"""What a flow is: named steps over one config, ending in metrics and a report.

A flow subclasses :class:`Flow`, names its config schema (a dataclass) and
lists its :class:`Step` objects in order, typically
``load → features → fit → predict → evaluate → report``. Each step is a
function of a :class:`StepContext` and returns any picklable object; the last
step returns :class:`FlowOutputs`. Steps declare which config keys and which
``data`` inputs they read, so ``--resume`` can tell which ones are unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from dtnmodels.core.errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from omegaconf import DictConfig

__all__ = ["Flow", "FlowOutputs", "Step", "StepContext"]

T = TypeVar("T")


@dataclass
class StepContext:
    """What a step sees: the resolved config and the outputs of the steps it needs."""

    cfg: DictConfig
    inputs: dict[str, Any]
    log: logging.Logger
    show_progress: bool = True
    #: Key of the batch to compute when an engine fans a split step out
    #: (``Step.split``); None means "the whole step".
    batch: Any = None

    def progress(
        self, iterable: Iterable[T], *, desc: str, total: int | None = None
    ) -> Iterator[T]:
        """Wrap a loop in a progress bar on stderr (silent when progress is off)."""
        if not self.show_progress:
            yield from iterable
            return
        from tqdm.auto import tqdm

        yield from tqdm(iterable, desc=desc, total=total, leave=False, unit="it")


@dataclass(frozen=True)
class Step:
    """One step of a flow.

    Parameters
    ----------
    name : str
        Unique within the flow; also the cache file name.
    func : callable
        ``func(ctx: StepContext) -> object``.
    needs : tuple of str
        Earlier steps whose outputs arrive in ``ctx.inputs`` under their names.
    config_keys : tuple of str
        Top-level or dotted config keys the step reads (for ``--resume``).
    data_inputs : tuple of str
        Keys under ``data`` naming files the step reads (for ``--resume``).
    split : callable, optional
        ``split(ctx) -> list`` of picklable batch keys (series ids, region
        ids, fold numbers). With ``combine``, an engine that fans out
        (Metaflow ``foreach``) runs ``func`` once per key with ``ctx.batch``
        set; ``dtnmodels run`` calls ``func`` once with ``ctx.batch=None``.
    combine : callable, optional
        ``combine(ctx, parts) -> object``: merge the per-batch results (in
        the order of ``split``) into what ``func`` returns for the whole step.
    """

    name: str
    func: Callable[[StepContext], Any]
    needs: tuple[str, ...] = ()
    config_keys: tuple[str, ...] = ()
    data_inputs: tuple[str, ...] = ()
    split: Callable[[StepContext], list[Any]] | None = None
    combine: Callable[[StepContext, list[Any]], Any] | None = None


@dataclass
class FlowOutputs:
    """What the last step returns; the runner writes each part to the run record.

    Attributes
    ----------
    metrics : dict
        ``{"flow", "selected", "baseline", "models": {model: {metric: value}}}``
        as made by :func:`dtnmodels.evaluate.metrics_payload`.
    report_html : str
        Offline HTML page (figures embedded) from :class:`dtnmodels.evaluate.Report`.
    predictions : DataFrame, optional
        Written as ``predictions.parquet``.
    grids : dict of str to Dataset
        Each written as ``<name>.nc``.
    tables : dict of str to DataFrame
        Each written as ``<name>.parquet`` (e.g. a delivery plan, a crew plan).
    """

    metrics: dict[str, Any]
    report_html: str
    predictions: pd.DataFrame | None = None
    grids: dict[str, xr.Dataset] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


class Flow:
    """Base class of the storm, crop and fuel flows."""

    name: ClassVar[str]
    summary: ClassVar[str]
    schema: ClassVar[type]
    steps: ClassVar[tuple[Step, ...]]

    def default_config(self) -> Path:
        """The packaged default config, ``dtnmodels/flows/configs/<name>.yaml``."""
        from dtnmodels.flows.config import default_config_path

        return default_config_path(self.name)

    def input_paths(self, cfg: DictConfig) -> dict[str, Path]:
        """Every file or folder named under ``data`` (None entries skipped)."""
        paths: dict[str, Path] = {}
        for key, value in (cfg.get("data") or {}).items():
            if isinstance(value, str) and value:
                paths[str(key)] = Path(value).expanduser()
        return paths

    def check_inputs(self, cfg: DictConfig) -> None:
        """Check that every input exists and can be opened; override to probe formats.

        Raises
        ------
        InputFileError
            Naming the ``data.<key>`` and the path.
        """
        for key, path in self.input_paths(cfg).items():
            if not path.exists():
                raise InputFileError(
                    f"data.{key}: {str(path)!r} not found; fix the path or pass "
                    f"--set data.{key}=PATH"
                )
            if path.is_file():
                try:
                    with path.open("rb") as fh:
                        fh.read(1)
                except OSError as exc:
                    raise InputFileError(
                        f"data.{key}: cannot read {str(path)!r}: {exc}"
                    ) from exc
