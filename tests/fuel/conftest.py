"""Small synthetic series shared by the fuel tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dtnmodels.fuel  # noqa: F401  (registers the fuel forecasters)


def weekly_pattern_frame(
    n_series: int = 3, n_days: int = 140, *, seed: int = 0, noise: float = 0.0
) -> pd.DataFrame:
    """Daily series: level x a fixed weekly pattern (+ optional noise)."""
    rng = np.random.default_rng(seed)
    pattern = np.array([1.0, 1.0, 1.1, 1.2, 1.5, 0.9, 0.7])
    ds = pd.date_range("2021-01-04", periods=n_days, freq="D")  # a Monday
    frames = []
    for i in range(n_series):
        level = 10.0 * (i + 1)
        y = level * np.resize(pattern, n_days)
        y = y * (1 + noise * rng.standard_normal(n_days))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def weekly_frame() -> pd.DataFrame:
    """Three noise-free daily series with the same weekly pattern."""
    return weekly_pattern_frame()
