"""Tests for the crew allocation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError
from dtnmodels.storm.crews import plan_crews, unrestored_customer_hours


def test_customer_hours_formula_both_regimes():
    """Finished within the horizon: N²/(2rc); not finished: NH - rcH²/2."""
    finished = unrestored_customer_hours(100.0, 2, rate=10.0, horizon=10.0)
    unfinished = unrestored_customer_hours(1000.0, 2, rate=10.0, horizon=10.0)
    idle = unrestored_customer_hours(1000.0, 0, rate=10.0, horizon=10.0)

    assert float(finished) == pytest.approx(100**2 / (2 * 10 * 2))
    assert float(unfinished) == pytest.approx(1000 * 10 - 10 * 2 * 100 / 2)
    assert float(idle) == pytest.approx(1000 * 10)


def test_greedy_plan_matches_brute_force():
    """On a small case the greedy plan has the optimal total customer-hours."""
    demand = pd.Series([900.0, 300.0, 50.0, 0.0], index=["a", "b", "c", "d"])
    rate, horizon, crews = 10.0, 24.0, 6

    plan = plan_crews(demand, n_crews=crews, rate=rate, horizon=horizon)

    best = min(
        sum(
            float(unrestored_customer_hours(n, c, rate=rate, horizon=horizon))
            for n, c in zip(demand, combo, strict=True)
        )
        for combo in itertools.product(range(crews + 1), repeat=4)
        if sum(combo) == crews
    )
    assert plan["customer_hours"].sum() == pytest.approx(best)
    assert plan["crews"].sum() == crews
    assert plan.loc["d", "crews"] == 0


def test_no_crews_for_no_outages():
    """Crews stay home when nobody is out."""
    plan = plan_crews(pd.Series([0.0, 0.0], index=["a", "b"]), n_crews=3)

    assert plan["crews"].sum() == 0
    assert np.all(plan["restoration_hours"] == 0)


def test_negative_crews_refused():
    """A negative crew count is a clear error."""
    with pytest.raises(DataValidationError, match="n_crews"):
        plan_crews(pd.Series([1.0], index=["a"]), n_crews=-1)
