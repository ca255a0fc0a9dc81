"""Skill scores and the Diebold–Mariano test against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose
from scipy import stats
from scores.stats.statistical_tests import diebold_mariano as scores_dm

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate.skill import diebold_mariano, skill_score


def test_skill_score_by_hand() -> None:
    """(ref − score) / (ref − perfect) for errors and for R²-like scores."""
    error_skill = skill_score(0.8, 1.0)
    r2_skill = skill_score(0.9, 0.6, perfect=1.0)
    undefined = skill_score(1.0, 0.0)

    assert error_skill == pytest.approx(0.2)
    assert r2_skill == pytest.approx(0.75)
    assert np.isnan(undefined)


def test_skill_score_xarray() -> None:
    """Element-wise on DataArrays."""
    score = xr.DataArray([1.0, 2.0], dims="site")
    reference = xr.DataArray([2.0, 2.0], dims="site")

    result = skill_score(score, reference)

    assert_allclose(result.values, [0.5, 0.0])


def test_dm_h1_equals_paired_t_test(rng) -> None:
    """With h=1 the HLN statistic is the one-sample t test of the loss differential."""
    obs = rng.normal(size=60)
    a = obs + rng.normal(scale=1.0, size=60)
    b = obs + rng.normal(scale=1.3, size=60)

    result = diebold_mariano(a, b, obs, h=1)

    d = (a - obs) ** 2 - (b - obs) ** 2
    reference = stats.ttest_1samp(d, 0.0)
    assert_allclose(result.statistic, reference.statistic, rtol=1e-10)
    assert_allclose(result.pvalue, reference.pvalue, rtol=1e-10)


@pytest.mark.parametrize("h", [1, 3])
def test_dm_matches_scores_hln(rng, h) -> None:
    """HLN statistic equals scores.stats diebold_mariano(method='HLN')."""
    obs = rng.normal(size=80)
    a = obs + rng.normal(size=80)
    b = obs + rng.normal(scale=1.2, size=80)
    d = (a - obs) ** 2 - (b - obs) ** 2

    result = diebold_mariano(a, b, obs, h=h)

    da = xr.DataArray(d[None, :], dims=("series", "t"), coords={"h": ("series", [h])})
    expected = scores_dm(da, "series", "h", method="HLN", statistic_distribution="t")
    assert_allclose(result.statistic, float(expected["dm_test_stat"][0]), rtol=1e-10)


def test_dm_detects_a_better_model(rng) -> None:
    """A much more accurate forecast gives a small one-sided p-value."""
    obs = rng.normal(size=100)
    good = obs + rng.normal(scale=0.2, size=100)
    bad = obs + rng.normal(scale=1.5, size=100)

    result = diebold_mariano(good, bad, obs, alternative="less", loss="absolute")

    assert result.statistic < 0
    assert result.pvalue < 1e-6


def test_dm_errors() -> None:
    """Length mismatch and too-short samples are refused."""
    with pytest.raises(DataValidationError, match="same length"):
        diebold_mariano([1.0, 2.0], [1.0], [1.0, 2.0])
    with pytest.raises(DataValidationError, match="at least"):
        diebold_mariano([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], h=2)
