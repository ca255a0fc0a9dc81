"""Storm impact: hazard grids and exposure → predicted outages per region, crew plans.

Submodules
----------
units
    Wind and rain units from metadata (knots, mph, m/s; mm, inches).
hazard
    Per-region hazard features from grids (through the shared region
    aggregator) and from tract tables.
wind_profile
    Holland parametric hurricane wind field from best tracks → swaths.
exposure
    Customers, high-voltage line length, substations and land area per region.
models
    Impact models registered as kind ``"impact"``.
evaluation
    Leave-one-storm-out scores (MAE, Spearman, POD/FAR/CSI, coverage).
events
    County event labels from Storm Events tables.
crews
    Crew allocation minimising expected unrestored customer-hours.
plots
    Maps and scatter plots for the report.

Importing this package registers the impact models.
"""

from __future__ import annotations

from dtnmodels.storm import models
from dtnmodels.storm.crews import plan_crews, unrestored_customer_hours
from dtnmodels.storm.exposure import exposure_features
from dtnmodels.storm.hazard import (
    aggregate_tracts,
    hazard_features,
    hazard_fields,
    reduce_fields,
)
from dtnmodels.storm.models import ImpactModel
from dtnmodels.storm.wind_profile import swath_features, wind_swath

__all__ = [
    "ImpactModel",
    "aggregate_tracts",
    "exposure_features",
    "hazard_features",
    "hazard_fields",
    "models",
    "plan_crews",
    "reduce_fields",
    "swath_features",
    "unrestored_customer_hours",
    "wind_swath",
]
