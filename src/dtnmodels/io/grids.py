"""Open gridded files as lazy, normalised :class:`xarray.Dataset` objects.

:func:`open_grid` reads NetCDF, HDF5-NetCDF, GRIB2, Zarr and GeoTIFF/COG, alone
or as a stack of single-date files, and returns every grid in one shape that
the rest of dtnmodels relies on:

* spatial dimensions are 1-D and named ``y``/``x`` for projected grids or
  ``lat``/``lon`` for geographic ones, both sorted **ascending** (south to
  north, west to east), so ``ds.sel(lat=slice(south, north))`` always works;
* geographic longitudes lie in ``[-180, 180)``;
* a CRS is always attached through rioxarray (``ds.rio.crs``) and the
  spatial dimensions are registered with ``ds.rio.set_spatial_dims``;
* a ``time`` dimension exists whenever the file (or its name) says when the
  data are valid; a single valid time becomes a ``time`` dimension of length 1;
* data variables are floating point, with CF ``scale_factor``/``add_offset``
  applied and ``_FillValue``, GeoTIFF nodata and masks turned into NaN;
* data stay dask-backed: nothing is loaded but coordinates and small metadata.
"""

from __future__ import annotations

import glob
import logging
import os
import re
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from dtnmodels.core.errors import (
    CRSWarning,
    DataValidationError,
    InputFileError,
    warn,
)

__all__ = ["open_grid"]

log = logging.getLogger(__name__)

PathInput = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]

_NETCDF_SUFFIXES = {".nc", ".nc4", ".netcdf", ".cdf", ".h5", ".hdf5", ".he5"}
_GRIB_SUFFIXES = {".grib", ".grib2", ".grb", ".grb2"}
_RASTER_SUFFIXES = {".tif", ".tiff", ".gtiff", ".vrt", ".jp2", ".img"}
_ENGINES = {"netcdf4", "h5netcdf", "scipy", "zarr", "rasterio", "cfgrib"}

_LAT_NAMES = {"lat", "latitude", "nav_lat", "lats"}
_LON_NAMES = {"lon", "longitude", "nav_lon", "lons", "long"}
_TIME_NAMES = {"time", "valid_time", "day", "date", "datetime", "t"}

# WRF writes its grids on a sphere of this radius (metres).
_WRF_EARTH_RADIUS = 6_370_000.0
_WRF_STAGGER = {"west_east_stag": "west_east", "south_north_stag": "south_north"}

_STRPTIME_TO_REGEX = {
    "%Y": r"\d{4}",
    "%y": r"\d{2}",
    "%m": r"\d{2}",
    "%d": r"\d{2}",
    "%H": r"\d{2}",
    "%M": r"\d{2}",
    "%S": r"\d{2}",
    "%j": r"\d{3}",
    "%%": "%",
}


