"""Apply a sparse (outputs × pixels) matrix to every slice of a gridded stack.

Shared by :func:`dtnmodels.grid.regrid` and :func:`dtnmodels.grid.sample_points`:
the weights are built once, then each block ``(..., y, x)`` is flattened to
``(n_pixels, n_steps)`` and multiplied in one sparse-dense product. Missing
values (NaN or the nodata value) are dropped and the weights renormalised
over the valid pixels of each output.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import xarray as xr
from pyproj import CRS, Transformer

from dtnmodels.grid._spec import GridSpec

__all__ = ["apply_matrix", "apply_to_stack", "point_weights", "to_grid_crs"]


def apply_matrix(
    block: np.ndarray,
    *,
    matrix: sp.csr_matrix,
    out_shape: tuple[int, ...],
    fill: float | None,
) -> np.ndarray:
    """Weighted average of a block's pixels for each output.

    Parameters
    ----------
    block : numpy.ndarray
        ``(..., n_rows, n_cols)`` values.
    matrix : scipy.sparse.csr_matrix
        ``(n_outputs, n_rows * n_cols)`` non-negative weights.
    out_shape : tuple of int
        Shape the outputs are reshaped to (e.g. the target grid's shape).
    fill : float or None
        Value treated as missing besides NaN.

    Returns
    -------
    numpy.ndarray of float64
        ``(..., *out_shape)``; NaN where no valid pixel has weight.
    """
    lead = block.shape[:-2]
    n_steps = math.prod(lead)
    values = np.ascontiguousarray(block.reshape(n_steps, -1).T, dtype=np.float64)
    valid = np.isfinite(values)
    if fill is not None:
        valid &= values != fill
    values[~valid] = 0.0

    both = matrix @ np.concatenate([values, valid.astype(np.float64)], axis=1)
    total, weight = both[:, :n_steps], both[:, n_steps:]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(weight > 0, total / weight, np.nan)
    return out.T.reshape(*lead, *out_shape)


def apply_to_stack(
    da: xr.DataArray,
    spec: GridSpec,
    matrix: sp.csr_matrix,
    *,
    out_dims: tuple[str, ...],
    out_shape: tuple[int, ...],
    fill: float | None,
) -> xr.DataArray:
    """Apply ``matrix`` over the spatial dims of ``da`` (lazily when dask-backed)."""
    y_dim, x_dim = spec.y_dim, spec.x_dim
    if da.chunks is not None:
        sizes = da.chunksizes
        if len(sizes[y_dim]) > 1 or len(sizes[x_dim]) > 1:
            lead = [d for d in da.dims if d not in (y_dim, x_dim)]
            da = da.chunk({y_dim: -1, x_dim: -1, **dict.fromkeys(lead, "auto")})
    return xr.apply_ufunc(
        apply_matrix,
        da,
        kwargs={"matrix": matrix, "out_shape": out_shape, "fill": fill},
        input_core_dims=[[y_dim, x_dim]],
        output_core_dims=[list(out_dims)],
        exclude_dims={y_dim, x_dim},
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={
            "output_sizes": dict(zip(out_dims, out_shape, strict=True))
        },
        keep_attrs=True,
    )


def to_grid_crs(
    x: np.ndarray, y: np.ndarray, src_crs: CRS, spec: GridSpec
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates to the grid's CRS; wrap longitudes into its range."""
    if CRS.from_user_input(src_crs) != spec.crs:
        tr = Transformer.from_crs(src_crs, spec.crs, always_xy=True)
        x, y = tr.transform(np.asarray(x, float), np.asarray(y, float))
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if spec.is_geographic:
        xmin = spec.bounds[0]
        x = (x - xmin) % 360.0 + xmin
    return x, y


def _is_global(spec: GridSpec) -> bool:
    """Whether a geographic grid wraps all the way round in longitude."""
    xmin, _, xmax, _ = spec.bounds
    return spec.is_geographic and abs((xmax - xmin) - 360.0) < 1e-6 * 360.0


def point_weights(
    spec: GridSpec, x: np.ndarray, y: np.ndarray, *, method: str
) -> sp.csr_matrix:
    """Sparse ``(n_points, n_pixels)`` weights for nearest or bilinear sampling.

    Parameters
    ----------
    spec : GridSpec
        Source grid.
    x, y : numpy.ndarray
        Point coordinates in the grid's CRS (longitudes already wrapped).
    method : {"nearest", "bilinear"}
        ``nearest`` takes the cell containing the point; ``bilinear``
        interpolates between the four surrounding cell centres and gives no
        weight (NaN) to points beyond the outermost centres, as
        :meth:`xarray.DataArray.interp` does (a global lat/lon grid wraps).

    Returns
    -------
    scipy.sparse.csr_matrix
        Columns index the array flattened over (y, x) in its own orientation.
    """
    t = spec.transform
    n_rows, n_cols = spec.shape
    col_f = (x - t.c) / t.a
    row_f = (y - t.f) / t.e
    n_points = x.size

    if method == "nearest":
        r = np.floor(row_f).astype(np.int64)
        c = np.floor(col_f).astype(np.int64)
        ok = (r >= 0) & (r < n_rows) & (c >= 0) & (c < n_cols)
        ok &= np.isfinite(row_f) & np.isfinite(col_f)
        rows = np.flatnonzero(ok)
        cells = spec.flat_index(r[ok] * n_cols + c[ok])
        return sp.csr_matrix(
            (np.ones(rows.size), (rows, cells)), shape=(n_points, spec.n_pixels)
        )

    col_f, row_f = col_f - 0.5, row_f - 0.5
    wrap = _is_global(spec)
    ok = np.isfinite(row_f) & np.isfinite(col_f)
    ok &= (row_f >= 0) & (row_f <= n_rows - 1)
    if not wrap:
        ok &= (col_f >= 0) & (col_f <= n_cols - 1)
    row_f, col_f = np.where(ok, row_f, 0.0), np.where(ok, col_f, 0.0)
    r0 = np.minimum(np.floor(row_f).astype(np.int64), n_rows - 1)
    c0 = np.floor(col_f).astype(np.int64)
    fr, fc = row_f - r0, col_f - c0
    r1 = np.minimum(r0 + 1, n_rows - 1)
    if wrap:
        c0, c1 = c0 % n_cols, (c0 + 1) % n_cols
    else:
        c0 = np.minimum(c0, n_cols - 1)
        c1 = np.minimum(c0 + 1, n_cols - 1)

    corners = (
        (r0, c0, (1 - fr) * (1 - fc)),
        (r0, c1, (1 - fr) * fc),
        (r1, c0, fr * (1 - fc)),
        (r1, c1, fr * fc),
    )
    idx = np.flatnonzero(ok)
    rows = np.concatenate([idx] * 4)
    cells = np.concatenate(
        [spec.flat_index(r[ok] * n_cols + c[ok]) for r, c, _ in corners]
    )
    vals = np.concatenate([w[ok] for _, _, w in corners])
    keep = vals > 0
    matrix = sp.csr_matrix(
        (vals[keep], (rows[keep], cells[keep])), shape=(n_points, spec.n_pixels)
    )
    matrix.sum_duplicates()
    return matrix
