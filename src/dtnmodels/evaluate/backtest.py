"""Leak-free backtesting: rolling-origin cross-validation and fold generators.

:func:`cross_validate` refits forecasters at several forecast origins
(*cutoffs*) and scores them on the ``h`` steps after each. It is leak-free by
construction:

* a model is fitted on rows with ``ds <= cutoff`` only;
* the horizon frame handed to ``predict`` (``X_df``) never has ``y``;
* an exogenous column reaches the horizon unchanged only if the caller
  declares it ``known_future`` (calendar dummies, planned prices). Every
  other exogenous column is lagged by ``h`` steps (``exog_policy="lag"``),
  replaced over the horizon by its last value at the cutoff
  (``"forecast"``, a persistence forecast), or refused (``"refuse"``).

The fold generators (:func:`leave_one_year_out`,
:func:`leave_one_event_out`, :func:`spatial_block_folds`) return
positional train/test indices for regressors evaluated by year, by storm or
by spatial block.

Folds and series batches run as ``dask.delayed`` tasks; the scheduler is the
caller's (``scheduler=`` or the active dask config; by default local
threads).
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import dask
import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, Forecaster, quantile_columns

__all__ = [
    "Fold",
    "cross_validate",
    "leave_one_event_out",
    "leave_one_year_out",
    "rolling_origin_cutoffs",
    "spatial_block_folds",
    "spatial_blocks",
]

log = logging.getLogger(__name__)

_KEYS = ("unique_id", "ds", "y")

ModelSpec = Forecaster | Callable[[], Forecaster]


class Fold(NamedTuple):
    """One train/test split given as positional row indices."""

    name: Hashable
    """Held-out year, event or block group."""
    train: np.ndarray
    """Positions of the training rows."""
    test: np.ndarray
    """Positions of the test rows."""


def rolling_origin_cutoffs(
    times: Iterable[Any],
    *,
    h: int,
    n_windows: int = 1,
    step_size: int | None = None,
) -> list[Any]:
    """Forecast origins of a rolling-origin evaluation, oldest first.

    The last window ends at the last time; each earlier window starts
    ``step_size`` steps before the next.

    Parameters
    ----------
    times : iterable
        Time stamps (or integer steps) of the data; duplicates are allowed.
    h : int
        Forecast horizon in steps.
    n_windows : int, default 1
        Number of origins.
    step_size : int, optional
        Steps between origins; default ``h`` (non-overlapping test windows).

    Returns
    -------
    list
        ``n_windows`` cutoffs; the window after cutoff ``c`` is the next
        ``h`` distinct times.
    """
    unique = pd.Index(pd.unique(pd.Series(list(times)))).sort_values()
    step_size = h if step_size is None else int(step_size)
    if h < 1 or n_windows < 1 or step_size < 1:
        raise DataValidationError(
            f"h, n_windows and step_size must be >= 1; got h={h}, "
            f"n_windows={n_windows}, step_size={step_size}"
        )
    first = unique.size - 1 - h - step_size * (n_windows - 1)
    if first < 0:
        raise DataValidationError(
            f"{unique.size} time steps are too few for n_windows={n_windows}, "
            f"h={h}, step_size={step_size}: need at least "
            f"{h + step_size * (n_windows - 1) + 1}"
        )
    return [unique[first + step_size * i] for i in range(n_windows)]


def _model_name(spec: Any) -> str:
    if isinstance(spec, Forecaster):
        return type(spec).__name__
    name = getattr(spec, "__name__", None)
    return "model" if name in (None, "<lambda>") else str(name)


def _instantiate(spec: ModelSpec) -> Forecaster:
    model = copy.deepcopy(spec) if isinstance(spec, Forecaster) else spec()
    if not isinstance(model, Forecaster):
        raise DataValidationError(
            f"model factory returned {type(model).__name__}, not a Forecaster"
        )
    return model


def _prepare_exog(
    df: pd.DataFrame,
    *,
    h: int,
    known_future: Sequence[str],
    exog_policy: str,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Apply the exogenous policy; return the frame, known and unknown columns."""
    exog = [c for c in df.columns if c not in _KEYS]
    missing = [c for c in known_future if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"known_future columns {missing} are not in the frame; columns are "
            f"{list(df.columns)}"
        )
    unknown = [c for c in exog if c not in known_future]
    if not unknown:
        return df, list(known_future), []

    if exog_policy == "refuse":
        raise DataValidationError(
            f"exogenous columns {unknown} are not declared known_future and "
            "exog_policy='refuse': their future values would leak into the "
            "backtest. Declare them in known_future if they are truly known in "
            "advance (calendar, planned prices), or use exog_policy='lag' or "
            "'forecast'"
        )
    if exog_policy == "lag":
        lagged = df.groupby("unique_id", sort=False)[unknown].shift(h)
        renamed = {c: f"{c}_lag{h}" for c in unknown}
        out = df.drop(columns=unknown).join(lagged.rename(columns=renamed))
        log.info("lagged exogenous columns %r by %d steps", unknown, h)
        return out, list(known_future), list(renamed.values())
    if exog_policy == "forecast":
        return df, list(known_future), unknown
    raise DataValidationError(
        f"exog_policy must be 'lag', 'forecast' or 'refuse'; got {exog_policy!r}"
    )


