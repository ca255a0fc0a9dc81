"""Forecasters behind the shared interface: shape, quantiles and accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError, NotFittedError, UnknownModelError
from dtnmodels.core.registry import create_model
from tests.fuel.conftest import weekly_pattern_frame

PATTERN = np.array([1.0, 1.0, 1.1, 1.2, 1.5, 0.9, 0.7])


def _expected_next_week(level: float, n_days: int, h: int) -> np.ndarray:
    """The pattern continued: the oracle for a noise-free periodic series."""
    return level * PATTERN[(n_days + np.arange(h)) % 7]


@pytest.mark.parametrize("name", ["ets", "theta", "sarimax", "gbm", "seasonal_naive"])
def test_forecast_columns_and_ordered_quantiles(name):
    """Every model returns unique_id, ds, mean and ordered q columns."""
    df = weekly_pattern_frame(n_days=84, noise=0.02)
    model = create_model(
        "forecaster",
        {
            "name": name,
            "params": ({"season_length": 7} if name != "gbm" else {"n_estimators": 30}),
        },
    )

    out = model.fit(df, freq="D").predict(7, quantiles=(0.1, 0.5, 0.9))

    assert list(out.columns[:3]) == ["unique_id", "ds", "mean"]
    assert len(out) == 3 * 7
    assert (out["q0.1"] <= out["q0.5"] + 1e-9).all()
    assert (out["q0.5"] <= out["q0.9"] + 1e-9).all()
    assert out["ds"].min() == pd.Timestamp("2021-01-04") + pd.Timedelta(days=84)


@pytest.mark.parametrize("name", ["ets", "theta", "gbm"])
def test_periodic_series_is_continued(name):
    """On a noise-free weekly pattern the forecast follows it within 5 %."""
    df = weekly_pattern_frame(n_days=140)
    params = {"season_length": 7} if name != "gbm" else {"min_child_samples": 5}
    model = create_model("forecaster", {"name": name, "params": params})

    out = model.fit(df, freq="D").predict(7)

    got = out[out["unique_id"] == "s1"]["mean"].to_numpy()
    np.testing.assert_allclose(got, _expected_next_week(20.0, 140, 7), rtol=0.05)


def test_sarimax_uses_an_exogenous_regressor():
    """y = 5 + 3 x: SARIMAX recovers the response to a future x of 10."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 5, 120)
    df = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2021-01-01", periods=120),
            "y": 5 + 3 * x + rng.normal(0, 0.01, 120),
            "x": x,
        }
    )
    future = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2021-05-01", periods=2), "x": 10.0}
    )
    model = create_model(
        "forecaster",
        {
            "name": "sarimax",
            "params": {"order": [0, 0, 0], "seasonal_order": [0, 0, 0], "trend": "c"},
        },
    )

    out = model.fit(df, freq="D").predict(2, X_df=future)

    np.testing.assert_allclose(out["mean"], 35.0, rtol=0.01)


def test_regressor_model_needs_future_values():
    """A model fitted with regressors refuses to forecast without them."""
    df = weekly_pattern_frame(n_series=1, n_days=60).assign(price=1.0)
    model = create_model("forecaster", {"name": "gbm", "params": {"n_estimators": 5}})

    with pytest.raises(DataValidationError, match="no future values"):
        model.fit(df, freq="D").predict(3)


def test_gbm_is_deterministic():
    """Same data and seed give identical forecasts."""
    df = weekly_pattern_frame(n_days=84, noise=0.05)

    runs = [
        create_model("forecaster", {"name": "gbm", "params": {"n_estimators": 20}})
        .fit(df, freq="D")
        .predict(5)
        for _ in range(2)
    ]

    pd.testing.assert_frame_equal(runs[0], runs[1])


def test_ensemble_is_the_member_mean():
    """The ensemble mean equals the average of its members' means."""
    df = weekly_pattern_frame(n_days=84, noise=0.05)
    members = [
        {"name": "seasonal_naive", "params": {"season_length": 7}},
        {"name": "naive"},
    ]
    parts = [
        create_model("forecaster", m).fit(df, freq="D").predict(4)["mean"]
        for m in members
    ]

    out = (
        create_model("forecaster", {"name": "ensemble", "params": {"members": members}})
        .fit(df, freq="D")
        .predict(4)
    )

    np.testing.assert_allclose(out["mean"], (parts[0] + parts[1]) / 2)


def test_prophet_with_holiday_and_regressor():
    """Prophet fits with a holiday flag and a regressor and returns quantiles."""
    df = weekly_pattern_frame(n_series=1, n_days=120, noise=0.02)
    df["holiday"] = (df["ds"].dt.day == 1).astype(float)
    df["price"] = 1.0 + 0.01 * np.arange(len(df))
    future = pd.DataFrame(
        {
            "unique_id": "s0",
            "ds": pd.date_range(df["ds"].max() + pd.Timedelta(days=1), periods=7),
            "holiday": 0.0,
            "price": 2.2,
        }
    )
    model = create_model(
        "forecaster", {"name": "prophet", "params": {"uncertainty_samples": 50}}
    )

    out = model.fit(df, freq="D").predict(7, X_df=future)

    assert (out["q0.1"] < out["q0.9"]).all()
    assert np.isfinite(out["mean"]).all()


def test_predict_before_fit_raises():
    """Forecasting an unfitted model is a NotFittedError."""
    with pytest.raises(NotFittedError):
        create_model("forecaster", {"name": "ets"}).predict(3)


def test_unknown_model_name():
    """An unregistered name lists the known ones."""
    with pytest.raises(UnknownModelError, match=r"unknown forecaster 'nope'.*gbm"):
        create_model("forecaster", {"name": "nope"})


def test_gbm_on_process_scheduler_matches_threads():
    """The quantile boosters train in other processes (tasks pickle), same result."""
    import dask

    df = weekly_pattern_frame(n_days=84, noise=0.05)
    spec = {"name": "gbm", "params": {"n_estimators": 20}}

    with dask.config.set(scheduler="threads"):
        threaded = create_model("forecaster", spec).fit(df, freq="D").predict(5)
    with dask.config.set(scheduler="processes", num_workers=2):
        processes = create_model("forecaster", spec).fit(df, freq="D").predict(5)

    pd.testing.assert_frame_equal(threaded, processes)


def test_dask_map_passes_shared_object_and_keeps_order():
    """dask_map calls func(item, shared) for every item, in item order."""
    from functools import partial

    from dtnmodels.fuel.models._base import dask_map

    shared = np.arange(4.0)

    out = dask_map(partial(_scaled_sum, factor=2.0), [3, 1, 2], shared=shared)

    # correctness oracle: 2 * (6 + item)
    assert out == [18.0, 14.0, 16.0]


def _scaled_sum(item, shared, *, factor):
    return factor * (float(shared.sum()) + item)


def test_ses_error_variance_by_hand():
    """SES one-step error variance matches a hand computation."""
    from dtnmodels.fuel.models.statistical import ses_error_variance

    # level: 1, 1.5; errors 2-1=1, 4-1.5=2.5; sample variance of (1, 2.5) = 1.125
    value = ses_error_variance(np.array([1.0, 2.0, 4.0]), 0.5)

    assert value == pytest.approx(1.125)
