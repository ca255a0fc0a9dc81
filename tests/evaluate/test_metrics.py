"""Deterministic metrics against independent references (scores, sklearn, scipy)."""

from __future__ import annotations

import numpy as np
import pytest
import scores.continuous as sc
import xarray as xr
from numpy.testing import assert_allclose
from scipy import stats
from sklearn import metrics as skm

from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.evaluate.metrics import (
    bias,
    mae,
    mape,
    mase,
    mse,
    nrmse,
    r2,
    rank,
    rmse,
    rmsse,
    seasonal_scale,
    smape,
    spearman,
)


@pytest.fixture
def grid(rng: np.random.Generator) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """A 3-D forecast/observation pair with a few NaNs and area weights."""
    shape = (6, 4, 5)
    obs = xr.DataArray(rng.gamma(2.0, 3.0, shape), dims=("time", "lat", "lon"))
    fcst = obs + rng.normal(0.5, 2.0, shape)
    fcst[0, 0, 0] = np.nan
    obs[1, 2, 3] = np.nan
    weights = xr.DataArray(np.cos(np.deg2rad(np.linspace(10, 60, 4))), dims="lat")
    return fcst, obs, weights


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(mae, sc.mae), (mse, sc.mse), (rmse, sc.rmse), (bias, sc.additive_bias)],
)
@pytest.mark.parametrize("preserve", [None, ["time"], ["lat", "lon"]])
def test_matches_scores_with_dims_and_weights(grid, ours, theirs, preserve) -> None:
    """MAE/MSE/RMSE/bias equal the scores package, weighted, with NaNs and dims."""
    fcst, obs, weights = grid

    result = ours(fcst, obs, preserve_dims=preserve, weights=weights)
    expected = theirs(fcst, obs, preserve_dims=preserve, weights=weights)

    assert_allclose(result, expected, rtol=1e-12)


def test_reduce_dims_equals_preserve_complement(grid) -> None:
    """reduce_dims=['lat','lon'] is the same as preserve_dims=['time']."""
    fcst, obs, _ = grid

    a = mae(fcst, obs, reduce_dims=["lat", "lon"])
    b = mae(fcst, obs, preserve_dims="time")

    assert a.dims == ("time",)
    assert_allclose(a, b)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (mae, skm.mean_absolute_error),
        (rmse, skm.root_mean_squared_error),
        (r2, skm.r2_score),
        (mape, lambda o, f, **kw: 100 * skm.mean_absolute_percentage_error(o, f, **kw)),
    ],
)
def test_matches_sklearn_on_arrays(rng, ours, theirs) -> None:
    """MAE, RMSE, R² and MAPE equal scikit-learn on 1-D arrays, with sample weights."""
    obs = rng.uniform(1, 10, 200)
    fcst = obs + rng.normal(0, 1, 200)
    weights = rng.uniform(0.1, 2, 200)

    plain = ours(fcst, obs)
    weighted = ours(fcst, obs, weights=weights)

    assert_allclose(plain, theirs(obs, fcst), rtol=1e-12)
    assert_allclose(weighted, theirs(obs, fcst, sample_weight=weights), rtol=1e-12)


def test_r2_per_column_matches_sklearn_raw_values(rng) -> None:
    """preserve_dims=1 gives sklearn's per-output R² (multioutput='raw_values')."""
    obs = rng.normal(size=(50, 3))
    fcst = obs + rng.normal(scale=0.5, size=(50, 3))

    result = r2(fcst, obs, preserve_dims=1)

    assert_allclose(result, skm.r2_score(obs, fcst, multioutput="raw_values"))


def test_spearman_matches_scipy_with_ties(rng) -> None:
    """Spearman equals scipy.stats.spearmanr, including tied values."""
    obs = rng.integers(0, 10, 80).astype(float)
    fcst = obs + rng.integers(-3, 4, 80)

    result = spearman(fcst, obs)

    assert_allclose(result, stats.spearmanr(fcst, obs).statistic, rtol=1e-12)