def _run_fold(
    name: str,
    spec: ModelSpec,
    data: pd.DataFrame,
    cutoff: Any,
    horizon_times: pd.Index,
    *,
    h: int,
    window: str,
    window_size: int | None,
    known: list[str],
    unknown: list[str],
    exog_policy: str,
    quantiles: Sequence[float],
    freq: str | None,
) -> pd.DataFrame:
    """Fit on ``ds <= cutoff``, predict ``h`` steps and join the observations."""
    train = data[data["ds"] <= cutoff]
    if window == "sliding" and window_size is not None:
        train = train.groupby("unique_id", sort=False).tail(int(window_size))
    test = data[data["ds"].isin(horizon_times)]

    model = _instantiate(spec)
    exog_cols = known + unknown if model.supports_exog else []
    if exog_policy == "lag" and unknown:
        train = train.dropna(subset=unknown)
    model.fit(train[[*_KEYS, *exog_cols]], freq=freq)

    X_df = None
    if exog_cols:
        X_df = test[["unique_id", "ds", *exog_cols]].copy()
        if exog_policy == "forecast" and unknown:
            last = train.groupby("unique_id", sort=False)[unknown].last()
            X_df = X_df.drop(columns=unknown).join(last, on="unique_id")
    fcst = model.predict(h, X_df=X_df, quantiles=quantiles)

    expected = ["unique_id", "ds", "mean"]
    if any(c not in fcst.columns for c in expected):
        raise DataValidationError(
            f"model {name!r} returned columns {list(fcst.columns)}; a forecaster "
            "must return unique_id, ds, mean and the quantile columns"
        )
    out = test[["unique_id", "ds", "y"]].merge(
        fcst, on=["unique_id", "ds"], how="inner"
    )
    out.insert(2, "cutoff", cutoff)
    out.insert(3, "model", name)
    return out


