"""M4 reader on tiny files and on the real weekly data, reproducing official scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import InputFileError
from dtnmodels.io.m4 import read_m4

TRAIN = '"V1","V2","V3","V4","V5"\n"W1","1","2","3","4"\n"W2","10","20","",""\n'
TEST = '"V1","V2","V3"\n"W1","5","6"\n"W2","30","40"\n'


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """A two-series train/test pair with a ragged (padded) second series."""
    train, test = tmp_path / "Weekly-train.csv", tmp_path / "Weekly-test.csv"
    train.write_text(TRAIN)
    test.write_text(TEST)
    return train, test


def test_steps(tiny) -> None:
    """time='step' numbers train 1..n and test n+1..n+h per series."""
    train, test = read_m4(*tiny, time="step")

    assert train["unique_id"].tolist() == ["W1"] * 4 + ["W2"] * 2
    assert train["ds"].tolist() == [1, 2, 3, 4, 1, 2]
    assert test[test["unique_id"] == "W2"]["ds"].tolist() == [3, 4]
    assert test["y"].tolist() == [5.0, 6.0, 30.0, 40.0]


def test_synthetic_dates_end_at_anchor(tiny) -> None:
    """time='date' puts every last training value on the anchor, weekly."""
    train, test = read_m4(*tiny, anchor="2017-12-31")

    last = train.groupby("unique_id")["ds"].max()
    assert (last == pd.Timestamp("2017-12-31")).all()
    assert test["ds"].iloc[0] == pd.Timestamp("2018-01-07")
    assert train[train["unique_id"] == "W1"]["ds"].iloc[0] == pd.Timestamp("2017-12-10")


def test_bad_files(tmp_path, tiny) -> None:
    """Missing files, mismatched ids, gaps and text values give InputFileError."""
    train, test = tiny
    other = tmp_path / "other.csv"
    other.write_text('"V1","V2"\n"W9","1"\n')
    gappy = tmp_path / "gappy.csv"
    gappy.write_text('"V1","V2","V3","V4"\n"W1","1","","3"\n"W2","1","2","3"\n')
    text = tmp_path / "text.csv"
    text.write_text('"V1","V2"\n"W1","abc"\n"W2","1"\n')

    with pytest.raises(InputFileError, match="not found"):
        read_m4(tmp_path / "nope.csv", test)
    with pytest.raises(InputFileError, match="do not list the same series"):
        read_m4(train, other)
    with pytest.raises(InputFileError, match=r"gaps inside series \['W1'\]"):
        read_m4(gappy, test)
    with pytest.raises(InputFileError, match="must be numbers"):
        read_m4(text, test)


@pytest.mark.real_data
def test_official_naive2_weekly_scores(real_data: Path) -> None:
    """Naive (== Naive2 for weekly, m=1) reproduces M4 sMAPE 9.161 and MASE 2.777."""
    from dtnmodels.evaluate import NaiveForecaster, score_frame

    fuel = real_data / "fuel"
    train, test = read_m4(fuel / "m4_weekly_train.csv", fuel / "m4_weekly_test.csv")
    official = pd.read_csv(fuel / "m4_official_point_forecast_scores.csv")

    fcst = NaiveForecaster().fit(train).predict(13)
    scored = score_frame(
        test.merge(fcst, on=["unique_id", "ds"], validate="one_to_one"),
        metrics=["smape", "mase"],
        train_df=train,
        season_length=1,
    )

    naive2 = official[
        (official["method"] == "Naive2") & (official["frequency"] == "Weekly")
    ]
    expected = naive2.set_index("metric")["value"]
    assert train["unique_id"].nunique() == 359 and len(test) == 359 * 13
    assert round(scored["smape"].iloc[0], 3) == pytest.approx(expected["sMAPE"])
    assert round(scored["mase"].iloc[0], 3) == pytest.approx(expected["MASE"])
    assert np.isclose(expected["sMAPE"], 9.161) and np.isclose(expected["MASE"], 2.777)
