"""Georeference of an in-memory grid: spatial dims, CRS, north-up transform, shape.

Every operator in :mod:`dtnmodels.grid` first reduces its grid argument to a
:class:`GridSpec`. The spec describes the grid in a *canonical* north-up form
(row 0 is the northern edge, column 0 the western edge, as GDAL and
exactextract count cells) plus two flags saying whether the array itself runs
south-to-north (ascending latitude) or east-to-west. Cell numbers computed on
the canonical grid are mapped to the array's own order with
:meth:`GridSpec.flat_index`, so a descending-latitude grid and its ascending
twin give identical answers.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np
import xarray as xr
from affine import Affine
from pyproj import CRS

from dtnmodels.core.errors import DataValidationError

__all__ = [
    "GEOGRAPHIC_DIMS",
    "PROJECTED_DIMS",
    "GridSpec",
    "grid_spec",
    "spatial_dims",
]

log = logging.getLogger(__name__)

#: Spatial dimension names of a projected grid, as (row, column).
PROJECTED_DIMS: tuple[str, str] = ("y", "x")

#: Spatial dimension names accepted for a geographic grid, as (row, column).
GEOGRAPHIC_DIMS: tuple[tuple[str, str], ...] = (
    ("lat", "lon"),
    ("latitude", "longitude"),
)

# Largest departure from the mean coordinate step, relative to the step, that
# still counts as a regular grid. Files often round coordinates to a few
# decimals (the Ike H*Wind grid steps 0.044 / 0.045 for 0.0442), so the cell
# size is taken end to end and single steps may differ by a few percent.
SPACING_RTOL = 0.05


@dataclass(frozen=True)
class GridSpec:
    """Georeference of a regular, axis-aligned grid.

    Parameters
    ----------
    crs : pyproj.CRS
        Coordinate reference system of the cell coordinates.
    transform : affine.Affine
        Canonical north-up transform (``a > 0``, ``e < 0``, no rotation), in
        CRS units, mapping (column, row) of the canonical grid to the
        upper-left corner of that cell.
    shape : tuple of int
        ``(n_rows, n_cols)``.
    y_dim, x_dim : str
        Names of the row and column dimensions in the array.
    flip_y : bool
        True when the array's first row is the *southern* edge (ascending y).
    flip_x : bool
        True when the array's first column is the *eastern* edge.
    """

    crs: CRS
    transform: Affine
    shape: tuple[int, int]
    y_dim: str
    x_dim: str
    flip_y: bool = False
    flip_x: bool = False

    @property
    def n_pixels(self) -> int:
        """Number of cells, ``n_rows * n_cols``."""
        return int(self.shape[0] * self.shape[1])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the grid's outer edges, CRS units."""
        t = self.transform
        n_rows, n_cols = self.shape
        return (t.c, t.f + t.e * n_rows, t.c + t.a * n_cols, t.f)

    @property
    def cell_area(self) -> float:
        """Area of one cell in squared CRS units (degrees² for lat/lon)."""
        return abs(self.transform.a * self.transform.e)

    @property
    def is_geographic(self) -> bool:
        """Whether cell coordinates are longitudes/latitudes."""
        return bool(self.crs.is_geographic)

    def x_centers(self) -> np.ndarray:
        """Cell-centre x coordinates in the array's own column order."""
        t = self.transform
        x = t.c + t.a * (np.arange(self.shape[1]) + 0.5)
        return x[::-1] if self.flip_x else x

    def y_centers(self) -> np.ndarray:
        """Cell-centre y coordinates in the array's own row order."""
        t = self.transform
        y = t.f + t.e * (np.arange(self.shape[0]) + 0.5)
        return y[::-1] if self.flip_y else y

    def flat_index(self, canonical_cell: np.ndarray) -> np.ndarray:
        """Map canonical (north-up, row-major) cell numbers to the array's order.

        Parameters
        ----------
        canonical_cell : numpy.ndarray of int
            ``row * n_cols + col`` on the canonical north-up grid.

        Returns
        -------
        numpy.ndarray of int64
            Index into the array flattened over ``(y_dim, x_dim)`` in C order.
        """
        n_rows, n_cols = self.shape
        cell = np.asarray(canonical_cell, dtype=np.int64)
        if not (self.flip_y or self.flip_x):
            return cell
        row, col = np.divmod(cell, n_cols)
        if self.flip_y:
            row = n_rows - 1 - row
        if self.flip_x:
            col = n_cols - 1 - col
        return row * n_cols + col

    def key(self) -> str:
        """Stable hash of CRS, transform, shape and axis order (hex SHA-256)."""
        h = hashlib.sha256()
        h.update(self.crs.to_wkt().encode())
        h.update(np.asarray(tuple(self.transform)[:6], dtype=np.float64).tobytes())
        h.update(np.asarray(self.shape, dtype=np.int64).tobytes())
        h.update(f"{self.y_dim}|{self.x_dim}|{self.flip_y}|{self.flip_x}".encode())
        return h.hexdigest()

    def to_dict(self) -> dict:
        """JSON-ready description, the inverse of :meth:`from_dict`."""
        return {
            "crs": self.crs.to_wkt(),
            "transform": list(tuple(self.transform)[:6]),
            "shape": list(self.shape),
            "y_dim": self.y_dim,
            "x_dim": self.x_dim,
            "flip_y": self.flip_y,
            "flip_x": self.flip_x,
        }

    @classmethod
    def from_dict(cls, d: dict) -> GridSpec:
        """Rebuild a spec written by :meth:`to_dict`."""
        return cls(
            crs=CRS.from_user_input(d["crs"]),
            transform=Affine(*d["transform"]),
            shape=(int(d["shape"][0]), int(d["shape"][1])),
            y_dim=d["y_dim"],
            x_dim=d["x_dim"],
            flip_y=bool(d["flip_y"]),
            flip_x=bool(d["flip_x"]),
        )

    def same_grid(self, other: GridSpec) -> bool:
        """Whether ``other`` has the same CRS, cells and axis order."""
        return (
            self.shape == other.shape
            and self.crs == other.crs
            and self.flip_y == other.flip_y
            and self.flip_x == other.flip_x
            and self.transform.almost_equals(other.transform, precision=1e-9)
        )


