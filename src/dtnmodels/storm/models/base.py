"""The impact-model interface: hazard and exposure features → share of customers out.

Every impact model is fitted on a history of (storm, region) rows and predicts,
for new rows, the expected share of customers out (0–1) and quantiles of it.
Counts follow as share × customers. Models that learn counts (Poisson,
Tweedie) take the customers as an exposure offset and return shares too, so
all models are scored on one footing.

Quantiles come from the spread of held-out errors: when the training history
holds at least three storms the model is refitted leaving storms out in turn
(storms dealt into at most five blocks) and the empirical quantiles of the
held-out errors ``observed - predicted`` (share units) are added to the point
prediction and clipped to [0, 1]; with fewer storms the in-sample errors are
used, which understates the spread.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError, NotFittedError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, quantile_column

__all__ = ["ImpactModel", "shares_from_counts"]

log = logging.getLogger(__name__)

_MAX_REFITS = 5


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

    Notes
    -----
    Subclasses implement :meth:`_fit` and :meth:`_predict_share`; learned
    state ends in ``_``.
    """

    def __init__(self, *, features: Sequence[str] | None = None) -> None:
        self.features = list(features) if features is not None else None

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

        self._fit(X, y, customers)
        self.residuals_ = self._held_out_errors(X, y, customers, groups)
        self.n_train_ = int(keep.sum())
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
    def _fit(self, X: pd.DataFrame, y: np.ndarray, customers: np.ndarray) -> None:
        """Learn from features and observed shares."""

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
        groups: np.ndarray | None,
    ) -> np.ndarray:
        """Errors ``y - prediction`` on held-out storms (in-sample if < 3 storms)."""
        labels = np.unique(groups) if groups is not None else np.array([])
        if labels.size < 3:
            fitted = np.clip(self._predict_share(X, customers), 0.0, 1.0)
            return y - fitted

        errors = []
        state = dict(vars(self))
        # at most five refits: storms are dealt into blocks, each held out once
        block = {lab: i % _MAX_REFITS for i, lab in enumerate(labels)}
        blocks = np.array([block[g] for g in groups])
        for label in np.unique(blocks):
            held = blocks == label
            self._fit(X[~held], y[~held], customers[~held])
            pred = np.clip(self._predict_share(X[held], customers[held]), 0, 1)
            errors.append(y[held] - pred)
        vars(self).clear()
        vars(self).update(state)
        return np.concatenate(errors)
