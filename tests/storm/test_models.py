"""Tests for the impact models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dtnmodels.storm  # noqa: F401
from dtnmodels.core.errors import NotFittedError, UnknownModelError
from dtnmodels.core.registry import available_models, create_model
from dtnmodels.storm.models import (
    FractionalLogit,
    GBMPoisson,
    GBMShare,
    HistoricalMean,
    WindStepFunction,
)


def _history(rng, n_storms=4, n_regions=30):
    rows = []
    for s in range(n_storms):
        gust = rng.uniform(10, 50, n_regions)
        share = 1 / (1 + np.exp(-(-6 + 0.2 * gust)))
        customers = rng.integers(1000, 5000, n_regions)
        rows.append(
            pd.DataFrame(
                {
                    "storm_id": f"s{s}",
                    "region": [f"r{i}" for i in range(n_regions)],
                    "gust_max": gust,
                    "customers": customers,
                    "customers_out": np.round(share * customers),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_registry_lists_the_impact_models():
    """All five impact models are reachable by name."""
    names = set(available_models("impact"))

    assert {"historical_mean", "wind_step", "gbm_poisson", "gbm_share"} <= names
    assert {"gbm_tweedie", "frac_logit"} <= names


def test_unknown_model_name_fails():
    """An unknown name raises UnknownModelError naming the config path."""
    with pytest.raises(UnknownModelError, match=r"model\.name"):
        create_model("impact", {"name": "does_not_exist"})


def test_wind_step_is_isotonic_on_the_feature():
    """Shares 0.1, 0.3, 0.2 at 10, 20, 30 m/s pool to a monotone step."""
    X = pd.DataFrame({"gust_max": [10.0, 20.0, 30.0]}, index=["a", "b", "c"])
    model = WindStepFunction().fit(X, [10, 30, 20], customers=[100, 100, 100])

    pred = model.predict(X)["mean"].to_numpy()

    np.testing.assert_allclose(pred, [0.1, 0.25, 0.25])


def test_wind_step_bins_the_gust():
    """With 10 m/s bins, 12 and 18 m/s share one bin and one prediction."""
    X = pd.DataFrame({"gust_max": [12.0, 18.0, 25.0]}, index=["a", "b", "c"])
    model = WindStepFunction(bin_width=10).fit(X, [0, 20, 50], customers=[100] * 3)

    pred = model.predict(X)["mean"].to_numpy()

    np.testing.assert_allclose(pred, [0.1, 0.1, 0.5])


def test_historical_mean_by_region_with_fallback():
    """Seen regions get their mean share; an unseen one the overall mean."""
    X = pd.DataFrame({"gust_max": [1.0, 1.0, 1.0]}, index=["a", "a", "b"])
    model = HistoricalMean().fit(X, [10, 30, 50], customers=[100] * 3)

    pred = model.predict(pd.DataFrame({"gust_max": [1.0, 1.0]}, index=["a", "z"]))

    np.testing.assert_allclose(pred["mean"], [0.2, 0.3])


def test_frac_logit_recovers_a_logistic_relation(rng):
    """On noise-free logistic shares the fit reproduces them closely."""
    h = _history(rng)
    X = h.set_index("region")[["gust_max"]]
    model = FractionalLogit(alpha=0.0).fit(
        X, h["customers_out"], customers=h["customers"]
    )

    pred = model.predict(X)["mean"].to_numpy()

    expected = 1 / (1 + np.exp(-(-6 + 0.2 * h["gust_max"].to_numpy())))
    np.testing.assert_allclose(pred, expected, atol=0.01)


@pytest.mark.parametrize("cls", [GBMShare, GBMPoisson])
def test_boosting_predictions_are_bounded_and_ordered(cls, rng):
    """Shares lie in [0, 1], rise with gust, and P10 <= P50 <= P90."""
    h = _history(rng)
    X = h.set_index("region")[["gust_max"]]
    model = cls(n_estimators=50).fit(
        X, h["customers_out"], customers=h["customers"], groups=h["storm_id"]
    )
    new = pd.DataFrame({"gust_max": [12.0, 30.0, 48.0]}, index=["x", "y", "z"])

    pred = model.predict(new, customers=[1000, 1000, 1000])

    assert ((pred >= 0) & (pred <= 1)).all().all()
    assert np.all(np.diff(pred["mean"].to_numpy()) >= 0)
    assert (pred["q0.1"] <= pred["q0.5"]).all() and (pred["q0.5"] <= pred["q0.9"]).all()


def test_predict_before_fit_raises():
    """Predicting with an unfitted model raises NotFittedError."""
    with pytest.raises(NotFittedError, match="fitted"):
        WindStepFunction().predict(pd.DataFrame({"gust_max": [1.0]}))


def test_rows_without_recorded_outages_are_not_trained_on():
    """NaN customers_out rows are dropped before fitting."""
    X = pd.DataFrame({"gust_max": [10.0, 20.0]}, index=["a", "b"])
    model = HistoricalMean().fit(X, [10, np.nan], customers=[100, 100])

    assert model.n_train_ == 1


def test_zero_weight_leaves_exact_zeros_out_of_training():
    """zero_weight=0 fits 0.1, 0.3 at 10, 30 m/s, ignoring a 0 at 40 m/s."""
    X = pd.DataFrame({"gust_max": [10.0, 30.0, 40.0]}, index=["a", "b", "c"])
    model = WindStepFunction(zero_weight=0.0)
    model.fit(X, [10, 30, 0], customers=[100] * 3)

    pred = model.predict(X)["mean"].to_numpy()

    # oracle: isotonic fit of (10, 0.1), (30, 0.3), clipped beyond 30 m/s
    np.testing.assert_allclose(pred, [0.1, 0.3, 0.3])
    assert model.n_train_ == 2


def test_zero_weight_must_lie_in_unit_interval():
    """A negative zero_weight is a config error naming the parameter."""
    from dtnmodels.core.errors import ConfigError

    with pytest.raises(ConfigError, match="zero_weight"):
        GBMShare(zero_weight=-1.0)


def test_historical_mean_intervals_have_width_on_one_storm(rng):
    """With one storm, held-out region blocks give a P10-P90 of nonzero width."""
    h = _history(rng, n_storms=1, n_regions=30)
    X = h.set_index("region")[["gust_max"]]
    model = HistoricalMean().fit(
        X, h["customers_out"], customers=h["customers"], groups=h["storm_id"]
    )

    pred = model.predict(pd.DataFrame({"gust_max": [20.0]}, index=["unseen"]))

    assert (pred["q0.9"] - pred["q0.1"]).iloc[0] > 0.05