def spatial_dims(obj: xr.DataArray | xr.Dataset) -> tuple[str, str]:
    """Return the ``(row, column)`` dimension names of a grid.

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Grid with dims ``y``/``x`` (projected) or ``lat``/``lon``
        (or ``latitude``/``longitude``; geographic).

    Returns
    -------
    tuple of str

    Raises
    ------
    DataValidationError
        If no known pair of spatial dims is present.
    """
    dims = set(obj.dims)
    for pair in (PROJECTED_DIMS, *GEOGRAPHIC_DIMS):
        if set(pair) <= dims:
            return pair
    name = getattr(obj, "name", None)
    raise DataValidationError(
        f"grid {name!r} has dims {tuple(obj.dims)!r}; expected spatial dims "
        "('y', 'x') for a projected grid or ('lat', 'lon') for a geographic one. "
        "Rename them with .rename({...: 'y', ...: 'x'})"
    )


def _grid_crs(obj: xr.DataArray | xr.Dataset, y_dim: str) -> CRS:
    """CRS from rioxarray, or EPSG:4326 for an unreferenced lat/lon grid."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)

    try:
        crs = obj.rio.crs
    except Exception:  # rioxarray raises several types on odd grids
        crs = None
    if crs is not None:
        return CRS.from_user_input(crs)
    if y_dim != PROJECTED_DIMS[0]:
        log.info("grid has no CRS and dims %r; assuming EPSG:4326", y_dim)
        return CRS.from_epsg(4326)
    raise DataValidationError(
        f"grid {getattr(obj, 'name', None)!r} has projected dims ('y', 'x') but no "
        "CRS; attach one with da.rio.write_crs('EPSG:...')"
    )


def _axis_from_coords(values: np.ndarray, dim: str) -> tuple[float, float, bool]:
    """Return (first edge, absolute step, descending) of a regular 1-D axis."""
    n = values.size
    step = (float(values[-1]) - float(values[0])) / (n - 1)
    if step == 0 or not np.all(np.isfinite(values)):
        raise DataValidationError(
            f"coordinate {dim!r} is constant or not finite; cannot derive cell size"
        )
    diffs = np.diff(values.astype(np.float64))
    if np.max(np.abs(diffs - step)) > SPACING_RTOL * abs(step):
        raise DataValidationError(
            f"coordinate {dim!r} is not regularly spaced (steps from "
            f"{diffs.min():g} to {diffs.max():g}); regrid it to a regular grid first"
        )
    lo = min(float(values[0]), float(values[-1])) - abs(step) / 2
    return lo, abs(step), step < 0


def grid_spec(obj: xr.DataArray | xr.Dataset) -> GridSpec:
    """Describe the georeference of an in-memory grid.

    The transform is built from 1-D cell-centre coordinates when present (the
    spacing must be regular); otherwise rioxarray's transform is used.

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Grid with spatial dims ``y``/``x`` or ``lat``/``lon`` and a CRS
        attached via rioxarray (``obj.rio.crs``); a lat/lon grid without a CRS
        is taken as EPSG:4326.

    Returns
    -------
    GridSpec

    Raises
    ------
    DataValidationError
        Unknown dims, missing CRS on a projected grid, irregular or rotated
        coordinates.
    """
    y_dim, x_dim = spatial_dims(obj)
    crs = _grid_crs(obj, y_dim)
    n_rows, n_cols = int(obj.sizes[y_dim]), int(obj.sizes[x_dim])

    has_coords = (
        y_dim in obj.coords
        and x_dim in obj.coords
        and obj[y_dim].ndim == 1
        and obj[x_dim].ndim == 1
        and n_rows > 1
        and n_cols > 1
    )
    if has_coords:
        xmin, dx, flip_x = _axis_from_coords(obj[x_dim].values, x_dim)
        ymin, dy, y_desc = _axis_from_coords(obj[y_dim].values, y_dim)
        transform = Affine(dx, 0.0, xmin, 0.0, -dy, ymin + dy * n_rows)
        return GridSpec(
            crs, transform, (n_rows, n_cols), y_dim, x_dim, not y_desc, flip_x
        )

    try:
        t = obj.rio.transform(recalc=True)
    except Exception as exc:
        raise DataValidationError(
            f"cannot derive a transform for grid {getattr(obj, 'name', None)!r}: "
            "give it 1-D coordinates on its spatial dims or write one with "
            "rio.write_transform"
        ) from exc
    if t.b != 0 or t.d != 0:
        raise DataValidationError(
            "rotated grids are not supported; warp to a north-up grid first"
        )
    flip_x, flip_y = t.a < 0, t.e > 0
    dx, dy = abs(t.a), abs(t.e)
    xmin = t.c - dx * n_cols if flip_x else t.c
    ymax = t.f + dy * n_rows if flip_y else t.f
    transform = Affine(dx, 0.0, xmin, 0.0, -dy, ymax)
    return GridSpec(crs, transform, (n_rows, n_cols), y_dim, x_dim, flip_y, flip_x)
