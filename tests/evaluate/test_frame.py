"""score_frame against a plain per-series loop, and skill helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate.frame import (
    add_skill_columns,
    quantile_levels,
    score_frame,
    scores_by_model,
)


@pytest.fixture
def forecasts(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two models on four series in two regions, with history for scaling."""
    history, rows = [], []
    for k, uid in enumerate(["s1", "s2", "s3", "s4"]):
        y = rng.normal(size=40).cumsum() + 100 * (k + 1)
        history.append(pd.DataFrame({"series": uid, "t": np.arange(40), "target": y}))
        for model, noise in (("good", 0.5), ("bad", 2.0)):
            obs = y[32:]
            fc = obs + rng.normal(scale=noise, size=8)
            rows.append(
                pd.DataFrame(
                    {
                        "series": uid,
                        "t": np.arange(32, 40),
                        "cutoff": 31,
                        "region": "north" if k < 2 else "south",
                        "model": model,
                        "target": obs,
                        "point": fc,
                        "q0.1": fc - noise * 1.28,
                        "q0.9": fc + noise * 1.28,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True), pd.concat(history, ignore_index=True)


def _loop(df, history, metric, by):
    """Reference: a per-series Python loop, then the mean over series."""
    out = {}
    for key, group in df.groupby(by, sort=False):
        per_series = []
        for uid, s in group.groupby("series"):
            e = s["point"].to_numpy() - s["target"].to_numpy()
            o = s["target"].to_numpy()
            past = history[(history["series"] == uid) & (history["t"] <= 31)]["target"]
            scale = np.mean(np.abs(np.diff(past.to_numpy())))
            inside = (o >= s["q0.1"]) & (o <= s["q0.9"])
            value = {
                "mae": np.mean(np.abs(e)),
                "rmse": np.sqrt(np.mean(e**2)),
                "smape": np.mean(200 * np.abs(e) / (np.abs(s["point"]) + np.abs(o))),
                "mase": np.mean(np.abs(e)) / scale,
                "coverage": np.mean(inside),
                "r2": 1 - np.sum(e**2) / np.sum((o - o.mean()) ** 2),
            }[metric]
            per_series.append(value)
        out[key] = np.mean(per_series)
    return out


@pytest.mark.parametrize("metric", ["mae", "rmse", "smape", "mase", "coverage", "r2"])
def test_series_average_matches_loop(forecasts, metric) -> None:
    """Per-series metrics averaged over series equal a hand loop (region, model)."""
    df, history = forecasts

    result = score_frame(
        df,
        metrics=[metric],
        id_col="series",
        target_col="target",
        fcst_col="point",
        group_by="region",
        train_df=history,
        time_col="t",
    )

    expected = _loop(df, history, metric, ["region", "model"])
    for row in result.itertuples(index=False):
        assert getattr(row, metric) == pytest.approx(expected[(row.region, row.model)])


def test_pooled_average_and_model_order(forecasts) -> None:
    """average='pooled' scores all rows at once; models keep the requested order."""
    df, _ = forecasts

    result = score_frame(
        df,
        metrics=["mae", "pinball"],
        models=["bad", "good"],
        id_col="series",
        target_col="target",
        fcst_col="point",
        average="pooled",
    )

    assert result["model"].tolist() == ["bad", "good"]
    good = df[df["model"] == "good"]
    assert result["mae"].iloc[1] == pytest.approx(
        np.mean(np.abs(good["point"] - good["target"]))
    )
    d1, d9 = good["target"] - good["q0.1"], good["target"] - good["q0.9"]
    pinball = (np.maximum(0.1 * d1, -0.9 * d1) + np.maximum(0.9 * d9, -0.1 * d9)) / 2
    assert result["pinball"].iloc[1] == pytest.approx(pinball.mean())


def test_callable_metric_and_no_model_column(forecasts) -> None:
    """A callable metric is named by __name__; without a model column one model."""
    df, _ = forecasts
    single = df[df["model"] == "good"].drop(columns="model")

    def max_error(f, o):
        return float(np.max(np.abs(f - o)))

    result = score_frame(
        single,
        metrics=[max_error],
        id_col="series",
        target_col="target",
        fcst_col="point",
        average="pooled",
    )

    assert result.columns.tolist() == ["model", "max_error"]
    assert result["max_error"].iloc[0] == pytest.approx(
        np.max(np.abs(single["point"] - single["target"]))
    )


def test_skipna(forecasts) -> None:
    """A NaN forecast is skipped by default and poisons its series with skipna=False."""
    df, _ = forecasts
    df.loc[0, "point"] = np.nan

    lenient = score_frame(
        df, metrics=["mae"], id_col="series", target_col="target", fcst_col="point"
    )
    strict = score_frame(
        df,
        metrics=["mae"],
        id_col="series",
        target_col="target",
        fcst_col="point",
        skipna=False,
    )

    assert np.isfinite(lenient["mae"]).all()
    assert np.isnan(strict["mae"].iloc[0])


def test_skill_columns_and_payload_dict(forecasts) -> None:
    """Skill against a baseline per row, and a {model: {metric: value}} dict."""
    df, _ = forecasts
    scores = score_frame(
        df,
        metrics=["mae", "r2"],
        id_col="series",
        target_col="target",
        fcst_col="point",
    )

    skill = add_skill_columns(scores, baseline="bad")
    models = scores_by_model(scores)

    good = scores.set_index("model")
    assert skill.set_index("model").loc["good", "mae_skill"] == pytest.approx(
        1 - good.loc["good", "mae"] / good.loc["bad", "mae"]
    )
    assert skill.set_index("model").loc["bad", "mae_skill"] == pytest.approx(0.0)
    assert set(models) == {"good", "bad"} and set(models["good"]) == {"mae", "r2"}


def test_quantile_levels() -> None:
    """q-columns are found and sorted by level; other names ignored."""
    result = quantile_levels(["mean", "q0.9", "q0.1", "q0.5", "quality"])

    assert result == {0.1: "q0.1", 0.5: "q0.5", 0.9: "q0.9"}


def test_score_frame_errors(forecasts) -> None:
    """Unknown metrics, missing history, columns and models are refused clearly."""
    df, _ = forecasts
    kw = {"id_col": "series", "target_col": "target", "fcst_col": "point"}

    with pytest.raises(DataValidationError, match="unknown metrics"):
        score_frame(df, metrics=["accuracy"], **kw)
    with pytest.raises(DataValidationError, match="pass train_df"):
        score_frame(df, metrics=["mase"], **kw)
    with pytest.raises(
        DataValidationError, match=r"models \['ets'\] are not in column"
    ):
        score_frame(df, models=["ets"], **kw)
    with pytest.raises(DataValidationError, match=r"lacks columns \['y'\]"):
        score_frame(df, id_col="series", fcst_col="point")
