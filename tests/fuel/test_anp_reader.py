"""The ANP Brazil sales reader (io/anp.py) on a tiny file and the real one."""

from __future__ import annotations

import pandas as pd
import pytest

from dtnmodels.core.errors import DataValidationError
from dtnmodels.io.anp import BRAZIL_REGIONS, read_anp_sales


def _write(tmp_path, rows):
    path = tmp_path / "anp.csv"
    pd.DataFrame(
        rows, columns=["month", "state", "product", "segment", "sales_m3"]
    ).to_csv(path, index=False)
    return path


def test_reads_one_segment_with_regions(tmp_path):
    """Keeps the station segment, builds STATE|PRODUCT ids and regions."""
    path = _write(
        tmp_path,
        [
            ["2020-01", "SÃO PAULO", "GASOLINA C", "POSTO REVENDEDOR", 100.0],
            ["2020-01", "SÃO PAULO", "GASOLINA C", "TRR", 5.0],
            ["2020-02", "SÃO PAULO", "GASOLINA C", "POSTO REVENDEDOR", 90.5],
        ],
    )

    out = read_anp_sales(path)

    assert out["unique_id"].tolist() == ["SÃO PAULO|GASOLINA C"] * 2
    assert out["y"].tolist() == [100.0, 90.5]
    assert out["ds"].tolist() == [
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2020-02-01"),
    ]
    assert out["region"].unique().tolist() == ["SUDESTE"]


def test_unknown_state_is_refused(tmp_path):
    """A state outside the 27 ANP names is an error naming it."""
    path = _write(
        tmp_path, [["2020-01", "ATLANTIS", "GASOLINA C", "POSTO REVENDEDOR", 1.0]]
    )

    with pytest.raises(DataValidationError, match="ATLANTIS"):
        read_anp_sales(path)


def test_regions_cover_27_states():
    """27 federative units in 5 macro-regions."""
    assert len(BRAZIL_REGIONS) == 27
    assert len(set(BRAZIL_REGIONS.values())) == 5


@pytest.mark.real_data
def test_real_file_has_81_complete_series(real_data):
    """27 states x 3 fuels, 144 months each, 2012-01..2023-12."""
    path = (
        real_data
        / "fuel"
        / "anp_brazil_fuel_sales_by_state_segment_monthly_2012_2023.csv"
    )

    out = read_anp_sales(path)

    assert out["unique_id"].nunique() == 81
    assert out.groupby("unique_id").size().eq(144).all()
