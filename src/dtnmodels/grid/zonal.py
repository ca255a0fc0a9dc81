"""Zonal statistics through a sparse regions × pixels coverage operator.

:class:`RegionAggregator` computes, once per (grid, regions) pair, the exact
fraction of every pixel covered by every region (with exactextract), keeps the
result as a ``scipy.sparse`` CSR matrix with one row per region and one column
per *used* pixel, and applies it to any ``(..., y, x)`` stack block by block:
the block is flattened to ``(n_steps, n_pixels)`` (time steps / lead times /
members in rows, each row contiguous, as the data arrive) and every needed
moment (values, valid mask, squares, threshold indicators) is one sparse
matrix-vector product per step. In a 16 M-pixel microbenchmark this was about
twice as fast as transposing the block into a ``(n_pixels, n_steps)`` matrix
for one sparse-dense product, whose strided copy costs more than the products.
Dask-backed input stays lazy: each chunk of the non-spatial dims is reduced
independently. The spatial dims must sit in one chunk; input chunked over space
is rechunked to one spatial chunk (non-spatial dims "auto"), so a task holds
all pixels of its steps — pick time / member chunks with that in mind (a
4000×4000 float32 grid is 64 MB per step, and the float64 work arrays about
four times that).

On a lat/lon grid the weights are coverage fractions of cells in degree
space, as in exactextract; multiply by a cell-area ``weights`` grid for
area-true means over large regions.

Statistics
----------
``mean``, ``std``
    Weighted by coverage fraction (times the optional weight grid) and
    renormalised over valid pixels, so NaN / nodata never enter. ``std`` is
    the population standard deviation under the same weights.
``sum``
    Σ value × coverage (× weight), computed in float64 (integer bands do not
    overflow). NaN when a region has no valid pixel.
``count``
    Σ coverage over valid pixels (a pixel-equivalent count, as exactextract).
``min``, ``max``, quantiles ``q<level>``
    Over the valid pixels with coverage > 0 (and weight > 0 when a weight grid
    is given), *not* weighted by coverage; quantiles interpolate linearly.
``frac_above_<t>``
    Weighted share of the valid area whose value is strictly above ``t``.
``coverage_valid``, ``coverage_nodata``, ``coverage_outside``
    Shares of the region's area (in the grid CRS) lying on valid pixels, on
    NaN / nodata pixels, and outside the grid; they sum to 1. ``"coverage"``
    in ``stats`` selects all three.

All statistics of a region with no covered pixel are NaN, except
``coverage_outside`` (1) and ``count`` (0). Coverage fractions come from
exactextract, which computes them in single precision: results agree with an
exact double-precision polygon intersection to ~1e-7 relative.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import xarray as xr
from pyproj import CRS

from dtnmodels.core.errors import DataGapWarning, DataValidationError, warn
from dtnmodels.core.interfaces import quantile_column
from dtnmodels.grid._spec import SPACING_RTOL, GridSpec, grid_spec

if TYPE_CHECKING:
    import os

    import geopandas as gpd

__all__ = ["RegionAggregator", "zonal_stats"]

log = logging.getLogger(__name__)

BASIC_STATS = ("mean", "sum", "count", "std", "min", "max")
COVERAGE_STATS = ("coverage_valid", "coverage_nodata", "coverage_outside")
REGION_DIM = "region"

# Longitude shifts tried for polygons on a geographic grid (0..360 grids, or
# polygons written across the antimeridian).
_LON_SHIFTS = (-360.0, 360.0)


def _stat_names(
    stats: Sequence[str], quantiles: Sequence[float], thresholds: Sequence[float]
) -> list[str]:
    """Validate and expand the requested statistics into output names."""
    if isinstance(stats, str):
        stats = (stats,)
    names: list[str] = []
    for s in stats:
        if s == "coverage":
            names.extend(COVERAGE_STATS)
        elif s in BASIC_STATS or s in COVERAGE_STATS:
            names.append(s)
        else:
            raise DataValidationError(
                f"unknown statistic {s!r}; choose from {BASIC_STATS + COVERAGE_STATS}"
                " or 'coverage', and pass quantiles=/thresholds= for the others"
            )
    names.extend(quantile_column(float(q)) for q in quantiles)
    names.extend(f"frac_above_{float(t):g}" for t in thresholds)
    if len(set(names)) != len(names):
        raise DataValidationError(f"statistics requested twice: {names!r}")
    return names


def _region_ids(regions: gpd.GeoDataFrame, id_col: str) -> np.ndarray:
    """Region ids as a numpy string array, checked for presence and uniqueness."""
    if id_col not in regions.columns:
        raise DataValidationError(
            f"regions have no id column {id_col!r}; columns are "
            f"{list(regions.columns)!r}"
        )
    ids = regions[id_col].astype(str).to_numpy(dtype=str)
    if pd.Series(ids).duplicated().any():
        dup = sorted(set(pd.Series(ids)[pd.Series(ids).duplicated()]))[:5]
        raise DataValidationError(
            f"region ids in column {id_col!r} are not unique (e.g. {dup!r}); "
            "dissolve the regions by id first"
        )
    return ids


def regions_key(regions: gpd.GeoDataFrame, ids: np.ndarray) -> str:
    """Hash of region ids, CRS and geometry WKB (hex SHA-256)."""
    import shapely

    h = hashlib.sha256()
    h.update(CRS.from_user_input(regions.crs).to_wkt().encode())
    h.update("\x1f".join(ids.tolist()).encode())
    for wkb in shapely.to_wkb(np.asarray(regions.geometry.values)):
        h.update(b"\x00" if wkb is None else wkb)
    return h.hexdigest()


def _nodata_value(da: xr.DataArray, nodata: float | None) -> float | None:
    """Explicit ``nodata``, else the grid's rio nodata / _FillValue, else None."""
    if nodata is not None:
        return nodata
    for source in (da.attrs, da.encoding):
        for k in ("_FillValue", "missing_value", "nodata"):
            v = source.get(k)
            if v is not None and np.ndim(v) == 0:
                return float(v)
    try:
        v = da.rio.nodata
    except Exception:  # rio accessor unavailable for odd dims
        v = None
    return None if v is None else float(v)


