"""Tests of the spectral indices."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from dtnmodels.core.errors import ConfigError, DataValidationError
from dtnmodels.crop.indices import compute_indices, evi, gcvi, ndvi, ndwi


def test_ndvi_hand_values():
    """NDVI of (red 0.1, nir 0.5) is 0.4/0.6; a zero denominator gives NaN."""
    red = np.array([0.1, 0.0, 0.2])
    nir = np.array([0.5, 0.0, 0.2])

    result = ndvi(red, nir)

    assert_allclose(result, [0.4 / 0.6, np.nan, 0.0])


def test_evi_gcvi_ndwi_hand_values():
    """EVI, GCVI and NDWI match their formulas on one pixel."""
    red, nir, blue, green = 0.05, 0.4, 0.03, 0.08

    values = (evi(red, nir, blue), gcvi(green, nir), ndwi(green, nir))

    expected_evi = 2.5 * (0.35) / (0.4 + 6 * 0.05 - 7.5 * 0.03 + 1)
    assert_allclose(values, [expected_evi, 0.4 / 0.08 - 1, (0.08 - 0.4) / 0.48])


def test_compute_indices_needs_bands():
    """EVI without a blue band names the missing band."""
    ds = xr.Dataset({"red": ("x", [0.1]), "nir": ("x", [0.5])})

    with pytest.raises(DataValidationError, match=r"\['blue'\]"):
        compute_indices(ds, ["evi"])


def test_compute_indices_unknown_name():
    """An unknown index name is a config error listing the choices."""
    ds = xr.Dataset({"red": ("x", [0.1]), "nir": ("x", [0.5])})

    with pytest.raises(ConfigError, match="ndvi"):
        compute_indices(ds, ["savi"])


def test_compute_indices_keeps_dataarray_shape():
    """The result is a Dataset with one float32 variable per index."""
    ds = xr.Dataset({"red": ("x", [0.1, 0.2]), "nir": ("x", [0.5, 0.2])})

    out = compute_indices(ds, ["ndvi"])

    assert out["ndvi"].dtype == np.float32
    assert_allclose(out["ndvi"].values, [0.4 / 0.6, 0.0], rtol=1e-6)
