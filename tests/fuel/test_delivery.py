"""Delivery planning against hand-computed inventories."""

from __future__ import annotations

import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError
from dtnmodels.fuel.delivery import plan_deliveries


def _fcst(days: int = 10, demand: float = 10.0) -> pd.DataFrame:
    ds = pd.date_range("2022-01-01", periods=days, freq="D")
    return pd.DataFrame({"unique_id": "A", "ds": ds, "q0.9": demand})


STATION = pd.DataFrame(
    {
        "unique_id": ["A"],
        "tank_capacity_m3": [100.0],
        "inventory_m3": [50.0],
        "safety_stock_m3": [20.0],
        "lead_time_days": [2],
    }
)


def test_first_load_by_hand():
    """50 m3, 10/day, reorder level 20 + 2x10 = 40: order day 1, arrive day 3."""
    plan, trajectory = plan_deliveries(_fcst(), STATION, quantile=0.9)

    first = plan.iloc[0]
    assert first["reorder_date"] == pd.Timestamp("2022-01-01")
    assert first["delivery_date"] == pd.Timestamp("2022-01-03")
    assert first["inventory_at_delivery_m3"] == pytest.approx(30.0)
    assert first["quantity_m3"] == pytest.approx(70.0)
    assert trajectory["inventory_m3"].iloc[2] == pytest.approx(90.0)


def test_second_load_after_refill():
    """After the refill to 100 at day 3 the level reaches 40 at the end of day 8."""
    plan, _ = plan_deliveries(_fcst(), STATION, quantile=0.9)

    assert plan["reorder_date"].tolist()[1] == pd.Timestamp("2022-01-08")
    assert not plan["stockout_risk"].any()


def test_impossible_tank_figures_are_refused():
    """Inventory above capacity names the station."""
    bad = STATION.assign(inventory_m3=[150.0])

    with pytest.raises(DataValidationError, match=r"impossible.*\['A'\]"):
        plan_deliveries(_fcst(), bad, quantile=0.9)
