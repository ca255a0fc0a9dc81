"""Hierarchy summing matrix, aggregation and reconciliation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError
from dtnmodels.fuel.hierarchy import aggregate, build_hierarchy
from dtnmodels.fuel.reconcile import coherence_error, reconcile, shrink_covariance

MAPPING = pd.DataFrame({"unique_id": ["a", "b", "c"], "terminal": ["T1", "T1", "T2"]})


def _history() -> pd.DataFrame:
    ds = pd.date_range("2021-01-01", periods=30, freq="D")
    rng = np.random.default_rng(1)
    return pd.concat(
        [
            pd.DataFrame({"unique_id": u, "ds": ds, "y": level + rng.normal(0, 1, 30)})
            for u, level in (("a", 10.0), ("b", 20.0), ("c", 30.0))
        ]
    )


def _incoherent_forecast(hierarchy) -> pd.DataFrame:
    ds = pd.date_range("2021-02-01", periods=2, freq="D")
    base = {"total": 70.0, "T1": 25.0, "T2": 33.0, "a": 10.0, "b": 20.0, "c": 30.0}
    rows = [
        {
            "unique_id": n,
            "ds": d,
            "mean": base[n],
            "q0.1": base[n] - 1,
            "q0.9": base[n] + 1,
        }
        for n in hierarchy.nodes
        for d in ds
    ]
    return pd.DataFrame(rows)


def test_summing_matrix_by_hand():
    """S rows: total, T1, T2, then the identity for a, b, c."""
    expected = np.array(
        [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], float
    )

    hierarchy = build_hierarchy(MAPPING, levels=["terminal"])

    assert hierarchy.nodes == ["total", "T1", "T2", "a", "b", "c"]
    np.testing.assert_array_equal(hierarchy.S, expected)


def test_node_id_clash_is_refused():
    """A value used at two levels is an error naming both levels."""
    clash = MAPPING.assign(region=["T1", "T1", "T1"])

    with pytest.raises(DataValidationError, match="appears at levels"):
        build_hierarchy(clash, levels=["terminal", "region"])


def test_aggregate_sums_members():
    """Upper nodes hold the sums of their members at each time."""
    hierarchy = build_hierarchy(MAPPING, levels=["terminal"])
    history = _history()

    out = aggregate(history, hierarchy)

    t1 = out[out["unique_id"] == "T1"]["y"].to_numpy()
    a = history[history["unique_id"] == "a"]["y"].to_numpy()
    b = history[history["unique_id"] == "b"]["y"].to_numpy()
    np.testing.assert_allclose(t1, a + b)


@pytest.mark.parametrize("method", ["bottom_up", "top_down", "ols", "mint_shrink"])
def test_reconciled_forecasts_are_coherent(method):
    """Every method's means add up across the hierarchy to 1e-6."""
    hierarchy = build_hierarchy(MAPPING, levels=["terminal"])
    history = aggregate(_history(), hierarchy)
    wide = history.pivot(index="ds", columns="unique_id", values="y")
    residuals = wide - wide.mean()

    out = reconcile(
        _incoherent_forecast(hierarchy),
        hierarchy,
        method=method,
        residuals=residuals,
        history=history,
    )

    assert coherence_error(out, hierarchy) < 1e-6


def test_bottom_up_keeps_bottom_and_shifts_quantiles():
    """Bottom-up: total = 60 by hand; the quantiles move with the mean."""
    hierarchy = build_hierarchy(MAPPING, levels=["terminal"])

    out = reconcile(_incoherent_forecast(hierarchy), hierarchy, method="bottom_up")

    total = out[out["unique_id"] == "total"].iloc[0]
    assert total["mean"] == pytest.approx(60.0)
    assert total["q0.9"] == pytest.approx(61.0)


def test_shrink_covariance_matches_hand_formula():
    """Diagonal kept, off-diagonal scaled by (1 - lambda) with lambda in [0, 1]."""
    rng = np.random.default_rng(0)
    resid = rng.normal(size=(50, 3))
    centred = resid - resid.mean(axis=0)
    sample = centred.T @ centred / 50

    W, lam = shrink_covariance(resid)

    assert 0.0 <= lam <= 1.0
    np.testing.assert_allclose(np.diag(W), np.diag(sample))
    np.testing.assert_allclose(W[0, 1], (1 - lam) * sample[0, 1])