class RegionAggregator:
    """Sparse regions × pixels coverage operator for one grid and one set of regions.

    Build it once (exact coverage fractions via exactextract, polygons
    reprojected to the grid's CRS) and apply it to any number of stacks on
    that grid with :meth:`aggregate`.

    Parameters
    ----------
    grid : xarray.DataArray or xarray.Dataset
        Any array on the target grid (only its georeference is used): spatial
        dims ``y``/``x`` with a rioxarray CRS, or ``lat``/``lon`` (EPSG:4326
        assumed without a CRS). 1-D coordinates must be regularly spaced;
        descending or ascending order and 0..360 longitudes are handled.
    regions : geopandas.GeoDataFrame
        Polygons with a CRS and a unique id column.
    id_col : str
        Column of ``regions`` holding the region ids (stored as strings).
    weights : xarray.DataArray, optional
        Per-pixel weights on the same grid (e.g. a cropland mask or
        population); multiplied into the coverage fractions for ``mean``,
        ``sum``, ``std`` and ``frac_above_*``. NaN weights count as 0;
        negative weights are refused.

    Attributes
    ----------
    ids : numpy.ndarray of str
        Region ids in row order.
    spec : GridSpec
        Georeference of the grid.
    coverage : scipy.sparse.csr_matrix
        ``(n_regions, n_used_pixels)`` coverage fractions (0–1).
    pixels : numpy.ndarray of int64
        Flat ``(y, x)`` index (C order, array's own orientation) of each column.
    pixel_weights : numpy.ndarray of float64 or None
        Weight of each used pixel, or None without a weight grid.
    region_area : numpy.ndarray of float64
        Area of each region in squared grid-CRS units.
    key : str
        Hash of grid, regions and weights, used to validate cached operators.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, shapely, xarray as xr
    >>> da = xr.DataArray(
    ...     np.arange(12.0).reshape(3, 4), dims=("lat", "lon"),
    ...     coords={"lat": [2.5, 1.5, 0.5], "lon": [0.5, 1.5, 2.5, 3.5]},
    ... )
    >>> regions = gpd.GeoDataFrame(
    ...     {"id": ["a"]}, geometry=[shapely.box(0, 2, 2, 3)], crs="EPSG:4326"
    ... )
    >>> agg = RegionAggregator(da, regions, id_col="id")
    >>> float(agg.aggregate(da)["mean"].sel(region="a"))
    0.5
    """

    def __init__(
        self,
        grid: xr.DataArray | xr.Dataset,
        regions: gpd.GeoDataFrame,
        *,
        id_col: str,
        weights: xr.DataArray | None = None,
    ) -> None:
        self.spec = grid_spec(grid)
        self.ids = _region_ids(regions, id_col)
        if regions.crs is None:
            raise DataValidationError(
                "regions have no CRS; set one with regions.set_crs('EPSG:...')"
            )

        geoms = self._geometries_on_grid(regions)
        coverage, region_area = self._exact_coverage(geoms)

        self.pixels, self.coverage = _compress_columns(coverage)
        self.region_area = region_area
        self.pixel_weights = self._pixel_weights(weights)
        self.key = self._make_key(regions, weights)
        self._finish()
        self._warn_outside()

    # -- construction -----------------------------------------------------------

    @classmethod
    def _from_parts(
        cls,
        *,
        spec: GridSpec,
        ids: np.ndarray,
        coverage: sp.csr_matrix,
        pixels: np.ndarray,
        region_area: np.ndarray,
        pixel_weights: np.ndarray | None,
        key: str,
        regions_key: str | None,
    ) -> RegionAggregator:
        """Assemble an aggregator from stored arrays (used by :meth:`load`)."""
        self = cls.__new__(cls)
        self.spec, self.ids, self.key = spec, ids, key
        self.regions_key = regions_key
        self.coverage, self.pixels = coverage, pixels
        self.region_area, self.pixel_weights = region_area, pixel_weights
        self._finish()
        return self

    def _finish(self) -> None:
        """Derive the weighted operator and per-region constants."""
        if self.pixel_weights is None:
            self.weighted = self.coverage
        else:
            self.weighted = (self.coverage @ sp.diags(self.pixel_weights)).tocsr()
        # Pixels that enter min/max/quantiles: nonzero weighted coverage.
        support = self.weighted.copy()
        support.eliminate_zeros()
        support.sort_indices()
        self._support = support

        self._weight_rowsum = np.asarray(self.weighted.sum(axis=1)).ravel()
        self._coverage_rowsum = np.asarray(self.coverage.sum(axis=1)).ravel()
        covered = self._coverage_rowsum * self.spec.cell_area
        with np.errstate(divide="ignore", invalid="ignore"):
            frac_in = np.where(self.region_area > 0, covered / self.region_area, 0.0)
        self.covered_fraction = np.clip(frac_in, 0.0, 1.0)

    def _geometries_on_grid(self, regions: gpd.GeoDataFrame) -> np.ndarray:
        """Region geometries in the grid CRS, made valid; None when empty."""
        import shapely

        target = self.spec.crs
        if CRS.from_user_input(regions.crs) != target:
            log.debug("reprojecting %d regions to the grid CRS", len(regions))
            geoseries = regions.geometry.to_crs(target)
        else:
            geoseries = regions.geometry
        geoms = np.asarray(geoseries.values, dtype=object)
        bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
        if bad.any():
            geoms[bad] = shapely.make_valid(geoms[bad])
        empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        geoms[empty] = None
        return geoms

    def _exact_coverage(self, geoms: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """Coverage fractions of every (region, pixel) pair via exactextract."""
        import geopandas as gpd
        import shapely
        from exactextract import exact_extract
        from exactextract.raster import NumPyRasterSource

        spec = self.spec
        n_regions = len(self.ids)
        present = np.flatnonzero(np.array([g is not None for g in geoms], dtype=bool))
        region_area = np.zeros(n_regions)
        region_area[present] = shapely.area(geoms[present])

        # Features to burn: each region, plus longitude-shifted copies that
        # land on a geographic grid (0..360 grids, antimeridian).
        owner = [present]
        parts = [geoms[present]]
        if spec.is_geographic and present.size:
            xmin, _, xmax, _ = spec.bounds
            bxmin, _, bxmax, _ = shapely.bounds(geoms[present]).T
            for shift in _LON_SHIFTS:
                hit = (bxmax + shift > xmin) & (bxmin + shift < xmax)
                if hit.any():
                    owner.append(present[hit])
                    parts.append(
                        shapely.transform(
                            geoms[present][hit],
                            lambda xy, s=shift: xy + np.array([s, 0.0]),
                        )
                    )
        owner_idx = np.concatenate(owner)
        features = np.concatenate(parts)

        rows, cells, fracs = [], [], []
        if features.size:
            xmin, ymin, xmax, ymax = spec.bounds
            dummy = np.broadcast_to(np.zeros((1, 1), dtype=np.uint8), spec.shape)
            raster = NumPyRasterSource(
                dummy, xmin, ymin, xmax, ymax, srs_wkt=spec.crs.to_wkt()
            )
            vec = gpd.GeoDataFrame(geometry=features, crs=spec.crs)
            log.debug("exact coverage of %d features on %r", len(vec), spec.shape)
            out = exact_extract(raster, vec, ["cell_id", "coverage"], output="pandas")
            for owner_row, cid, cov in zip(
                owner_idx, out["cell_id"], out["coverage"], strict=True
            ):
                cid = np.asarray(cid, dtype=np.int64)
                rows.append(np.full(cid.size, owner_row, dtype=np.int64))
                cells.append(cid)
                fracs.append(np.asarray(cov, dtype=np.float64))
        if rows:
            row = np.concatenate(rows)
            col = spec.flat_index(np.concatenate(cells))
            val = np.concatenate(fracs)
        else:
            row = col = np.zeros(0, dtype=np.int64)
            val = np.zeros(0)
        matrix = sp.csr_matrix(
            (val, (row, col)), shape=(n_regions, spec.n_pixels), dtype=np.float64
        )
        matrix.sum_duplicates()
        return matrix, region_area

    def _pixel_weights(self, weights: xr.DataArray | None) -> np.ndarray | None:
        """Weight of each used pixel from a weight grid on the same grid."""
        if weights is None:
            return None
        if not isinstance(weights, xr.DataArray):
            raise DataValidationError("weights must be an xarray.DataArray on the grid")
        try:
            wspec = grid_spec(weights)
        except DataValidationError:
            wspec = None
        if wspec is not None and not wspec.same_grid(self.spec):
            raise DataValidationError(
                f"weights grid {weights.name!r} is not on the value grid (shape "
                f"{wspec.shape} vs {self.spec.shape}); regrid it first"
            )
        y_dim, x_dim = self.spec.y_dim, self.spec.x_dim
        extra = [d for d in weights.dims if d not in (y_dim, x_dim)]
        if extra:
            raise DataValidationError(
                f"weights {weights.name!r} must be 2-D over ({y_dim!r}, {x_dim!r}); "
                f"it also has {extra!r}"
            )
        flat = np.asarray(weights.transpose(y_dim, x_dim).values, dtype=np.float64)
        w = np.nan_to_num(flat.reshape(-1)[self.pixels], nan=0.0)
        if (w < 0).any():
            raise DataValidationError(f"weights {weights.name!r} contain negatives")
        return w

    def _make_key(self, regions: gpd.GeoDataFrame, weights: xr.DataArray | None) -> str:
        """Hash of grid, regions and weight values."""
        h = hashlib.sha256()
        h.update(self.spec.key().encode())
        self.regions_key = regions_key(regions, self.ids)
        h.update(self.regions_key.encode())
        if self.pixel_weights is not None:
            h.update(self.pixel_weights.tobytes())
        return h.hexdigest()

    def _warn_outside(self) -> None:
        """One warning naming the regions that do not touch the grid at all."""
        outside = self.ids[self.coverage.getnnz(axis=1) == 0]
        if outside.size:
            shown = ", ".join(outside[:10].tolist())
            more = f" and {outside.size - 10} more" if outside.size > 10 else ""
            warn(
                f"{outside.size} of {self.ids.size} regions lie wholly outside the "
                f"grid ({shown}{more}); their statistics are NaN and "
                "coverage_outside is 1",
                DataGapWarning,
            )

    # -- persistence --------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write the operator to ``path`` (``.npz``, atomic) for :meth:`load`."""
        from dtnmodels.io.weights_cache import write_operator

        arrays = {
            "ids": self.ids,
            "data": self.coverage.data,
            "indices": self.coverage.indices,
            "indptr": self.coverage.indptr,
            "pixels": self.pixels,
            "region_area": self.region_area,
        }
        if self.pixel_weights is not None:
            arrays["pixel_weights"] = self.pixel_weights
        meta = {
            "key": self.key,
            "regions_key": self.regions_key,
            "grid": self.spec.to_dict(),
        }
        write_operator(path, arrays, meta)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        grid: xr.DataArray | xr.Dataset | None = None,
        regions: gpd.GeoDataFrame | None = None,
        id_col: str | None = None,
    ) -> RegionAggregator:
        """Read an operator written by :meth:`save`.

        Parameters
        ----------
        path : path-like
            File written by :meth:`save`.
        grid : xarray.DataArray or xarray.Dataset, optional
            When given, the stored grid must match it (CRS, transform, shape).
        regions : geopandas.GeoDataFrame, optional
            When given (with ``id_col``), the stored regions must match (ids and
            geometry WKB).
        id_col : str, optional
            Id column of ``regions``.

        Raises
        ------
        DataValidationError
            If the stored operator was built for another grid or regions.
        """
        from dtnmodels.io.weights_cache import read_operator

        arrays, meta = read_operator(path)
        spec = GridSpec.from_dict(meta["grid"])
        ids = arrays["ids"].astype(str)
        if grid is not None and not grid_spec(grid).same_grid(spec):
            raise DataValidationError(
                f"cached operator {str(path)!r} was built for another grid "
                f"(shape {spec.shape}, CRS {spec.crs.to_string()}); rebuild it"
            )
        if regions is not None:
            if id_col is None:
                raise DataValidationError("load(regions=...) also needs id_col")
            stored = meta.get("regions_key")
            given = regions_key(regions, _region_ids(regions, id_col))
            if stored is not None and stored != given:
                raise DataValidationError(
                    f"cached operator {str(path)!r} was built for other regions; "
                    "rebuild it"
                )
        coverage = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=(ids.size, arrays["pixels"].size),
        )
        return cls._from_parts(
            spec=spec,
            ids=ids,
            coverage=coverage,
            pixels=arrays["pixels"].astype(np.int64),
            region_area=arrays["region_area"],
            pixel_weights=arrays.get("pixel_weights"),
            key=meta["key"],
            regions_key=meta.get("regions_key"),
        )

    # -- application --------------------------------------------------------------

    def __repr__(self) -> str:
        return (
            f"RegionAggregator({self.ids.size} regions × {self.pixels.size} pixels "
            f"of a {self.spec.shape} grid, nnz={self.coverage.nnz})"
        )

    def aggregate(
        self,
        obj: xr.DataArray | xr.Dataset,
        *,
        stats: Sequence[str] = ("mean",),
        quantiles: Sequence[float] = (),
        thresholds: Sequence[float] = (),
        nodata: float | None = None,
        output: Literal["dataset", "frame"] = "dataset",
    ) -> xr.Dataset | pd.DataFrame:
        """Reduce every ``(y, x)`` slice of ``obj`` to per-region statistics.

        Parameters
        ----------
        obj : xarray.DataArray or xarray.Dataset
            Values on the operator's grid, with any further dims (time, lead
            time, member, …). Dask-backed input gives a lazy result.
        stats : sequence of str, default ("mean",)
            Any of ``mean``, ``sum``, ``count``, ``std``, ``min``, ``max``,
            ``coverage`` (or one of ``coverage_valid``, ``coverage_nodata``,
            ``coverage_outside``); see the module docstring.
        quantiles : sequence of float, default ()
            Levels in (0, 1); each gives a statistic ``q<level>``.
        thresholds : sequence of float, default ()
            Each gives ``frac_above_<t>``, in the data's units.
        nodata : float, optional
            Value to treat as missing besides NaN; defaults to the variable's
            ``_FillValue`` / ``missing_value`` / rio nodata.
        output : {"dataset", "frame"}, default "dataset"
            A Dataset with a ``region`` dimension (coordinate = ids; variables
            ``<stat>`` for a DataArray, ``<var>_<stat>`` for a Dataset), or a
            tidy frame with a ``region`` column and one column per variable.

        Returns
        -------
        xarray.Dataset or pandas.DataFrame
        """
        names = _stat_names(stats, quantiles, thresholds)
        if output not in ("dataset", "frame"):
            raise DataValidationError(
                f"output must be 'dataset' or 'frame', got {output!r}"
            )

        if isinstance(obj, xr.DataArray):
            variables = {None: obj}
        elif isinstance(obj, xr.Dataset):
            y_dim, x_dim = self.spec.y_dim, self.spec.x_dim
            variables = {
                k: v for k, v in obj.data_vars.items() if {y_dim, x_dim} <= set(v.dims)
            }
            if not variables:
                raise DataValidationError(
                    f"dataset has no variable over ({y_dim!r}, {x_dim!r})"
                )
        else:
            raise DataValidationError(
                f"expected an xarray DataArray or Dataset, got {type(obj).__name__}"
            )

        out = {}
        for name, da in variables.items():
            reduced = self._aggregate_array(da, names, quantiles, thresholds, nodata)
            for stat in names:
                key = stat if name is None else f"{name}_{stat}"
                out[key] = reduced.sel(stat=stat, drop=True)
        result = xr.Dataset(out)
        result[REGION_DIM] = self.ids
        grid_mapping = [c for c in result.coords if c == "spatial_ref"]
        result = result.drop_vars(grid_mapping)

        if output == "frame":
            return result.to_dataframe().reset_index()
        return result

    def _aggregate_array(
        self,
        da: xr.DataArray,
        names: list[str],
        quantiles: Sequence[float],
        thresholds: Sequence[float],
        nodata: float | None,
    ) -> xr.DataArray:
        """One variable → DataArray with dims (..., region, stat)."""
        spec = self.spec
        y_dim, x_dim = spec.y_dim, spec.x_dim
        if (da.sizes.get(y_dim), da.sizes.get(x_dim)) != spec.shape:
            raise DataValidationError(
                f"variable {da.name!r} has shape "
                f"{(da.sizes.get(y_dim), da.sizes.get(x_dim))} over ({y_dim!r}, "
                f"{x_dim!r}); the operator was built for {spec.shape}"
            )
        da = self._oriented(da)
        fill = _nodata_value(da, nodata)

        if da.chunks is not None:
            lead = [d for d in da.dims if d not in (y_dim, x_dim)]
            rechunk = {y_dim: -1, x_dim: -1}
            rechunk.update(dict.fromkeys(lead, "auto"))
            spatial_split = (
                len(da.chunksizes[y_dim]) > 1 or len(da.chunksizes[x_dim]) > 1
            )
            if spatial_split:
                da = da.chunk(rechunk)

        kwargs = {
            "names": names,
            "quantiles": tuple(float(q) for q in quantiles),
            "thresholds": tuple(float(t) for t in thresholds),
            "fill": fill,
        }
        return xr.apply_ufunc(
            self._reduce_block,
            da,
            kwargs=kwargs,
            input_core_dims=[[y_dim, x_dim]],
            output_core_dims=[[REGION_DIM, "stat"]],
            dask="parallelized",
            output_dtypes=[np.float64],
            dask_gufunc_kwargs={
                "output_sizes": {REGION_DIM: self.ids.size, "stat": len(names)}
            },
            keep_attrs=False,
        ).assign_coords(stat=names)

    def _oriented(self, da: xr.DataArray) -> xr.DataArray:
        """Check that the array's coordinates match the operator's grid."""
        spec = self.spec
        for dim, expected in (
            (spec.y_dim, spec.y_centers()),
            (spec.x_dim, spec.x_centers()),
        ):
            if dim in da.coords and da[dim].ndim == 1 and da[dim].size > 1:
                got = da[dim].values.astype(np.float64)
                step = abs(spec.transform.a if dim == spec.x_dim else spec.transform.e)
                if np.max(np.abs(got - expected)) > SPACING_RTOL * step:
                    raise DataValidationError(
                        f"coordinate {dim!r} of {da.name!r} does not match the grid "
                        "the operator was built for (different cells or order); "
                        "build a new RegionAggregator for this grid"
                    )
        return da

    def _reduce_block(
        self,
        block: np.ndarray,
        *,
        names: list[str],
        quantiles: tuple[float, ...],
        thresholds: tuple[float, ...],
        fill: float | None,
    ) -> np.ndarray:
        """Reduce a numpy block ``(..., y, x)`` to ``(..., region, stat)``."""
        lead = block.shape[:-2]
        n_steps = math.prod(lead)
        n_regions = self.ids.size
        result = np.full((n_steps, n_regions, len(names)), np.nan)
        if n_steps == 0:
            return result.reshape(*lead, n_regions, len(names))

        # 1. Gather the used pixels and find missing values: (n_steps, n_used).
        flat = block.reshape(n_steps, -1)
        taken = np.take(flat, self.pixels, axis=1)
        valid = np.isfinite(taken) if taken.dtype.kind in "fc" else None
        if fill is not None and not np.isnan(fill):
            differs = taken != fill
            valid = differs if valid is None else valid & differs
        if valid is not None and valid.all():
            valid = None  # the common case: skip the valid-weight products

        # 2. One float64 row per (moment, step), rows contiguous, so each
        #    product is a sparse matrix-vector product over contiguous memory:
        #    block rows are already step-major, and transposing them into a
        #    pixels × steps matrix costs more than the products.
        moments = ["value"]
        if valid is not None:
            moments.append("valid")
        if "std" in names:
            moments.append("square")
        moments.extend(f"above_{t:g}" for t in thresholds)
        rows = np.empty((len(moments) * n_steps, self.pixels.size))
        part = {k: rows[i * n_steps : (i + 1) * n_steps] for i, k in enumerate(moments)}
        values = part["value"]
        values[...] = taken
        del taken
        if valid is not None:
            np.copyto(values, 0.0, where=~valid)
            part["valid"][...] = valid
        if "square" in part:
            np.square(values, out=part["square"])
        for t in thresholds:
            above = part[f"above_{t:g}"]
            np.greater(values, t, out=above)
            if valid is not None:
                above *= part["valid"]
        sums = np.empty((len(moments) * n_steps, n_regions))
        for i in range(rows.shape[0]):
            sums[i] = self.weighted @ rows[i]
        moment = {
            k: sums[i * n_steps : (i + 1) * n_steps] for i, k in enumerate(moments)
        }
        if "valid" in moment:
            wsum = moment["valid"]
        else:
            wsum = np.broadcast_to(self._weight_rowsum, (n_steps, n_regions))
        with np.errstate(divide="ignore", invalid="ignore"):
            has = wsum > 0
            mean = np.where(has, moment["value"] / wsum, np.nan)

        # 3. Coverage-only sums (differ from the weighted ones with a weight grid).
        needs_cov = {"count", *COVERAGE_STATS} & set(names)
        if needs_cov:
            if self.pixel_weights is None:
                cov_valid = wsum
            elif valid is None:
                cov_valid = np.broadcast_to(self._coverage_rowsum, (n_steps, n_regions))
            else:
                cov_valid = np.stack([self.coverage @ v for v in part["valid"]])
            cell = self.spec.cell_area
            with np.errstate(divide="ignore", invalid="ignore"):
                area = self.region_area
                frac_valid = np.where(area > 0, cov_valid * cell / area, 0.0)
            frac_valid = np.minimum(frac_valid, self.covered_fraction)

        # 4. Fill the requested statistics.
        for j, name in enumerate(names):
            if name == "mean":
                result[:, :, j] = mean
            elif name == "sum":
                result[:, :, j] = np.where(has, moment["value"], np.nan)
            elif name == "count":
                result[:, :, j] = cov_valid
            elif name == "std":
                with np.errstate(divide="ignore", invalid="ignore"):
                    var = moment["square"] / wsum - mean * mean
                result[:, :, j] = np.sqrt(np.clip(var, 0.0, None))
            elif name == "coverage_valid":
                result[:, :, j] = frac_valid
            elif name == "coverage_nodata":
                result[:, :, j] = self.covered_fraction - frac_valid
            elif name == "coverage_outside":
                result[:, :, j] = 1.0 - self.covered_fraction
            elif name.startswith("frac_above_"):
                above = moment["above_" + name.removeprefix("frac_above_")]
                with np.errstate(divide="ignore", invalid="ignore"):
                    result[:, :, j] = np.where(has, above / wsum, np.nan)

        order_names = [n for n in names if n in ("min", "max") or n.startswith("q")]
        if order_names:
            valid_t = None if valid is None else valid.T
            self._order_stats(result, names, values.T, valid_t, quantiles)
        return result.reshape(*lead, n_regions, len(names))

    def _order_stats(
        self,
        result: np.ndarray,
        names: list[str],
        values: np.ndarray,
        valid: np.ndarray | None,
        quantiles: tuple[float, ...],
    ) -> None:
        """Fill min / max / quantiles in place from the support pixels."""
        support = self._support
        gathered = values[support.indices]
        if valid is not None:
            gathered[~valid[support.indices]] = np.nan
        starts = support.indptr[:-1]
        nonempty = np.flatnonzero(np.diff(support.indptr) > 0)

        for j, name in enumerate(names):
            if name in ("min", "max"):
                ufunc = np.fmin if name == "min" else np.fmax
                if nonempty.size:
                    red = ufunc.reduceat(gathered, starts[nonempty], axis=0)
                    result[:, nonempty, j] = red.T
        if not quantiles:
            return
        qcols = [names.index(quantile_column(q)) for q in quantiles]
        qs = np.asarray(quantiles)
        for r in nonempty:
            chunk = gathered[support.indptr[r] : support.indptr[r + 1]]
            with np.errstate(invalid="ignore"), _quiet_all_nan():
                qv = np.nanquantile(chunk, qs, axis=0)  # (n_q, n_steps)
            result[:, r, qcols] = qv.T


