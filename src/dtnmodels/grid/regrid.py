"""Regridding between lat/lon and projected grids, and sampling at points.

Weights are a sparse ``(target cells, source pixels)`` matrix built once per
pair of grids (:class:`Regridder`) and applied to every time step, lead time
and member with one sparse-dense product per block (lazily for dask input).

Methods
-------
``nearest``
    Value of the source cell containing the target cell centre.
``bilinear``
    Interpolation between the four source cell centres around the target
    centre; NaN beyond the outermost source centres (a global lat/lon source
    wraps in longitude). Missing neighbours are dropped and the remaining
    weights renormalised.
``conservative``
    Area-weighted mean of the source cells overlapping each target cell.
    Between two lat/lon grids the overlaps are exact spherical areas
    (R² Δλ Δsin φ); between grids of one projected CRS they are planar
    rectangle overlaps; otherwise target cells are reprojected (edges
    densified) to the source CRS and their exact coverage computed with
    exactextract, times the spherical cell area for a lat/lon source. Where
    the source covers the whole target cell with valid data, the area
    integral is preserved.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp
import xarray as xr

from dtnmodels.core.errors import DataValidationError
from dtnmodels.grid._sparse import apply_to_stack, point_weights, to_grid_crs
from dtnmodels.grid._spec import GridSpec, grid_spec
from dtnmodels.grid.zonal import _nodata_value

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Regridder", "regrid", "sample_points"]

log = logging.getLogger(__name__)

METHODS = ("nearest", "bilinear", "conservative")
POINT_DIM = "point"


def _check_method(method: str, allowed: tuple[str, ...]) -> None:
    if method not in allowed:
        raise DataValidationError(f"method must be one of {allowed!r}, got {method!r}")


def _edges(spec: GridSpec) -> tuple[np.ndarray, np.ndarray]:
    """Canonical (north-up) cell edges: x ascending, y descending."""
    t = spec.transform
    n_rows, n_cols = spec.shape
    return t.c + t.a * np.arange(n_cols + 1), t.f + t.e * np.arange(n_rows + 1)


def _overlap_1d(
    dst: np.ndarray, src: np.ndarray, *, period: float | None = None
) -> sp.csr_matrix:
    """Lengths of overlap between ascending interval edges ``dst`` and ``src``."""
    rows, cols, vals = [], [], []
    shifts = (0.0,) if period is None else (-period, 0.0, period)
    for shift in shifts:
        s = src + shift
        lo = np.searchsorted(s, dst[:-1], side="right") - 1
        hi = np.searchsorted(s, dst[1:], side="left")
        for j in range(dst.size - 1):
            for i in range(max(lo[j], 0), min(hi[j], s.size - 1)):
                length = min(dst[j + 1], s[i + 1]) - max(dst[j], s[i])
                if length > 0:
                    rows.append(j)
                    cols.append(i)
                    vals.append(length)
    matrix = sp.csr_matrix(
        (vals, (rows, cols)), shape=(dst.size - 1, src.size - 1), dtype=np.float64
    )
    matrix.sum_duplicates()
    return matrix


def _spherical_cell_area(spec: GridSpec) -> np.ndarray:
    """Area of each cell of a lat/lon grid on the unit sphere, array order, flat."""
    xe, ye = _edges(spec)
    dlon = np.deg2rad(np.abs(np.diff(xe)))
    dsin = np.abs(np.diff(np.sin(np.deg2rad(np.clip(ye, -90, 90)))))
    area = np.outer(dsin, dlon)  # canonical orientation
    if spec.flip_y:
        area = area[::-1]
    if spec.flip_x:
        area = area[:, ::-1]
    return area.reshape(-1)


def _reorder(matrix: sp.csr_matrix, src: GridSpec, dst: GridSpec) -> sp.csr_matrix:
    """Map a canonical×canonical matrix to the arrays' own orientations."""
    coo = matrix.tocoo()
    rows = dst.flat_index(coo.row)
    cols = src.flat_index(coo.col)
    out = sp.csr_matrix((coo.data, (rows, cols)), shape=matrix.shape)
    out.sum_duplicates()
    return out