def test_spearman_per_dim_with_nan_matches_scipy(rng) -> None:
    """Spearman over 'time' for each site drops NaN pairs like scipy's omit."""
    obs = rng.normal(size=(30, 3))
    fcst = obs + rng.normal(size=(30, 3))
    fcst[4, 1] = np.nan
    da_f = xr.DataArray(fcst, dims=("time", "site"))
    da_o = xr.DataArray(obs, dims=("time", "site"))

    result = spearman(da_f, da_o, preserve_dims="site")

    expected = [
        stats.spearmanr(fcst[:, j], obs[:, j], nan_policy="omit").statistic
        for j in range(3)
    ]
    assert_allclose(result.values, expected, rtol=1e-12)


def test_rank_averages_ties() -> None:
    """Ties share the average of their ranks, like scipy.stats.rankdata."""
    values = np.array([3.0, 1.0, 3.0, 2.0, 3.0])

    result = rank(values)

    assert_allclose(result, stats.rankdata(values))


def test_smape_and_mape_by_hand() -> None:
    """sMAPE and MAPE of a two-point example computed by hand; 0/0 counts zero."""
    fcst = np.array([110.0, 0.0, 90.0])
    obs = np.array([100.0, 0.0, 100.0])

    s = smape(fcst, obs)
    m = mape(fcst, obs)

    # 200*10/210, 0 (both zero), 200*10/190 -> mean of three
    assert s == pytest.approx((2000 / 210 + 0 + 2000 / 190) / 3)
    # obs == 0 is undefined for MAPE and left out
    assert m == pytest.approx(10.0)


def test_mase_by_hand_and_scale() -> None:
    """MASE uses the mean absolute in-sample seasonal difference as scale."""
    insample = np.array([1.0, 3.0, 2.0, 4.0, 6.0])  # |diff| = 2,1,2,2 -> 1.75
    fcst = np.array([6.0, 6.0])
    obs = np.array([7.0, 9.0])

    result = mase(fcst, obs, insample=insample)

    assert seasonal_scale(insample) == pytest.approx(1.75)
    assert result == pytest.approx(2.0 / 1.75)
    # m = 2: |2-1|, |4-3|, |6-2| -> 2.0
    assert seasonal_scale(insample, season_length=2) == pytest.approx(2.0)


def test_mase_rmsse_many_series_ragged_history(rng) -> None:
    """2-D arrays: NaN-padded histories give per-series scales; a plain loop agrees."""
    histories = [rng.normal(size=n).cumsum() for n in (20, 35, 12)]
    padded = np.full((3, 35), np.nan)
    for i, h in enumerate(histories):
        padded[i, : h.size] = h
    fcst = rng.normal(size=(3, 4))
    obs = rng.normal(size=(3, 4))

    per_series_mase = mase(fcst, obs, insample=padded, preserve_dims=0)
    per_series_rmsse = rmsse(
        fcst, obs, insample=padded, season_length=2, preserve_dims=0
    )

    for i, h in enumerate(histories):
        scale1 = np.mean(np.abs(np.diff(h)))
        scale2 = np.mean((h[2:] - h[:-2]) ** 2)
        assert per_series_mase[i] == pytest.approx(
            np.mean(np.abs(fcst[i] - obs[i])) / scale1
        )
        assert per_series_rmsse[i] == pytest.approx(
            np.sqrt(np.mean((fcst[i] - obs[i]) ** 2) / scale2)
        )


