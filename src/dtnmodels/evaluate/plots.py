"""Evaluation figures as plain functions, for reports and notebooks.

Each function builds a new :class:`matplotlib.figure.Figure` without pyplot
(no global state, safe with the Agg backend and in threads) and returns it;
pass it to :meth:`~dtnmodels.evaluate.Report.add_figure` or display it in a
notebook. Inputs are in-memory frames as produced by
:func:`~dtnmodels.evaluate.cross_validate` and
:func:`~dtnmodels.evaluate.score_frame`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate.frame import quantile_levels

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "choropleth",
    "error_by_horizon",
    "forecast_vs_actual",
    "interval_calibration",
    "reliability_diagram",
    "skill_bar_chart",
]


def skill_bar_chart(
    scores: pd.DataFrame,
    *,
    metric: str,
    model_col: str = "model",
    highlight: Sequence[str] = (),
    title: str | None = None,
) -> Figure:
    """Horizontal bars of one metric per model (sorted), highlighted models in colour.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per model, e.g. from :func:`~dtnmodels.evaluate.score_frame`.
    metric : str
        Column to plot.
    model_col : str, default "model"
        Column naming the model.
    highlight : sequence of str, default ()
        Models drawn in a contrasting colour (e.g. selected and baseline).
    title : str, optional
        Axes title (default the metric name).
    """
    _require(scores, [model_col, metric], "skill_bar_chart")
    data = scores[[model_col, metric]].sort_values(metric)

    fig = Figure(figsize=(6, 0.4 * len(data) + 1.2), layout="constrained")
    ax = fig.subplots()
    colours = ["tab:orange" if m in highlight else "tab:blue" for m in data[model_col]]
    ax.barh(data[model_col].astype(str), data[metric], color=colours)
    for y, value in enumerate(data[metric]):
        ax.annotate(
            f"{value:.3g}",
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_xlabel(metric)
    ax.set_title(title or metric)
    return fig


def error_by_horizon(
    cv: pd.DataFrame,
    *,
    metric: str = "mae",
    model_col: str = "model",
    target_col: str = "y",
    fcst_col: str = "mean",
    time_col: str = "ds",
    cutoff_col: str = "cutoff",
    id_col: str = "unique_id",
) -> Figure:
    """Error against forecast step (lead time), one line per model.

    The step is the rank of ``ds`` after the cutoff within each series and
    cutoff (1 = first forecast step).

    Parameters
    ----------
    cv : pandas.DataFrame
        Output of :func:`~dtnmodels.evaluate.cross_validate`.
    metric : {"mae", "rmse", "bias"}, default "mae"
        Error summarised at each step.
    """
    _require(
        cv,
        [model_col, target_col, fcst_col, time_col, cutoff_col, id_col],
        "error_by_horizon",
    )
    error = cv[fcst_col] - cv[target_col]
    step = cv.groupby([model_col, id_col, cutoff_col])[time_col].rank(method="first")
    frame = pd.DataFrame({"model": cv[model_col], "step": step.astype(int), "e": error})
    summaries = {
        "mae": lambda e: e.abs().mean(),
        "rmse": lambda e: float(np.sqrt((e**2).mean())),
        "bias": lambda e: e.mean(),
    }
    if metric not in summaries:
        raise DataValidationError(
            f"metric must be one of {sorted(summaries)}; got {metric!r}"
        )

    fig = Figure(figsize=(6, 3.5), layout="constrained")
    ax = fig.subplots()
    for model, group in frame.groupby("model", sort=False):
        curve = group.groupby("step")["e"].agg(summaries[metric])
        ax.plot(curve.index, curve.to_numpy(), marker="o", label=str(model))
    ax.set_xlabel("forecast step (lead time)")
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
    return fig


def forecast_vs_actual(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    ids: Sequence[Any] | None = None,
    max_series: int = 4,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    fcst_col: str = "mean",
    cutoff_col: str = "cutoff",
    n_history: int | None = 104,
) -> Figure:
    """Observed series with the forecast and its quantile bands, a panel per series.

    Parameters
    ----------
    history : pandas.DataFrame
        Observations (``id_col``, ``time_col``, ``target_col``), including
        the forecast window when known.
    forecast : pandas.DataFrame
        ``id_col``, ``time_col``, ``fcst_col`` and optional ``q<level>``
        columns; symmetric pairs of quantiles are shaded.
    ids : sequence, optional
        Series to show (default the first ``max_series`` of ``forecast``).
    max_series : int, default 4
        Panels when ``ids`` is not given.
    cutoff_col : str, default "cutoff"
        When present, each cutoff's forecast is drawn as its own segment.
    n_history : int or None, default 104
        Last observations shown per series (None for all).
    """
    _require(forecast, [id_col, time_col, fcst_col], "forecast_vs_actual")
    ids = (
        list(ids) if ids is not None else list(pd.unique(forecast[id_col]))[:max_series]
    )
    levels = quantile_levels(forecast.columns)
    bands = [
        (levels[q], levels[p])
        for q in levels
        for p in levels
        if q < 0.5 and np.isclose(p, 1 - q)
    ]

    fig = Figure(figsize=(7, 2.4 * len(ids) + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(ids), 1, squeeze=False)[:, 0])
    for ax, series_id in zip(axes, ids, strict=True):
        obs = history[history[id_col] == series_id].sort_values(time_col)
        if n_history is not None:
            obs = obs.tail(n_history + len(forecast[forecast[id_col] == series_id]))
        fc = forecast[forecast[id_col] == series_id].sort_values(time_col)
        ax.plot(obs[time_col], obs[target_col], color="black", lw=1, label="observed")
        windows = (
            fc.groupby(cutoff_col, sort=True) if cutoff_col in fc else [(None, fc)]
        )
        for k, (_, window) in enumerate(windows):
            for i, (lower, upper) in enumerate(sorted(bands)):
                ax.fill_between(
                    window[time_col],
                    window[lower],
                    window[upper],
                    color="tab:blue",
                    alpha=0.15 + 0.1 * i,
                    lw=0,
                    label=f"{lower}–{upper}" if k == 0 else None,
                )
            ax.plot(
                window[time_col],
                window[fcst_col],
                color="tab:blue",
                lw=1.5,
                label="forecast" if k == 0 else None,
            )
        if pd.api.types.is_datetime64_any_dtype(fc[time_col]):
            locator = mdates.AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_title(str(series_id), fontsize=9)
    axes[0].legend(fontsize=7, loc="upper left")
    return fig


def interval_calibration(
    cv: pd.DataFrame,
    *,
    model_col: str = "model",
    target_col: str = "y",
) -> Figure:
    """Nominal against observed coverage of every central interval, per model.

    Each symmetric quantile pair (q, 1 − q) gives a point (1 − 2q, observed
    share of ``y`` inside). Points on the diagonal are calibrated; below it
    intervals are too narrow.
    """
    levels = quantile_levels(cv.columns)
    pairs = [
        (q, 1 - q) for q in levels if q < 0.5 and any(np.isclose(1 - q, list(levels)))
    ]
    if not pairs:
        raise DataValidationError(
            "interval_calibration needs symmetric quantile columns "
            "such as q0.1 and q0.9"
        )
    models = (
        cv[model_col] if model_col in cv.columns else pd.Series("model", index=cv.index)
    )

    fig = Figure(figsize=(4.5, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    for model, group in cv.groupby(models, sort=False):
        nominal, observed = [], []
        for lower, upper in sorted(pairs, key=lambda pair: pair[1] - pair[0]):
            lo = group[levels[lower]]
            hi = group[levels[_match(levels, upper)]]
            inside = (group[target_col] >= lo) & (group[target_col] <= hi)
            nominal.append(upper - lower)
            observed.append(float(inside.mean()))
        ax.plot(nominal, observed, marker="o", label=str(model))
    ax.set_xlabel("nominal coverage")
    ax.set_ylabel("observed coverage")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    return fig


def reliability_diagram(
    fcst: Any,
    obs: Any,
    *,
    n_bins: int = 10,
    label: str = "forecast",
) -> Figure:
    """Observed event frequency against forecast probability, in equal-width bins.

    Parameters
    ----------
    fcst : array-like
        Forecast probabilities in [0, 1].
    obs : array-like
        0/1 outcomes.
    n_bins : int, default 10
        Number of probability bins; marker size grows with the bin count,
        and a histogram of the forecasts is drawn below.
    """
    p = np.asarray(fcst, dtype=float).ravel()
    o = np.asarray(obs, dtype=float).ravel()
    valid = ~(np.isnan(p) | np.isnan(o))
    p, o = p[valid], o[valid]
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    mean_p = np.bincount(which, weights=p, minlength=n_bins) / np.maximum(counts, 1)
    freq = np.bincount(which, weights=o, minlength=n_bins) / np.maximum(counts, 1)
    used = counts > 0

    fig = Figure(figsize=(4.5, 5.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    top.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    top.plot(mean_p[used], freq[used], color="tab:blue", lw=1)
    top.scatter(
        mean_p[used], freq[used], s=10 + 90 * counts[used] / counts.max(), label=label
    )
    top.set_ylabel("observed frequency")
    top.set_ylim(0, 1)
    top.legend(fontsize=8)
    bottom.bar(edges[:-1], counts, width=1 / n_bins, align="edge", color="tab:grey")
    bottom.set_xlabel("forecast probability")
    bottom.set_ylabel("count")
    bottom.set_xlim(0, 1)
    return fig


def choropleth(
    gdf: gpd.GeoDataFrame,
    values: pd.Series | str,
    *,
    key: str | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    label: str | None = None,
) -> Figure:
    """Map of a per-region value (e.g. error) over region polygons.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Region polygons, drawn in their own CRS (axes in CRS units).
    values : pandas.Series or str
        A column of ``gdf``, or a Series indexed by region id joined on
        ``key`` (or on ``gdf``'s index when ``key`` is None). Regions without
        a value are drawn hatched in light grey.
    key : str, optional
        Column of ``gdf`` holding the region id matching ``values.index``.
    title, label : str, optional
        Axes title and colour-bar label.
    cmap : str, default "viridis"
        Matplotlib colour map.
    """
    if isinstance(values, str):
        _require(gdf, [values], "choropleth")
        data = gdf[values].astype(float)
        label = label or values
    else:
        ids = gdf[key] if key is not None else gdf.index.to_series()
        data = ids.map(values).astype(float)
        data.index = gdf.index
        label = label or (values.name if values.name is not None else "value")
    frame = gdf.assign(_dtn_value=data.to_numpy())

    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.subplots()
    missing = frame[frame["_dtn_value"].isna()]
    if len(missing):
        missing.plot(
            ax=ax, color="lightgrey", hatch="///", edgecolor="white", linewidth=0.2
        )
    present = frame[frame["_dtn_value"].notna()]
    if len(present):
        present.plot(
            ax=ax,
            column="_dtn_value",
            cmap=cmap,
            legend=True,
            edgecolor="white",
            linewidth=0.2,
            legend_kwds={"label": str(label), "shrink": 0.7},
        )
    ax.set_title(title or str(label))
    ax.set_aspect("equal" if frame.crs is None or frame.crs.is_projected else "auto")
    return fig


def _match(levels: dict[float, str], q: float) -> float:
    return next(level for level in levels if np.isclose(level, q))


def _require(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{where}: frame lacks columns {missing}; columns are {list(frame.columns)}"
        )
