"""Tests of the yield-table cleaning."""

from __future__ import annotations

import pandas as pd
import pytest

from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.crop.yields import clean_yields


def _table(values):
    return pd.DataFrame(values, columns=["region", "year", "yield"])


def test_placeholder_zeros_are_dropped_with_warning():
    """Zero yields are not reported harvests: dropped, with the year in the warning."""
    df = _table([("A", 2015, 40.0), ("A", 2016, 0.0), ("B", 2016, 0.0)])

    with pytest.warns(DataGapWarning, match=r"2 row\(s\).*\[2016\]"):
        out = clean_yields(df)

    assert out.to_dict("list") == {"region": ["A"], "year": [2015], "yield": [40.0]}


def test_duplicates_raise_by_default():
    """Two rows for one region-year are an error naming the pair."""
    df = _table([("A", 2015, 40.0), ("A", 2015, 42.0)])

    with pytest.raises(DataValidationError, match="A/2015"):
        clean_yields(df)


def test_duplicates_mean():
    """duplicates='mean' averages the rows, with a warning."""
    df = _table([("A", 2015, 40.0), ("A", 2015, 42.0)])

    with pytest.warns(DataGapWarning, match="mean"):
        out = clean_yields(df, duplicates="mean")

    assert out["yield"].tolist() == [41.0]


def test_missing_column_and_wrong_unit():
    """A missing column and a foreign unit are both refused by name."""
    df = _table([("A", 2015, 40.0)])

    with pytest.raises(DataValidationError, match="'yield'"):
        clean_yields(df.drop(columns="yield"))
    with pytest.raises(DataValidationError, match="t/ha"):
        clean_yields(df.assign(unit="t/ha"), unit="bu/acre")
