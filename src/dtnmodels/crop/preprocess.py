"""Prepare imagery for features: band mapping, scaling, cloud masking, one grid.

The readers in :mod:`dtnmodels.io` return float grids with the file's own
variable names (``B15``, ``band_1``, ``red``) and NaN for declared nodata.
The functions here turn such a dataset into the canonical bands ``red``,
``nir`` (and optionally ``blue``, ``green``, ``swir``) as reflectance, mask
clouds with a QA or cloud band, and bring dates that sit on different grids
onto one grid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from dtnmodels.core.errors import CRSWarning, DataValidationError, warn

__all__ = ["align_to_reference", "cloud_mask", "scale_bands"]

log = logging.getLogger(__name__)

#: Canonical band names a band mapping may use.
CANONICAL_BANDS = ("red", "nir", "blue", "green", "swir", "qa")


def scale_bands(ds: xr.Dataset, bands: Mapping[str, Mapping[str, Any]]) -> xr.Dataset:
    """Rename, mask and scale stored bands into reflectance.

    ``value = stored * scale + offset`` after the stored ``nodata`` value (if
    any) is set to NaN. The QA band, when mapped as ``qa``, is renamed but
    neither scaled nor masked (prefer masking with
    :func:`cloud_mask` on the raw QA variable).

    Parameters
    ----------
    ds : xarray.Dataset
        Bands as read (any variable names), dims e.g. ``(time, y, x)``.
    bands : mapping of str to mapping
        Canonical name -> ``{"source": variable in ds, "scale": float,
        "offset": float, "nodata": float or None}``.

    Returns
    -------
    xarray.Dataset
        One float32 variable per canonical name (lazy when ``ds`` is).

    Raises
    ------
    DataValidationError
        A ``source`` variable is not in ``ds``, or ``red``/``nir`` is unmapped.
    """
    for required in ("red", "nir"):
        if required not in bands:
            raise DataValidationError(
                f"imagery.bands has no {required!r} entry; map it to a variable of "
                f"the imagery ({sorted(map(str, ds.data_vars))})"
            )

    out = {}
    for name, spec in bands.items():
        source = str(spec.get("source") or name)
        if source not in ds.data_vars:
            raise DataValidationError(
                f"imagery.bands.{name}.source: variable {source!r} not in the imagery; "
                f"variables present: {sorted(map(str, ds.data_vars))}"
            )
        da = ds[source]
        nodata = spec.get("nodata")
        if nodata is not None:
            da = da.where(da != nodata)
        if name != "qa":
            scale = float(spec.get("scale", 1.0))
            offset = float(spec.get("offset", 0.0))
            da = da * scale + offset
        out[name] = da.astype(np.float32)
        out[name].attrs = {"units": "1" if name != "qa" else "", "source": source}
        log.debug("band %r from %r (spec %r)", name, source, dict(spec))
    return xr.Dataset(out)


def cloud_mask(
    qa: xr.DataArray,
    *,
    clear_values: Sequence[float] = (),
    cloud_values: Sequence[float] = (),
    cloud_bits: Sequence[int] = (),
) -> xr.DataArray:
    """Boolean mask, True where a pixel is clear (usable), from a QA/cloud band.

    A pixel is clear when its QA value is one of ``clear_values`` (if any are
    given), is none of ``cloud_values``, and has none of ``cloud_bits`` set.
    A NaN QA value is not clear.

    Parameters
    ----------
    qa : xarray.DataArray
        QA or cloud-mask values (integers stored as float).
    clear_values : sequence of float, optional
        Values meaning clear (e.g. ``[0]`` for the CBERS ``CMASK`` band).
    cloud_values : sequence of float, optional
        Values meaning cloud, shadow, snow (e.g. ``[4]``).
    cloud_bits : sequence of int, optional
        Bit positions flagging cloud (e.g. Landsat QA_PIXEL bits 1–4).

    Returns
    -------
    xarray.DataArray of bool
    """
    clear = qa.notnull()
    if clear_values:
        clear &= qa.isin(list(clear_values))
    if cloud_values:
        clear &= ~qa.isin(list(cloud_values))
    if cloud_bits:
        mask = sum(1 << int(b) for b in cloud_bits)
        as_int = qa.fillna(0).astype(np.int64)
        clear &= (as_int & mask) == 0
    return clear


def align_to_reference(
    pieces: Sequence[xr.Dataset],
    *,
    on_mismatch: str = "reproject",
    sources: Sequence[str] | None = None,
) -> xr.Dataset:
    """Concatenate single-date datasets along ``time`` on the first one's grid.

    Parameters
    ----------
    pieces : sequence of xarray.Dataset
        Each with dims ``(time, y, x)`` and a CRS (rioxarray).
    on_mismatch : {"reproject", "error"}, default "reproject"
        What to do with a piece whose CRS, shape or coordinates differ from
        the first: reproject it onto the first grid (nearest neighbour, with a
        :class:`CRSWarning` naming the file) or raise.
    sources : sequence of str, optional
        File of each piece, for messages (defaults to ``attrs["source"]``).

    Returns
    -------
    xarray.Dataset
        Stacked along ``time``, sorted by time.

    Raises
    ------
    DataValidationError
        ``on_mismatch="error"`` and a piece differs, naming its file.
    """
    if not pieces:
        raise DataValidationError("no imagery to stack: the list of dates is empty")
    if on_mismatch not in ("reproject", "error"):
        raise DataValidationError(
            f"imagery.on_grid_mismatch must be 'reproject' or 'error', got "
            f"{on_mismatch!r}"
        )
    names = (
        list(sources)
        if sources
        else [str(p.attrs.get("source", f"piece {i}")) for i, p in enumerate(pieces)]
    )

    reference = pieces[0]
    ref_crs = reference.rio.crs
    aligned = [reference]
    for piece, name in zip(pieces[1:], names[1:], strict=True):
        if _same_grid(reference, piece):
            aligned.append(piece)
            continue
        detail = (
            f"{name!r} is on a different grid than {names[0]!r} "
            f"(CRS {piece.rio.crs} vs {ref_crs}, shape "
            f"{piece.rio.shape} vs {reference.rio.shape})"
        )
        if on_mismatch == "error":
            raise DataValidationError(
                f"{detail}; regrid the files to one grid or set "
                "imagery.on_grid_mismatch=reproject"
            )
        warn(f"{detail}; reprojected onto the first grid (nearest)", CRSWarning)
        moved = piece.rio.reproject_match(reference, nodata=np.nan)
        aligned.append(moved.assign_coords(x=reference.x, y=reference.y))

    stacked = xr.concat(aligned, dim="time", join="override", combine_attrs="drop")
    stacked = stacked.sortby("time").rio.write_crs(ref_crs)
    return stacked


def _same_grid(a: xr.Dataset, b: xr.Dataset) -> bool:
    """Same CRS, shape and cell centres (to a thousandth of a cell)."""
    if a.rio.crs != b.rio.crs or a.rio.shape != b.rio.shape:
        return False
    res = abs(float(a.rio.resolution()[0]))
    for dim in ("x", "y"):
        if not np.allclose(a[dim].values, b[dim].values, atol=1e-3 * res):
            return False
    return True
