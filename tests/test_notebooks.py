"""Execute the notebooks in notebooks/ on the embedded samples."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = ("crop", "fuel", "gridding", "storm")
CELL_TIMEOUT_S = 120

nbclient = pytest.importorskip(
    "nbclient", reason="nbclient is not installed: pip install nbclient ipykernel"
)
nbformat = pytest.importorskip("nbformat", reason="nbformat comes with nbclient")


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_every_domain_and_gridding_has_a_notebook():
    """notebooks/ holds one notebook per domain and one for the gridding layer."""

    names = {path.stem for path in _notebooks()}

    assert set(EXPECTED) <= names


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_executes_with_plots(path, tmp_path, monkeypatch):
    """The notebook runs top to bottom in a fresh python3 kernel and draws figures."""
    notebook = nbformat.read(path, as_version=4)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("DTNMODELS_NOTEBOOK_OUT", str(tmp_path / "runs"))
    monkeypatch.delenv("PYDEVD_DISABLE_FILE_VALIDATION", raising=False)

    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()

    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    images = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert errors == []
    assert len(images) >= 2
