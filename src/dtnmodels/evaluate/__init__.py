"""Evaluation shared by every flow: metrics, backtesting, baselines and reports.

Submodules
----------
metrics
    Deterministic scores (MAE, RMSE, bias, MAPE, sMAPE, MASE, RMSSE, R², NRMSE,
    Spearman) on NumPy arrays and xarray objects.
probabilistic
    Pinball loss, interval coverage and score, CRPS (ensemble, Gaussian).
events
    Brier score, ROC AUC and contingency scores (POD, FAR, CSI, ETS).
skill
    Skill scores and the Diebold–Mariano test.
frame
    :func:`score_frame`: any metric on long pandas frames, grouped.
backtest
    Leak-free rolling-origin cross-validation and fold generators.
baselines
    Naive, seasonal naive, mean and drift forecasters (registered).
report, plots
    The HTML :class:`Report` every flow builds and its matplotlib figures.

Names are imported lazily, so ``import dtnmodels.evaluate`` stays cheap.

Typical use in a flow
---------------------
.. code-block:: python

    from dtnmodels.evaluate import (
        Report, baseline_factories, cross_validate, metrics_payload,
        score_frame, scores_by_model, select_model,
    )

    models = {"ets": make_ets, **baseline_factories(season_length=52)}
    cv = cross_validate(models, df, h=13, n_windows=4, known_future=["holiday"])
    scores = score_frame(cv, metrics=["mase", "smape", "pinball", "coverage"],
                         train_df=df, season_length=52)
    by_model = scores_by_model(scores)
    selected = select_model(by_model, metric="mase")
    payload = metrics_payload(flow="fuel", models=by_model, selected=selected,
                              baseline="seasonal_naive")
    report = Report(title="Fuel demand", subtitle="run 2026-01-01")
    report.add_skill(payload)
    html = report.to_html()   # written to disk by dtnmodels.io
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # report
    "Report": "report",
    "metrics_payload": "report",
    "select_model": "report",
    "skill_sentence": "report",
    "lower_is_better": "report",
    # deterministic metrics
    "mae": "metrics",
    "rmse": "metrics",
    "mse": "metrics",
    "bias": "metrics",
    "mape": "metrics",
    "smape": "metrics",
    "mase": "metrics",
    "rmsse": "metrics",
    "r2": "metrics",
    "nrmse": "metrics",
    "spearman": "metrics",
    "seasonal_scale": "metrics",
    # probabilistic
    "pinball_loss": "probabilistic",
    "interval_coverage": "probabilistic",
    "interval_score": "probabilistic",
    "crps_ensemble": "probabilistic",
    "crps_gaussian": "probabilistic",
    # events
    "brier_score": "events",
    "roc_auc": "events",
    "contingency_table": "events",
    "contingency_scores": "events",
    # skill
    "skill_score": "skill",
    "diebold_mariano": "skill",
    "DMResult": "skill",
    # frames
    "score_frame": "frame",
    "add_skill_columns": "frame",
    "METRICS": "frame",
    "scores_by_model": "frame",
    "quantile_levels": "frame",
    # backtest
    "cross_validate": "backtest",
    "rolling_origin_cutoffs": "backtest",
    "Fold": "backtest",
    "leave_one_year_out": "backtest",
    "leave_one_event_out": "backtest",
    "spatial_block_folds": "backtest",
    "spatial_blocks": "backtest",
    # baselines
    "NaiveForecaster": "baselines",
    "SeasonalNaiveForecaster": "baselines",
    "MeanForecaster": "baselines",
    "DriftForecaster": "baselines",
    "baseline_factories": "baselines",
    # plots
    "skill_bar_chart": "plots",
    "error_by_horizon": "plots",
    "forecast_vs_actual": "plots",
    "interval_calibration": "plots",
    "reliability_diagram": "plots",
    "choropleth": "plots",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dtnmodels.evaluate' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dtnmodels.evaluate.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
