"""Impact models registered as kind ``"impact"``.

``historical_mean`` and ``wind_step`` are baselines; ``gbm_poisson``,
``gbm_tweedie`` (counts), ``gbm_share`` and ``frac_logit`` (bounded shares)
are the learned models. All predict the share of customers out with P10/P50/P90.
"""

from __future__ import annotations

from dtnmodels.storm.models.base import ImpactModel, shares_from_counts
from dtnmodels.storm.models.baselines import HistoricalMean, WindStepFunction
from dtnmodels.storm.models.boosting import GBMPoisson, GBMShare, GBMTweedie
from dtnmodels.storm.models.logit import FractionalLogit

__all__ = [
    "FractionalLogit",
    "GBMPoisson",
    "GBMShare",
    "GBMTweedie",
    "HistoricalMean",
    "ImpactModel",
    "WindStepFunction",
    "shares_from_counts",
]
