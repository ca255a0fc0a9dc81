"""The impact-model interface: hazard and exposure features → share of customers out.

Every impact model is fitted on a history of (storm, region) rows and predicts,
for new rows, the expected share of customers out (0–1) and quantiles of it.
Counts follow as share × customers. Models that learn counts (Poisson,
Tweedie) take the customers as an exposure offset and return shares too, so
all models are scored on one footing.

Quantiles come from the spread of held-out errors: when the training history
holds at least three storms the model is refitted leaving storms out in turn
(storms dealt into at most five blocks); with fewer storms the regions are
held out instead, in five contiguous blocks of sorted region ids (county FIPS
codes run through each state, so a block is a band of neighbouring
counties). The empirical quantiles of the held-out errors
``observed - predicted`` (share units) are added to the point prediction and
clipped to [0, 1]. In-sample errors would understate the spread, and for a
model that memorises regions (``historical_mean``) they are all zero.

Label noise: outage tables built from utility reports (EAGLE-I) show a share
of exactly 0 where no utility of a county reported, which is a coverage gap,
not a calm county; the peak over a storm window of several days is hardly
ever truly zero. ``zero_weight`` sets the training weight of such rows
(1 keeps them as they are, 0 drops them). It acts on training only: every
row is still predicted and scored.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import ConfigError, DataValidationError, NotFittedError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, quantile_column

__all__ = ["ImpactModel", "shares_from_counts"]

log = logging.getLogger(__name__)

_MAX_REFITS = 5
_MIN_BLOCK_ROWS = 2


def shares_from_counts(customers_out: Any, customers: Any) -> np.ndarray:
    """Share of customers out (0–1); regions with no customers give NaN."""
    out = np.asarray(customers_out, dtype=float)
    total = np.asarray(customers, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, out / total, np.nan)
    return np.clip(share, 0.0, 1.0)


class ImpactModel(ABC):
    """Predict the share of customers out per region, with quantiles.

    Parameters
    ----------
    features : sequence of str, optional
        Feature columns to use (default: every column of ``X`` given to fit).
    zero_weight : float, default 1.0
        Training weight of rows whose observed share is exactly 0 (a likely
        reporting gap, see the module docstring); 0 leaves them out of the
        fit. Scoring is not affected.

    Notes
    -----
    Subclasses implement :meth:`_fit` and :meth:`_predict_share`; learned
    state ends in ``_``.
    """

    def __init__(
        self, *, features: Sequence[str] | None = None, zero_weight: float = 1.0
    ) -> None:
        if not 0.0 <= float(zero_weight) <= 1.0:
            raise ConfigError(
                f"{type(self).__name__}: zero_weight must lie in [0, 1], got "
                f"{zero_weight!r}"
            )
        self.features = list(features) if features is not None else None
        self.zero_weight = float(zero_weight)

    # -- public API ------------------------------------------------------------

    def fit(
        self,
        X: pd.DataFrame,
        customers_out: Any,
        *,
        customers: Any,
        groups: Any = None,
    ) -> ImpactModel:
        """Learn from past storms.

        Parameters
        ----------
        X : pandas.DataFrame
            Features, one row per (storm, region); the index holds region ids.
        customers_out : array-like
            Observed customers out (peak), same rows.
        customers : array-like
            Customers served in each row's region.
        groups : array-like, optional
            Storm id of each row (for the held-out error spread).
        """
        X = self._check_X(X, fitting=True)
        y = shares_from_counts(customers_out, customers)
        customers = np.asarray(customers, dtype=float)
        keep = np.isfinite(y)
        if not keep.any():
            raise DataValidationError(
                "no training row has both customers > 0 and a recorded outage"
            )
        X, y, customers = X[keep], y[keep], customers[keep]
        groups = None if groups is None else np.asarray(groups)[keep]

        # exact zeros are likely reporting gaps: weight them down (training only)
        weight = np.where(y == 0.0, self.zero_weight, 1.0)
        if not (weight > 0).any():
            raise DataValidationError(
                "every training row has a share of exactly 0 and zero_weight is 0: "
                "nothing left to learn from"
            )
        used = weight > 0
        X, y, customers, weight = X[used], y[used], customers[used], weight[used]
        groups = None if groups is None else groups[used]
        log.debug(
            "%s: %r rows with share 0 left out", type(self).__name__, (~used).sum()
        )

        self._fit(X, y, customers, weight)
        self.residuals_ = self._held_out_errors(X, y, customers, weight, groups)
        self.n_train_ = int(used.sum())
        return self

    def predict(
        self,
        X: pd.DataFrame,
        *,
        customers: Any = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> pd.DataFrame:
        """Share of customers out: ``mean`` and one ``q<level>`` column per quantile.

        Parameters
        ----------
        X : pandas.DataFrame
            Features of the regions to predict (index: region ids).
        customers : array-like, optional
            Customers served (needed by count models).
        quantiles : sequence of float
            Levels in (0, 1).

        Returns
        -------
        pandas.DataFrame
            Same index as ``X``; shares in [0, 1].
        """
        if not hasattr(self, "residuals_"):
            raise NotFittedError(f"{type(self).__name__} must be fitted first")
        X = self._check_X(X, fitting=False)
        customers = (
            np.ones(len(X)) if customers is None else np.asarray(customers, float)
        )

        mean = np.clip(self._predict_share(X, customers), 0.0, 1.0)
        out = pd.DataFrame({"mean": mean}, index=X.index)
        for q in quantiles:
            shift = (
                float(np.quantile(self.residuals_, q)) if self.residuals_.size else 0
            )
            out[quantile_column(q)] = np.clip(mean + shift, 0.0, 1.0)
        return out

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters, for run records."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    # -- for subclasses --------------------------------------------------------

    @abstractmethod
    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        sample_weight: np.ndarray,
    ) -> None:
        """Learn from features and observed shares (rows weighted)."""

    @abstractmethod
    def _predict_share(self, X: pd.DataFrame, customers: np.ndarray) -> np.ndarray:
        """Expected share of customers out."""

    # -- helpers ---------------------------------------------------------------

    def _check_X(self, X: pd.DataFrame, *, fitting: bool) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise DataValidationError(
                f"impact models take a pandas DataFrame, got {type(X).__name__}"
            )
        if fitting and self.features is None:
            self.features_ = [
                c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
            ]
        elif fitting:
            self.features_ = list(self.features)
        cols = getattr(self, "features_", self.features) or []
        missing = [c for c in cols if c not in X.columns]
        if missing:
            raise DataValidationError(
                f"{type(self).__name__}: feature column(s) {missing} missing; "
                f"columns given: {list(X.columns)}"
            )
        return X

    def _held_out_errors(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        weight: np.ndarray,
        groups: np.ndarray | None,
    ) -> np.ndarray:
        """Errors ``y - prediction`` on held-out storms, or region blocks if < 3."""
        blocks = _refit_blocks(X.index, groups)
        if blocks is None:  # too few rows to hold any out
            fitted = np.clip(self._predict_share(X, customers), 0.0, 1.0)
            return y - fitted

        errors = []
        state = dict(vars(self))
        for label in np.unique(blocks):
            held = blocks == label
            self._fit(X[~held], y[~held], customers[~held], weight[~held])
            pred = np.clip(self._predict_share(X[held], customers[held]), 0, 1)
            errors.append(y[held] - pred)
        vars(self).clear()
        vars(self).update(state)
        return np.concatenate(errors)


def _refit_blocks(index: pd.Index, groups: np.ndarray | None) -> np.ndarray | None:
    """Block label per row for the held-out error refits (at most five blocks).

    Three or more storms: storms are dealt into blocks. Otherwise regions are
    sorted by id and cut into contiguous blocks (neighbouring counties share
    FIPS prefixes, so each block is roughly a spatial band). ``None`` when
    there are too few rows to hold any out.
    """
    labels = np.unique(groups) if groups is not None else np.array([])
    if labels.size >= 3:
        block = {lab: i % _MAX_REFITS for i, lab in enumerate(labels)}
        return np.array([block[g] for g in groups])

    regions = np.asarray(index.astype(str))
    unique = np.unique(regions)
    n_blocks = min(_MAX_REFITS, unique.size // _MIN_BLOCK_ROWS)
    if n_blocks < 2:
        return None
    position = {r: i * n_blocks // unique.size for i, r in enumerate(unique)}
    return np.array([position[r] for r in regions])
