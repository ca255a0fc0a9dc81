"""Rolling-origin cross-validation (leak-free by construction) and fold generators."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from dtnmodels.core.errors import DataValidationError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, Forecaster
from dtnmodels.evaluate.backtest import (
    cross_validate,
    leave_one_event_out,
    leave_one_year_out,
    rolling_origin_cutoffs,
    spatial_block_folds,
)
from dtnmodels.evaluate.baselines import NaiveForecaster, SeasonalNaiveForecaster

H = 3


@pytest.fixture
def panel(rng: np.random.Generator) -> pd.DataFrame:
    """Three daily series of 30 days with a price and a calendar column."""
    ds = pd.date_range("2024-01-01", periods=30, freq="D")
    frames = []
    for uid in ("a", "b", "c"):
        y = rng.normal(size=30).cumsum() + 50
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": uid,
                    "ds": ds,
                    "y": y,
                    "dow": ds.day_of_week.astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


class SpyForecaster(NaiveForecaster):
    """Naive forecaster that records what it was shown."""

    supports_exog = True
    seen: list = []  # noqa: RUF012 - shared on purpose across deep copies

    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> SpyForecaster:
        SpyForecaster.seen.append(
            ("fit", df["ds"].max(), df.groupby("unique_id").size())
        )
        return super().fit(df[["unique_id", "ds", "y"]], freq=freq)

    def predict(self, h, *, X_df=None, quantiles=DEFAULT_QUANTILES):
        SpyForecaster.seen.append(("predict", list(X_df.columns), X_df["ds"].min()))
        return super().predict(h, quantiles=quantiles)


class PeekingForecaster(Forecaster):
    """A cheat: forecasts whatever the exogenous column says over the horizon."""

    supports_exog = True

    def __init__(self, column_prefix: str = "leak") -> None:
        self.column_prefix = column_prefix

    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> PeekingForecaster:
        self.fitted_ = True
        return self

    def predict(
        self, h: int, *, X_df=None, quantiles: Sequence[float] = DEFAULT_QUANTILES
    ):
        column = next(c for c in X_df.columns if c.startswith(self.column_prefix))
        out = X_df[["unique_id", "ds"]].copy()
        out["mean"] = X_df[column].to_numpy()
        for q in quantiles:
            out[f"q{q:g}"] = out["mean"]
        return out


def test_cutoffs_by_hand() -> None:
    """Cutoffs end h steps before the last time, step_size apart, oldest first."""
    times = list(range(1, 21))

    cutoffs = rolling_origin_cutoffs(times, h=3, n_windows=3, step_size=2)

    # last cutoff 17 (test 18..20), then 15 and 13
    assert cutoffs == [13, 15, 17]
    with pytest.raises(DataValidationError, match="too few"):
        rolling_origin_cutoffs(times, h=10, n_windows=3)


def test_naive_backtest_matches_hand_loop(panel) -> None:
    """Each fold's naive forecast is the last observation at or before the cutoff."""
    cv = cross_validate(NaiveForecaster, panel, h=H, n_windows=2, step_size=2)

    assert list(cv.columns[:6]) == ["unique_id", "ds", "cutoff", "model", "y", "mean"]
    assert len(cv) == 3 * 2 * H
    for (uid, cutoff), group in cv.groupby(["unique_id", "cutoff"]):
        series = panel[panel["unique_id"] == uid]
        last = series[series["ds"] <= cutoff]["y"].iloc[-1]
        assert (group["mean"] == last).all()
        assert (group["ds"] > cutoff).all()
        assert group["ds"].max() <= cutoff + pd.Timedelta(days=H)


def test_model_never_sees_data_after_cutoff(panel) -> None:
    """fit gets ds <= cutoff only; predict's X_df has no y, only declared columns."""
    SpyForecaster.seen.clear()

    cv = cross_validate(
        {"spy": SpyForecaster},
        panel,
        h=H,
        n_windows=3,
        known_future=["dow"],
        scheduler="sync",
    )

    cutoffs = sorted(cv["cutoff"].unique())
    fits = [s for s in SpyForecaster.seen if s[0] == "fit"]
    predicts = [s for s in SpyForecaster.seen if s[0] == "predict"]
    assert sorted(f[1] for f in fits) == cutoffs
    assert sorted(p[2] for p in predicts) == [c + pd.Timedelta(days=1) for c in cutoffs]
    for _, columns, _ in predicts:
        assert "y" not in columns
        assert columns == ["unique_id", "ds", "dow"]


def test_sliding_window_limits_history(panel) -> None:
    """window='sliding' fits on the last window_size rows of each series."""
    SpyForecaster.seen.clear()

    cross_validate(
        {"spy": SpyForecaster},
        panel,
        h=H,
        n_windows=2,
        window="sliding",
        window_size=7,
        known_future=["dow"],
        scheduler="sync",
    )

    sizes = [s[2] for s in SpyForecaster.seen if s[0] == "fit"]
    assert all((size == 7).all() for size in sizes)


