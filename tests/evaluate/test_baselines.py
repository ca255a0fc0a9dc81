"""Baseline forecasters: hand-computed forecasts, quantiles and the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dtnmodels.core.errors import DataValidationError, NotFittedError
from dtnmodels.core.registry import available_models, create_model
from dtnmodels.evaluate.baselines import (
    DriftForecaster,
    MeanForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    baseline_factories,
)


@pytest.fixture
def two_series() -> pd.DataFrame:
    """Two weekly series: a ramp and a period-3 pattern."""
    ds = pd.date_range("2024-01-07", periods=9, freq="W-SUN")
    ramp = pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(1.0, 10.0)})
    season = pd.DataFrame({"unique_id": "b", "ds": ds, "y": [1.0, 5.0, 3.0] * 3})
    return pd.concat([ramp, season], ignore_index=True)


def test_naive_repeats_last_value_with_sqrt_h_bands(two_series) -> None:
    """Naive mean is the last value; Gaussian bands widen like σ√h."""
    model = NaiveForecaster().fit(two_series)

    fc = model.predict(3, quantiles=[0.1, 0.9])

    a = fc[fc["unique_id"] == "a"]
    assert a["mean"].tolist() == [9.0, 9.0, 9.0]
    # ramp residuals are all 1 -> sigma = 1
    z = stats.norm.ppf(0.9)
    assert a["q0.9"].to_numpy() == pytest.approx(9.0 + z * np.sqrt([1, 2, 3]))
    assert list(fc.columns) == ["unique_id", "ds", "mean", "q0.1", "q0.9"]
    assert a["ds"].iloc[0] == pd.Timestamp("2024-03-10")


def test_seasonal_naive_repeats_last_season(two_series) -> None:
    """Seasonal naive with m=3 repeats the last three values; zero residual spread."""
    model = SeasonalNaiveForecaster(season_length=3).fit(two_series)

    fc = model.predict(4)

    b = fc[fc["unique_id"] == "b"]
    assert b["mean"].tolist() == [1.0, 5.0, 3.0, 1.0]
    assert b["q0.1"].tolist() == b["mean"].tolist()


def test_mean_and_seasonal_climatology(two_series) -> None:
    """Mean forecasts the history mean; with m=3 the mean of each season position."""
    flat = MeanForecaster().fit(two_series).predict(2)
    seasonal = MeanForecaster(season_length=3).fit(two_series).predict(3)

    assert flat[flat["unique_id"] == "a"]["mean"].tolist() == [5.0, 5.0]
    ramp = seasonal[seasonal["unique_id"] == "a"]["mean"].tolist()
    # positions of 1..9 in a 3-season ending at 9: next step repeats (1,4,7)
    assert ramp == [4.0, 5.0, 6.0]


def test_drift_extends_the_line(two_series) -> None:
    """Drift adds the mean slope (y_T − y_1)/(T − 1) per step."""
    fc = DriftForecaster().fit(two_series).predict(2)

    assert fc[fc["unique_id"] == "a"]["mean"].tolist() == [10.0, 11.0]


def test_empirical_quantiles(two_series) -> None:
    """Empirical intervals use residual quantiles, scaled by the horizon factor."""
    fc = (
        NaiveForecaster(interval_method="empirical")
        .fit(two_series)
        .predict(1, quantiles=[0.5])
    )

    b = fc[fc["unique_id"] == "b"]
    residuals = np.diff([1.0, 5.0, 3.0] * 3)
    assert b["q0.5"].iloc[0] == pytest.approx(3.0 + np.quantile(residuals, 0.5))


def test_integer_time_index() -> None:
    """Integer ds continue with the same step."""
    df = pd.DataFrame({"unique_id": "x", "ds": [10, 11, 12], "y": [1.0, 2.0, 3.0]})

    fc = NaiveForecaster().fit(df).predict(2)

    assert fc["ds"].tolist() == [13, 14]


def test_registry_and_factories() -> None:
    """Baselines are registered forecasters, buildable from a config spec."""
    model = create_model(
        "forecaster", {"name": "seasonal_naive", "params": {"season_length": 52}}
    )
    factories = baseline_factories(season_length=12)

    assert {"naive", "seasonal_naive", "mean", "drift", "trend"} <= set(
        available_models("forecaster")
    )
    assert model.season_length == 52
    assert factories["seasonal_naive"]().season_length == 12


def test_baseline_errors(two_series) -> None:
    """Predict before fit, missing columns and bad options are refused."""
    with pytest.raises(NotFittedError, match="fitted before predict"):
        NaiveForecaster().predict(3)
    with pytest.raises(DataValidationError, match=r"lacks columns \['y'\]"):
        NaiveForecaster().fit(two_series.drop(columns="y"))
    with pytest.raises(DataValidationError, match="season_length"):
        SeasonalNaiveForecaster(season_length=0).fit(two_series)
    with pytest.raises(DataValidationError, match="unknown baselines"):
        baseline_factories(names=["arima"])