def open_grid(
    paths: PathInput,
    *,
    crs: Any = None,
    chunks: Any = "auto",
    variables: Sequence[str] | None = None,
    band_names: Sequence[str] | None = None,
    time_pattern: str | None = None,
    engine: str | None = None,
) -> xr.Dataset:
    """Open one gridded file, or a stack of single-date files, lazily.

    Parameters
    ----------
    paths : path, glob pattern or sequence of paths
        A NetCDF/HDF5 (``.nc``, ``.nc4``, ``.h5``), GRIB (``.grib2``), Zarr
        (``.zarr`` directory) or GeoTIFF/COG (``.tif``) file; a glob such as
        ``"naip/*.tif"``; or a list of files. Several files (or one file with
        ``time_pattern``) are stacked along ``time``.
    crs : CRS-like, optional
        Anything :meth:`pyproj.CRS.from_user_input` accepts (``"EPSG:32615"``,
        WKT, PROJ string). Used when a file carries no CRS; when it carries a
        different one, ``crs`` wins and a :class:`CRSWarning` says so.
    chunks : "auto", int, dict or None, default "auto"
        Dask chunks passed to the backend. ``None`` opens without dask (still
        lazy for NetCDF, but not for every backend).
    variables : sequence of str, optional
        Keep only these data variables (names as in the returned dataset).
    band_names : sequence of str, optional
        For raster files (GeoTIFF, GRIB read with rasterio): one name per band;
        each band becomes its own variable, e.g.
        ``["red", "green", "blue", "nir"]`` for NAIP.
    time_pattern : str, optional
        How to read the valid time from each file name when the file itself
        does not hold one: either a regular expression with a named group
        ``time`` (e.g. ``r"_(?P<time>\\d{8})\\.tif$"``; the group is parsed by
        :func:`pandas.to_datetime`) or a :func:`~datetime.datetime.strptime`
        format such as ``"%Y-%m-%d"`` that is searched for in the name. A regex
        may also have a group ``variable`` naming the variable the file holds
        (e.g. the band ``B15`` in ``CBERS-4_AWFI_B15_2017-08-29.tif``).
    engine : str, optional
        Force a backend: ``"netcdf4"``, ``"h5netcdf"``, ``"scipy"``,
        ``"zarr"``, ``"rasterio"`` or ``"cfgrib"``. By default the file suffix
        decides; GRIB is read with rasterio (GDAL), which understands the
        projections of HRRR/NAM/RAP grids.

    Returns
    -------
    xarray.Dataset
        Dask-backed dataset following the module conventions: dims ``y``/``x``
        (projected, metres or the CRS unit) or ``lat``/``lon`` (degrees,
        longitudes in ``[-180, 180)``), ascending; optional ``time``; float data
        with NaN for missing; CRS in ``ds.rio.crs``. Variable attributes keep
        the file's ``units`` and ``long_name``.

    Raises
    ------
    InputFileError
        A file is missing, a glob matches nothing, or a file cannot be read.
    DataValidationError
        The CRS cannot be known (pass ``crs=``), a requested variable is
        absent, the files of a stack do not share one grid, or a time cannot
        be found for a file of a stack (pass ``time_pattern=``).

    Examples
    --------
    >>> ds = open_grid("gfs_analysis_namerica_2010-10-26T12.nc")  # doctest: +SKIP
    >>> float(ds.lon.min()), float(ds.lon.max())  # doctest: +SKIP
    (-150.0, -50.0)
    >>> naip = open_grid(
    ...     "naip_nd_stutsman/*.tif",
    ...     band_names=["red", "green", "blue", "nir"],
    ...     time_pattern="%Y%m%d",
    ... )  # doctest: +SKIP
    """
    files = _resolve_paths(paths)
    if engine is not None and engine not in _ENGINES:
        raise DataValidationError(
            f"unknown grid engine {engine!r}; use one of {sorted(_ENGINES)}"
        )
    target_crs = _parse_user_crs(crs) if crs is not None else None

    if len(files) == 1 and time_pattern is None:
        ds = _open_normalised(
            files[0],
            crs=target_crs,
            chunks=chunks,
            band_names=band_names,
            engine=engine,
            default_name=None,
        )
    else:
        ds = _open_stack(
            files,
            crs=target_crs,
            chunks=chunks,
            band_names=band_names,
            engine=engine,
            time_pattern=time_pattern,
        )

    if variables is not None:
        missing = [name for name in variables if name not in ds.data_vars]
        if missing:
            raise DataValidationError(
                f"variables {missing} not found in {_describe(files)}; "
                f"available: {sorted(map(str, ds.data_vars))}"
            )
        ds = ds[list(variables)]
    return ds


# --------------------------------------------------------------------------- paths


def _resolve_paths(paths: PathInput) -> list[str]:
    """Expand a path, glob or sequence of them into existing file names."""
    if isinstance(paths, (str, os.PathLike)):
        items = [os.fspath(paths)]
    elif isinstance(paths, Sequence) and all(
        isinstance(p, (str, os.PathLike)) for p in paths
    ):
        items = [os.fspath(p) for p in paths]
        if not items:
            raise InputFileError("open_grid got an empty list of paths")
    else:
        raise TypeError(
            "open_grid expects a path, a glob pattern or a list of paths, got "
            f"{type(paths).__name__} {paths!r:.60}"
        )

    files: list[str] = []
    for item in items:
        expanded = os.path.expanduser(item)
        if "://" in expanded:
            files.append(expanded)
        elif glob.has_magic(expanded):
            matches = sorted(glob.glob(expanded))
            if not matches:
                raise InputFileError(f"no grid file matches the pattern {item!r}")
            files.extend(matches)
        elif not os.path.exists(expanded):
            raise InputFileError(f"grid file not found: {item}")
        elif os.path.isfile(expanded) and os.path.getsize(expanded) == 0:
            raise InputFileError(
                f"grid file {item!r} is empty (0 bytes); re-download or re-export it"
            )
        else:
            files.append(expanded)
    return files


def _describe(files: Sequence[str]) -> str:
    """Name the input in an error message: one path, or the first and a count."""
    if len(files) == 1:
        return repr(files[0])
    return f"{len(files)} files ({files[0]!r}, ...)"


