"""Package-level contracts: light import, consistent __all__, tests mirror src."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dtnmodels"
TESTS = Path(__file__).resolve().parent

PUBLIC_MODULES = sorted(
    ".".join(p.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
    for p in SRC.rglob("*.py")
    if not any(
        part.startswith("_") and part != "__init__.py"
        for part in p.relative_to(SRC).parts
    )
    and "metaflow" not in p.name
)


def test_import_is_light():
    """`import dtnmodels` loads no heavy library (they load on first use)."""
    code = (
        "import sys, dtnmodels; "
        "heavy = [m for m in ('xarray', 'rasterio', 'geopandas', 'statsmodels', "
        "'prophet', 'sklearn', 'dask', 'pandas') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_exists(module_name):
    """Every name listed in a module's __all__ resolves."""
    module = importlib.import_module(module_name)

    for name in getattr(module, "__all__", ()):
        assert hasattr(module, name), f"{module_name}.__all__ lists missing {name!r}"


def test_subpackages_have_test_folders():
    """Each subpackage of src/dtnmodels has a mirror folder under tests/."""
    subpackages = [
        p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    ]

    missing = [name for name in subpackages if not (TESTS / name).is_dir()]

    assert not missing, f"no tests/ folder for {missing}"


def test_samples_manifest_lists_existing_files():
    """The embedded samples' MANIFEST.json matches the files on disk."""
    from dtnmodels.datasets import sample_dir

    root = sample_dir()
    manifest = json.loads((root / "MANIFEST.json").read_text())

    for rel, info in manifest["files"].items():
        assert (root / rel).stat().st_size == info["size"], rel
