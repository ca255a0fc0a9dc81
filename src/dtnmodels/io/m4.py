"""Reader of the M4 competition files (wide CSV, one series per row).

The M4 data (Makridakis, Spiliotis & Assimakopoulos, 2020,
https://doi.org/10.1016/j.ijforecast.2019.04.014) ship as two CSV files per
frequency: ``<Freq>-train.csv`` and ``<Freq>-test.csv``. Each row is a
series: the first column (``V1``) is the id (``W1`` … ``W359`` for weekly),
the next columns the values in time order; shorter series are padded with
empty cells at the end. The test file holds the ``h`` values that follow
each training series (13 for weekly).

The files carry no dates. :func:`read_m4` therefore builds the time column
``ds`` in one of two documented ways:

``time="step"``
    Integer step: 1 … n for the training values and n + 1 … n + h for the
    test values of each series.
``time="date"`` (default)
    A *synthetic* regular date index at ``freq`` (weekly on Sundays by
    default) whose last training value falls on ``anchor`` for every series,
    so that all series share one cutoff. The dates are not the real ones.
"""

from __future__ import annotations

import logging
import os
from typing import Literal

import numpy as np
import pandas as pd

from dtnmodels.core.errors import InputFileError

__all__ = ["read_m4"]

log = logging.getLogger(__name__)


def _read_wide(path: str | os.PathLike[str], role: str) -> pd.DataFrame:
    try:
        wide = pd.read_csv(path, index_col=0)
    except FileNotFoundError as exc:
        raise InputFileError(f"M4 {role} file not found: {os.fspath(path)!r}") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(
            f"M4 {role} file {os.fspath(path)!r} is not a readable CSV: {exc}"
        ) from exc

    try:
        wide = wide.astype(float)
    except ValueError as exc:
        raise InputFileError(
            f"M4 {role} file {os.fspath(path)!r}: values after the id column must be "
            f"numbers ({exc}); is this an M4 Dataset/Train or Dataset/Test file?"
        ) from exc
    if wide.index.has_duplicates:
        dup = wide.index[wide.index.duplicated()].unique()[:5].tolist()
        raise InputFileError(
            f"M4 {role} file {os.fspath(path)!r} repeats series ids {dup}"
        )
    wide.index = wide.index.astype(str)
    return wide


def _to_long(wide: pd.DataFrame, first_step: np.ndarray) -> pd.DataFrame:
    values = wide.to_numpy()
    lengths = (~np.isnan(values)).sum(axis=1)
    ids = np.repeat(wide.index.to_numpy(dtype=object), lengths)
    step = np.concatenate(
        [start + np.arange(n) for start, n in zip(first_step, lengths, strict=True)]
    )
    y = np.concatenate([row[~np.isnan(row)] for row in values])
    return pd.DataFrame({"unique_id": ids, "ds": step.astype(np.int64), "y": y})


def read_m4(
    train_path: str | os.PathLike[str],
    test_path: str | os.PathLike[str],
    *,
    time: Literal["date", "step"] = "date",
    freq: str = "W-SUN",
    anchor: str = "2017-12-31",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read an M4 train/test pair into two long frames.

    Parameters
    ----------
    train_path, test_path : path-like
        The ``<Freq>-train.csv`` and ``<Freq>-test.csv`` files.
    time : {"date", "step"}, default "date"
        How ``ds`` is built (see the module docstring): synthetic dates
        ending at ``anchor``, or integer steps starting at 1.
    freq : str, default "W-SUN"
        Pandas offset alias of the synthetic dates.
    anchor : str, default "2017-12-31"
        Date of the last training value of every series (synthetic); must be
        on ``freq``'s grid.

    Returns
    -------
    (train, test) : tuple of pandas.DataFrame
        Columns ``unique_id`` (str, e.g. ``"W1"``), ``ds`` (datetime64 or
        int64) and ``y`` (float), sorted by series (file order) and time.

    Raises
    ------
    InputFileError
        A file is missing or malformed, or the two files do not list the same
        series, or a test row has internal gaps.
    """
    train_wide = _read_wide(train_path, "train")
    test_wide = _read_wide(test_path, "test")
    if not train_wide.index.equals(test_wide.index):
        only_train = sorted(set(train_wide.index) - set(test_wide.index))[:5]
        only_test = sorted(set(test_wide.index) - set(train_wide.index))[:5]
        raise InputFileError(
            f"M4 files {os.fspath(train_path)!r} and {os.fspath(test_path)!r} do not "
            f"list the same series in the same order (only in train: {only_train}, "
            f"only in test: {only_test})"
        )
    for role, wide in (("train", train_wide), ("test", test_wide)):
        present = ~np.isnan(wide.to_numpy())
        prefix = np.arange(present.shape[1]) < present.sum(axis=1)[:, None]
        if (present != prefix).any():
            bad = wide.index[(present != prefix).any(axis=1)][:5].tolist()
            raise InputFileError(
                f"M4 {role} file has gaps inside series {bad}; expected values "
                "followed only by trailing empty cells"
            )

    n_train = (~np.isnan(train_wide.to_numpy())).sum(axis=1)
    train = _to_long(train_wide, np.ones(len(n_train), dtype=np.int64))
    test = _to_long(test_wide, n_train + 1)

    if time == "date":
        anchor_ts = pd.Timestamp(anchor)
        offset = pd.tseries.frequencies.to_offset(freq)
        if not offset.is_on_offset(anchor_ts):
            raise InputFileError(f"anchor {anchor!r} is not on the {freq!r} grid")
        n_back, n_ahead = (
            int(n_train.max()),
            int(test.groupby("unique_id").size().max()),
        )
        grid = pd.date_range(end=anchor_ts, periods=n_back, freq=offset).append(
            pd.date_range(start=anchor_ts, periods=n_ahead + 1, freq=offset)[1:]
        )
        last = pd.Series(n_train, index=train_wide.index)
        for frame in (train, test):
            shift = frame["ds"].to_numpy() - last.loc[frame["unique_id"]].to_numpy()
            frame["ds"] = grid[shift + n_back - 1]
    elif time != "step":
        raise InputFileError(f"time must be 'date' or 'step'; got {time!r}")

    log.info(
        "read M4 %s: %d series, %d train and %d test values",
        os.fspath(train_path),
        len(train_wide),
        len(train),
        len(test),
    )
    return train, test
