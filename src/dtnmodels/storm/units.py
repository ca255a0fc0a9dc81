"""Units of hazard variables: read from metadata, converted to SI-like working units.

Wind speeds are worked in metres per second and rain in millimetres. The units
come from each variable's ``units`` attribute (CF style); a variable without
one is refused unless the caller says what it holds, because a knot/m s-1
mix-up silently changes every wind-based feature by a factor of two.
"""

from __future__ import annotations

import logging

import xarray as xr

from dtnmodels.core.errors import DataValidationError

__all__ = ["RAIN_UNITS", "WIND_UNITS", "to_mm", "to_ms"]

log = logging.getLogger(__name__)

#: Accepted spellings of wind-speed units and their factor to m/s.
WIND_UNITS: dict[str, float] = {
    "m/s": 1.0,
    "m s-1": 1.0,
    "m s**-1": 1.0,
    "ms-1": 1.0,
    "meter/second": 1.0,
    "metres per second": 1.0,
    "meters per second": 1.0,
    "kt": 0.514444,
    "kts": 0.514444,
    "knot": 0.514444,
    "knots": 0.514444,
    "mph": 0.44704,
    "mi/h": 0.44704,
    "km/h": 1.0 / 3.6,
    "km h-1": 1.0 / 3.6,
}

#: Accepted spellings of precipitation-depth units and their factor to mm.
RAIN_UNITS: dict[str, float] = {
    "mm": 1.0,
    "millimeters": 1.0,
    "millimetres": 1.0,
    "kg m-2": 1.0,
    "kg m**-2": 1.0,
    "kg/m2": 1.0,
    "kg/m^2": 1.0,
    "m": 1000.0,
    "cm": 10.0,
    "in": 25.4,
    "inch": 25.4,
    "inches": 25.4,
}


def _convert(
    da: xr.DataArray,
    table: dict[str, float],
    target: str,
    *,
    units: str | None,
    what: str,
) -> xr.DataArray:
    declared = units if units is not None else da.attrs.get("units")
    if declared is None or str(declared).strip() == "":
        raise DataValidationError(
            f"{what} variable {da.name!r} has no 'units' attribute; set the units "
            f"in the config (one of {sorted(set(table))}) so speeds/depths are not "
            "guessed"
        )
    key = str(declared).strip().lower()
    factor = table.get(key)
    if factor is None:
        raise DataValidationError(
            f"{what} variable {da.name!r} has units {declared!r}, which are not "
            f"understood; state them in the config (hazard.gust_units / "
            f"hazard.rain_units) as one of {sorted(set(table))}"
        )

    log.debug("converting %r from %r to %r (x%r)", da.name, declared, target, factor)
    out = da * factor if factor != 1.0 else da.copy()
    out.attrs = {**da.attrs, "units": target}
    out.name = da.name
    return out


def to_ms(da: xr.DataArray, *, units: str | None = None) -> xr.DataArray:
    """Wind speed in m/s, from the ``units`` attribute or the given ``units``.

    Parameters
    ----------
    da : xarray.DataArray
        Wind speed (any of :data:`WIND_UNITS`).
    units : str, optional
        Units to assume, overriding (or standing in for) the attribute.

    Raises
    ------
    DataValidationError
        If the units are missing or not recognised.
    """
    return _convert(da, WIND_UNITS, "m s-1", units=units, what="wind")


def to_mm(da: xr.DataArray, *, units: str | None = None) -> xr.DataArray:
    """Precipitation depth in mm, from the ``units`` attribute or ``units``.

    Raises
    ------
    DataValidationError
        If the units are missing or not recognised.
    """
    return _convert(da, RAIN_UNITS, "mm", units=units, what="rain")
