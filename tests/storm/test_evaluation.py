"""Tests for leave-one-storm-out evaluation."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

import dtnmodels.storm  # noqa: F401
from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.core.registry import create_model
from dtnmodels.storm.evaluation import leave_one_storm_out, score_impacts


def _history():
    return pd.DataFrame(
        {
            "storm_id": ["s1"] * 3 + ["s2"] * 3 + ["s3"] * 3,
            "region": ["a", "b", "c"] * 3,
            "gust_max": [10.0, 20.0, 30.0, 15.0, 25.0, 35.0, 10.0, 20.0, 30.0],
            "customers": [100] * 9,
            "customers_out": [0, 20, 60, 10, 30, 70, np.nan, np.nan, np.nan],
        }
    )


def test_leave_one_storm_out_holds_each_storm_out():
    """Each recorded storm is predicted once per model by the others; s3 is skipped."""
    factories = {"hm": partial(create_model, "impact", {"name": "historical_mean"})}

    with pytest.warns(DataGapWarning, match="s3"):
        held = leave_one_storm_out(_history(), factories, features=["gust_max"])

    assert sorted(held["storm_id"].unique()) == ["s1", "s2"]
    # region a in s1 is predicted by its mean in s2 only: 10 / 100
    row = held[(held["storm_id"] == "s1") & (held["region"] == "a")]
    assert row["mean"].iloc[0] == pytest.approx(0.1)


def test_score_impacts_hand_values():
    """MAE, Spearman, POD/FAR/CSI and coverage from a tiny held-out table."""
    held = pd.DataFrame(
        {
            "model": "m",
            "storm_id": ["s1"] * 4,
            "region": list("abcd"),
            "customers": [100] * 4,
            "observed": [0.0, 0.2, 0.4, 0.6],
            "mean": [0.1, 0.1, 0.5, 0.7],
            "q0.1": [0.0, 0.0, 0.45, 0.0],
            "q0.9": [0.2, 0.3, 0.6, 0.8],
        }
    )

    scores = score_impacts(held, event_share=0.3)["m"]

    assert scores["mae"] == pytest.approx(0.1)
    assert scores["mae_customers"] == pytest.approx(10.0)
    assert scores["spearman"] == pytest.approx(0.9486833, rel=1e-6)  # tie at 0.1
    assert (scores["pod"], scores["far"], scores["csi"]) == (1.0, 0.0, 1.0)
    assert scores["coverage"] == pytest.approx(0.75)


def test_one_storm_is_not_enough():
    """Leave-one-storm-out needs two storms with outages."""
    factories = {"hm": partial(create_model, "impact", {"name": "historical_mean"})}
    one = _history().iloc[:3]

    with pytest.raises(DataValidationError, match="at least 2 storms"):
        leave_one_storm_out(one, factories, features=["gust_max"])
