"""Figures of the fuel domain: projected tank inventory with planned loads."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["delivery_plot", "level_totals_plot"]


def delivery_plot(
    trajectory: pd.DataFrame,
    plan: pd.DataFrame,
    stations: pd.DataFrame,
    *,
    ids: Sequence[str] | None = None,
    max_stations: int = 4,
) -> Figure:
    """Projected inventory (m³) per station with reorder level, safety stock and loads.

    Parameters
    ----------
    trajectory, plan : DataFrame
        Outputs of :func:`dtnmodels.fuel.delivery.plan_deliveries`.
    stations : DataFrame
        Station table (capacity and safety stock are drawn).
    ids : sequence of str, optional
        Stations to show; default the ones with the earliest reorder dates.
    max_stations : int, default 4
    """
    if ids is None:
        order = plan.sort_values("reorder_date")["unique_id"].drop_duplicates()
        ids = (
            order.head(max_stations).tolist()
            or trajectory["unique_id"].drop_duplicates().head(max_stations).tolist()
        )
    fig = Figure(figsize=(9, 2.4 * len(ids)), layout="constrained")
    axes = fig.subplots(len(ids), 1, squeeze=False)[:, 0]
    info = stations.set_index(stations["unique_id"].astype(str))
    for ax, uid in zip(axes, ids, strict=True):
        path = trajectory[trajectory["unique_id"] == uid]
        ax.plot(
            path["ds"],
            path["inventory_m3"],
            color="tab:blue",
            label="projected inventory",
        )
        ax.plot(
            path["ds"],
            path["reorder_level_m3"],
            color="tab:orange",
            ls="--",
            label="reorder level",
        )
        ax.axhline(
            info.loc[uid, "safety_stock_m3"],
            color="tab:red",
            lw=0.8,
            label="safety stock",
        )
        ax.axhline(
            info.loc[uid, "tank_capacity_m3"], color="grey", lw=0.8, label="capacity"
        )
        loads = plan[plan["unique_id"] == uid]
        for _, load in loads.iterrows():
            ax.axvline(load["delivery_date"], color="tab:green", alpha=0.6)
        ax.set_title(f"{uid}: {len(loads)} load(s) planned", fontsize=9)
        ax.set_ylabel("m³")
    axes[0].legend(fontsize=7, ncol=4, loc="upper right")
    return fig


def level_totals_plot(
    history: pd.DataFrame,
    fcst: pd.DataFrame,
    nodes: Sequence[str],
    *,
    n_history: int = 120,
) -> Figure:
    """History and reconciled forecast (with the q10–q90 band) of upper nodes."""
    fig = Figure(figsize=(9, 2.3 * len(nodes)), layout="constrained")
    axes = fig.subplots(len(nodes), 1, squeeze=False)[:, 0]
    for ax, node in zip(axes, nodes, strict=True):
        hist = history[history["unique_id"] == node].tail(n_history)
        f = fcst[fcst["unique_id"] == node]
        ax.plot(hist["ds"], hist["y"], color="black", lw=1, label="observed")
        ax.plot(f["ds"], f["mean"], color="tab:blue", label="forecast")
        if {"q0.1", "q0.9"} <= set(f.columns):
            ax.fill_between(
                f["ds"],
                f["q0.1"],
                f["q0.9"],
                color="tab:blue",
                alpha=0.25,
                label="10–90 %",
            )
        ax.set_title(str(node), fontsize=9)
    axes[0].legend(fontsize=7, loc="upper left")
    return fig
