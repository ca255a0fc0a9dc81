"""Spectral vegetation and water indices from surface reflectance.

Every function takes reflectance (unitless, 0–1, already scaled from the
stored integers) as xarray objects or NumPy arrays that broadcast together and
returns the index in the same container. Pixels where the denominator is zero
or any input is NaN give NaN, never an infinite or zero value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from dtnmodels.core.errors import ConfigError, DataValidationError

__all__ = ["INDICES", "compute_indices", "evi", "gcvi", "ndvi", "ndwi"]

log = logging.getLogger(__name__)


def _ratio(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator`` with NaN wherever the denominator is 0."""
    if isinstance(denominator, xr.DataArray):
        return numerator / denominator.where(denominator != 0)
    denominator = np.asarray(denominator, dtype=np.float64)
    safe = np.where(denominator == 0, np.nan, denominator)
    return np.asarray(numerator, dtype=np.float64) / safe


def ndvi(red: Any, nir: Any) -> Any:
    r"""Normalised difference vegetation index, :math:`(N - R) / (N + R)`.

    Parameters
    ----------
    red, nir : array-like or DataArray
        Red and near-infrared reflectance (0–1).

    Returns
    -------
    array-like or DataArray
        NDVI in [-1, 1]; NaN where ``N + R == 0``.

    References
    ----------
    Rouse, J. W., Haas, R. H., Schell, J. A., & Deering, D. W. (1974).
    Monitoring vegetation systems in the Great Plains with ERTS. NASA SP-351,
    309–317.
    """
    return _ratio(nir - red, nir + red)


def evi(red: Any, nir: Any, blue: Any) -> Any:
    r"""Enhanced vegetation index, :math:`G (N - R) / (N + C_1 R - C_2 B + L)`.

    With :math:`G = 2.5`, :math:`C_1 = 6`, :math:`C_2 = 7.5`, :math:`L = 1`
    (the MODIS coefficients).

    Parameters
    ----------
    red, nir, blue : array-like or DataArray
        Red, near-infrared and blue reflectance (0–1).

    Returns
    -------
    array-like or DataArray
        EVI (about -1 to 1 over land); NaN where the denominator is 0.

    References
    ----------
    Huete, A., Didan, K., Miura, T., Rodriguez, E. P., Gao, X., & Ferreira,
    L. G. (2002). Overview of the radiometric and biophysical performance of
    the MODIS vegetation indices. Remote Sensing of Environment, 83(1–2),
    195–213. https://doi.org/10.1016/S0034-4257(02)00096-2
    """
    return 2.5 * _ratio(nir - red, nir + 6.0 * red - 7.5 * blue + 1.0)


def gcvi(green: Any, nir: Any) -> Any:
    r"""Green chlorophyll vegetation index, :math:`N / G - 1`.

    Parameters
    ----------
    green, nir : array-like or DataArray
        Green and near-infrared reflectance (0–1).

    Returns
    -------
    array-like or DataArray
        GCVI (0 to about 10 over crops); NaN where ``G == 0``.

    References
    ----------
    Gitelson, A. A., Viña, A., Ciganda, V., Rundquist, D. C., & Arkebauer,
    T. J. (2005). Remote estimation of canopy chlorophyll content in crops.
    Geophysical Research Letters, 32(8), L08403.
    https://doi.org/10.1029/2005GL022688
    """
    return _ratio(nir, green) - 1.0


def ndwi(green: Any, nir: Any) -> Any:
    r"""Normalised difference water index, :math:`(G - N) / (G + N)`.

    The McFeeters form (open water positive, vegetation negative).

    Parameters
    ----------
    green, nir : array-like or DataArray
        Green and near-infrared reflectance (0–1).

    Returns
    -------
    array-like or DataArray
        NDWI in [-1, 1]; NaN where ``G + N == 0``.

    References
    ----------
    McFeeters, S. K. (1996). The use of the Normalized Difference Water Index
    (NDWI) in the delineation of open water features. International Journal of
    Remote Sensing, 17(7), 1425–1432. https://doi.org/10.1080/01431169608948714
    """
    return _ratio(green - nir, green + nir)


#: Index name -> (function, bands it needs, in argument order).
INDICES: Mapping[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "ndvi": (ndvi, ("red", "nir")),
    "evi": (evi, ("red", "nir", "blue")),
    "gcvi": (gcvi, ("green", "nir")),
    "ndwi": (ndwi, ("green", "nir")),
}


def compute_indices(ds: xr.Dataset, names: tuple[str, ...] | list[str]) -> xr.Dataset:
    """Add the requested indices to a dataset of reflectance bands.

    Parameters
    ----------
    ds : xarray.Dataset
        Reflectance bands named ``red``, ``nir`` and, for the indices that
        need them, ``blue`` and ``green`` (dims e.g. ``(time, y, x)``).
    names : sequence of {"ndvi", "evi", "gcvi", "ndwi"}
        Indices to compute.

    Returns
    -------
    xarray.Dataset
        The indices only, one variable each, lazy when the bands are.

    Raises
    ------
    ConfigError
        An index name is unknown.
    DataValidationError
        A band the index needs is absent (e.g. EVI without ``blue``).
    """
    out = {}
    for name in names:
        if name not in INDICES:
            raise ConfigError(
                f"features.indices: unknown index {name!r}; choose from "
                f"{sorted(INDICES)}"
            )
        func, bands = INDICES[name]
        missing = [b for b in bands if b not in ds.data_vars]
        if missing:
            raise DataValidationError(
                f"index {name!r} needs bands {list(bands)} but {missing} are not in "
                f"the imagery (bands present: {sorted(map(str, ds.data_vars))}); map "
                f"them under imagery.bands or drop {name!r} from features.indices"
            )
        out[name] = func(*(ds[b] for b in bands)).astype(np.float32)
        out[name].attrs = {"long_name": name.upper(), "units": "1"}
        log.debug("computed index %r from bands %r", name, bands)
    return xr.Dataset(out)
