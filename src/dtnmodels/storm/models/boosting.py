"""Gradient-boosted impact models (LightGBM): counts with an exposure offset, or shares.

``gbm_poisson`` / ``gbm_tweedie`` learn customers out with a log link and
``log(customers)`` as a fixed offset (LightGBM ``init_score``), so trees model
the outage *rate* per customer and large counties are not favoured just for
being large. ``gbm_share`` learns the share (0–1) directly with the
cross-entropy objective, which keeps predictions bounded. Hazard features
(names starting with ``gust``, ``hours``, ``rain``, ``wind``) are constrained
to raise predicted impact monotonically, which keeps the fitted response
physically ordered when it is applied to a storm stronger than any seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import ConfigError
from dtnmodels.core.registry import register_model
from dtnmodels.storm.models.base import ImpactModel

__all__ = ["GBMCounts", "GBMPoisson", "GBMShare", "GBMTweedie"]

_HAZARD_PREFIXES = ("gust", "hours", "rain", "wind")


class _GBMBase(ImpactModel):
    objective: str = ""

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        zero_weight: float = 1.0,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 7,
        min_child_samples: int = 10,
        monotone_hazard: bool = True,
        random_state: int = 0,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(features=features, zero_weight=zero_weight)
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.monotone_hazard = monotone_hazard
        self.random_state = random_state
        self.params = dict(params or {})

    def _estimator(self, columns: Sequence[str]) -> Any:
        import lightgbm as lgb

        monotone = [
            1 if self.monotone_hazard and c.startswith(_HAZARD_PREFIXES) else 0
            for c in columns
        ]
        try:
            return lgb.LGBMRegressor(
                objective=self.objective,
                n_estimators=self.n_estimators,
                learning_rate=self.learning_rate,
                num_leaves=self.num_leaves,
                min_child_samples=self.min_child_samples,
                monotone_constraints=monotone,
                random_state=self.random_state,
                n_jobs=1,
                deterministic=True,
                force_row_wise=True,
                verbose=-1,
                **self.params,
            )
        except TypeError as exc:
            raise ConfigError(f"model.params do not fit LightGBM: {exc}") from exc

    def _matrix(self, X: pd.DataFrame) -> pd.DataFrame:
        return X[self.features_].astype(float)


class GBMCounts(_GBMBase):
    """Customers out by boosting with a log link and a customers offset."""

    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        sample_weight: np.ndarray,
    ) -> None:
        counts = y * customers
        offset = np.log(np.maximum(customers, 1.0))
        self.model_ = self._estimator(self.features_)
        self.model_.fit(
            self._matrix(X), counts, init_score=offset, sample_weight=sample_weight
        )

    def _predict_share(self, X: pd.DataFrame, customers: np.ndarray) -> np.ndarray:
        raw = self.model_.predict(self._matrix(X), raw_score=True)
        return np.exp(raw)


@register_model("impact", "gbm_poisson")
class GBMPoisson(GBMCounts):
    """Gradient boosting of customers out, Poisson loss, customers as offset."""

    objective = "poisson"


@register_model("impact", "gbm_tweedie")
class GBMTweedie(GBMCounts):
    """Gradient boosting of customers out, Tweedie loss, customers as offset.

    Parameters
    ----------
    variance_power : float, default 1.5
        Tweedie power between 1 (Poisson) and 2 (gamma).
    """

    objective = "tweedie"

    def __init__(self, *, variance_power: float = 1.5, **kwargs: Any) -> None:
        params = dict(kwargs.pop("params", None) or {})
        params["tweedie_variance_power"] = variance_power
        super().__init__(params=params, **kwargs)
        self.variance_power = variance_power


@register_model("impact", "gbm_share")
class GBMShare(_GBMBase):
    """Gradient boosting of the share of customers out (0–1), cross-entropy loss."""

    objective = "cross_entropy"

    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        sample_weight: np.ndarray,
    ) -> None:
        self.model_ = self._estimator(self.features_)
        self.model_.fit(self._matrix(X), y, sample_weight=sample_weight)

    def _predict_share(self, X: pd.DataFrame, customers: np.ndarray) -> np.ndarray:
        return self.model_.predict(self._matrix(X))
