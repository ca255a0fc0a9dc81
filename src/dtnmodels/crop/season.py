"""Growing seasons, in-season cutoffs and temporal compositing.

A season starts every year on ``start`` (``"MM-DD"``) and lasts
``length_days``; it is labelled by the calendar year of its last day (the
harvest year), so a Brazilian soybean season from August 2017 to August 2018
is season 2018. Composites are anchored at the season start: period ``k``
covers days ``[k N, (k + 1) N)`` of the season for ``N = period_days``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from dtnmodels.core.errors import ConfigError, DataGapWarning, warn

__all__ = ["SeasonCalendar", "composite", "flag_periods"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeasonCalendar:
    """Where each image falls in the season: season year, day and period.

    Parameters
    ----------
    start : str
        First day of every season, ``"MM-DD"``.
    length_days : int
        Season length in days (at most 366).
    period_days : int
        Composite period length in days.
    """

    start: str
    length_days: int
    period_days: int

    def __post_init__(self) -> None:
        try:
            pd.Timestamp(f"2001-{self.start}")
        except ValueError as exc:
            raise ConfigError(
                f"season.start must be 'MM-DD', got {self.start!r}"
            ) from exc
        if not 1 <= self.length_days <= 366:
            raise ConfigError(
                f"season.length_days must be 1..366, got {self.length_days!r}"
            )
        if self.period_days < 1:
            raise ConfigError(
                f"season.period_days must be >= 1, got {self.period_days!r}"
            )

    @property
    def n_periods(self) -> int:
        """Composite periods per season."""
        return int(np.ceil(self.length_days / self.period_days))

    def season_start(self, season: int) -> pd.Timestamp:
        """First day of season ``season`` (labelled by the year it ends in)."""
        first = pd.Timestamp(f"{season}-{self.start}")
        end = first + pd.Timedelta(days=self.length_days - 1)
        if end.year > season:
            first = pd.Timestamp(f"{season - 1}-{self.start}")
        return first

    def locate(self, times: pd.DatetimeIndex | np.ndarray) -> pd.DataFrame:
        """Season, day of season and period of each time (NaN season: outside).

        Returns
        -------
        pandas.DataFrame
            Columns ``time``, ``season`` (Int64, missing outside every season),
            ``day`` (days since the season start), ``period``.
        """
        times = pd.DatetimeIndex(times)
        rows = []
        for t in times:
            found = None
            for season in (t.year, t.year + 1):
                day = (t.normalize() - self.season_start(season)).days
                if 0 <= day < self.length_days:
                    found = (season, day)
                    break
            if found is None:
                rows.append((t, pd.NA, np.nan, np.nan))
            else:
                rows.append((t, found[0], found[1], found[1] // self.period_days))
        frame = pd.DataFrame(rows, columns=["time", "season", "day", "period"])
        frame["season"] = frame["season"].astype("Int64")
        return frame

    def cutoff_day(self, cutoff: str | None) -> int | None:
        """Day of season of a cutoff ``"YYYY-MM-DD"`` or ``"MM-DD"`` (None: none).

        Raises
        ------
        ConfigError
            The cutoff cannot be parsed or falls outside the season.
        """
        if cutoff is None or cutoff == "":
            return None
        text = str(cutoff)
        try:
            stamp = pd.Timestamp(text if len(text) > 5 else f"2001-{text}")
        except ValueError as exc:
            raise ConfigError(
                f"season.cutoff must be 'YYYY-MM-DD' or 'MM-DD', got {text!r}"
            ) from exc
        if len(text) <= 5:
            for year in (stamp.year, stamp.year + 1):
                located = self.locate([stamp.replace(year=year)])
                if located["season"].notna().all():
                    return int(located["day"].iloc[0])
        else:
            located = self.locate([stamp])
            if located["season"].notna().all():
                return int(located["day"].iloc[0])
        raise ConfigError(
            f"season.cutoff {text!r} is outside the season (start {self.start}, "
            f"{self.length_days} days)"
        )


def composite(
    da: xr.DataArray,
    calendar: SeasonCalendar,
    *,
    method: str = "max",
    cutoff_day: int | None = None,
    seasons: list[int] | None = None,
    check_valid: bool = True,
) -> tuple[xr.DataArray, pd.DataFrame]:
    """Composite a ``(time, y, x)`` stack into fixed periods of every season.

    Parameters
    ----------
    da : xarray.DataArray
        Index or band values with NaN where masked (cloud, nodata).
    calendar : SeasonCalendar
        Season start, length and period.
    method : {"max", "median", "mean"}, default "max"
        Per-pixel reduction over the images of a period: the maximum-value
        composite (Holben, 1986, https://doi.org/10.1080/01431168608948945)
        or the median.
    cutoff_day : int, optional
        Keep only images on or before this day of every season (in-season
        forecast); later periods are dropped.
    seasons : list of int, optional
        Keep only these seasons (all by default).
    check_valid : bool, default True
        Compute each period's share of valid pixels now (one pass over the
        data). Pass False for large lazy stacks and derive the all-cloud
        flag from the region statistics instead (see
        :func:`dtnmodels.crop.features.region_series`), so the data are read
        once.

    Returns
    -------
    composite : xarray.DataArray
        Dims ``(season, period, y, x)``; coordinates ``time`` and ``day``
        (season, period) hold the median acquisition date of the period's
        images and its day of season (the period centre when it has none).
        A period with no image, or whose images are all masked, is NaN,
        never 0.
    flags : pandas.DataFrame
        One row per (season, period): ``time``, ``day``, ``n_images``,
        ``valid_fraction`` (share of pixels with a value) and ``flag``
        (``"ok"``, ``"missing"`` = no image, ``"all_cloud"`` = no valid pixel).

    Notes
    -----
    Lazy for dask input: each period is a reduction over its own images; with
    ``check_valid`` the valid fractions (one number per period) are computed
    eagerly, which reads the data once more.
    """
    if method not in ("max", "median", "mean"):
        raise ConfigError(
            f"season.composite must be 'max', 'median' or 'mean', got {method!r}"
        )
    where = calendar.locate(da["time"].values)
    keep = np.array(where["season"].notna(), dtype=bool)
    if cutoff_day is not None:
        keep = keep & np.array(where["day"] <= cutoff_day, dtype=bool)
    if seasons:
        chosen = where["season"].isin(seasons).fillna(False)
        keep = keep & np.array(chosen, dtype=bool)
    outside = int((~where["season"].notna()).sum())
    if outside:
        log.info("%d image(s) fall outside every season and are ignored", outside)
    where = where[keep].reset_index(drop=True)
    if where.empty:
        raise ConfigError(
            "no image falls inside the season (check season.start, "
            "season.length_days and season.cutoff)"
        )
    da = da.isel(time=np.flatnonzero(keep))

    n_periods = calendar.n_periods
    if cutoff_day is not None:
        n_periods = cutoff_day // calendar.period_days + 1
    seasons = sorted(int(s) for s in where["season"].unique())

    blocks, rows = [], []
    template = da.isel(time=0, drop=True)
    for season in seasons:
        per_season = []
        start = calendar.season_start(season)
        for period in range(n_periods):
            idx = np.flatnonzero(
                (where["season"] == season).to_numpy()
                & (where["period"] == period).to_numpy()
            )
            middle = (period + 0.5) * calendar.period_days
            if idx.size == 0:
                per_season.append(xr.full_like(template, np.nan, dtype=np.float32))
                day = float(min(middle, calendar.length_days - 1))
                rows.append((season, period, start + pd.Timedelta(days=day), day, 0))
                continue
            stack = da.isel(time=idx)
            reduce = getattr(stack, method)
            per_season.append(reduce("time", skipna=True).astype(np.float32))
            day = float(np.median(where["day"].to_numpy()[idx]))
            rows.append(
                (season, period, start + pd.Timedelta(days=day), day, int(idx.size))
            )
        blocks.append(xr.concat(per_season, dim="period"))

    result = xr.concat(blocks, dim="season")
    result = result.assign_coords(season=seasons, period=np.arange(n_periods))
    flags = pd.DataFrame(rows, columns=["season", "period", "time", "day", "n_images"])
    shape = result.shape[:2]
    result = result.assign_coords(
        time=(("season", "period"), flags["time"].to_numpy().reshape(shape)),
        day=(("season", "period"), flags["day"].to_numpy().reshape(shape)),
    )

    if check_valid:
        valid = result.notnull().mean(
            dim=[d for d in result.dims if d not in ("season", "period")]
        )
        flags["valid_fraction"] = np.asarray(valid.values, dtype=np.float64).ravel()
    else:
        flags["valid_fraction"] = np.where(flags["n_images"] == 0, 0.0, np.nan)
    flags = flag_periods(flags)
    result.name = da.name
    return result, flags


def flag_periods(flags: pd.DataFrame, *, warn_gaps: bool = True) -> pd.DataFrame:
    """Set ``flag`` from ``n_images`` and ``valid_fraction`` (NaN: unknown, ok).

    ``"missing"`` when a period has no image, ``"all_cloud"`` when its images
    leave no valid pixel, else ``"ok"``; warns once about the bad periods.
    """
    flags = flags.copy()
    flags["flag"] = np.where(
        flags["n_images"] == 0,
        "missing",
        np.where(flags["valid_fraction"] == 0, "all_cloud", "ok"),
    )
    if warn_gaps:
        _warn_gaps(flags)
    return flags


def _warn_gaps(flags: pd.DataFrame) -> None:
    """One warning listing missing and all-cloud periods, if any."""
    bad = flags[flags["flag"] != "ok"]
    if bad.empty:
        return
    listed = ", ".join(
        f"{t:%Y-%m-%d} ({f})" for t, f in zip(bad["time"], bad["flag"], strict=True)
    )
    if len(listed) > 300:
        listed = listed[:300] + ", ..."
    warn(
        f"{len(bad)} composite period(s) have no usable image and are left NaN: "
        f"{listed}",
        DataGapWarning,
    )
