"""Crop yield from multi-date satellite rasters and past harvests.

Pipeline (each step a pure function on in-memory objects):

1. :func:`~dtnmodels.crop.preprocess.scale_bands` and
   :func:`~dtnmodels.crop.preprocess.cloud_mask` — reflectance, clouds out;
2. :func:`~dtnmodels.crop.indices.compute_indices` — NDVI, EVI, GCVI, NDWI;
3. :func:`~dtnmodels.crop.season.composite` — max-value / median composites
   per period of each season, optionally up to an in-season cutoff;
4. :func:`~dtnmodels.crop.features.region_series`,
   :func:`~dtnmodels.crop.features.season_features`,
   :func:`~dtnmodels.crop.features.band_histograms` — per-region statistics
   through the shared :class:`dtnmodels.grid.RegionAggregator`;
5. :mod:`dtnmodels.crop.models` — baselines and trend + feature regressors,
   registered as ``"regressor"`` models; :mod:`dtnmodels.crop.evaluation` —
   leave-one-year-out scores and conformal intervals.
"""

from __future__ import annotations

from dtnmodels.crop import models
from dtnmodels.crop.features import band_histograms, region_series, season_features
from dtnmodels.crop.indices import compute_indices, evi, gcvi, ndvi, ndwi
from dtnmodels.crop.preprocess import align_to_reference, cloud_mask, scale_bands
from dtnmodels.crop.season import SeasonCalendar, composite, flag_periods
from dtnmodels.crop.yields import clean_yields

__all__ = [
    "SeasonCalendar",
    "align_to_reference",
    "band_histograms",
    "clean_yields",
    "cloud_mask",
    "composite",
    "compute_indices",
    "evi",
    "flag_periods",
    "gcvi",
    "models",
    "ndvi",
    "ndwi",
    "region_series",
    "scale_bands",
    "season_features",
]
