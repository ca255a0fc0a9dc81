"""Storm figures: region maps of predicted impact and crews, held-out scatter.

Every function returns a :class:`matplotlib.figure.Figure` made without pyplot
(so nothing leaks between runs); :class:`dtnmodels.evaluate.Report` embeds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.figure import Figure

__all__ = ["held_out_scatter", "region_map"]


def region_map(
    regions: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    id_col: str,
    title: str,
    label: str,
    cmap: str = "OrRd",
    flagged: Sequence[str] = (),
    annotate: bool = False,
) -> Figure:
    """Choropleth of one value per region (NaN in grey, flagged regions hatched).

    Parameters
    ----------
    regions : geopandas.GeoDataFrame
        Polygons with ``id_col``.
    values : pandas.Series
        Values indexed by region id.
    id_col : str
        Region id column.
    title, label : str
        Axes title and colour-bar label (with units).
    cmap : str, default "OrRd"
        Matplotlib colour map.
    flagged : sequence of str
        Region ids drawn with hatching (e.g. partial hazard coverage).
    annotate : bool, default False
        Write each value at its region's representative point.
    """
    from matplotlib.figure import Figure

    frame = regions[[id_col, "geometry"]].copy()
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    minx, miny, maxx, maxy = frame.total_bounds
    frame["geometry"] = frame.geometry.simplify(max(maxx - minx, maxy - miny) / 600)
    frame["value"] = values.reindex(frame[id_col].astype(str)).to_numpy(dtype=float)

    fig = Figure(figsize=(7.0, 5.5))
    ax = fig.add_subplot()
    frame.plot(
        column="value",
        ax=ax,
        cmap=cmap,
        legend=True,
        edgecolor="0.4",
        linewidth=0.3,
        missing_kwds={"color": "0.85", "label": "no value"},
        legend_kwds={"label": label, "shrink": 0.7},
    )
    marked = frame[frame[id_col].astype(str).isin([str(f) for f in flagged])]
    if len(marked):
        marked.plot(ax=ax, facecolor="none", edgecolor="k", hatch="///", linewidth=0.6)
    if annotate:
        for point, value in zip(
            frame.representative_point(), frame["value"], strict=True
        ):
            if np.isfinite(value) and value > 0:
                ax.annotate(f"{value:g}", (point.x, point.y), ha="center", fontsize=7)
    ax.set_title(title)
    ax.set_xlabel("longitude" if frame.crs and frame.crs.is_geographic else "x")
    ax.set_ylabel("latitude" if frame.crs and frame.crs.is_geographic else "y")
    ax.set_aspect("equal" if not (frame.crs and frame.crs.is_geographic) else 1.2)
    return fig


def held_out_scatter(held_out: pd.DataFrame, *, models: Sequence[str]) -> Figure:
    """Observed vs held-out predicted share of customers out, one panel per model."""
    from matplotlib.figure import Figure

    n = max(len(models), 1)
    fig = Figure(figsize=(3.2 * n, 3.4))
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, name in zip(axes, models, strict=False):
        part = held_out[held_out["model"] == name]
        for storm, piece in part.groupby("storm_id", sort=True):
            ax.scatter(piece["mean"], piece["observed"], s=10, alpha=0.7, label=storm)
        ax.plot([0, 1], [0, 1], color="0.5", linewidth=0.8)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("predicted share out")
    axes[0].set_ylabel("observed share out")
    if len(held_out["storm_id"].unique()) <= 12:
        axes[-1].legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    return fig
