"""Tests of band scaling, cloud masking and grid alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rioxarray  # noqa: F401
import xarray as xr
from numpy.testing import assert_allclose

from dtnmodels.core.errors import CRSWarning, DataValidationError
from dtnmodels.crop.preprocess import align_to_reference, cloud_mask, scale_bands


def _date(day: str, *, x0: float = 500_000.0, n: int = 4, crs: str = "EPSG:32614"):
    x = x0 + 30.0 * (np.arange(n) + 0.5)
    y = 5_000_000.0 + 30.0 * (np.arange(n) + 0.5)
    data = np.arange(n * n, dtype=np.float32).reshape(1, n, n)
    ds = xr.Dataset(
        {"red": (("time", "y", "x"), data)},
        coords={"time": [pd.Timestamp(day)], "y": y, "x": x},
    )
    ds.attrs["source"] = f"{day}.tif"
    return ds.rio.write_crs(crs)


def test_scale_bands_masks_nodata_then_scales():
    """Stored −9999 becomes NaN; other values are value × scale + offset."""
    ds = xr.Dataset({"B15": ("x", [1000.0, -9999.0]), "B16": ("x", [5000.0, 10.0])})
    spec = {
        "red": {"source": "B15", "scale": 1e-4, "nodata": -9999},
        "nir": {"source": "B16", "scale": 1e-4, "offset": 0.01},
    }

    out = scale_bands(ds, spec)

    assert_allclose(out["red"].values, [0.1, np.nan], rtol=1e-6)
    assert_allclose(out["nir"].values, [0.51, 0.011], rtol=1e-6)


def test_scale_bands_names_missing_source():
    """A mapped source that is not in the file is named with what exists."""
    ds = xr.Dataset({"B15": ("x", [1.0]), "B16": ("x", [1.0])})

    with pytest.raises(DataValidationError, match=r"'B4'.*B15"):
        scale_bands(ds, {"red": {"source": "B4"}, "nir": {"source": "B16"}})


def test_cloud_mask_values_and_bits():
    """Clear values, cloud values and cloud bits combine; NaN QA is not clear."""
    qa = xr.DataArray([0.0, 4.0, 2.0, 8.0, np.nan])

    by_value = cloud_mask(qa, clear_values=[0, 2, 8], cloud_values=[8])
    by_bit = cloud_mask(qa, cloud_bits=[3])

    assert by_value.values.tolist() == [True, False, True, False, False]
    assert by_bit.values.tolist() == [True, True, True, False, False]


def test_align_same_grid_stacks():
    """Dates on one grid are stacked in time order, untouched."""
    a, b = _date("2020-06-02"), _date("2020-06-01")

    out = align_to_reference([a, b])

    assert out.sizes["time"] == 2
    assert str(out.time.values[0])[:10] == "2020-06-01"


def test_align_other_grid_error_names_file():
    """With on_mismatch='error' the message names the file on another grid."""
    a, b = _date("2020-06-01"), _date("2020-06-17", x0=500_015.0)

    with pytest.raises(DataValidationError, match=r"2020-06-17\.tif"):
        align_to_reference([a, b], on_mismatch="error")


def test_align_other_crs_is_reprojected_with_warning():
    """A date in another CRS is reprojected onto the first grid, with a warning."""
    a = _date("2020-06-01")
    b = _date("2020-06-17").rio.reproject("EPSG:4326")

    with pytest.warns(CRSWarning, match=r"2020-06-17\.tif"):
        out = align_to_reference([a, b])

    assert out.rio.crs == a.rio.crs
    assert out["red"].isel(time=1).shape == (4, 4)
    assert np.isfinite(out["red"].isel(time=1).values).mean() > 0.5
