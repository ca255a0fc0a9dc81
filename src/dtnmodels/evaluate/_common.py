"""Plumbing shared by the metric modules: containers, dimensions, NaNs, weights.

Every metric accepts NumPy-like arrays (``numpy.ndarray``, ``pandas.Series``,
lists, scalars) or xarray objects (``DataArray``/``Dataset``). Arrays are
wrapped in a ``DataArray`` whose dims are ``dim_0``, ``dim_1``, … so one code
path serves both; the result goes back to NumPy (a float for a full
reduction) when the inputs were arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from dtnmodels.core.errors import DataValidationError

__all__: list[str] = []

Dims = str | Hashable | Iterable[Hashable] | int | Iterable[int] | None

#: Shared parameter documentation, pasted into metric docstrings.
DOC_REDUCE = """reduce_dims : str, int or sequence, optional
        Dimensions to average over (names for xarray inputs, axis numbers for
        arrays). Default: all dimensions, giving one number.
    preserve_dims : str, int or sequence, optional
        Dimensions to keep; every other one is averaged. Give at most one of
        ``reduce_dims`` and ``preserve_dims``.
    weights : array-like or DataArray, optional
        Non-negative weights broadcastable to the inputs (e.g. area or
        population). The average becomes ``sum(w * s) / sum(w)`` over the
        points where the score ``s`` is defined. Weights must not be NaN.
    skipna : bool, default True
        If True, points where the forecast or the observation is NaN are left
        out (pairwise). If False, any NaN makes the result NaN."""


@dataclass(frozen=True)
class Inputs:
    """Aligned inputs as DataArrays plus what is needed to restore the container."""

    arrays: tuple[xr.DataArray | xr.Dataset, ...]
    weights: xr.DataArray | None
    numpy: bool

    def restore(self, result: xr.DataArray | xr.Dataset) -> Any:
        """Give back NumPy (float for 0-d) when the inputs were arrays."""
        if not self.numpy:
            return result
        values = np.asarray(result.values)
        return float(values) if values.ndim == 0 else values


def is_xarray(obj: Any) -> bool:
    """Whether ``obj`` is a DataArray or Dataset."""
    return isinstance(obj, xr.DataArray | xr.Dataset)


def as_dataarray(obj: Any, *, name: str, dims: Sequence[str] | None = None) -> Any:
    """Wrap array-likes in a float DataArray; pass xarray objects through."""
    if is_xarray(obj):
        return obj
    try:
        values = np.asarray(obj, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(
            f"{name} must be numeric (array, Series, DataArray); got "
            f"{type(obj).__name__}: {exc}"
        ) from exc
    if dims is None:
        dims = [f"dim_{i}" for i in range(values.ndim)]
    return xr.DataArray(values, dims=list(dims))


def prepare(
    *arrays: Any,
    names: Sequence[str],
    weights: Any = None,
) -> Inputs:
    """Wrap and broadcast the score inputs (and weights) to a common shape.

    Arrays follow NumPy broadcasting; xarray objects broadcast by dim name.
    Mixing arrays with xarray objects is refused, since axes cannot be
    matched to names unambiguously.
    """
    kinds = {is_xarray(a) for a in arrays}
    if len(kinds) > 1:
        raise DataValidationError(
            f"{', '.join(names)} must all be xarray objects or all be arrays; "
            "wrap the arrays in DataArrays with named dims"
        )
    numpy = not kinds.pop()

    if numpy:
        floats = [_as_float(a, n) for a, n in zip(arrays, names, strict=True)]
        try:
            values = np.broadcast_arrays(*floats)
        except ValueError as exc:
            shapes = [np.shape(a) for a in arrays]
            raise DataValidationError(
                f"{', '.join(names)} have shapes {shapes} that do not broadcast"
            ) from exc
        wrapped = tuple(
            as_dataarray(v, name=n) for v, n in zip(values, names, strict=True)
        )
    else:
        wrapped = tuple(arrays)

    w = None
    if weights is not None:
        w = weights if is_xarray(weights) else as_dataarray(weights, name="weights")
        if numpy:
            w_values = _as_float(weights, "weights")
            try:
                w_values = np.broadcast_to(w_values, wrapped[0].shape)
            except ValueError as exc:
                raise DataValidationError(
                    f"weights of shape {w_values.shape} do not broadcast to the "
                    f"shape {wrapped[0].shape} of {names[0]}"
                ) from exc
            w = xr.DataArray(w_values, dims=wrapped[0].dims)
        if bool(w.isnull().any()):
            raise DataValidationError(
                "weights contain NaN; fill them (e.g. weights.fillna(0)) so that "
                "missing points get no weight"
            )
        if bool((w < 0).any()):
            raise DataValidationError("weights must be non-negative")
    return Inputs(wrapped, w, numpy)


def _as_float(obj: Any, name: str) -> np.ndarray:
    """``obj`` as a float array, or an error naming it and its dtype."""
    try:
        return np.asarray(obj, dtype=float)
    except (TypeError, ValueError) as exc:
        dtype = getattr(np.asarray(obj), "dtype", type(obj).__name__)
        raise DataValidationError(
            f"{name} must be numeric; got values of dtype {dtype} that cannot be "
            f"turned into numbers ({exc})"
        ) from exc


def resolve_dims(
    obj: xr.DataArray | xr.Dataset,
    reduce_dims: Dims = None,
    preserve_dims: Dims = None,
) -> list[Hashable]:
    """Names of the dims to reduce, from ``reduce_dims`` or ``preserve_dims``."""
    if reduce_dims is not None and preserve_dims is not None:
        raise DataValidationError(
            "give reduce_dims or preserve_dims, not both "
            f"(got reduce_dims={reduce_dims!r}, preserve_dims={preserve_dims!r})"
        )
    all_dims = list(obj.dims)
    if reduce_dims is None and preserve_dims is None:
        return all_dims
    if isinstance(reduce_dims, str) and reduce_dims == "all":
        return all_dims

    given = reduce_dims if reduce_dims is not None else preserve_dims
    names = [_dim_name(d, len(all_dims)) for d in _as_list(given)]
    unknown = [d for d in names if d not in all_dims]
    if unknown:
        raise DataValidationError(
            f"dims {unknown} are not dims of the inputs; available: {all_dims}"
        )
    if reduce_dims is not None:
        return names
    return [d for d in all_dims if d not in names]


def mask_pairs(*arrays: Any) -> tuple[Any, ...]:
    """Set every array to NaN wherever any of them is NaN."""
    valid = None
    for a in arrays:
        ok = a.notnull()
        valid = ok if valid is None else valid & ok
    return tuple(a.where(valid) for a in arrays)


def average(
    score: xr.DataArray | xr.Dataset,
    dims: Sequence[Hashable],
    *,
    weights: xr.DataArray | None,
    skipna: bool,
) -> xr.DataArray | xr.Dataset:
    """(Weighted) mean of a pointwise score over ``dims``."""
    if weights is None:
        return score.mean(dim=list(dims), skipna=skipna)
    return score.weighted(weights).mean(dim=list(dims), skipna=skipna)


def apply_on_samples(
    func: Callable[..., float],
    *arrays: xr.DataArray,
    dims: Sequence[Hashable],
    skipna: bool,
) -> xr.DataArray:
    """Apply a 1-D NumPy score to the points of ``dims``, for every other index.

    ``func`` receives 1-D arrays (one per input) with NaN pairs already
    dropped when ``skipna`` is True; with ``skipna`` False a NaN anywhere
    gives NaN.
    """

    def kernel(*vectors: np.ndarray) -> float:
        stacked = np.vstack(vectors)
        valid = ~np.isnan(stacked).any(axis=0)
        if not valid.all() and not skipna:
            return np.nan
        return func(*stacked[:, valid])

    sample = "_dtn_sample"
    stacked = [
        a.stack({sample: list(dims)}) if len(dims) else a.expand_dims(sample)
        for a in arrays
    ]
    return xr.apply_ufunc(
        kernel,
        *stacked,
        input_core_dims=[[sample]] * len(stacked),
        vectorize=True,
        dask="parallelized",
        dask_gufunc_kwargs={"allow_rechunk": True},
        output_dtypes=[float],
    )


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str | int) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _dim_name(dim: Any, ndim: int) -> Hashable:
    if isinstance(dim, int | np.integer) and not isinstance(dim, bool):
        return f"dim_{int(dim) % max(ndim, 1)}"
    return dim


def fill_doc(func: Callable[..., Any]) -> Callable[..., Any]:
    """Replace ``%(reduce)s`` in a docstring by the shared parameter text."""
    if func.__doc__:
        func.__doc__ = func.__doc__.replace("%(reduce)s", DOC_REDUCE)
    return func