def _separable_conservative(src: GridSpec, dst: GridSpec) -> sp.csr_matrix:
    """Overlap areas of two axis-aligned grids in one CRS (sphere if lat/lon)."""
    sxe, sye = _edges(src)
    dxe, dye = _edges(dst)
    geographic = src.is_geographic
    period = 360.0 if geographic else None
    if geographic:
        # overlap in sin(latitude) measures spherical area exactly
        to_axis = lambda e: np.sin(np.deg2rad(np.clip(e, -90, 90)))  # noqa: E731
        sye, dye = to_axis(sye), to_axis(dye)
        sxe, dxe = np.deg2rad(sxe), np.deg2rad(dxe)
        period = 2 * np.pi
    # y edges run north→south; overlap on ascending copies, then flip indices
    ny_s, ny_d = sye.size - 1, dye.size - 1
    wy = _overlap_1d(dye[::-1], sye[::-1]).tocoo()
    wy = sp.csr_matrix(
        (wy.data, (ny_d - 1 - wy.row, ny_s - 1 - wy.col)), shape=(ny_d, ny_s)
    )
    wx = _overlap_1d(dxe, sxe, period=period)
    return sp.kron(wy, wx, format="csr")


def _polygon_conservative(src: GridSpec, dst: GridSpec) -> sp.csr_matrix:
    """Exact coverage of reprojected target cells on the source grid."""
    import geopandas as gpd
    import shapely

    from dtnmodels.grid.zonal import RegionAggregator

    xe, ye = _edges(dst)
    n_rows, n_cols = dst.shape
    x0, y0 = np.meshgrid(xe[:-1], ye[:-1])
    x1, y1 = np.meshgrid(xe[1:], ye[1:])
    boxes = shapely.box(x0.ravel(), y1.ravel(), x1.ravel(), y0.ravel())
    cells = gpd.GeoDataFrame(
        {"cell": np.arange(n_rows * n_cols).astype(str)},
        geometry=shapely.segmentize(boxes, max_segment_length=abs(dst.transform.a) / 8),
        crs=dst.crs,
    )
    template = xr.DataArray(
        np.broadcast_to(np.float32(0), src.shape),
        dims=(src.y_dim, src.x_dim),
        coords={src.y_dim: src.y_centers(), src.x_dim: src.x_centers()},
    ).rio.write_crs(src.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = RegionAggregator(template, cells, id_col="cell")
    coverage = agg.coverage.tocoo()
    area = src.cell_area * np.ones(src.n_pixels)
    if src.is_geographic:
        area = _spherical_cell_area(src)
    cols = agg.pixels[coverage.col]
    vals = coverage.data * area[cols]
    rows = dst.flat_index(coverage.row)
    return sp.csr_matrix((vals, (rows, cols)), shape=(dst.n_pixels, src.n_pixels))


class Regridder:
    """Sparse weights from one grid to another, built once and reused.

    Parameters
    ----------
    source : xarray.DataArray or xarray.Dataset
        Any array on the source grid (only its georeference is used).
    target : xarray.DataArray or xarray.Dataset
        Any array on the target grid, with its own CRS.
    method : {"nearest", "bilinear", "conservative"}, default "bilinear"
        See the module docstring.

    Attributes
    ----------
    weights : scipy.sparse.csr_matrix
        ``(n_target_cells, n_source_pixels)`` weights, rows in the target's
        flattened (y, x) order.
    """

    def __init__(
        self,
        source: xr.DataArray | xr.Dataset,
        target: xr.DataArray | xr.Dataset,
        *,
        method: Literal["nearest", "bilinear", "conservative"] = "bilinear",
    ) -> None:
        _check_method(method, METHODS)
        self.method = method
        self.src = grid_spec(source)
        self.dst = grid_spec(target)
        self._target_coords = {
            d: target[d].values
            for d in (self.dst.y_dim, self.dst.x_dim)
            if d in target.coords and target[d].ndim == 1
        }

        if method == "conservative":
            same = self.src.crs == self.dst.crs or (
                self.src.is_geographic and self.dst.is_geographic
            )
            if same:
                canonical = _separable_conservative(self.src, self.dst)
                self.weights = _reorder(canonical, self.src, self.dst)
            else:
                self.weights = _polygon_conservative(self.src, self.dst)
        else:
            xs, ys = np.meshgrid(self.dst.x_centers(), self.dst.y_centers())
            x, y = to_grid_crs(xs.ravel(), ys.ravel(), self.dst.crs, self.src)
            self.weights = point_weights(self.src, x, y, method=method)
        log.debug("regrid weights %s: %r nnz", method, self.weights.nnz)

    def __call__(
        self, obj: xr.DataArray | xr.Dataset, *, nodata: float | None = None
    ) -> xr.DataArray | xr.Dataset:
        """Regrid every ``(y, x)`` slice of ``obj`` to the target grid."""
        if isinstance(obj, xr.Dataset):
            sy, sx = self.src.y_dim, self.src.x_dim
            out = xr.Dataset(
                {
                    k: self._one(v, nodata)
                    for k, v in obj.data_vars.items()
                    if {sy, sx} <= set(v.dims)
                }
            )
        else:
            out = self._one(obj, nodata)
        return out.rio.write_crs(self.dst.crs.to_wkt())

    def _one(self, da: xr.DataArray, nodata: float | None) -> xr.DataArray:
        spec = self.src
        if (da.sizes.get(spec.y_dim), da.sizes.get(spec.x_dim)) != spec.shape:
            raise DataValidationError(
                f"variable {da.name!r} is not on the regridder's source grid "
                f"{spec.shape}; build a Regridder for its grid"
            )
        fill = _nodata_value(da, nodata)
        da = da.drop_vars([c for c in da.coords if c == "spatial_ref"])
        dims = (self.dst.y_dim, self.dst.x_dim)
        out = apply_to_stack(
            da, spec, self.weights, out_dims=dims, out_shape=self.dst.shape, fill=fill
        )
        coords = {
            self.dst.y_dim: self._target_coords.get(
                self.dst.y_dim, self.dst.y_centers()
            ),
            self.dst.x_dim: self._target_coords.get(
                self.dst.x_dim, self.dst.x_centers()
            ),
        }
        out = out.assign_coords(coords)
        out.attrs.pop("_FillValue", None)
        return out


def regrid(
    obj: xr.DataArray | xr.Dataset,
    target: xr.DataArray | xr.Dataset,
    *,
    method: Literal["nearest", "bilinear", "conservative"] = "bilinear",
    nodata: float | None = None,
) -> xr.DataArray | xr.Dataset:
    """Regrid a ``(..., y, x)`` stack onto the grid of ``target``.

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Source values with a CRS (``y``/``x`` or ``lat``/``lon`` dims).
    target : xarray.DataArray or xarray.Dataset
        Any array on the destination grid (values unused).
    method : {"nearest", "bilinear", "conservative"}, default "bilinear"
        See the module docstring; ``conservative`` preserves area integrals
        (spherical areas between lat/lon grids).
    nodata : float, optional
        Source value to treat as missing besides NaN.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        On the target's dims and coordinates, float64, with the target CRS;
        lazy when ``obj`` is dask-backed.
    """
    return Regridder(obj, target, method=method)(obj, nodata=nodata)


def sample_points(
    obj: xr.DataArray | xr.Dataset,
    points: gpd.GeoDataFrame,
    *,
    method: Literal["nearest", "bilinear"] = "nearest",
    id_col: str | None = None,
    nodata: float | None = None,
) -> xr.DataArray | xr.Dataset:
    """Values of a grid stack at point assets (substations, stations, fields).

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Grid stack ``(..., y, x)`` with a CRS.
    points : geopandas.GeoDataFrame
        Point geometries with a CRS; reprojected to the grid's CRS
        (longitudes wrapped onto 0..360 grids).
    method : {"nearest", "bilinear"}, default "nearest"
        Cell containing the point, or bilinear between cell centres.
    id_col : str, optional
        Column giving the ``point`` coordinate (as strings); the frame index
        otherwise.
    nodata : float, optional
        Value to treat as missing besides NaN.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        Dims ``(..., point)``; NaN for points off the grid.
    """
    _check_method(method, ("nearest", "bilinear"))
    if points.crs is None:
        raise DataValidationError(
            "points have no CRS; set one with set_crs('EPSG:...')"
        )
    if not points.geometry.geom_type.eq("Point").all():
        raise DataValidationError(
            "sample_points needs Point geometries; use zonal_stats for polygons"
        )
    if id_col is not None and id_col not in points.columns:
        raise DataValidationError(f"points have no id column {id_col!r}")
    ids = (points[id_col] if id_col else points.index.to_series()).astype(str)

    spec = grid_spec(obj)
    x, y = to_grid_crs(
        points.geometry.x.values, points.geometry.y.values, points.crs, spec
    )
    matrix = point_weights(spec, x, y, method=method)

    def one(da: xr.DataArray) -> xr.DataArray:
        da = da.drop_vars([c for c in da.coords if c == "spatial_ref"])
        out = apply_to_stack(
            da,
            spec,
            matrix,
            out_dims=(POINT_DIM,),
            out_shape=(len(ids),),
            fill=_nodata_value(da, nodata),
        )
        out.attrs.pop("_FillValue", None)
        return out.assign_coords({POINT_DIM: ids.to_numpy(dtype=str)})

    if isinstance(obj, xr.Dataset):
        return xr.Dataset(
            {
                k: one(v)
                for k, v in obj.data_vars.items()
                if {spec.y_dim, spec.x_dim} <= set(v.dims)
            }
        )
    return one(obj)
