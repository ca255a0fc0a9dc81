"""Write run records atomically: a run directory appears complete or not at all.

A run is written into a hidden staging folder beside its final place
(``<out>/<flow>/.staging-<id>``) and renamed into ``<out>/<flow>/<run id>``
when it ends. Existing run directories are never written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import pickle
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dtnmodels.core.errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from omegaconf import DictConfig

__all__ = [
    "RunWriter",
    "append_run_index",
    "file_fingerprint",
    "load_step_output",
    "read_manifest",
]

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"

_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide run records
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunWriter:
    """Stage the files of one run, then publish them with one rename.

    Parameters
    ----------
    out_root : path
        Folder holding all runs; each flow gets a subfolder.
    flow : str
        Flow name, used for the subfolder and the run id.
    run_id : str, optional
        Name of the final directory; default ``<UTC timestamp>-<8 hex>``.
    """

    def __init__(self, out_root: str | Path, flow: str, *, run_id: str | None = None):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.run_id = run_id or f"{stamp}-{uuid.uuid4().hex[:8]}"
        self.parent = Path(out_root).expanduser().resolve() / flow
        self.final_dir = self.parent / self.run_id
        if self.final_dir.exists():
            raise InputFileError(
                f"run directory {str(self.final_dir)!r} already exists; "
                "runs are never overwritten, choose another --out or run id"
            )
        self.parent.mkdir(parents=True, exist_ok=True)
        _sweep_abandoned_staging(self.parent)
        self.staging = Path(
            tempfile.mkdtemp(
                dir=self.parent, prefix=f"{STAGING_PREFIX}{os.getpid()}-{self.run_id}-"
            )
        )
        log.debug("staging run in %r", str(self.staging))

    def path(self, name: str) -> Path:
        """Path of a file inside the staging folder (parents created)."""
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write_text(self, name: str, text: str) -> Path:
        """Write a UTF-8 text file."""
        target = self.path(name)
        _atomic_write_bytes(target, text.encode("utf-8"))
        return target

    def write_json(self, name: str, obj: Any) -> Path:
        """Write JSON with sorted keys and NaN kept as ``NaN`` (pandas-readable)."""
        return self.write_text(name, json.dumps(obj, indent=2, default=_json_default))

    def write_config(self, name: str, cfg: DictConfig) -> Path:
        """Write a resolved OmegaConf config as YAML."""
        from omegaconf import OmegaConf

        return self.write_text(name, OmegaConf.to_yaml(cfg, resolve=True))

    def write_parquet(self, name: str, df: pd.DataFrame) -> Path:
        """Write a frame to Parquet (pyarrow)."""
        target = self.path(name)
        tmp = target.with_name(f".{target.name}.tmp")
        df.to_parquet(tmp, index=False)
        os.replace(tmp, target)
        return target

    def write_netcdf(self, name: str, ds: xr.Dataset) -> Path:
        """Write a Dataset to NetCDF4 (computing any dask arrays)."""
        target = self.path(name)
        tmp = target.with_name(f".{target.name}.tmp")
        ds.to_netcdf(tmp)
        os.replace(tmp, target)
        return target

    def write_pickle(self, name: str, obj: Any) -> Path | None:
        """Pickle a step's output for ``--resume``; None when it cannot be pickled."""
        try:
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            log.info("step output %r not cached: %s", name, exc)
            return None
        target = self.path(name)
        _atomic_write_bytes(target, _sign(data) + data)
        return target

    def publish(self) -> Path:
        """Rename the staging folder to the final run directory and return it."""
        os.rename(self.staging, self.final_dir)
        log.info("run recorded in %r", str(self.final_dir))
        return self.final_dir

    def discard(self) -> None:
        """Remove the staging folder (used when a run is interrupted)."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _sweep_abandoned_staging(parent: Path) -> None:
    """Remove staging folders left by runs whose process no longer exists (killed)."""
    for folder in parent.glob(f"{STAGING_PREFIX}*"):
        pid_text = folder.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        log.info("removing staging folder of a killed run: %r", str(folder))
        shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (Path, datetime)):
        return str(obj)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def file_fingerprint(path: str | Path) -> dict[str, Any]:
    """Size in bytes and SHA-256 of a file, or of every file below a folder."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"input {str(path)!r} not found")
    files = (
        sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    )
    digest = hashlib.sha256()
    size = 0
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        with file.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        size += file.stat().st_size
    return {"path": str(path.resolve()), "size": size, "sha256": digest.hexdigest()}


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """Read ``manifest.json`` of a finished run."""
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        raise InputFileError(
            f"{str(run_dir)!r} is not a run directory (no manifest.json inside)"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputFileError(f"cannot read {str(path)!r}: {exc}") from exc


def load_step_output(run_dir: str | Path, name: str) -> Any:
    """Unpickle a cached step output written by :meth:`RunWriter.write_pickle`."""
    path = Path(run_dir) / name
    blob = path.read_bytes()
    tag, data = blob[:_TAG_BYTES], blob[_TAG_BYTES:]
    if not hmac.compare_digest(tag, _sign(data)):
        # written elsewhere or altered: never unpickle it (pickle runs code)
        raise InputFileError(
            f"{str(path)!r} was not written by a run on this machine for this "
            "user; it is not reused (rerun without --resume)"
        )
    return pickle.loads(data)


_TAG_BYTES = 32


def _resume_key() -> bytes:
    """Per-user secret (0600) that signs cached step outputs."""
    home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    path = home / "dtnmodels" / "resume.key"
    if not path.exists():
        # written whole to a private temp file, then linked into place, so that
        # concurrent first runs agree on one key and never read a partial one
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".resume.key.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_bytes()


def _sign(data: bytes) -> bytes:
    return hmac.new(_resume_key(), data, hashlib.sha256).digest()


def append_run_index(out_root: str | Path, row: dict[str, Any]) -> Path:
    """Append one row to ``<out_root>/runs.parquet`` (rewritten atomically).

    Concurrent runs writing to the same folder (two cron jobs, ``run all`` in
    parallel) are serialised with an advisory lock on ``.runs.parquet.lock``
    so that no row is lost between the read and the rename.
    """
    import pandas as pd

    index_path = Path(out_root).expanduser().resolve() / "runs.parquet"
    index_path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(index_path.with_name(f".{index_path.name}.lock")):
        frame = pd.DataFrame([row])
        if index_path.exists():
            frame = pd.concat([pd.read_parquet(index_path), frame], ignore_index=True)
        tmp = index_path.with_name(f".{index_path.name}.{uuid.uuid4().hex[:6]}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, index_path)
    return index_path


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``lock_path`` (no-op without fcntl)."""
    try:
        import fcntl
    except ImportError:  # Windows: best effort, no lock
        yield
        return
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