def cross_validate(
    model_factory: ModelSpec | Mapping[str, ModelSpec],
    df: pd.DataFrame,
    *,
    h: int,
    n_windows: int = 1,
    step_size: int | None = None,
    window: Literal["expanding", "sliding"] = "expanding",
    window_size: int | None = None,
    known_future: Sequence[str] = (),
    exog_policy: Literal["lag", "forecast", "refuse"] = "lag",
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    freq: str | None = None,
    batch_size: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest of one or several forecasters, leak-free.

    Parameters
    ----------
    model_factory : Forecaster, callable or mapping of str to those
        What to fit at each cutoff: a zero-argument callable returning a new
        :class:`~dtnmodels.core.interfaces.Forecaster` (a class works), a
        Forecaster instance (deep-copied for every fit), or a mapping
        ``{name: factory}`` to backtest several models on the same folds.
    df : pandas.DataFrame
        Long frame with ``unique_id``, ``ds`` (datetime64 or integer steps),
        ``y`` and optional exogenous columns. Series share one time grid.
    h : int
        Forecast horizon in steps.
    n_windows : int, default 1
        Number of cutoffs.
    step_size : int, optional
        Steps between cutoffs (default ``h``).
    window : {"expanding", "sliding"}, default "expanding"
        Train on all history up to each cutoff, or on the last
        ``window_size`` steps per series.
    window_size : int, optional
        Length of the sliding window (required for ``"sliding"``).
    known_future : sequence of str, default ()
        Exogenous columns whose horizon values are known at forecast time.
    exog_policy : {"lag", "forecast", "refuse"}, default "lag"
        What to do with the other exogenous columns: replace them by their
        value ``h`` steps earlier (renamed ``<col>_lag<h>``; rows whose lag
        is missing are dropped from training), hold their last value at the
        cutoff over the horizon, or raise.
    quantiles : sequence of float, default (0.1, 0.5, 0.9)
        Quantiles every model must return.
    freq : str, optional
        Pandas offset alias passed to ``fit``.
    batch_size : int, optional
        Series per task. Default: all series in one task per fold, so that
        global models see every series; set it to spread local models over
        workers.
    scheduler : str, optional
        Dask scheduler ("threads", "processes", "sync" or a distributed
        client's); default: the active dask config (local threads).

    Returns
    -------
    pandas.DataFrame
        One row per model, cutoff, series and horizon step, with columns
        ``unique_id, ds, cutoff, model, y, mean, q…``, sorted by model (in
        the order given), cutoff, series and time.

    Raises
    ------
    DataValidationError
        Missing columns, too short data, bad options or a refused exogenous
        column.
    """
    missing = [c for c in _KEYS if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"cross_validate: frame lacks columns {missing}; expected unique_id, ds, y"
        )
    if window not in ("expanding", "sliding"):
        raise DataValidationError(
            f"window must be 'expanding' or 'sliding'; got {window!r}"
        )
    if window == "sliding" and not window_size:
        raise DataValidationError(
            "window='sliding' needs window_size (steps per series)"
        )
    models = (
        dict(model_factory)
        if isinstance(model_factory, Mapping)
        else {_model_name(model_factory): model_factory}
    )

    data = df.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    data, known, unknown = _prepare_exog(
        data, h=h, known_future=known_future, exog_policy=exog_policy
    )
    times = pd.Index(pd.unique(data["ds"])).sort_values()
    cutoffs = rolling_origin_cutoffs(
        times, h=h, n_windows=n_windows, step_size=step_size
    )

    ids = pd.unique(data["unique_id"])
    size = len(ids) if batch_size is None else max(int(batch_size), 1)
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    frames = [data[data["unique_id"].isin(batch)] for batch in batches]
    log.info(
        "cross_validate: %d models x %d cutoffs x %d batches",
        len(models),
        len(cutoffs),
        len(frames),
    )

    tasks = []
    for cutoff in cutoffs:
        position = times.get_loc(cutoff)
        horizon_times = times[position + 1 : position + 1 + h]
        for name, spec in models.items():
            for frame in frames:
                tasks.append(
                    dask.delayed(_run_fold, pure=False)(
                        name,
                        spec,
                        frame,
                        cutoff,
                        horizon_times,
                        h=h,
                        window=window,
                        window_size=window_size,
                        known=known,
                        unknown=unknown,
                        exog_policy=exog_policy,
                        quantiles=quantiles,
                        freq=freq,
                    )
                )
    results = dask.compute(*tasks, scheduler=scheduler)

    columns = [
        "unique_id",
        "ds",
        "cutoff",
        "model",
        "y",
        "mean",
        *quantile_columns(quantiles),
    ]
    out = pd.concat(results, ignore_index=True)
    extra = [c for c in out.columns if c not in columns]
    out = out[[c for c in columns if c in out.columns] + extra]
    rank = {name: i for i, name in enumerate(models)}
    out = out.sort_values(
        ["model", "cutoff", "unique_id", "ds"],
        key=lambda col: col.map(rank) if col.name == "model" else col,
        kind="stable",
    )
    return out.reset_index(drop=True)


def _folds_by(labels: pd.Series, order: Iterable[Hashable]) -> list[Fold]:
    positions = np.arange(labels.size)
    values = labels.to_numpy()
    return [
        Fold(name, positions[values != name], positions[values == name])
        for name in order
    ]


def leave_one_year_out(
    df: pd.DataFrame,
    *,
    year_col: str = "year",
    past_only: bool = False,
    min_train_years: int = 1,
) -> list[Fold]:
    """One fold per year: test on that year, train on the others.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows to split (e.g. county × year yields).
    year_col : str, default "year"
        Column with the year.
    past_only : bool, default False
        Train only on years before the test year (no information from the
        future, e.g. a yield trend); the first ``min_train_years`` years are
        then never tested.
    min_train_years : int, default 1
        Folds with fewer distinct training years are skipped.

    Returns
    -------
    list of Fold
        Positional ``train``/``test`` indices, in year order.
    """
    if year_col not in df.columns:
        raise DataValidationError(
            f"leave_one_year_out: no column {year_col!r}; columns are "
            f"{list(df.columns)}"
        )
    years = df[year_col]
    folds = []
    for fold in _folds_by(years, sorted(pd.unique(years.dropna()))):
        train = fold.train
        if past_only:
            train = train[years.to_numpy()[train] < fold.name]
        if pd.unique(years.to_numpy()[train]).size >= min_train_years:
            folds.append(Fold(fold.name, train, fold.test))
    return folds


def leave_one_event_out(df: pd.DataFrame, *, event_col: str = "event") -> list[Fold]:
    """One fold per event (e.g. storm): test on its rows, train on all others.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows to split (e.g. county × storm impacts).
    event_col : str, default "event"
        Column naming the event.
    """
    if event_col not in df.columns:
        raise DataValidationError(
            f"leave_one_event_out: no column {event_col!r}; columns are "
            f"{list(df.columns)}"
        )
    labels = df[event_col]
    return _folds_by(labels, list(pd.unique(labels.dropna())))


def spatial_blocks(
    df: pd.DataFrame,
    *,
    block_size: float,
    x_col: str | None = None,
    y_col: str | None = None,
) -> pd.Series:
    """Label each row with the square block (of side ``block_size``) it falls in.

    Parameters
    ----------
    df : GeoDataFrame or DataFrame
        A GeoDataFrame (its geometry centroids are used, in its CRS) or a
        DataFrame with coordinate columns ``x_col``, ``y_col``.
    block_size : float
        Block side in CRS units (metres for a projected CRS, degrees for
        EPSG:4326). Use a projected CRS for blocks of equal area.
    x_col, y_col : str, optional
        Coordinate columns of a plain DataFrame.

    Returns
    -------
    pandas.Series
        Block labels ``"<column>_<row>"`` aligned with ``df``.
    """
    if block_size <= 0:
        raise DataValidationError(f"block_size must be positive; got {block_size!r}")
    if x_col is not None and y_col is not None:
        x = df[x_col].to_numpy(dtype=float)
        y = df[y_col].to_numpy(dtype=float)
    elif hasattr(df, "geometry"):
        with warnings.catch_warnings():
            # centroids in a geographic CRS are approximate; fine for blocking
            warnings.filterwarnings("ignore", message=".*geographic CRS.*")
            centroids = df.geometry.centroid
        x, y = centroids.x.to_numpy(), centroids.y.to_numpy()
    else:
        raise DataValidationError(
            "spatial_blocks needs a GeoDataFrame or x_col and y_col coordinate columns"
        )
    column = np.floor(x / block_size).astype(int)
    row = np.floor(y / block_size).astype(int)
    return pd.Series(
        [f"{c}_{r}" for c, r in zip(column, row, strict=True)], index=df.index
    )


def spatial_block_folds(
    df: pd.DataFrame,
    *,
    block_size: float,
    n_folds: int | None = None,
    x_col: str | None = None,
    y_col: str | None = None,
    random_state: int | None = 0,
) -> list[Fold]:
    """Spatially blocked folds: neighbouring regions are held out together.

    Regions are grouped into square blocks from their centroids (see
    :func:`spatial_blocks`); each fold tests on whole blocks, so a model
    cannot score well by interpolating from an adjacent training region.

    Parameters
    ----------
    df : GeoDataFrame or DataFrame
        Regions (or region × time rows carrying coordinates/geometry).
    block_size : float
        Block side in CRS units.
    n_folds : int, optional
        Number of folds; blocks are shuffled with ``random_state`` and dealt
        round-robin. Default: one fold per block (leave-one-block-out).
    x_col, y_col : str, optional
        Coordinate columns of a plain DataFrame.
    random_state : int, optional
        Seed of the block shuffle.

    Returns
    -------
    list of Fold
        ``name`` is the block label (or fold number with ``n_folds``).
    """
    blocks = spatial_blocks(df, block_size=block_size, x_col=x_col, y_col=y_col)
    labels = pd.unique(blocks)
    if n_folds is None:
        return _folds_by(blocks, labels)
    if not 2 <= n_folds <= labels.size:
        raise DataValidationError(
            f"n_folds must be between 2 and the number of blocks ({labels.size}); "
            f"got {n_folds}; use a smaller block_size for more blocks"
        )
    rng = np.random.default_rng(random_state)
    shuffled = rng.permutation(labels)
    fold_of = {block: i % n_folds for i, block in enumerate(shuffled)}
    return _folds_by(blocks.map(fold_of), range(n_folds))
