"""Near-duplicate detection between one series' test window and others' history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dtnmodels.fuel.diagnostics import leaky_duplicates


def test_copied_test_window_is_found():
    """b's four test values sit inside a's history; c's do not."""
    ds = pd.date_range("2020-01-05", periods=12, freq="W-SUN")
    a = np.arange(1.0, 13.0)
    b = np.r_[np.full(8, 50.0), a[2:6]]  # test weeks = a[2:6]
    c = np.r_[np.full(8, 50.0), [99.0, 98.0, 97.0, 96.0]]
    frames = [
        pd.DataFrame({"unique_id": u, "ds": ds, "y": v})
        for u, v in (("a", a), ("b", b), ("c", c))
    ]
    history = pd.concat(frames, ignore_index=True)
    history = history[~((history["unique_id"] == "a") & (history["ds"] > ds[7]))]

    found = leaky_duplicates(history, ds[7])

    assert found == ["b"]
