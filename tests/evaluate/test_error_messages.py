"""Wording of the errors dtnmodels.evaluate raises for malformed score inputs."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate import crps_ensemble, mae, spearman

OBS = np.array([1.0, 2.0, 3.0])


def test_text_values_are_named_not_called_unbroadcastable():
    """Strings are reported as non-numeric input, not as a shape problem."""
    fcst = np.array(["a", "b", "c"])

    with pytest.raises(DataValidationError, match=r"fcst must be numeric; got .*<U1"):
        mae(fcst, OBS)


def test_weights_of_wrong_length():
    """Weights that do not broadcast name both shapes."""
    weights = np.array([1.0, 1.0])

    with pytest.raises(DataValidationError, match=r"weights of shape \(2,\) do not"):
        mae(OBS + 1, OBS, weights=weights)


def test_crps_members_not_matching_obs():
    """An ensemble whose leading axes differ from obs says which layout it wants."""
    members = np.ones((2, 5))

    with pytest.raises(DataValidationError, match=r"expected fcst of shape \(3, "):
        crps_ensemble(members, OBS)


def test_crps_without_members():
    """Zero members is an error, not a NaN with runtime warnings."""
    members = np.empty((3, 0))

    with pytest.raises(DataValidationError, match="has no members"):
        crps_ensemble(members, OBS)


def test_crps_array_ensemble_still_scores():
    """A well-shaped ensemble keeps its hand-computed CRPS (regression guard)."""
    members = np.array([[0.0, 2.0]])  # obs 1: mean |x-o| = 1, spread term 0.5

    score = crps_ensemble(members, np.array([1.0]))

    assert score == pytest.approx(0.5)


def test_spearman_broadcasts_named_dims():
    """Spearman on DataArrays with different dims broadcasts like the others."""
    fcst = xr.DataArray(OBS, dims="time")
    obs = xr.DataArray(OBS, dims="region")

    result = spearman(fcst, obs, preserve_dims="region")

    assert result.dims == ("region",)
    assert np.isnan(result.values).all()  # obs is constant along time
