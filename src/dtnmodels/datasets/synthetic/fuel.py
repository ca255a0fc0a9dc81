"""Seeded sample of daily fuel demand at 50 gas stations over three years.

Demand (m³/day of gasoline delivered out of the station's tanks) has a
weekly cycle (Friday high, Sunday low), a yearly cycle (summer driving
season), holiday effects (US federal holidays: busy eve, quiet day), a price
response (elasticity about -0.3 to the posted pump price in USD/L), a
temperature column (°C), a slow trend and multiplicative noise. A
lockdown-style shock cuts demand by about 40 % from 2020-03-16, recovering by
mid-June 2020 — once, never again.

Stations roll up to 5 terminals, 2 regions and the total. Each station has a
tank capacity, a current inventory (at the end of the history), a safety
stock and a delivery lead time, for the delivery plan. Future prices and
holidays (posted in advance) cover 35 days after the history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["make_daily_demand", "make_fuel_sample"]

START = "2019-01-01"
END = "2021-12-31"
N_STATIONS = 50
N_FUTURE = 35
SHOCK = ("2020-03-16", "2020-06-14")


def _holidays(stamps: pd.DatetimeIndex) -> np.ndarray:
    """0/1 flags for US federal holidays observed by most stations."""
    from pandas.tseries.holiday import USFederalHolidayCalendar

    days = USFederalHolidayCalendar().holidays(stamps.min(), stamps.max())
    return stamps.isin(days).astype(int)


def _exog(stamps: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    """National price path (USD/L) and temperature (°C) shared by the stations."""
    n = len(stamps)
    doy = stamps.day_of_year.to_numpy()
    price = 0.75 + np.cumsum(rng.normal(0, 0.004, n))
    price += 0.05 * np.sin(2 * np.pi * (doy - 120) / 365.25)
    shock = (stamps >= SHOCK[0]) & (stamps <= SHOCK[1])
    price[shock] -= 0.12
    temperature = 13 + 11 * np.sin(2 * np.pi * (doy - 110) / 365.25)
    temperature += rng.normal(0, 2.5, n)
    return pd.DataFrame(
        {
            "ds": stamps,
            "price_national": price,
            "temperature": temperature.round(1),
            "holiday": _holidays(stamps),
        }
    )


def make_fuel_sample(seed: int) -> dict[str, object]:
    """Build the fuel sample files in memory.

    Parameters
    ----------
    seed : int
        Seed of every random draw.

    Returns
    -------
    dict
        ``fuel/demand.parquet`` (unique_id, ds, y [m³/day], price [USD/L],
        temperature [°C], holiday [0/1]), ``fuel/future_exog.parquet`` (the
        regressors for the 35 days after the history), ``fuel/hierarchy.csv``
        (unique_id, terminal, region) and ``fuel/stations.csv`` (unique_id,
        tank_capacity_m3, inventory_m3, safety_stock_m3, lead_time_days, lat,
        lon in WGS84 degrees).
    """
    rng = np.random.default_rng(seed)
    hist = pd.date_range(START, END, freq="D")
    full = pd.date_range(START, periods=len(hist) + N_FUTURE, freq="D")
    exog = _exog(full, rng)

    t = np.arange(len(full))
    doy = full.day_of_year.to_numpy()
    dow = full.day_of_week.to_numpy()
    weekly = np.array([0.97, 0.98, 1.0, 1.03, 1.14, 1.02, 0.86])[dow]
    yearly = 1 + 0.12 * np.sin(2 * np.pi * (doy - 100) / 365.25)
    holiday = exog["holiday"].to_numpy()
    eve = np.roll(holiday, -1)
    calendar = np.where(holiday == 1, 0.8, 1.0) * np.where(eve == 1, 1.15, 1.0)
    shock = np.ones(len(full))
    in_shock = (full >= SHOCK[0]) & (full <= SHOCK[1])
    ramp = np.linspace(0.0, 1.0, int(in_shock.sum())) ** 2
    shock[in_shock] = 0.58 + 0.42 * ramp

    ids = [f"S{i:03d}" for i in range(1, N_STATIONS + 1)]
    terminals = [f"T{1 + i // 10}" for i in range(N_STATIONS)]
    regions = ["north" if int(term[1:]) <= 3 else "south" for term in terminals]

    frames, future, stations = [], [], []
    for uid in ids:
        level = rng.uniform(8.0, 30.0)
        growth = rng.normal(0.02, 0.03) / 365.0
        offset = rng.normal(0.0, 0.03)
        price = exog["price_national"].to_numpy() + offset
        response = (price / 0.75) ** -0.3
        weekly_i = weekly ** rng.uniform(0.7, 1.3)
        noise = rng.lognormal(0.0, 0.07, len(full))
        y = level * (1 + growth * t) * weekly_i * yearly * calendar * shock
        y = y * response * noise
        frame = pd.DataFrame(
            {
                "unique_id": uid,
                "ds": full,
                "y": y.round(3),
                "price": price.round(4),
                "temperature": exog["temperature"].to_numpy(),
                "holiday": holiday,
            }
        )
        frames.append(frame.iloc[: len(hist)])
        future.append(frame.iloc[len(hist) :].drop(columns="y"))

        daily = float(np.mean(y[len(hist) - 28 : len(hist)]))
        capacity = float(np.round(daily * rng.uniform(4.0, 7.0), 1))
        stations.append(
            {
                "unique_id": uid,
                "tank_capacity_m3": capacity,
                "inventory_m3": float(np.round(capacity * rng.uniform(0.3, 0.9), 1)),
                "safety_stock_m3": float(np.round(daily * 1.5, 1)),
                "lead_time_days": int(rng.integers(1, 4)),
                "lat": float(np.round(39.0 + rng.uniform(-1.5, 1.5), 4)),
                "lon": float(np.round(-95.0 + rng.uniform(-2.0, 2.0), 4)),
            }
        )

    hierarchy = pd.DataFrame(
        {"unique_id": ids, "terminal": terminals, "region": regions}
    )
    return {
        "fuel/demand.parquet": pd.concat(frames, ignore_index=True),
        "fuel/future_exog.parquet": pd.concat(future, ignore_index=True),
        "fuel/hierarchy.csv": hierarchy,
        "fuel/stations.csv": pd.DataFrame(stations),
    }


def make_daily_demand(
    n_series: int, *, n_days: int = 1095, seed: int = 0
) -> pd.DataFrame:
    """Many daily demand series (m³/day) with weekly and yearly cycles, for benchmarks.

    Each series is a random level times a weekly pattern (random strength),
    a yearly cycle (random amplitude and phase), a slow trend and lognormal
    noise (5–12 %). No regressors.

    Returns
    -------
    DataFrame
        ``unique_id``, ``ds`` (from 2019-01-01), ``y``.
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(START, periods=n_days, freq="D")
    t = np.arange(n_days)
    dow = ds.day_of_week.to_numpy()
    doy = ds.day_of_year.to_numpy()
    base_week = np.array([0.97, 0.98, 1.0, 1.03, 1.14, 1.02, 0.86])[dow]

    level = rng.uniform(5.0, 50.0, (n_series, 1))
    strength = rng.uniform(0.5, 1.5, (n_series, 1))
    amplitude = rng.uniform(0.05, 0.25, (n_series, 1))
    phase = rng.uniform(60, 140, (n_series, 1))
    trend = rng.normal(0.0, 0.05, (n_series, 1)) / 365.0
    sigma = rng.uniform(0.05, 0.12, (n_series, 1))
    y = (
        level
        * base_week[None, :] ** strength
        * (1 + amplitude * np.sin(2 * np.pi * (doy[None, :] - phase) / 365.25))
        * (1 + trend * t[None, :])
        * rng.lognormal(0.0, 1.0, (n_series, n_days)) ** sigma
    )
    ids = np.repeat([f"B{i:05d}" for i in range(n_series)], n_days)
    return pd.DataFrame(
        {"unique_id": ids, "ds": np.tile(ds, n_series), "y": y.ravel().round(3)}
    )