def test_mase_xarray_insample(rng) -> None:
    """An xarray history over 'time' scales each site separately."""
    hist = xr.DataArray(rng.normal(size=(10, 2)).cumsum(axis=0), dims=("time", "site"))
    fcst = xr.DataArray(rng.normal(size=(3, 2)), dims=("step", "site"))
    obs = xr.DataArray(rng.normal(size=(3, 2)), dims=("step", "site"))

    result = mase(fcst, obs, insample=hist, preserve_dims="site")

    scale = np.abs(np.diff(hist.values, axis=0)).mean(axis=0)
    expected = np.abs(fcst.values - obs.values).mean(axis=0) / scale
    assert_allclose(result.values, expected)


def test_mase_constant_history_warns() -> None:
    """A flat history has no scale: a DataGapWarning and NaN."""
    with pytest.warns(DataGapWarning, match="constant history"):
        result = mase([1.0], [2.0], insample=[5.0, 5.0, 5.0])

    assert np.isnan(result)


def test_nrmse_normalizations(rng) -> None:
    """NRMSE divides the RMSE by the obs mean, range, std or IQR."""
    obs = rng.uniform(5, 15, 100)
    fcst = obs + rng.normal(size=100)
    error = np.sqrt(np.mean((fcst - obs) ** 2))

    results = {
        n: nrmse(fcst, obs, normalization=n) for n in ("mean", "range", "std", "iqr")
    }

    iqr = np.subtract(*np.percentile(obs, [75, 25]))
    assert results["mean"] == pytest.approx(error / obs.mean())
    assert results["range"] == pytest.approx(error / np.ptp(obs))
    assert results["std"] == pytest.approx(error / obs.std())
    assert results["iqr"] == pytest.approx(error / iqr)


def test_skipna_false_propagates_nan() -> None:
    """skipna=False turns a NaN into a NaN score; skipna=True leaves the pair out."""
    fcst = np.array([1.0, np.nan, 3.0])
    obs = np.array([2.0, 2.0, 5.0])

    kept = mae(fcst, obs)
    strict = mae(fcst, obs, skipna=False)

    assert kept == pytest.approx(1.5)
    assert np.isnan(strict)


def test_bad_inputs_raise_clear_errors(grid) -> None:
    """Both dims options, unknown dims, NaN weights and mixed containers are refused."""
    fcst, obs, weights = grid

    with pytest.raises(DataValidationError, match="not both"):
        mae(fcst, obs, reduce_dims="time", preserve_dims="lat")
    with pytest.raises(DataValidationError, match=r"dims \['depth'\] are not dims"):
        mae(fcst, obs, reduce_dims="depth")
    with pytest.raises(DataValidationError, match="weights contain NaN"):
        mae(fcst, obs, weights=weights.where(weights > 0.9))
    with pytest.raises(
        DataValidationError, match="all be xarray objects or all be arrays"
    ):
        mae(fcst, obs.values)
    with pytest.raises(DataValidationError, match="do not broadcast"):
        mae(np.ones(3), np.ones(4))


def test_dask_inputs_stay_lazy_and_match(grid) -> None:
    """Chunked inputs give dask-backed results equal to the in-memory ones."""
    fcst, obs, weights = grid
    lazy_f, lazy_o = fcst.chunk({"time": 2}), obs.chunk({"time": 2})

    lazy_mae = mae(lazy_f, lazy_o, preserve_dims="lat", weights=weights)
    lazy_rho = spearman(lazy_f, lazy_o, preserve_dims="lat")

    assert lazy_mae.chunks is not None and lazy_rho.chunks is not None
    assert_allclose(lazy_mae, mae(fcst, obs, preserve_dims="lat", weights=weights))
    assert_allclose(lazy_rho, spearman(fcst, obs, preserve_dims="lat"))


def test_dataset_inputs(grid) -> None:
    """A Dataset is scored variable by variable."""
    fcst, obs, _ = grid
    ds_f = xr.Dataset({"wind": fcst, "rain": 2 * fcst})
    ds_o = xr.Dataset({"wind": obs, "rain": 2 * obs})

    result = rmse(ds_f, ds_o)

    assert_allclose(float(result["rain"]), 2 * float(rmse(fcst, obs)))
