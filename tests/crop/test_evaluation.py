"""Tests of leave-one-year-out predictions and conformal intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from dtnmodels.crop.evaluation import (
    add_conformal_intervals,
    interval_bounds,
    loyo_predictions,
    score_predictions,
)
from dtnmodels.crop.models import HistoricalMean


def test_loyo_mean_model_hand_values():
    """Each held-out year is predicted by the mean of the other years."""
    design = pd.DataFrame(
        {"region": "a", "year": [2001, 2002, 2003], "yield": [10.0, 20.0, 60.0]}
    )

    oof = loyo_predictions(design, HistoricalMean, min_train_years=1)

    assert_allclose(oof["mean"], [40.0, 35.0, 15.0])
    assert oof["observed"].tolist() == [10.0, 20.0, 60.0]


def test_loyo_past_only_skips_early_years():
    """past_only trains on earlier years only; years without history are skipped."""
    design = pd.DataFrame(
        {"region": "a", "year": [2001, 2002, 2003], "yield": [10.0, 20.0, 60.0]}
    )

    oof = loyo_predictions(design, HistoricalMean, past_only=True, min_train_years=1)

    assert oof["year"].tolist() == [2002, 2003]
    assert_allclose(oof["mean"], [10.0, 15.0])


def test_conformal_interval_uses_other_years():
    """The interval of a year comes from the errors of the other years only."""
    oof = pd.DataFrame(
        {
            "region": "a",
            "year": [1, 2, 3],
            "observed": [1.0, 2.0, 3.0],
            "mean": [0.0, 2.0, 3.0],
        }
    )

    out = add_conformal_intervals(oof, interval=0.5)

    # year 2: other residuals [1, 0] -> quantiles 0.25, 0.75 = 0.25, 0.75
    assert_allclose(out.loc[1, ["q0.25", "q0.75"]].to_numpy(float), [2.25, 2.75])
    assert interval_bounds(0.8) == pytest.approx((0.1, 0.9))


def test_scores_include_coverage():
    """Scores hold RMSE, MAPE, R² and the interval coverage."""
    oof = pd.DataFrame(
        {
            "observed": [1.0, 2.0, 4.0],
            "mean": [1.0, 3.0, 4.0],
            "q0.1": [0.0, 2.5, 3.0],
            "q0.9": [2.0, 3.5, 5.0],
        }
    )

    scores = score_predictions(oof, interval=0.8)

    assert scores["rmse"] == pytest.approx(np.sqrt(1 / 3))
    assert scores["mape"] == pytest.approx(100 * 0.5 / 3)
    assert scores["coverage80"] == pytest.approx(2 / 3)
