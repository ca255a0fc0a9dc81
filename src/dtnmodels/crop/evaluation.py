"""Leave-one-year-out evaluation of yield models with conformal intervals.

Folds come from :func:`dtnmodels.evaluate.leave_one_year_out`; every row of a
test year is predicted by a model fitted on the other years (or only the
earlier ones, ``past_only``). Prediction intervals are split-conformal: the
interval of a test year is the point forecast plus the empirical quantiles
of the out-of-fold errors of the *other* test years, so the reported
coverage is itself out of sample (Lei et al., 2018,
https://doi.org/10.1080/01621459.2017.1307116).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.core.interfaces import quantile_column
from dtnmodels.evaluate import leave_one_year_out
from dtnmodels.evaluate.metrics import bias, mae, mape, r2, rmse
from dtnmodels.evaluate.probabilistic import interval_coverage

__all__ = ["interval_bounds", "loyo_predictions", "score_predictions"]

log = logging.getLogger(__name__)


def interval_bounds(level: float) -> tuple[float, float]:
    """Lower and upper quantile levels of a central interval (0.8 → 0.1, 0.9)."""
    if not 0.0 < level < 1.0:
        raise DataValidationError(
            f"evaluation.interval must lie strictly between 0 and 1, got {level!r}"
        )
    return (1.0 - level) / 2.0, (1.0 + level) / 2.0


def loyo_predictions(
    design: pd.DataFrame,
    make_model: Callable[[], Any],
    *,
    years: Sequence[int] = (),
    past_only: bool = False,
    min_train_years: int = 3,
    interval: float = 0.8,
    progress: Callable[..., Any] | None = None,
) -> pd.DataFrame:
    """Out-of-fold predictions of one model, one fold per test year.

    Parameters
    ----------
    design : pandas.DataFrame
        Rows with a known yield: ``region``, ``year``, ``yield`` and the model
        inputs (see :mod:`dtnmodels.crop.models`).
    make_model : callable
        Returns a fresh unfitted regressor.
    years : sequence of int, optional
        Years to hold out (all years by default).
    past_only : bool, default False
        Train on earlier years only.
    min_train_years : int, default 3
        Skip folds with fewer training years.
    interval : float, default 0.8
        Central coverage of the conformal interval.
    progress : callable, optional
        ``progress(iterable, desc=..., total=...)`` wrapper for the fold loop.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``year``, ``observed``, ``mean`` and the two quantile
        columns (e.g. ``q0.1``, ``q0.9``).
    """
    inputs = design.drop(columns=["yield"])
    target = design["yield"].to_numpy(np.float64)
    folds = leave_one_year_out(
        design, past_only=past_only, min_train_years=min_train_years
    )
    if years:
        wanted = {int(y) for y in years}
        folds = [f for f in folds if int(f.name) in wanted]
    if not folds:
        raise DataValidationError(
            f"no leave-one-year-out fold to score: test years {list(years)} are not "
            f"in the yields (years {sorted(design['year'].unique().tolist())}) or "
            f"have fewer than {min_train_years} training years"
        )

    parts = []
    loop = (
        folds if progress is None else progress(folds, desc="folds", total=len(folds))
    )
    for fold in loop:
        model = make_model().fit(inputs.iloc[fold.train], target[fold.train])
        pred = model.predict(inputs.iloc[fold.test])
        parts.append(
            pd.DataFrame(
                {
                    "region": design["region"].to_numpy()[fold.test],
                    "year": int(fold.name),
                    "observed": target[fold.test],
                    "mean": np.asarray(pred, dtype=np.float64),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    return add_conformal_intervals(out, interval=interval)


def add_conformal_intervals(oof: pd.DataFrame, *, interval: float) -> pd.DataFrame:
    """Add quantile columns from the errors of the other years (see module)."""
    lo, hi = interval_bounds(interval)
    resid = (oof["observed"] - oof["mean"]).to_numpy()
    years = oof["year"].to_numpy()
    lower = np.full(len(oof), np.nan)
    upper = np.full(len(oof), np.nan)
    for year in np.unique(years):
        test = years == year
        others = resid[~test]
        if others.size == 0:
            others = resid[test]
        lower[test] = oof["mean"].to_numpy()[test] + np.quantile(others, lo)
        upper[test] = oof["mean"].to_numpy()[test] + np.quantile(others, hi)
    oof = oof.copy()
    oof[quantile_column(lo)] = lower
    oof[quantile_column(hi)] = upper
    return oof


def score_predictions(oof: pd.DataFrame, *, interval: float) -> dict[str, float]:
    """RMSE, MAE, bias (bu/acre), MAPE (%), R² and interval coverage of OOF rows."""
    f = oof["mean"].to_numpy(np.float64)
    o = oof["observed"].to_numpy(np.float64)
    lo, hi = interval_bounds(interval)
    scores = {
        "rmse": float(rmse(f, o)),
        "mae": float(mae(f, o)),
        "bias": float(bias(f, o)),
        "mape": float(mape(f, o)),
        "r2": float(r2(f, o)),
    }
    lower = oof[quantile_column(lo)].to_numpy(np.float64)
    upper = oof[quantile_column(hi)].to_numpy(np.float64)
    scores[f"coverage{round(interval * 100)}"] = float(
        interval_coverage(lower, upper, o)
    )
    return scores