def test_planted_leak_is_refused(panel) -> None:
    """An undeclared exogenous copy of y is refused with exog_policy='refuse'."""
    leaky = panel.assign(leak=panel["y"])

    with pytest.raises(
        DataValidationError, match=r"\['leak'\] are not declared known_future"
    ):
        cross_validate(
            PeekingForecaster, leaky, h=H, exog_policy="refuse", known_future=["dow"]
        )


def test_planted_leak_cannot_help_when_lagged_or_forecast(panel) -> None:
    """Lagged or persisted, the leak is only old y; declared known, it is perfect."""
    leaky = panel.assign(leak=panel["y"])
    kwargs = {"h": H, "n_windows": 2, "known_future": ["dow"]}

    lagged = cross_validate(PeekingForecaster, leaky, exog_policy="lag", **kwargs)
    persisted = cross_validate(
        PeekingForecaster, leaky, exog_policy="forecast", **kwargs
    )
    naive = cross_validate(NaiveForecaster, panel, **kwargs)
    declared = cross_validate(
        PeekingForecaster, leaky, h=H, known_future=["leak", "dow"]
    )

    # lag h: the forecast for t is y(t - h), i.e. a seasonal naive with m = h
    snaive = cross_validate(
        lambda: SeasonalNaiveForecaster(season_length=H), panel, **kwargs
    )
    np.testing.assert_allclose(lagged["mean"], snaive["mean"])
    np.testing.assert_allclose(persisted["mean"], naive["mean"])
    assert (lagged["mean"] != lagged["y"]).all()
    np.testing.assert_allclose(declared["mean"], declared["y"])


def test_several_models_batches_and_schedulers_agree(panel) -> None:
    """Batching series over dask tasks and the scheduler do not change results."""
    models = {
        "naive": NaiveForecaster,
        "snaive": lambda: SeasonalNaiveForecaster(season_length=7),
    }

    one = cross_validate(models, panel, h=H, n_windows=2)
    many = cross_validate(
        models, panel, h=H, n_windows=2, batch_size=1, scheduler="sync"
    )

    assert set(one["model"]) == {"naive", "snaive"}
    pd.testing.assert_frame_equal(one, many)


def test_cross_validate_errors(panel) -> None:
    """Missing columns, unknown known_future and bad options are refused."""
    with pytest.raises(DataValidationError, match=r"lacks columns \['y'\]"):
        cross_validate(NaiveForecaster, panel.drop(columns="y"), h=H)
    with pytest.raises(DataValidationError, match="known_future columns"):
        cross_validate(NaiveForecaster, panel, h=H, known_future=["price"])
    with pytest.raises(DataValidationError, match="needs window_size"):
        cross_validate(NaiveForecaster, panel, h=H, window="sliding")
    with pytest.raises(DataValidationError, match="exog_policy must be"):
        cross_validate(NaiveForecaster, panel, h=H, exog_policy="drop")


def test_leave_one_year_out() -> None:
    """One fold per year; past_only trains on earlier years only."""
    df = pd.DataFrame({"year": [2001, 2001, 2002, 2003, 2003], "v": range(5)})

    folds = leave_one_year_out(df)
    past = leave_one_year_out(df, past_only=True)

    assert [f.name for f in folds] == [2001, 2002, 2003]
    assert folds[1].test.tolist() == [2] and folds[1].train.tolist() == [0, 1, 3, 4]
    assert [f.name for f in past] == [2002, 2003]
    assert past[1].train.tolist() == [0, 1, 2]


def test_leave_one_event_out() -> None:
    """One fold per storm, in order of appearance."""
    df = pd.DataFrame({"storm": ["harvey", "florence", "harvey"]})

    folds = leave_one_event_out(df, event_col="storm")

    assert [f.name for f in folds] == ["harvey", "florence"]
    assert folds[0].test.tolist() == [0, 2] and folds[0].train.tolist() == [1]


def test_spatial_block_folds_keep_blocks_together() -> None:
    """A 4x4 grid of unit squares in 2x2 blocks: four folds, blocks never split."""
    cells = [box(i, j, i + 1, j + 1) for i in range(4) for j in range(4)]
    gdf = gpd.GeoDataFrame({"region": range(16)}, geometry=cells, crs="EPSG:3857")

    by_block = spatial_block_folds(gdf, block_size=2.0)
    grouped = spatial_block_folds(gdf, block_size=2.0, n_folds=2, random_state=1)

    assert len(by_block) == 4
    assert all(f.test.size == 4 for f in by_block)
    assert sorted(np.concatenate([f.test for f in grouped]).tolist()) == list(range(16))
    for fold in by_block:
        x = gdf.geometry.centroid.x.to_numpy()[fold.test] // 2
        assert np.unique(x).size == 1
    with pytest.raises(DataValidationError, match="n_folds must be between"):
        spatial_block_folds(gdf, block_size=2.0, n_folds=9)