def _kind(path: str, engine: str | None) -> str:
    """Pick a reader family from the engine or the file suffix."""
    if engine in {"netcdf4", "h5netcdf", "scipy"}:
        return "netcdf"
    if engine == "zarr":
        return "zarr"
    if engine == "cfgrib":
        return "cfgrib"
    if engine == "rasterio":
        return "raster"

    suffix = Path(path.rstrip("/")).suffix.lower()
    if suffix == ".zarr" or (
        os.path.isdir(path)
        and any(
            os.path.exists(os.path.join(path, marker))
            for marker in (".zgroup", ".zmetadata", "zarr.json")
        )
    ):
        return "zarr"
    if suffix in _NETCDF_SUFFIXES:
        return "netcdf"
    if suffix in _GRIB_SUFFIXES:
        return "raster"
    if suffix in _RASTER_SUFFIXES:
        return "raster"
    raise InputFileError(
        f"cannot tell the format of {path!r} from its suffix {suffix!r}; "
        "pass engine= (netcdf4, h5netcdf, zarr, rasterio or cfgrib)"
    )


# --------------------------------------------------------------------------- open


def _open_normalised(
    path: str,
    *,
    crs: CRS | None,
    chunks: Any,
    band_names: Sequence[str] | None,
    engine: str | None,
    default_name: str | None,
) -> xr.Dataset:
    """Open one file with the right backend, then normalise it."""
    kind = _kind(path, engine)
    try:
        if kind == "raster":
            ds = _open_raster(
                path, chunks=chunks, band_names=band_names, default_name=default_name
            )
        elif kind == "cfgrib":
            ds = xr.open_dataset(
                path,
                engine="cfgrib",
                chunks=chunks,
                backend_kwargs={"indexpath": ""},
            )
        elif kind == "zarr":
            ds = xr.open_dataset(
                path, engine="zarr", chunks=chunks, decode_coords="all"
            )
        else:
            ds = xr.open_dataset(
                path,
                engine=engine,
                chunks=chunks,
                decode_coords="all",
                decode_timedelta=False,
            )
    except (OSError, ValueError, RuntimeError) as exc:
        if isinstance(exc, (InputFileError, DataValidationError)):
            raise
        raise InputFileError(
            f"cannot read grid file {path!r} as {kind}: {_reason(exc)}"
        ) from exc
    ds.attrs.setdefault("source", path)
    return _normalise(ds, crs=crs, source=path)


def _reason(exc: BaseException) -> str:
    """One line saying why a backend could not open a file."""
    text = str(exc).strip()
    if "did not find a match in any of xarray's currently installed IO" in text:
        return "it is not a NetCDF/HDF5 file that any installed backend can read"
    return text.splitlines()[0] if text else type(exc).__name__


def _raster_chunks(chunks: Any) -> Any:
    """Translate ``chunks`` for rioxarray, which wants a dict for 'auto'."""
    if chunks == "auto":
        return {"band": 1, "y": "auto", "x": "auto"}
    return chunks


def _open_raster(
    path: str,
    *,
    chunks: Any,
    band_names: Sequence[str] | None,
    default_name: str | None,
) -> xr.Dataset:
    """Read a GeoTIFF/GRIB through GDAL into one variable per band or per file."""
    import rasterio
    import rioxarray

    with rasterio.open(path) as src:
        descriptions = [d or "" for d in src.descriptions]
        band_tags = [src.tags(b) for b in range(1, src.count + 1)]
        file_tags = src.tags()
        driver = src.driver
    n_bands = len(descriptions)

    da = rioxarray.open_rasterio(
        path, chunks=_raster_chunks(chunks), mask_and_scale=True
    )
    if isinstance(da, list):  # subdatasets: not a plain raster
        raise InputFileError(
            f"{path!r} holds several subdatasets; open one of them by name"
        )
    base_attrs = {
        k: v
        for k, v in da.attrs.items()
        if k != "long_name" and not str(k).startswith(("GRIB_", "TIFFTAG_"))
    }

    if band_names is not None:
        if len(band_names) != n_bands:
            raise DataValidationError(
                f"band_names has {len(band_names)} names but {path!r} has "
                f"{n_bands} bands"
            )
        names = list(band_names)
    elif driver == "GRIB":
        names = [
            tags.get("GRIB_ELEMENT") or f"band_{i + 1}"
            for i, tags in enumerate(band_tags)
        ]
    elif n_bands > 1 and all(descriptions) and len(set(descriptions)) == n_bands:
        names = descriptions
    else:
        names = []

    if not names:
        name = (descriptions[0] if n_bands == 1 and descriptions[0] else None) or (
            default_name or _name_from_stem(Path(path).name, None)
        )
        arr = da.squeeze("band", drop=True) if n_bands == 1 else da
        ds = arr.to_dataset(name=name)
        ds[name].attrs = dict(base_attrs)
        time = _tiff_datetime(file_tags)
    else:
        names = _dedupe(names)
        ds = xr.Dataset(
            {
                name: _with_attrs(
                    da.isel(band=i, drop=True), _band_attrs(base_attrs, band_tags[i])
                )
                for i, name in enumerate(names)
            }
        )
        time = _tiff_datetime(file_tags)
        if driver == "GRIB":
            time = _grib_valid_time(band_tags, path)

    ds.attrs = {k: v for k, v in file_tags.items() if not k.startswith("TIFFTAG_")}
    if time is not None:
        ds = ds.expand_dims(time=[time])
    return ds


