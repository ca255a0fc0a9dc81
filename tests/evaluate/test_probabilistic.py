"""Probabilistic scores against the scores package, scikit-learn and hand values."""

from __future__ import annotations

import numpy as np
import pytest
import scores.continuous as sc
import scores.probability as sp
import xarray as xr
from numpy.testing import assert_allclose
from scipy import stats
from sklearn.metrics import mean_pinball_loss

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate.probabilistic import (
    crps_ensemble,
    crps_gaussian,
    interval_coverage,
    interval_score,
    pinball_loss,
)


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_pinball_matches_sklearn_and_scores(rng, alpha) -> None:
    """Pinball loss equals sklearn's mean_pinball_loss and scores' quantile_score."""
    obs = rng.normal(size=300)
    fcst = obs + rng.normal(size=300)

    result = pinball_loss(fcst, obs, alpha=alpha)

    assert_allclose(result, mean_pinball_loss(obs, fcst, alpha=alpha), rtol=1e-12)
    expected = sc.quantile_score(xr.DataArray(fcst), xr.DataArray(obs), alpha)
    assert_allclose(result, float(expected), rtol=1e-12)


def test_pinball_several_levels_on_columns(rng) -> None:
    """An alpha vector broadcasts over quantile columns: the mean of single levels."""
    obs = rng.normal(size=(50, 1))
    levels = np.array([0.1, 0.5, 0.9])
    fcst = obs + stats.norm.ppf(levels) + rng.normal(scale=0.3, size=(50, 3))

    result = pinball_loss(fcst, obs, alpha=levels)

    singles = [
        pinball_loss(fcst[:, j], obs[:, 0], alpha=q) for j, q in enumerate(levels)
    ]
    assert result == pytest.approx(np.mean(singles))


def test_pinball_xarray_with_weights(rng) -> None:
    """xarray inputs with weights and preserve_dims match scores.quantile_score."""
    obs = xr.DataArray(rng.normal(size=(8, 3)), dims=("time", "site"))
    fcst = obs + 0.4
    weights = xr.DataArray([1.0, 2.0, 0.5], dims="site")

    result = pinball_loss(fcst, obs, alpha=0.8, preserve_dims="time", weights=weights)

    expected = sc.quantile_score(
        fcst, obs, 0.8, preserve_dims=["time"], weights=weights
    )
    assert_allclose(result, expected, rtol=1e-12)


def test_interval_score_matches_scores(rng) -> None:
    """The Winkler score equals scores.continuous.interval_score (0.8 interval)."""
    obs = xr.DataArray(rng.normal(size=(40, 2)), dims=("time", "site"))
    lower = xr.DataArray(rng.normal(-1.2, 0.3, (40, 2)), dims=("time", "site"))
    upper = lower + rng.uniform(0.5, 3.0, (40, 2))

    result = interval_score(lower, upper, obs, interval_range=0.8, preserve_dims="site")

    expected = sc.interval_score(lower, upper, obs, 0.8, preserve_dims=["site"])
    assert_allclose(result, expected["total"], rtol=1e-12)


def test_interval_score_and_coverage_by_hand() -> None:
    """Width plus 2/alpha times the exceedance; coverage counts closed intervals."""
    lower = np.array([0.0, 0.0, 0.0, 0.0])
    upper = np.array([2.0, 2.0, 2.0, 2.0])
    obs = np.array([1.0, 2.0, -1.0, 3.5])

    score = interval_score(lower, upper, obs, interval_range=0.5)
    coverage = interval_coverage(lower, upper, obs)

    # alpha = 0.5 -> penalty 4 x distance: 2, 2, 2 + 4, 2 + 6
    assert score == pytest.approx((2 + 2 + 6 + 8) / 4)
    assert coverage == pytest.approx(0.5)


@pytest.mark.parametrize("method", ["ecdf", "fair"])
def test_crps_ensemble_matches_scores(rng, method) -> None:
    """Ensemble CRPS equals scores.probability.crps_for_ensemble (ecdf and fair)."""
    obs = xr.DataArray(rng.normal(size=(20, 3)), dims=("time", "site"))
    members = obs + xr.DataArray(
        rng.normal(size=(20, 3, 15)), dims=("time", "site", "member")
    )

    result = crps_ensemble(members, obs, method=method, preserve_dims="site")

    expected = sp.crps_for_ensemble(
        members, obs, "member", method=method, preserve_dims=["site"]
    )
    assert_allclose(result, expected, rtol=1e-10)


def test_crps_ensemble_numpy_last_axis(rng) -> None:
    """For arrays the members are on the last axis; a one-member ensemble gives MAE."""
    obs = rng.normal(size=10)
    members = rng.normal(size=(10, 1))

    result = crps_ensemble(members, obs)

    assert result == pytest.approx(np.mean(np.abs(members[:, 0] - obs)))


@pytest.mark.filterwarnings("ignore:numba is not available")
def test_crps_gaussian_matches_numerical_integral(rng) -> None:
    """Closed-form Gaussian CRPS equals scores.crps_cdf on a fine CDF grid."""
    mean = rng.normal(size=5)
    std = rng.uniform(0.5, 2.0, 5)
    obs = rng.normal(size=5)
    thresholds = np.linspace(-15, 15, 6001)
    cdf = stats.norm.cdf(thresholds[None, :], mean[:, None], std[:, None])

    result = crps_gaussian(mean, std, obs, preserve_dims=0)

    fcst_cdf = xr.DataArray(
        cdf, dims=("case", "threshold"), coords={"threshold": thresholds}
    )
    expected = sp.crps_cdf(
        fcst_cdf, xr.DataArray(obs, dims="case"), preserve_dims=["case"]
    )
    assert_allclose(result, expected["total"].values, atol=1e-5)


def test_crps_gaussian_limits() -> None:
    """Zero spread gives the absolute error; a perfect mean gives sigma(√2−1)/√π."""
    zero = crps_gaussian(1.0, 0.0, 3.0)
    centred = crps_gaussian(0.0, 2.0, 0.0)

    assert zero == pytest.approx(2.0)
    assert centred == pytest.approx(2.0 * (np.sqrt(2) - 1) / np.sqrt(np.pi))


def test_probabilistic_errors() -> None:
    """Bad levels, ranges, methods and spreads are refused with clear messages."""
    with pytest.raises(
        DataValidationError, match=r"alpha must lie strictly in \(0, 1\)"
    ):
        pinball_loss([1.0], [1.0], alpha=1.0)
    with pytest.raises(DataValidationError, match="interval_range"):
        interval_score([0.0], [1.0], [0.5], interval_range=80)
    with pytest.raises(DataValidationError, match="method must be"):
        crps_ensemble([[1.0, 2.0]], [1.0], method="kernel")
    with pytest.raises(DataValidationError, match="non-negative"):
        crps_gaussian([0.0], [-1.0], [0.0])
