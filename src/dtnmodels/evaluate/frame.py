"""Scores of long forecast frames, per model and per group.

:func:`score_frame` scores the output of
:func:`~dtnmodels.evaluate.cross_validate` (or any long frame with an
observation column, a point-forecast column and optional ``q<level>``
quantile columns) by model, and optionally by region, storm or horizon.
Each metric is computed per series (``id_col``) and then averaged over the
series with equal weight — the M4 convention — unless ``average="pooled"``,
which computes it once over all rows of a group (the usual choice for R²,
Spearman or event scores across regions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate import metrics as _m
from dtnmodels.evaluate.report import lower_is_better
from dtnmodels.evaluate.skill import skill_score

__all__ = [
    "METRICS",
    "add_skill_columns",
    "quantile_levels",
    "score_frame",
    "scores_by_model",
]

log = logging.getLogger(__name__)

_QUANTILE = re.compile(r"^q(0?\.\d+)$")

# metric name -> (pointwise function of (fcst, obs, frame), finaliser per series)
_POINTWISE: dict[str, tuple[Callable[..., pd.Series], Callable[[Any], Any] | None]] = {}
# metric name -> array metric computed on each series' (or group's) rows
_WHOLE: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "r2": lambda f, o: _m.r2(f, o),
    "spearman": lambda f, o: _m.spearman(f, o),
    "nrmse": lambda f, o: _m.nrmse(f, o),
}


def quantile_levels(columns: Sequence[Hashable]) -> dict[float, str]:
    """Quantile levels found among column names like ``q0.1`` → ``{0.1: "q0.1"}``."""
    found = {}
    for column in columns:
        match = _QUANTILE.match(str(column))
        if match:
            found[float(match.group(1))] = str(column)
    return dict(sorted(found.items()))


def _interval_columns(
    frame: pd.DataFrame, interval: tuple[float, float] | None
) -> tuple[str, str, float]:
    levels = quantile_levels(frame.columns)
    if interval is None:
        pairs = [
            (q, 1 - q)
            for q in levels
            if q < 0.5 and any(np.isclose(1 - q, list(levels)))
        ]
        if not pairs:
            raise DataValidationError(
                "interval metrics need a symmetric pair of quantile columns (e.g. "
                f"q0.1 and q0.9); quantile columns found: {list(levels.values())}"
            )
        interval = min(pairs)
    lower, upper = interval
    names = {}
    for q in (lower, upper):
        match = [c for level, c in levels.items() if np.isclose(level, q)]
        if not match:
            raise DataValidationError(
                f"no quantile column for level {q}; found {list(levels.values())}"
            )
        names[q] = match[0]
    return names[lower], names[upper], upper - lower


def _register(name: str, finalise: Callable[[Any], Any] | None = None) -> Callable:
    def decorate(func: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
        _POINTWISE[name] = (func, finalise)
        return func

    return decorate


@_register("mae")
def _abs_error(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    return (f - o).abs()


@_register("mse")
def _sq_error(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    return (f - o) ** 2


_register("rmse", np.sqrt)(_sq_error)


@_register("bias")
def _error(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    return f - o


@_register("mape")
def _pct_error(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    return 100.0 * (f - o).abs() / o.abs().where(o != 0)


@_register("smape")
def _sym_error(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    denominator = f.abs() + o.abs()
    value = 200.0 * (f - o).abs() / denominator.where(denominator > 0)
    return value.mask((denominator == 0) & f.notna() & o.notna(), 0.0)


@_register("mase")
def _scaled_abs(
    f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict
) -> pd.Series:
    return (f - o).abs() / _scale(frame, ctx, power=1)


@_register("rmsse", np.sqrt)
def _scaled_sq(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    return (f - o) ** 2 / _scale(frame, ctx, power=2)


@_register("pinball")
def _pinball(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    levels = quantile_levels(frame.columns)
    if not levels:
        raise DataValidationError(
            "metric 'pinball' needs quantile columns such as q0.1, q0.5, q0.9"
        )
    losses = []
    for q, column in levels.items():
        diff = o - frame[column]
        losses.append(np.maximum(q * diff, (q - 1.0) * diff))
    return pd.concat(losses, axis=1).mean(axis=1, skipna=False)


@_register("coverage")
def _inside(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    lower, upper, _ = _interval_columns(frame, ctx["interval"])
    inside = ((o >= frame[lower]) & (o <= frame[upper])).astype(float)
    return inside.where(o.notna() & frame[lower].notna() & frame[upper].notna())


@_register("interval_score")
def _winkler(f: pd.Series, o: pd.Series, frame: pd.DataFrame, ctx: dict) -> pd.Series:
    lower, upper, width = _interval_columns(frame, ctx["interval"])
    alpha = 1.0 - width
    lo, hi = frame[lower], frame[upper]
    return (hi - lo) + (2.0 / alpha) * ((lo - o).clip(lower=0) + (o - hi).clip(lower=0))


#: Metric names understood by :func:`score_frame` (callables are accepted too).
METRICS: tuple[str, ...] = tuple(sorted([*_POINTWISE, *_WHOLE]))


def _scale(frame: pd.DataFrame, ctx: dict, *, power: int) -> pd.Series:
    column = f"_dtn_scale{power}"
    if column not in frame.columns:
        raise DataValidationError(
            "mase/rmsse need the in-sample history: pass train_df= (a long frame "
            "with the id, time and target columns)"
        )
    scale = frame[column]
    return scale.where(scale > 0)


def _attach_scales(
    df: pd.DataFrame,
    train_df: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    target_col: str,
    cutoff_col: str,
    season_length: int,
) -> pd.DataFrame:
    """Add the MASE and RMSSE scale of each row's series, from history <= cutoff."""
    missing = [c for c in (id_col, time_col, target_col) if c not in train_df.columns]
    if missing:
        raise DataValidationError(f"train_df lacks columns {missing}")
    history = train_df[[id_col, time_col, target_col]].sort_values([id_col, time_col])
    m = int(season_length)

    scale1 = np.full(len(df), np.nan)
    scale2 = np.full(len(df), np.nan)
    rows_of = df.groupby(id_col, sort=False).indices
    for series_id, group in history.groupby(id_col, sort=False):
        rows = rows_of.get(series_id)
        if rows is None:
            continue
        times = group[time_col].to_numpy()
        y = group[target_col].to_numpy(dtype=float)
        diff = np.full(y.size, np.nan)
        diff[m:] = y[m:] - y[:-m]
        ok = ~np.isnan(diff)
        count = np.concatenate([[0], np.cumsum(ok)])
        sum1 = np.concatenate([[0.0], np.cumsum(np.where(ok, np.abs(diff), 0.0))])
        sum2 = np.concatenate([[0.0], np.cumsum(np.where(ok, diff**2, 0.0))])

        if cutoff_col in df.columns:
            cutoffs = df[cutoff_col].to_numpy()[rows]
            k = np.searchsorted(times, cutoffs, side="right")
        else:
            k = np.full(rows.size, y.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale1[rows] = np.where(count[k] > 0, sum1[k] / count[k], np.nan)
            scale2[rows] = np.where(count[k] > 0, sum2[k] / count[k], np.nan)

    return df.assign(_dtn_scale1=scale1, _dtn_scale2=scale2)


def score_frame(
    df: pd.DataFrame,
    *,
    metrics: Sequence[str | Callable[[np.ndarray, np.ndarray], float]] = (
        "mae",
        "rmse",
    ),
    models: Sequence[str] | None = None,
    id_col: str = "unique_id",
    target_col: str = "y",
    fcst_col: str = "mean",
    model_col: str = "model",
    group_by: str | Sequence[str] | None = None,
    average: Literal["series", "pooled"] = "series",
    train_df: pd.DataFrame | None = None,
    time_col: str = "ds",
    cutoff_col: str = "cutoff",
    season_length: int = 1,
    interval: tuple[float, float] | None = None,
    skipna: bool = True,
) -> pd.DataFrame:
    """Score a long forecast frame by model (and group).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per series, time (and cutoff, model) with the observation
        ``target_col``, the point forecast ``fcst_col`` and optional quantile
        columns ``q<level>`` — the output of
        :func:`~dtnmodels.evaluate.cross_validate`.
    metrics : sequence of str or callable, default ("mae", "rmse")
        Names from :data:`METRICS` — mae, mse, rmse, bias, mape, smape, mase,
        rmsse, r2, nrmse, spearman (point forecast); pinball (mean over all
        quantile columns), coverage and interval_score (of the ``interval``
        quantile pair) — or callables ``f(fcst, obs) -> float`` applied to
        the rows' arrays and named by their ``__name__``.
    models : sequence of str, optional
        Models to keep, in this order (default all, in order of appearance).
    id_col, target_col, fcst_col, model_col : str
        Column names. Without ``model_col`` the frame is one model named
        after ``fcst_col``.
    group_by : str or sequence of str, optional
        Extra columns giving one row of scores per group (e.g. a region,
        storm, ``cutoff`` or a horizon-step column).
    average : {"series", "pooled"}, default "series"
        Compute each metric per series, then average the series (equal
        weights); or compute it once over all rows of the group.
    train_df : pandas.DataFrame, optional
        History with ``id_col``, ``time_col``, ``target_col``, needed for
        mase and rmsse. If ``df`` has ``cutoff_col`` the scale of each row
        uses only history up to its cutoff.
    time_col, cutoff_col : str
        Time and cutoff columns (of ``train_df`` and ``df``).
    season_length : int, default 1
        Seasonal period of the naive reference in the MASE/RMSSE scale.
    interval : (float, float), optional
        Quantile levels of the interval scored by coverage and
        interval_score; default the widest symmetric pair present.
    skipna : bool, default True
        Ignore rows where a needed value is NaN; if False a NaN makes the
        series' (or group's) score NaN.

    Returns
    -------
    pandas.DataFrame
        Columns ``[*group_by, model_col, *metric names]``, one row per group
        and model.
    """
    group_cols = [group_by] if isinstance(group_by, str) else list(group_by or [])
    required = [target_col, fcst_col, *group_cols]
    if average == "series":
        required.append(id_col)
    elif average != "pooled":
        raise DataValidationError(
            f"average must be 'series' or 'pooled'; got {average!r}"
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"score_frame: frame lacks columns {missing}; columns are "
            f"{list(df.columns)}"
        )

    data = df if model_col in df.columns else df.assign(**{model_col: fcst_col})
    if models is not None:
        absent = [m for m in models if m not in set(data[model_col])]
        if absent:
            raise DataValidationError(
                f"models {absent} are not in column {model_col!r}; present: "
                f"{list(pd.unique(data[model_col]))}"
            )
        data = data[data[model_col].isin(models)]
    order = list(models) if models is not None else list(pd.unique(data[model_col]))
    names = [
        m if isinstance(m, str) else getattr(m, "__name__", "metric") for m in metrics
    ]
    unknown = [m for m in metrics if isinstance(m, str) and m not in METRICS]
    if unknown:
        raise DataValidationError(f"unknown metrics {unknown}; choose from {METRICS}")

    if any(m in ("mase", "rmsse") for m in metrics):
        if train_df is None:
            raise DataValidationError(
                "mase/rmsse need the in-sample history: pass train_df="
            )
        data = _attach_scales(
            data,
            train_df,
            id_col=id_col,
            time_col=time_col,
            target_col=target_col,
            cutoff_col=cutoff_col,
            season_length=season_length,
        )
    data = data.reset_index(drop=True)

    keys = [*group_cols, model_col]
    unit = [*keys, id_col] if average == "series" else keys
    ctx = {"interval": interval}
    f = data[fcst_col].astype(float)
    o = data[target_col].astype(float)

    columns = {}
    for metric, name in zip(metrics, names, strict=True):
        if isinstance(metric, str) and metric in _POINTWISE:
            pointwise, finalise = _POINTWISE[metric]
            values = pointwise(f, o, data, ctx)
            grouped = values.groupby([data[k] for k in unit], sort=False)
            per_unit = grouped.mean()
            if not skipna:
                per_unit[grouped.apply(lambda s: s.isna().any())] = np.nan
            if finalise is not None:
                per_unit = finalise(per_unit)
        else:
            func = _WHOLE[metric] if isinstance(metric, str) else metric
            per_unit = _apply_whole(func, data, unit, fcst_col, target_col, skipna)
        if average == "series":
            by_key = per_unit.groupby(level=list(range(len(keys))), sort=False)
            per_unit = (
                by_key.mean()
                if skipna
                else by_key.agg(lambda values: values.mean(skipna=False))
            )
        columns[name] = per_unit

    out = pd.DataFrame(columns).reset_index()
    out.columns = [*keys, *names]
    out["_order"] = out[model_col].map({m: i for i, m in enumerate(order)})
    out = out.sort_values([*group_cols, "_order"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _apply_whole(
    func: Callable[[np.ndarray, np.ndarray], float],
    data: pd.DataFrame,
    unit: list[str],
    fcst_col: str,
    target_col: str,
    skipna: bool,
) -> pd.Series:
    results = {}
    for key, rows in data.groupby(unit, sort=False).indices.items():
        f = data[fcst_col].to_numpy(dtype=float)[rows]
        o = data[target_col].to_numpy(dtype=float)[rows]
        valid = ~(np.isnan(f) | np.isnan(o))
        if not valid.all() and not skipna:
            results[key] = np.nan
            continue
        results[key] = float(func(f[valid], o[valid])) if valid.any() else np.nan
    index = pd.MultiIndex.from_tuples(
        [k if isinstance(k, tuple) else (k,) for k in results], names=unit
    )
    return pd.Series(list(results.values()), index=index, dtype=float)


def add_skill_columns(
    scores: pd.DataFrame,
    *,
    baseline: str,
    metrics: Sequence[str] | None = None,
    model_col: str = "model",
    group_by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add ``<metric>_skill`` columns: skill of each model against ``baseline``.

    Uses :func:`~dtnmodels.evaluate.skill_score` with a perfect value of 0
    for error metrics and 1 for metrics where larger is better (r2,
    spearman). Rows are matched to the baseline within each ``group_by``
    group.
    """
    group_cols = [group_by] if isinstance(group_by, str) else list(group_by or [])
    if baseline not in set(scores[model_col]):
        raise DataValidationError(
            f"baseline {baseline!r} is not among the models "
            f"{list(pd.unique(scores[model_col]))}"
        )
    metrics = (
        list(metrics)
        if metrics is not None
        else [c for c in scores.columns if c not in (*group_cols, model_col)]
    )
    reference = scores[scores[model_col] == baseline]
    out = scores.copy()
    if group_cols:
        ref = out[group_cols].merge(
            reference[[*group_cols, *metrics]], how="left", on=group_cols
        )
    else:
        ref = pd.concat([reference[metrics]] * len(out), ignore_index=True)
    for metric in metrics:
        perfect = 0.0 if lower_is_better(metric) else 1.0
        out[f"{metric}_skill"] = skill_score(
            out[metric].to_numpy(float), ref[metric].to_numpy(float), perfect=perfect
        )
    return out


def scores_by_model(
    scores: pd.DataFrame, *, model_col: str = "model"
) -> dict[str, dict[str, float]]:
    """``{model: {metric: value}}`` from a :func:`score_frame` result without groups.

    Feed it to :func:`~dtnmodels.evaluate.metrics_payload`.
    """
    if scores[model_col].duplicated().any():
        raise DataValidationError(
            "scores_by_model needs one row per model; score without group_by"
        )
    table = scores.set_index(model_col)
    return {
        str(model): {str(k): float(v) for k, v in row.items()}
        for model, row in table.iterrows()
    }
