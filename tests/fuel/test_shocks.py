"""Shock windows: marking, weighting, no ghost next year, and break detection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dtnmodels.core.errors import ConfigError
from dtnmodels.core.registry import create_model
from dtnmodels.fuel.shocks import ShockWindow, apply_shocks, detect_breaks

WINDOW = ShockWindow("lockdown", "2020-03-16", "2020-06-14")


def _yearly_frame(n_series: int = 4, seed: int = 0) -> pd.DataFrame:
    """Daily demand 2018-2021 with a yearly cycle and a 40 % cut in the window."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2018-01-01", "2021-06-30", freq="D")
    doy = ds.day_of_year.to_numpy()
    cut = np.where(WINDOW.mask(pd.Series(ds)), 0.6, 1.0)
    frames = []
    for i in range(n_series):
        y = (10 + i) * (1 + 0.2 * np.sin(2 * np.pi * doy / 365.25)) * cut
        y = y * rng.lognormal(0, 0.03, len(ds))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_intervention_adds_indicator():
    """Intervention mode adds shock_<name>, 1 inside the window only."""
    df = _yearly_frame(1)

    out = apply_shocks(df, [WINDOW], mode="intervention")

    inside = out[(out["ds"] >= "2020-03-16") & (out["ds"] <= "2020-06-14")]
    assert inside["shock_lockdown"].eq(1).all()
    assert out["shock_lockdown"].sum() == len(inside) == 91


def test_downweight_sets_weights():
    """Downweight mode gives the window the configured weight."""
    out = apply_shocks(_yearly_frame(1), [WINDOW], mode="downweight", weight=0.25)

    assert sorted(out["weight"].unique()) == [0.25, 1.0]


def test_exclude_replaces_with_last_year():
    """Exclude mode puts back roughly last year's level (no 40 % cut)."""
    df = _yearly_frame(1)

    out = apply_shocks(df, [WINDOW], mode="exclude", season_length=364)

    inside = WINDOW.mask(out["ds"])
    ratio = out.loc[inside, "y"].mean() / df.loc[inside, "y"].mean()
    assert ratio == pytest.approx(1 / 0.6, rel=0.1)
    assert (out.loc[inside, "weight"] == 0).all()


def test_unknown_mode_is_refused():
    """A mode outside the list is a ConfigError."""
    with pytest.raises(ConfigError, match=r"shocks\.mode"):
        apply_shocks(_yearly_frame(1), [WINDOW], mode="holiday")


def test_no_ghost_of_the_shock_next_year():
    """Forecast of 2021-03-16.. after a 2020 shock stays near the shock-free level."""
    df = apply_shocks(_yearly_frame(), [WINDOW], mode="intervention")
    history = df[df["ds"] <= "2021-03-15"]
    future = pd.DataFrame(
        {
            "unique_id": [f"s{i}" for i in range(4) for _ in range(28)],
            "ds": list(pd.date_range("2021-03-16", periods=28)) * 4,
            "shock_lockdown": 0.0,
        }
    )
    model = create_model("forecaster", {"name": "gbm", "params": {"n_estimators": 80}})

    out = model.fit(history, freq="D").predict(28, X_df=future)

    doy = out["ds"].dt.day_of_year.to_numpy()
    level = np.array([10 + int(u[1:]) for u in out["unique_id"]])
    clean = level * (1 + 0.2 * np.sin(2 * np.pi * doy / 365.25))
    assert (out["mean"] / clean).mean() == pytest.approx(1.0, abs=0.08)


def test_detect_breaks_finds_a_planted_level_shift():
    """A lasting 30 % drop at week 60 of 120 is found; a flat series is not."""
    rng = np.random.default_rng(3)
    ds = pd.date_range("2020-01-06", periods=840, freq="D")
    shifted = np.where(np.arange(840) >= 420, 7.0, 10.0) * rng.lognormal(0, 0.05, 840)
    flat = 10.0 * rng.lognormal(0, 0.05, 840)
    df = pd.concat(
        [
            pd.DataFrame({"unique_id": "shift", "ds": ds, "y": shifted}),
            pd.DataFrame({"unique_id": "flat", "ds": ds, "y": flat}),
        ]
    )

    out = detect_breaks(df, season_length=7).set_index("unique_id")

    assert out.loc["shift", "significant"]
    assert out.loc["shift", "break_date"] == ds[420]
    assert out.loc["shift", "shift_pct"] == pytest.approx(-30, abs=3)
    assert not out.loc["flat", "significant"]
