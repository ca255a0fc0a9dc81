"""Choose where dask work runs, from the ``compute`` section of a config."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dtnmodels.core.errors import ConfigError

if TYPE_CHECKING:
    from omegaconf import DictConfig

__all__ = ["dask_scheduler"]

log = logging.getLogger(__name__)

#: Packages whose import registers the built-in models (``register_model``).
#: A dask worker is a fresh process: a task that creates a model by name needs
#: them imported there too, so every worker imports them when it starts.
MODEL_PACKAGES = (
    "dtnmodels.evaluate.baselines",
    "dtnmodels.storm",
    "dtnmodels.crop",
    "dtnmodels.fuel",
)


def _import_model_packages() -> None:
    for module in MODEL_PACKAGES:
        importlib.import_module(module)


def _prepare_workers(client: Any) -> None:
    """Make registered model names resolvable on every (current and future) worker."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class ImportModels(WorkerPlugin):
        name = "dtnmodels-import-models"

        def setup(self, worker: Any) -> None:
            _import_model_packages()

    client.register_plugin(ImportModels())


def _quiet_distributed_logs() -> None:
    """Keep distributed's own INFO chatter out of a run unless the user asked for it."""
    floor = max(logging.getLogger().getEffectiveLevel(), logging.WARNING)
    names = [n for n in logging.root.manager.loggerDict if n.startswith("distributed")]
    for name in ["distributed", *names]:
        logger = logging.getLogger(name)
        if logger.level and logger.level < floor:
            logger.setLevel(floor)


@contextlib.contextmanager
def dask_scheduler(
    compute: DictConfig | dict[str, Any], *, auto: str = "threads"
) -> Iterator[dict[str, Any]]:
    """Activate the configured dask scheduler for the duration of a run.

    Yields a dict describing the scheduler (recorded in the run manifest).
    ``auto`` stands for the scheduler given by the caller (``auto=``): the
    command line asks for ``local``, notebooks and Metaflow tasks for ``threads``.
    ``local`` starts a ``dask.distributed.LocalCluster`` on localhost;
    ``tcp://...`` connects to an existing scheduler. Nothing home-made.
    """
    import dask

    scheduler = str(compute.get("scheduler") or "auto")
    if scheduler == "auto":
        scheduler = auto
    if scheduler in ("threads", "synchronous", "processes"):
        with dask.config.set(scheduler=scheduler):
            yield {"scheduler": scheduler}
        return

    from dask.distributed import Client, LocalCluster

    _quiet_distributed_logs()
    if scheduler == "local":
        kwargs: dict[str, Any] = {"processes": True, "dashboard_address": None}
        for key in ("n_workers", "threads_per_worker", "memory_limit"):
            if compute.get(key) is not None:
                kwargs[key] = compute.get(key)
        with LocalCluster(**kwargs) as cluster, Client(cluster) as client:
            _prepare_workers(client)
            log.info("dask LocalCluster with %d workers", len(cluster.workers))
            yield {
                "scheduler": "local",
                "n_workers": len(cluster.workers),
                "address": cluster.scheduler_address,
            }
            del client
        return

    if scheduler.startswith(("tcp://", "tls://", "ucx://")):
        with Client(scheduler) as client:
            _prepare_workers(client)
            info = client.scheduler_info()
            yield {"scheduler": scheduler, "n_workers": len(info.get("workers", {}))}
        return

    raise ConfigError(
        f"compute.scheduler: {scheduler!r} is not one of auto, threads, "
        "synchronous, processes, local or a tcp://host:port address"
    )
