"""Crop figures: season curves of a vegetation index."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["season_curves"]


def season_curves(
    series: pd.DataFrame,
    variable: str,
    *,
    title: str | None = None,
) -> Figure:
    """Region-mean ``variable`` against day of season, one line per season.

    The latest season is drawn thick in black, earlier ones thin, so an
    in-season curve can be compared with past years at the same date.

    Parameters
    ----------
    series : pandas.DataFrame
        Output of :func:`dtnmodels.crop.features.region_series` (columns
        ``season``, ``day``, ``<variable>``).
    variable : str
        Index to draw (e.g. ``"ndvi"``).
    title : str, optional
        Axes title.
    """
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.subplots()
    mean = series.groupby(["season", "day"])[variable].mean().reset_index()
    seasons = sorted(mean["season"].unique())
    for season in seasons:
        part = mean[mean["season"] == season]
        latest = season == seasons[-1]
        ax.plot(
            part["day"],
            part[variable],
            marker="o" if latest else ".",
            lw=2.5 if latest else 1,
            color="black" if latest else None,
            alpha=1.0 if latest else 0.6,
            label=str(season),
        )
    ax.set_xlabel("day of season")
    ax.set_ylabel(f"{variable.upper()} (crop-weighted mean of regions)")
    ax.set_title(title or f"{variable.upper()} composites by season")
    ax.legend(fontsize=7, ncols=2)
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(mean[variable]))))
    return fig