class _quiet_all_nan:
    """Silence numpy's all-NaN slice warning (the answer is NaN, as documented)."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


def _compress_columns(matrix: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix]:
    """Drop all-zero pixel columns; return (used pixel ids, compressed matrix)."""
    matrix.eliminate_zeros()
    used = np.zeros(matrix.shape[1], dtype=bool)
    used[matrix.indices] = True
    pixels = np.flatnonzero(used).astype(np.int64)
    new_index = np.cumsum(used, dtype=np.int64) - 1
    compressed = sp.csr_matrix(
        (matrix.data, new_index[matrix.indices], matrix.indptr),
        shape=(matrix.shape[0], pixels.size),
    )
    compressed.sort_indices()
    return pixels, compressed


def zonal_stats(
    obj: xr.DataArray | xr.Dataset,
    regions: gpd.GeoDataFrame,
    *,
    id_col: str,
    stats: Sequence[str] = ("mean",),
    weights: xr.DataArray | None = None,
    quantiles: Sequence[float] = (),
    thresholds: Sequence[float] = (),
    nodata: float | None = None,
    output: Literal["dataset", "frame"] = "dataset",
    aggregator: RegionAggregator | None = None,
) -> xr.Dataset | pd.DataFrame:
    """Per-region statistics of every ``(y, x)`` slice of a grid stack.

    Builds a :class:`RegionAggregator` (unless one is given) and applies it;
    see the module docstring for the definition of each statistic.

    Parameters
    ----------
    obj : xarray.DataArray or xarray.Dataset
        Grid stack ``(..., y, x)`` or ``(..., lat, lon)`` with a CRS.
    regions : geopandas.GeoDataFrame
        Polygons with a CRS; reprojected to the grid's CRS.
    id_col : str
        Unique region id column (ids become strings).
    stats, quantiles, thresholds, nodata, output
        As in :meth:`RegionAggregator.aggregate`.
    weights : xarray.DataArray, optional
        Per-pixel weights on the same grid.
    aggregator : RegionAggregator, optional
        A prebuilt operator for this grid and these regions (skips the build).

    Returns
    -------
    xarray.Dataset or pandas.DataFrame
        Keyed by region id (dimension / column ``region``).
    """
    if aggregator is None:
        aggregator = RegionAggregator(obj, regions, id_col=id_col, weights=weights)
    return aggregator.aggregate(
        obj,
        stats=stats,
        quantiles=quantiles,
        thresholds=thresholds,
        nodata=nodata,
        output=output,
    )
