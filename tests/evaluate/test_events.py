"""Event scores against scores' contingency manager, Brier score and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import scores.categorical as scat
import scores.probability as sp
import xarray as xr
from numpy.testing import assert_allclose
from sklearn.metrics import brier_score_loss, roc_auc_score

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate.events import (
    brier_score,
    contingency_scores,
    contingency_table,
    roc_auc,
)


@pytest.fixture
def events(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and 0/1 outcomes that are related."""
    p = rng.uniform(size=400)
    o = (rng.uniform(size=400) < p).astype(float)
    return p, o


def test_brier_matches_sklearn_and_scores(events) -> None:
    """Brier score equals sklearn's brier_score_loss and scores' brier_score."""
    p, o = events

    result = brier_score(p, o)

    assert_allclose(result, brier_score_loss(o, p), rtol=1e-12)
    assert_allclose(
        result, float(sp.brier_score(xr.DataArray(p), xr.DataArray(o))), rtol=1e-12
    )


def test_roc_auc_matches_sklearn_with_ties(events) -> None:
    """ROC AUC (Mann–Whitney with ties) equals sklearn's roc_auc_score."""
    p, o = events
    rounded = np.round(p, 1)  # many ties

    result = roc_auc(rounded, o)

    assert_allclose(result, roc_auc_score(o, rounded), rtol=1e-12)


def test_roc_auc_per_dim(rng) -> None:
    """preserve_dims gives one AUC per storm, each equal to sklearn's."""
    p = rng.uniform(size=(60, 3))
    o = (rng.uniform(size=(60, 3)) < p).astype(float)
    da_p = xr.DataArray(p, dims=("county", "storm"))
    da_o = xr.DataArray(o, dims=("county", "storm"))

    result = roc_auc(da_p, da_o, preserve_dims="storm")

    assert_allclose(result.values, [roc_auc_score(o[:, j], p[:, j]) for j in range(3)])


@pytest.mark.parametrize("threshold", [0.3, 1.0])
def test_contingency_scores_match_scores_package(rng, threshold) -> None:
    """POD, FAR, CSI and ETS at a threshold equal scores' BinaryContingencyManager."""
    obs = rng.gamma(2.0, 0.5, size=300)
    fcst = obs + rng.normal(scale=0.4, size=300)

    result = contingency_scores(fcst, obs, threshold=threshold)

    manager = scat.BinaryContingencyManager(
        xr.DataArray((fcst >= threshold).astype(float)),
        xr.DataArray((obs >= threshold).astype(float)),
    )
    table = manager.transform()
    assert_allclose(result["pod"], float(table.probability_of_detection()), rtol=1e-12)
    assert_allclose(result["far"], float(table.false_alarm_ratio()), rtol=1e-12)
    assert_allclose(result["csi"], float(table.critical_success_index()), rtol=1e-12)
    assert_allclose(result["ets"], float(table.equitable_threat_score()), rtol=1e-12)


def test_contingency_table_by_hand() -> None:
    """Counts of a small example with one NaN pair left out."""
    fcst = np.array([1, 1, 0, 0, 1, np.nan])
    obs = np.array([1, 0, 1, 0, 1, 1])

    table = contingency_table(fcst, obs)
    result = contingency_scores(fcst, obs)

    assert table == {
        "hits": 2.0,
        "misses": 1.0,
        "false_alarms": 1.0,
        "correct_negatives": 1.0,
        "total": 5.0,
    }
    # a_r = (2 + 1)(2 + 1) / 5 = 1.8 -> ETS = 0.2 / 2.2
    assert result["ets"] == pytest.approx(0.2 / 2.2)
    assert result["far"] == pytest.approx(1 / 3)


def test_contingency_xarray_returns_dataset(rng) -> None:
    """xarray inputs give a Dataset with counts and scores over kept dims."""
    fcst = xr.DataArray(rng.uniform(size=(10, 2)), dims=("county", "storm"))
    obs = xr.DataArray(rng.uniform(size=(10, 2)), dims=("county", "storm"))

    result = contingency_scores(fcst, obs, threshold=0.5, preserve_dims="storm")

    assert set(result.data_vars) >= {"hits", "pod", "far", "csi", "ets"}
    assert result["total"].values.tolist() == [10.0, 10.0]


def test_event_input_errors() -> None:
    """Non-binary outcomes, out-of-range probabilities and bad operators are refused."""
    with pytest.raises(DataValidationError, match="obs must hold 0/1"):
        brier_score([0.2, 0.4], [0.0, 2.0])
    with pytest.raises(DataValidationError, match="probabilities"):
        brier_score([1.2, 0.4], [0.0, 1.0])
    with pytest.raises(DataValidationError, match="operator must be one of"):
        contingency_table([1.0], [1.0], threshold=0.5, operator="=>")
