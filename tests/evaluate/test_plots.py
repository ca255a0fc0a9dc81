"""Evaluation figures build without pyplot and show the expected artists."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from shapely.geometry import box

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate.backtest import cross_validate
from dtnmodels.evaluate.baselines import baseline_factories
from dtnmodels.evaluate.plots import (
    choropleth,
    error_by_horizon,
    forecast_vs_actual,
    interval_calibration,
    reliability_diagram,
    skill_bar_chart,
)


@pytest.fixture(scope="module")
def cv() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small backtest of two baselines on two series."""
    rng = np.random.default_rng(0)
    ds = pd.date_range("2024-01-07", periods=40, freq="W-SUN")
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": u, "ds": ds, "y": rng.normal(size=40).cumsum()})
            for u in ("a", "b")
        ],
        ignore_index=True,
    )
    factories = baseline_factories(names=["naive", "drift"])
    return df, cross_validate(
        factories, df, h=4, n_windows=2, quantiles=[0.1, 0.25, 0.75, 0.9]
    )


def test_skill_bar_chart() -> None:
    """One bar per model."""
    scores = pd.DataFrame({"model": ["a", "b", "c"], "mae": [2.0, 1.0, 3.0]})

    fig = skill_bar_chart(scores, metric="mae", highlight=["b"])

    assert isinstance(fig, Figure)
    assert len(fig.axes[0].patches) == 3


def test_error_by_horizon_has_a_line_per_model(cv) -> None:
    """Lines for naive and drift over steps 1..4."""
    _, frame = cv

    fig = error_by_horizon(frame, metric="rmse")

    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    assert lines[0].get_xdata().tolist() == [1, 2, 3, 4]


def test_forecast_vs_actual_panels(cv) -> None:
    """One panel per requested series with shaded bands."""
    history, frame = cv
    naive = frame[frame["model"] == "naive"]

    fig = forecast_vs_actual(history, naive, ids=["a", "b"])

    assert len(fig.axes) == 2
    assert len(fig.axes[0].collections) == 2 * 2  # two bands for each of two cutoffs


def test_interval_calibration_points(cv) -> None:
    """Nominal coverages 0.5 and 0.8 for each model, on [0, 1]."""
    _, frame = cv

    fig = interval_calibration(frame)

    data = [line.get_xdata().tolist() for line in fig.axes[0].get_lines()[1:]]
    assert data == [pytest.approx([0.5, 0.8])] * 2
    with pytest.raises(DataValidationError, match="symmetric quantile columns"):
        interval_calibration(frame.drop(columns=["q0.1", "q0.25"]))


def test_reliability_diagram(rng) -> None:
    """Points for populated bins and a histogram of forecasts."""
    p = rng.uniform(size=500)
    o = (rng.uniform(size=500) < p).astype(float)

    fig = reliability_diagram(p, o, n_bins=5)

    assert len(fig.axes) == 2
    assert len(fig.axes[1].patches) == 5


def test_choropleth_with_missing_regions() -> None:
    """Values join on a key column; regions without a value are still drawn."""
    gdf = gpd.GeoDataFrame(
        {"fips": ["01", "02", "03"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:5070",
    )
    errors = pd.Series({"01": 1.5, "02": 0.5}, name="mae")

    fig = choropleth(gdf, errors, key="fips")

    assert fig.axes[0].get_title() == "mae"
    assert len(fig.axes[0].collections) == 2  # missing + present layers
