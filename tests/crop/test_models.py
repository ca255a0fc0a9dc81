"""Tests of the yield regressors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import dtnmodels.crop  # noqa: F401  (registers the models)
from dtnmodels.core.errors import NotFittedError, UnknownModelError
from dtnmodels.core.registry import create_model
from dtnmodels.crop.models import (
    HistoricalMean,
    LinearTrend,
    PooledTrend,
    SpatialResidualGP,
    TrendResidualRegressor,
)


def _panel(rng, n_regions=6, years=range(2005, 2015), slope=0.5):
    rows = []
    for r in range(n_regions):
        offset = 40.0 + 3.0 * r
        for year in years:
            rows.append(
                (f"R{r}", year, "G0" if r < 3 else "G1", offset + slope * (year - 2000))
            )
    frame = pd.DataFrame(rows, columns=["region", "year", "group", "yield"])
    frame["yield"] += rng.normal(0.0, 0.5, len(frame))
    return frame


def test_historical_mean_falls_back_to_group():
    """Known regions get their mean; an unknown region its group's mean."""
    X = pd.DataFrame(
        {"region": ["a", "a", "b"], "year": [1, 2, 1], "group": ["g", "g", "g"]}
    )
    y = np.array([10.0, 20.0, 40.0])

    model = HistoricalMean().fit(X, y)
    pred = model.predict(
        pd.DataFrame({"region": ["a", "z"], "year": [3, 3], "group": ["g", "g"]})
    )

    assert_allclose(pred, [15.0, (10 + 20 + 40) / 3])


def test_linear_trend_matches_polyfit(rng):
    """Each region's line equals numpy.polyfit on that region (oracle)."""
    panel = _panel(rng)

    model = LinearTrend().fit(panel, panel["yield"].to_numpy())
    pred = model.predict(pd.DataFrame({"region": ["R2"], "year": [2020]}))

    part = panel[panel.region == "R2"]
    slope, intercept = np.polyfit(part["year"], part["yield"], 1)
    assert_allclose(pred, [intercept + slope * 2020], rtol=1e-9)


def test_pooled_trend_limits(rng):
    """λ=0 reproduces per-region OLS; λ=∞ gives every region the group slope."""
    panel = _panel(rng)
    X, y = panel, panel["yield"].to_numpy()
    query = pd.DataFrame(
        {"region": ["R1", "R1"], "year": [2020, 2021], "group": ["G0", "G0"]}
    )

    ols = LinearTrend().fit(X, y).predict(query)
    free = PooledTrend(slope_shrinkage=0.0).fit(X, y).predict(query)
    common = PooledTrend(slope_shrinkage=np.inf).fit(X, y)

    assert_allclose(free, ols, rtol=1e-9)
    g0 = panel[panel.group == "G0"]
    dt = g0["year"] - g0.groupby("region")["year"].transform("mean")
    dy = g0["yield"] - g0.groupby("region")["yield"].transform("mean")
    assert common.group_slope_["G0"] == pytest.approx((dt * dy).sum() / (dt**2).sum())
    pred = common.predict(query)
    assert pred[1] - pred[0] == pytest.approx(common.group_slope_["G0"])


def test_gp_recovers_smooth_field(rng):
    """The space-time GP predicts a smooth residual field at a held-out point."""
    lon = rng.uniform(-95, -90, 400)
    lat = rng.uniform(40, 44, 400)
    year = rng.integers(2005, 2010, 400)
    field = np.sin(lon) + np.cos(lat)
    X = pd.DataFrame({"region": "r", "year": year, "lon": lon, "lat": lat})

    gp = SpatialResidualGP(
        length_scale_km=80.0, length_scale_years=50.0, signal_fraction=0.95
    ).fit(X, field)
    query = pd.DataFrame(
        {"region": ["q"], "year": [2007], "lon": [-92.5], "lat": [42.0]}
    )

    assert gp.predict(query)[0] == pytest.approx(np.sin(-92.5) + np.cos(42.0), abs=0.1)


def test_trend_residual_uses_features(rng):
    """A feature that explains the residual lowers the error below the trend's."""
    panel = _panel(rng)
    signal = rng.normal(0.0, 1.0, len(panel))
    panel["yield"] += 4.0 * signal
    panel["ndvi_peak"] = signal
    train, test = panel[panel.year < 2013], panel[panel.year >= 2013]
    y_train = train["yield"].to_numpy()

    trend = PooledTrend().fit(train, y_train).predict(test)
    model = create_model("regressor", {"name": "trend_ridge"}).fit(train, y_train)
    err_trend = np.sqrt(np.mean((trend - test["yield"]) ** 2))
    err_model = np.sqrt(np.mean((model.predict(test) - test["yield"]) ** 2))

    assert isinstance(model, TrendResidualRegressor)
    assert err_model < 0.5 * err_trend


def test_registry_names_and_errors():
    """Registered names, sklearn import paths and unknown names behave."""
    gbm = create_model(
        "regressor", {"name": "trend_gbm", "params": {"n_estimators": 5}}
    )
    rf = create_model("regressor", {"name": "sklearn.ensemble.RandomForestRegressor"})

    assert gbm.regressor["params"]["n_estimators"] == 5
    assert type(rf).__name__ == "RandomForestRegressor"
    with pytest.raises(UnknownModelError, match="trend_ridge"):
        create_model("regressor", {"name": "nope"})
    with pytest.raises(NotFittedError):
        PooledTrend().predict(pd.DataFrame({"region": ["a"], "year": [1]}))