def _with_attrs(da: xr.DataArray, attrs: Mapping[str, Any]) -> xr.DataArray:
    """A shallow copy of ``da`` whose attributes are exactly ``attrs``."""
    out = da.copy(deep=False)
    out.attrs = dict(attrs)
    return out


def _band_attrs(base: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """Per-band attributes, with GRIB unit/comment turned into units/long_name."""
    attrs = {k: v for k, v in base.items() if not str(k).startswith("GRIB_")}
    if "GRIB_UNIT" in tags:
        attrs["units"] = tags["GRIB_UNIT"].strip("[]")
    if "GRIB_COMMENT" in tags:
        attrs["long_name"] = tags["GRIB_COMMENT"]
    for key in ("GRIB_REF_TIME", "GRIB_FORECAST_SECONDS", "GRIB_SHORT_NAME"):
        if key in tags:
            attrs[key] = tags[key]
    return attrs


def _dedupe(names: Sequence[str]) -> list[str]:
    """Make variable names unique by suffixing repeats with _2, _3, ..."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _tiff_datetime(tags: Mapping[str, str]) -> pd.Timestamp | None:
    """Acquisition time from a GeoTIFF ``TIFFTAG_DATETIME`` tag, if any."""
    value = tags.get("TIFFTAG_DATETIME") or tags.get("ACQUISITIONDATETIME")
    if not value:
        return None
    try:
        return pd.Timestamp(datetime.strptime(value.strip(), "%Y:%m:%d %H:%M:%S"))
    except ValueError:
        parsed = pd.to_datetime(value, errors="coerce")
        return None if pd.isna(parsed) else pd.Timestamp(parsed)


def _grib_valid_time(
    band_tags: Sequence[Mapping[str, str]], path: str
) -> pd.Timestamp | None:
    """The common valid time of all GRIB messages (UTC, naive), if they share one."""
    times = {tags.get("GRIB_VALID_TIME") for tags in band_tags}
    times.discard(None)
    if len(times) != 1:
        if times:
            log.info(
                "GRIB messages of %r have %d valid times; no time dim", path, len(times)
            )
        return None
    seconds = int(str(times.pop()).split()[0])
    return pd.Timestamp(seconds, unit="s")


def _name_from_stem(filename: str, span: tuple[int, int] | None) -> str:
    """A variable name from a file name, without suffix and without its date."""
    stem = filename
    if span is not None:
        stem = stem[: span[0]] + stem[span[1] :]
    for suffix in (*_RASTER_SUFFIXES, *_GRIB_SUFFIXES, *_NETCDF_SUFFIXES):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return stem.strip("_-. ") or "band_data"


# --------------------------------------------------------------------------- stack


def _open_stack(
    files: Sequence[str],
    *,
    crs: CRS | None,
    chunks: Any,
    band_names: Sequence[str] | None,
    engine: str | None,
    time_pattern: str | None,
) -> xr.Dataset:
    """Open several files and stack them on ``time``, one variable per name."""
    matcher = _time_matcher(time_pattern) if time_pattern is not None else None

    pieces: list[xr.Dataset] = []
    for path in files:
        name_time, name_var, span = (None, None, None)
        if matcher is not None:
            name_time, name_var, span = matcher(Path(path).name, path)
        default_name = name_var or _name_from_stem(Path(path).name, span)

        ds = _open_normalised(
            path,
            crs=crs,
            chunks=chunks,
            band_names=band_names,
            engine=engine,
            default_name=default_name,
        )
        if "time" not in ds.dims and name_time is not None:
            ds = ds.expand_dims(time=[name_time])
        if "time" not in ds.dims:
            raise DataValidationError(
                f"cannot tell the time of {path!r} in a stack of {len(files)} "
                "files: it holds no time and time_pattern did not give one; "
                "pass time_pattern='%Y%m%d' (a strptime format found in the "
                "name) or a regex with a (?P<time>...) group"
            )
        pieces.append(ds)

    return _combine(pieces, files)


def _time_matcher(pattern: str):
    """Compile ``time_pattern`` into a function name -> (time, variable, span)."""
    if "(?P<" in pattern:
        regex = re.compile(pattern)
        if "time" not in regex.groupindex:
            raise DataValidationError(
                f"time_pattern {pattern!r} has no (?P<time>...) group"
            )
        fmt = None
    else:
        body = re.escape(pattern)
        for code, part in _STRPTIME_TO_REGEX.items():
            body = body.replace(re.escape(code), part)
        regex = re.compile(f"(?P<time>{body})")
        fmt = pattern

    def match(name: str, path: str) -> tuple[pd.Timestamp, str | None, tuple]:
        found = regex.search(name)
        if found is None:
            raise DataValidationError(
                f"time_pattern {pattern!r} does not match the file name {name!r} "
                f"({path})"
            )
        text = found.group("time")
        try:
            when = (
                pd.Timestamp(datetime.strptime(text, fmt))
                if fmt is not None
                else pd.Timestamp(pd.to_datetime(text))
            )
        except (ValueError, TypeError) as exc:
            raise DataValidationError(
                f"cannot parse {text!r} from file name {name!r} as a time "
                f"with time_pattern {pattern!r}: {exc}"
            ) from exc
        variable = found.groupdict().get("variable")
        span = found.span("variable" if variable else "time")
        if variable:
            span = found.span()
        return when, variable, span

    return match


def _combine(pieces: Sequence[xr.Dataset], files: Sequence[str]) -> xr.Dataset:
    """Concatenate pieces holding the same variables on time, then merge groups."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, ds in enumerate(pieces):
        groups.setdefault(tuple(sorted(map(str, ds.data_vars))), []).append(i)

    crs = pieces[0].rio.crs
    ref = pieces[0]
    for i, ds in enumerate(pieces[1:], start=1):
        _check_same_grid(ref, ds, files[0], files[i])

    stacked = []
    for names, members in groups.items():
        parts = [pieces[i] for i in members]
        times = np.concatenate([p["time"].values for p in parts])
        dupes = pd.Index(times)[pd.Index(times).duplicated()].unique()
        if len(dupes):
            raise DataValidationError(
                f"files holding {list(names)} repeat times "
                f"{[str(t) for t in dupes[:5]]}: give one file per time"
            )
        combined = xr.concat(
            parts,
            dim="time",
            data_vars="all",
            coords="minimal",
            compat="override",
            join="override",
            combine_attrs="drop_conflicts",
        )
        stacked.append(combined.sortby("time"))

    ds = (
        stacked[0]
        if len(stacked) == 1
        else xr.merge(
            stacked, join="outer", compat="override", combine_attrs="drop_conflicts"
        )
    )
    return _attach_crs(ds, crs)


def _check_same_grid(a: xr.Dataset, b: xr.Dataset, file_a: str, file_b: str) -> None:
    """Files of a stack must share spatial coordinates and CRS."""
    for dim in ("y", "x", "lat", "lon"):
        if (dim in a.dims) != (dim in b.dims):
            raise DataValidationError(
                f"{file_b!r} has dims {tuple(b.dims)}, {file_a!r} has "
                f"{tuple(a.dims)}: a stack needs one grid"
            )
        if dim in a.dims and (
            a.sizes[dim] != b.sizes[dim]
            or not np.allclose(a[dim].values, b[dim].values, rtol=0, atol=1e-6)
        ):
            raise DataValidationError(
                f"{file_b!r} is on a different {dim} grid than {file_a!r}; "
                "regrid the files to one grid before stacking"
            )
    if a.rio.crs != b.rio.crs:
        raise DataValidationError(
            f"{file_b!r} has CRS {b.rio.crs} but {file_a!r} has {a.rio.crs}"
        )


# --------------------------------------------------------------------------- normalise


def _normalise(ds: xr.Dataset, *, crs: CRS | None, source: str) -> xr.Dataset:
    """Apply the module conventions (names, CRS, order, float, time) to one file."""
    if "MAP_PROJ" in ds.attrs and "west_east" in ds.dims:
        ds = _from_wrf(ds, source)

    ds = _rename_coords(ds, source)
    file_crs = _file_crs(ds, source)
    ds = _drop_grid_mappings(ds)

    if crs is not None:
        if file_crs is not None and not _same_crs(file_crs, crs):
            warn(
                f"{source} declares CRS {file_crs.to_string()!r} but crs="
                f"{crs.to_string()!r} was given; using crs=",
                CRSWarning,
            )
        final_crs = crs
    elif file_crs is not None:
        final_crs = file_crs
    elif "lat" in ds.dims and "lon" in ds.dims:
        log.info(
            "%r has plain lat/lon coordinates and no CRS: assuming EPSG:4326", source
        )
        final_crs = CRS.from_epsg(4326)
    else:
        raise DataValidationError(
            f"cannot tell the CRS of grid {source!r}: it has no grid_mapping, "
            f"no GeoTIFF/GRIB georeferencing and no lat/lon dims (dims "
            f"{tuple(map(str, ds.dims))}). Pass it, e.g. "
            "open_grid(path, crs='EPSG:32615')"
        )

    ds = _name_spatial_dims(ds, final_crs, source)
    ds = _wrap_longitudes(ds)
    ds = _sort_ascending(ds)
    ds = _as_float(ds, source)
    ds = _expand_scalar_time(ds)
    return _attach_crs(ds, final_crs)


def _rename_coords(ds: xr.Dataset, source: str) -> xr.Dataset:
    """Rename latitude/longitude/time spellings to lat/lon/time."""
    renames: dict[Hashable, str] = {}
    for name in list(ds.dims) + list(ds.coords):
        lower = str(name).lower()
        var = ds[name] if name in ds.variables else None
        if lower in _LAT_NAMES and name != "lat":
            renames[name] = "lat"
        elif lower in _LON_NAMES and name != "lon":
            renames[name] = "lon"
        elif (
            lower in _TIME_NAMES
            and name != "time"
            and var is not None
            and np.issubdtype(var.dtype, np.datetime64)
            and (var.ndim == 0 or var.dims == (name,))
            and "time" not in ds.variables
        ):
            renames[name] = "time"
    for old in [k for k in renames if k in ds.variables and ds[k].ndim > 1]:
        raise DataValidationError(
            f"{source!r} has 2-D {old!r} coordinates (a curvilinear grid) and no "
            "projected x/y; open it with engine='rasterio' if GDAL knows its "
            "projection, or regrid it to a regular grid first"
        )
    renames = {k: v for k, v in renames.items() if v not in ds.variables}
    return ds.rename(renames) if renames else ds


def _file_crs(ds: xr.Dataset, source: str) -> CRS | None:
    """The CRS a file declares: grid_mapping, spatial_ref, WRF or a crs attribute."""
    candidates: list[Any] = []
    for var in list(ds.data_vars.values()) + list(ds.coords.values()):
        gm = var.attrs.get("grid_mapping") or var.encoding.get("grid_mapping")
        if isinstance(gm, str) and gm.split(":")[0].strip() in ds.variables:
            candidates.append(ds[gm.split(":")[0].strip()].attrs)
    if "spatial_ref" in ds.variables:
        candidates.append(ds["spatial_ref"].attrs)

    for attrs in candidates:
        for key in ("crs_wkt", "spatial_ref"):
            if key in attrs:
                try:
                    return CRS.from_user_input(attrs[key])
                except CRSError:
                    pass
        if "grid_mapping_name" in attrs:
            try:
                return CRS.from_cf(dict(attrs))
            except CRSError as exc:
                log.debug("grid mapping of %r not understood: %s", source, exc)

    for key in ("crs_wkt", "spatial_ref", "crs", "proj4", "geospatial_bounds_crs"):
        value = ds.attrs.get(key)
        if not isinstance(value, str):
            continue
        epsg = re.match(r"\s*(?:\+init=)?EPSG:(\d+)", value, flags=re.IGNORECASE)
        try:
            return CRS.from_epsg(int(epsg.group(1))) if epsg else CRS(value)
        except CRSError:
            log.debug("global %s=%r of %r is not a CRS", key, value, source)
    return None


def _drop_grid_mappings(ds: xr.Dataset) -> xr.Dataset:
    """Drop grid-mapping variables and stray size-1 dims they bring (gridMET)."""
    names = set()
    for var in ds.variables.values():
        gm = var.attrs.pop("grid_mapping", None) or var.encoding.pop(
            "grid_mapping", None
        )
        if isinstance(gm, str):
            names.add(gm.split(":")[0].strip())
    names |= {"spatial_ref", "crs"} & set(map(str, ds.variables))
    names |= {str(n) for n, v in ds.variables.items() if "grid_mapping_name" in v.attrs}
    ds = ds.drop_vars([n for n in names if n in ds.variables])
    for dim in [d for d in ds.dims if ds.sizes[d] == 1 and d in names]:
        ds = ds.squeeze(dim, drop=True)
    for key in ("crs", "spatial_ref", "crs_wkt"):
        if key in ds.attrs:
            ds.attrs[f"source_{key}"] = ds.attrs.pop(key)
    return ds


def _same_crs(a: CRS, b: CRS) -> bool:
    """True when two CRS are equal, ignoring axis order."""
    try:
        return a.equals(b, ignore_axis_order=True)
    except TypeError:  # older pyproj
        return a == b


def _name_spatial_dims(ds: xr.Dataset, crs: CRS, source: str) -> xr.Dataset:
    """Name the spatial dims lat/lon for geographic and y/x for projected CRS."""
    if crs.is_geographic:
        if "x" in ds.dims and "y" in ds.dims:
            ds = ds.rename({"x": "lon", "y": "lat"})
        if not ("lat" in ds.dims and "lon" in ds.dims):
            raise DataValidationError(
                f"{source!r} has a geographic CRS but no lat/lon dims "
                f"(dims {tuple(map(str, ds.dims))})"
            )
    else:
        if "lat" in ds.dims and "lon" in ds.dims:
            raise DataValidationError(
                f"{source!r} has lat/lon dims but a projected CRS "
                f"{crs.to_string()!r}; pass a geographic crs= or none"
            )
        if not ("x" in ds.dims and "y" in ds.dims):
            raise DataValidationError(
                f"{source!r} has a projected CRS but no x/y dims "
                f"(dims {tuple(map(str, ds.dims))})"
            )
    return ds


def _wrap_longitudes(ds: xr.Dataset) -> xr.Dataset:
    """Bring 0..360 longitudes to [-180, 180) and sort them."""
    if "lon" not in ds.dims:
        return ds
    lon = ds["lon"].values
    if lon.size == 0 or (np.nanmax(lon) <= 180 and np.nanmin(lon) >= -180):
        return ds
    wrapped = ((lon + 180.0) % 360.0) - 180.0
    log.debug("wrapping longitudes %.3f..%.3f to -180..180", lon.min(), lon.max())
    ds = ds.assign_coords(lon=("lon", wrapped, ds["lon"].attrs))
    return ds.sortby("lon")


def _sort_ascending(ds: xr.Dataset) -> xr.Dataset:
    """Make every spatial dim ascending (reverse if descending, else sort)."""
    for dim in ("lat", "lon", "y", "x"):
        if dim not in ds.dims or ds.sizes[dim] < 2:
            continue
        index = ds.indexes[dim] if dim in ds.indexes else None
        if index is None or index.is_monotonic_increasing:
            continue
        if index.is_monotonic_decreasing:
            ds = ds.isel({dim: slice(None, None, -1)})
        else:
            ds = ds.sortby(dim)
    return ds


def _as_float(ds: xr.Dataset, source: str) -> xr.Dataset:
    """Cast integer/boolean data to float; drop data that are not numbers."""
    drop = []
    for name, var in ds.data_vars.items():
        kind = var.dtype.kind
        if kind in "iub":
            dtype = np.float32 if var.dtype.itemsize <= 2 else np.float64
            ds[name] = var.astype(dtype)
        elif kind not in "fc":
            drop.append(name)
    if drop:
        log.info("dropping non-numeric variables %s of %r", drop, source)
        ds = ds.drop_vars(drop)
    return ds


def _expand_scalar_time(ds: xr.Dataset) -> xr.Dataset:
    """Turn a scalar ``time`` coordinate into a dimension of length 1."""
    if "time" in ds.coords and ds["time"].ndim == 0 and "time" not in ds.dims:
        ds = ds.expand_dims("time")
    return ds


def _attach_crs(ds: xr.Dataset, crs: CRS | Any) -> xr.Dataset:
    """Write the CRS and register the spatial dims with rioxarray."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)

    x_dim, y_dim = ("lon", "lat") if "lon" in ds.dims else ("x", "y")
    ds = ds.rio.write_crs(crs)
    ds = ds.rio.set_spatial_dims(x_dim=x_dim, y_dim=y_dim)
    ds = ds.rio.write_coordinate_system()
    return ds


def _parse_user_crs(crs: Any) -> CRS:
    """Read the ``crs=`` argument, with a clear message when it is not a CRS."""
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise DataValidationError(
            f"crs={crs!r} is not a CRS pyproj understands (try 'EPSG:4326'): {exc}"
        ) from exc


# --------------------------------------------------------------------------- WRF


def _wrf_crs(attrs: Mapping[str, Any], source: str) -> CRS:
    """The projection of a WRF domain from its global attributes (WRF sphere)."""
    proj = int(attrs["MAP_PROJ"])
    lat1 = float(attrs.get("TRUELAT1", 0.0))
    lat2 = float(attrs.get("TRUELAT2", lat1))
    lon0 = float(attrs.get("STAND_LON", attrs.get("CEN_LON", 0.0)))
    lat0 = float(attrs.get("MOAD_CEN_LAT", attrs.get("CEN_LAT", 0.0)))
    sphere = f"+R={_WRF_EARTH_RADIUS:.0f} +units=m +no_defs"
    if proj == 1:
        text = f"+proj=lcc +lat_1={lat1} +lat_2={lat2} +lat_0={lat0} +lon_0={lon0}"
    elif proj == 2:
        pole = 90.0 if lat1 >= 0 else -90.0
        text = f"+proj=stere +lat_0={pole} +lat_ts={lat1} +lon_0={lon0}"
    elif proj == 3:
        text = f"+proj=merc +lat_ts={lat1} +lon_0={lon0}"
    else:
        raise DataValidationError(
            f"WRF file {source!r} uses MAP_PROJ={proj} "
            f"({attrs.get('MAP_PROJ_CHAR', '?')}); only 1 (Lambert), 2 (polar "
            "stereographic) and 3 (Mercator) are read. Pass crs= and x/y "
            "coordinates yourself"
        )
    return CRS.from_proj4(f"{text} +x_0=0 +y_0=0 {sphere}")


def _from_wrf(ds: xr.Dataset, source: str) -> xr.Dataset:
    """Give a raw WRF file 1-D projected x/y, a decoded time and mass-point data."""
    crs = _wrf_crs(ds.attrs, source)
    nx, ny = ds.sizes["west_east"], ds.sizes["south_north"]
    dx, dy = float(ds.attrs["DX"]), float(ds.attrs["DY"])

    if "XLONG" in ds.variables and "XLAT" in ds.variables:
        first = {d: 0 for d in ds["XLONG"].dims}
        lon0 = float(ds["XLONG"].isel(first).values)
        lat0 = float(ds["XLAT"].isel(first).values)
        to_xy = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
        x0, y0 = to_xy.transform(lon0, lat0)
    else:
        to_xy = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
        xc, yc = to_xy.transform(float(ds.attrs["CEN_LON"]), float(ds.attrs["CEN_LAT"]))
        x0, y0 = xc - dx * (nx - 1) / 2, yc - dy * (ny - 1) / 2
    x = x0 + dx * np.arange(nx)
    y = y0 + dy * np.arange(ny)

    times = None
    if "Times" in ds.variables:
        raw = np.asarray(ds["Times"].values).ravel()
        text = [t.decode() if isinstance(t, bytes) else str(t) for t in raw]
        times = pd.to_datetime([t.strip() for t in text], format="%Y-%m-%d_%H:%M:%S")
    elif "XTIME" in ds.variables and np.issubdtype(ds["XTIME"].dtype, np.datetime64):
        times = pd.DatetimeIndex(ds["XTIME"].values)

    drop = [
        n
        for n in ds.variables
        if str(n) in {"Times", "XTIME"} or str(n).startswith(("XLAT", "XLONG"))
    ]
    ds = ds.drop_vars(drop)

    destaggered = []
    for name in list(ds.data_vars):
        var = ds[name]
        for stag, mass in _WRF_STAGGER.items():
            if stag in var.dims:
                n = var.sizes[stag]
                left = var.isel({stag: slice(0, n - 1)})
                right = var.isel({stag: slice(1, n)})
                var = (0.5 * (left + right)).rename({stag: mass})
                var.attrs = dict(ds[name].attrs)
                destaggered.append(str(name))
        ds[name] = var
    stag_dims = [d for d in ("west_east_stag", "south_north_stag") if d in ds.dims]
    if stag_dims:
        ds = ds.drop_dims(stag_dims)

    ds = ds.rename({"west_east": "x", "south_north": "y"})
    if "Time" in ds.dims:
        ds = ds.rename({"Time": "time"})
    ds = ds.assign_coords(x=("x", x, {"units": "m"}), y=("y", y, {"units": "m"}))
    if times is not None and "time" in ds.dims:
        ds = ds.assign_coords(time=("time", times))
    if destaggered:
        ds.attrs["dtnmodels_destaggered"] = ", ".join(sorted(set(destaggered)))
    ds.attrs["crs_wkt"] = crs.to_wkt()
    return ds
