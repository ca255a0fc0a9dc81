"""Write the embedded sample files (used by ``scripts/make_samples.py``)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["write_sample_files"]


def write_sample_files(out_dir: str | Path, files: dict[str, Any]) -> dict[str, Any]:
    """Write in-memory sample objects to ``out_dir`` by file extension.

    Parameters
    ----------
    out_dir : path
        Root of the samples (``data/samples``).
    files : dict
        Relative path -> object: ``.parquet``/``.csv`` take a DataFrame,
        ``.geojson``/``.gpkg`` a GeoDataFrame, ``.nc`` a Dataset,
        ``.tif`` a DataArray with a CRS (rioxarray), ``.json`` a dict.

    Returns
    -------
    dict
        Relative path -> {"size", "sha256"} of what was written.
    """
    out_dir = Path(out_dir)
    written: dict[str, Any] = {}
    for rel, obj in sorted(files.items()):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-{target.name}")
        suffix = target.suffix.lower()
        if suffix == ".parquet":
            obj.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            obj.to_csv(tmp, index=False)
        elif suffix == ".geojson":
            obj.to_file(tmp, driver="GeoJSON")
        elif suffix == ".gpkg":
            obj.to_file(tmp, driver="GPKG")
        elif suffix == ".nc":
            obj.to_netcdf(tmp)
        elif suffix in (".tif", ".tiff"):
            obj.rio.to_raster(tmp, compress="deflate")
        elif suffix == ".json":
            tmp.write_text(json.dumps(obj, indent=2, sort_keys=True))
        else:
            raise ValueError(f"no writer for sample file {rel!r}")
        os.replace(tmp, target)
        written[rel] = {
            "size": target.stat().st_size,
            "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        }
    return written
