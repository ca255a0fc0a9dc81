"""Locate the embedded samples and the real public data.

Samples ship inside the wheel (``dtnmodels/datasets/_samples``) and, in a
source checkout, live in ``data/samples`` at the repository root. Real data
are found through the ``DTNMODELS_DATA`` environment variable, else at
``../shared/data`` relative to the working directory or the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

from dtnmodels.core.errors import InputFileError

__all__ = [
    "REAL_DATA_ENV",
    "real_data_dir",
    "require_real_data",
    "sample_dir",
    "sample_path",
]

REAL_DATA_ENV = "DTNMODELS_DATA"

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parents[2]


def sample_dir() -> Path:
    """Directory holding the embedded samples (wheel copy first, then checkout)."""
    for candidate in (_PACKAGE_DIR / "_samples", _REPO_ROOT / "data" / "samples"):
        if (candidate / "MANIFEST.json").is_file():
            return candidate
    raise InputFileError(
        "embedded samples not found; in a source checkout run "
        "`python scripts/make_samples.py` to create data/samples"
    )


def sample_path(relative: str) -> Path:
    """Absolute path of one sample file, e.g. ``sample_path("fuel/demand.parquet")``."""
    path = sample_dir() / relative
    if not path.exists():
        raise InputFileError(f"sample file {relative!r} not found in {sample_dir()}")
    return path


def real_data_dir() -> Path | None:
    """The real public data directory, or None where it is absent.

    Looks at ``$DTNMODELS_DATA``, then ``../shared/data`` from the current
    directory, then ``../shared/data`` beside the repository root.
    """
    env = os.environ.get(REAL_DATA_ENV)
    if env:
        path = Path(env).expanduser()
        return path if path.is_dir() else None
    for base in (Path.cwd(), _REPO_ROOT):
        candidate = (base / ".." / "shared" / "data").resolve()
        if candidate.is_dir():
            return candidate
    return None


def require_real_data(relative: str = "") -> Path:
    """Path inside the real data directory; raise with what to do if it is absent."""
    root = real_data_dir()
    if root is None:
        raise InputFileError(
            f"real data directory not found: set {REAL_DATA_ENV} to the folder "
            "holding the public data, or place it at ../shared/data"
        )
    path = root / relative
    if relative and not path.exists():
        raise InputFileError(f"{relative!r} not found under {root}")
    return path
