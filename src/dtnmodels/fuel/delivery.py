"""Delivery planning: when each station's tank needs a load, and how much.

Inventory is projected day by day from the current level by subtracting a
chosen quantile of the demand forecast (a high quantile such as 0.9 plans for
busy days). The *reorder level* on day ``t`` is the safety stock plus the
demand expected over the lead time that follows; when the projected
inventory at the end of day ``t`` falls to it, a load is ordered that day and
arrives ``lead_time_days`` later, filling the tank to capacity. The
simulation continues with that delivery, so a long horizon may hold several
loads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.core.interfaces import quantile_column

__all__ = ["STATION_COLUMNS", "plan_deliveries"]

STATION_COLUMNS = (
    "unique_id",
    "tank_capacity_m3",
    "inventory_m3",
    "safety_stock_m3",
    "lead_time_days",
)


def plan_deliveries(
    fcst: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    quantile: float = 0.9,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reorder dates and recommended deliveries per station.

    Parameters
    ----------
    fcst : DataFrame
        Daily demand forecasts (m³/day): ``unique_id``, ``ds`` and the column
        of ``quantile`` (e.g. ``q0.9``); the first row of each station is the
        first day after the current inventory reading.
    stations : DataFrame
        ``unique_id``, ``tank_capacity_m3``, ``inventory_m3`` (now),
        ``safety_stock_m3``, ``lead_time_days`` (whole days).
    quantile : float, default 0.9
        Demand quantile planned for.

    Returns
    -------
    plan : DataFrame
        One row per recommended load: ``unique_id``, ``reorder_date`` (day the
        projected inventory crosses the reorder level; order then),
        ``delivery_date``, ``quantity_m3``, ``inventory_at_delivery_m3`` and
        ``stockout_risk`` (True when the inventory would fall below the safety
        stock before the load arrives).
    trajectory : DataFrame
        ``unique_id``, ``ds``, ``demand_m3``, ``inventory_m3`` (end of day,
        after deliveries) and ``reorder_level_m3``.

    Raises
    ------
    DataValidationError
        Missing station columns or values, a station without forecasts, or
        impossible tank figures (inventory above capacity, safety stock at or
        above capacity).
    """
    col = quantile_column(quantile)
    missing = [c for c in STATION_COLUMNS if c not in stations.columns]
    if missing:
        raise DataValidationError(
            f"data.stations: missing column(s) {missing}; columns: "
            f"{list(stations.columns)}"
        )
    if col not in fcst.columns:
        raise DataValidationError(
            f"delivery.quantile {quantile}: the forecast has no column {col!r}; add "
            "it to quantiles"
        )
    table = stations[list(STATION_COLUMNS)].copy()
    table["unique_id"] = table["unique_id"].astype(str)
    bad = table[
        table.isna().any(axis=1)
        | (table["inventory_m3"] > table["tank_capacity_m3"])
        | (table["safety_stock_m3"] >= table["tank_capacity_m3"])
        | (table["lead_time_days"] < 0)
    ]
    if len(bad):
        raise DataValidationError(
            f"data.stations: impossible or missing tank figures for stations "
            f"{bad['unique_id'].tolist()[:5]} (need inventory <= capacity, "
            "safety stock < capacity, lead time >= 0)"
        )
    no_fcst = sorted(set(table["unique_id"]) - set(fcst["unique_id"].astype(str)))
    if no_fcst:
        raise DataValidationError(
            f"data.stations: no demand forecast for stations {no_fcst[:5]}"
        )

    plans, paths = [], []
    by_id = {str(k): g for k, g in fcst.groupby("unique_id", sort=True)}
    for row in table.itertuples(index=False):
        rows = by_id[row.unique_id].sort_values("ds")
        plan, path = _simulate(
            row.unique_id,
            rows["ds"].to_numpy(),
            np.maximum(rows[col].to_numpy(float), 0.0),
            capacity=float(row.tank_capacity_m3),
            inventory=float(row.inventory_m3),
            safety=float(row.safety_stock_m3),
            lead=int(row.lead_time_days),
        )
        plans.extend(plan)
        paths.append(path)
    plan = pd.DataFrame(
        plans,
        columns=[
            "unique_id",
            "reorder_date",
            "delivery_date",
            "quantity_m3",
            "inventory_at_delivery_m3",
            "stockout_risk",
        ],
    )
    return plan, pd.concat(paths, ignore_index=True)


def _simulate(uid, ds, demand, *, capacity, inventory, safety, lead):
    h = len(demand)
    arrivals: dict[int, int] = {}  # arrival day -> index in plan
    plan: list[dict] = []
    level = inventory
    end_levels, reorder_levels = np.empty(h), np.empty(h)
    pending = False
    for t in range(h):
        if t in arrivals:
            load = plan[arrivals[t]]
            load["inventory_at_delivery_m3"] = round(level, 2)
            load["quantity_m3"] = round(capacity - level, 2)
            level = capacity
            pending = False
        level -= demand[t]
        reorder = safety + float(demand[t + 1 : t + 1 + lead].sum())
        end_levels[t], reorder_levels[t] = level, reorder
        if not pending and level <= reorder:
            arrive = t + max(lead, 1)
            plan.append(
                {
                    "unique_id": uid,
                    "reorder_date": pd.Timestamp(ds[t]),
                    "delivery_date": pd.Timestamp(ds[t])
                    + pd.Timedelta(days=max(lead, 1)),
                    "quantity_m3": np.nan,
                    "inventory_at_delivery_m3": np.nan,
                    "stockout_risk": bool(
                        level - float(demand[t + 1 : arrive].sum()) < safety
                    ),
                }
            )
            if arrive < h:
                arrivals[arrive] = len(plan) - 1
                pending = True
            else:
                projected = level - float(demand[t + 1 :].sum())
                plan[-1]["inventory_at_delivery_m3"] = round(projected, 2)
                plan[-1]["quantity_m3"] = round(capacity - max(projected, 0.0), 2)
                pending = True
    path = pd.DataFrame(
        {
            "unique_id": uid,
            "ds": ds,
            "demand_m3": demand,
            "inventory_m3": end_levels,
            "reorder_level_m3": reorder_levels,
        }
    )
    return plan, path
