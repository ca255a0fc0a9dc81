"""Fractional-logit model of the share of customers out (a bounded GLM).

The share :math:`s \\in [0, 1]` is modelled as
:math:`E[s] = \\operatorname{logit}^{-1}(\\beta_0 + \\beta^\\top z)` with
standardised features :math:`z`, fitted by quasi-maximum likelihood with the
binomial variance (Papke & Wooldridge 1996), optionally with an L2 penalty.
Few parameters make it a sturdy choice when only a handful of storms exist.

References
----------
Papke, L. E., & Wooldridge, J. M. (1996). Econometric methods for fractional
response variables with an application to 401(k) plan participation rates.
Journal of Applied Econometrics, 11(6), 619–632.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dtnmodels.core.registry import register_model
from dtnmodels.storm.models.base import ImpactModel

__all__ = ["FractionalLogit"]


@register_model("impact", "frac_logit")
class FractionalLogit(ImpactModel):
    """Bounded share model: fractional logit (binomial quasi-likelihood) with L2.

    Parameters
    ----------
    features : sequence of str, optional
        Feature columns (default all numeric).
    alpha : float, default 1.0
        L2 penalty on the standardised coefficients (not the intercept).
    weight_by_customers : bool, default False
        Weight rows by customers (a customer-level rather than county-level fit).
    zero_weight : float, default 1.0
        Training weight of rows with a share of exactly 0 (see
        :class:`~dtnmodels.storm.models.base.ImpactModel`).
    """

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        alpha: float = 1.0,
        weight_by_customers: bool = False,
        zero_weight: float = 1.0,
    ) -> None:
        super().__init__(features=features, zero_weight=zero_weight)
        self.alpha = alpha
        self.weight_by_customers = weight_by_customers

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        z = (X[self.features_].to_numpy(float) - self.center_) / self.scale_
        return np.nan_to_num(z)

    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        customers: np.ndarray,
        sample_weight: np.ndarray,
    ) -> None:
        values = X[self.features_].to_numpy(float)
        self.center_ = np.nanmean(values, axis=0)
        scale = np.nanstd(values, axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        z = self._design(X)
        w = sample_weight * (customers if self.weight_by_customers else 1.0)
        w = w / w.sum()

        # Newton-Raphson on the penalised binomial quasi-likelihood (the
        # intercept is not penalised); a handful of steps converge.
        design = np.c_[np.ones(len(y)), z]
        penalty = np.full(design.shape[1], self.alpha / len(y))
        penalty[0] = 0.0
        mean_y = np.clip(np.sum(w * y), 1e-6, 1 - 1e-6)
        beta = np.zeros(design.shape[1])
        beta[0] = np.log(mean_y / (1 - mean_y))
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-(design @ beta)))
            grad = design.T @ (w * (p - y)) + penalty * beta
            hess = (design * (w * p * (1 - p))[:, None]).T @ design
            step = np.linalg.solve(hess + np.diag(penalty + 1e-10), grad)
            beta = beta - step
            if np.max(np.abs(step)) < 1e-8:
                break
        self.coef_ = beta

    def _predict_share(self, X: pd.DataFrame, customers: np.ndarray) -> np.ndarray:
        eta = self.coef_[0] + self._design(X) @ self.coef_[1:]
        return 1.0 / (1.0 + np.exp(-eta))
