"""Shared fixtures: the real public data directory and a seeded generator."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from dtnmodels.datasets import REAL_DATA_ENV, real_data_dir

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Root of ../shared/data (or $DTNMODELS_DATA); skip the test where it is absent."""
    root = real_data_dir()
    if root is None:
        pytest.skip(
            f"real public data not found: set {REAL_DATA_ENV} or place it at "
            "../shared/data (CI always has it)"
        )
    return root


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator; tests using it must pass for any seed."""
    seed = int(os.environ.get("DTNMODELS_TEST_SEED", "0"))
    return np.random.default_rng(seed)
