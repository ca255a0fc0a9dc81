"""Save and load sparse grid-to-region operators (``.npz`` with a JSON header).

:class:`dtnmodels.grid.RegionAggregator` and the regridding weights are pure
arrays plus a small description (grid georeference, hash keys). This module
is the only place they touch the file system. Files are written atomically
(temporary file in the same folder, then rename), so a crashed run never
leaves a half-written cache behind.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from dtnmodels.core.errors import InputFileError

__all__ = ["FORMAT_VERSION", "read_operator", "write_operator"]

log = logging.getLogger(__name__)

#: Version of the on-disk layout; bumped when the stored arrays change meaning.
FORMAT_VERSION = 1

_META = "__meta__"


def write_operator(
    path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict
) -> Path:
    """Write named arrays and a JSON-serialisable header to ``path`` atomically.

    Parameters
    ----------
    path : path-like
        Destination; ``.npz`` is appended when missing.
    arrays : dict of str to numpy.ndarray
        Arrays to store (no object dtype).
    meta : dict
        JSON-serialisable description (keys, grid georeference).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format_version": FORMAT_VERSION, **meta}
    payload = {k: np.asarray(v) for k, v in arrays.items()}
    payload[_META] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.debug("wrote operator %r (%d arrays)", str(path), len(arrays))
    return path


def read_operator(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read arrays and header written by :func:`write_operator`.

    Parameters
    ----------
    path : path-like
        File written by :func:`write_operator`.

    Returns
    -------
    arrays : dict of str to numpy.ndarray
    meta : dict

    Raises
    ------
    InputFileError
        If the file is missing, not an operator file, or of another version.
    """
    path = Path(path)
    if not path.exists() and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except FileNotFoundError as exc:
        raise InputFileError(f"operator cache {str(path)!r} does not exist") from exc
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise InputFileError(
            f"operator cache {str(path)!r} is not a readable .npz file: {exc}"
        ) from exc
    if _META not in arrays:
        raise InputFileError(
            f"{str(path)!r} is an .npz file but not a dtnmodels operator cache"
        )
    meta = json.loads(arrays.pop(_META).tobytes().decode())
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputFileError(
            f"operator cache {str(path)!r} has format version "
            f"{meta.get('format_version')!r}, expected {FORMAT_VERSION}; rebuild it"
        )
    log.debug("read operator %r", str(path))
    return arrays, meta
