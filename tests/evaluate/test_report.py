"""The shared HTML report, metrics payload and model selection."""

from __future__ import annotations

import base64
import json
import math
import re

import pandas as pd
import pytest
from matplotlib.figure import Figure

from dtnmodels.core.errors import DataValidationError
from dtnmodels.evaluate import Report, metrics_payload, select_model
from dtnmodels.evaluate.report import lower_is_better, skill_sentence

MODELS = {
    "ets": {"mae": 8.0, "mase": 0.875, "r2": 0.9},
    "seasonal_naive": {"mae": 10.0, "mase": 1.0, "r2": 0.8},
    "drift": {"mae": 12.0, "mase": float("nan"), "r2": 0.7},
}


def test_payload_shape_and_json_safety() -> None:
    """The payload has the four keys; NaN becomes None so strict JSON works."""
    payload = metrics_payload(
        flow="fuel", models=MODELS, selected="ets", baseline="seasonal_naive"
    )

    assert set(payload) == {"flow", "selected", "baseline", "models"}
    assert payload["models"]["drift"]["mase"] is None
    assert json.loads(json.dumps(payload, allow_nan=False))["selected"] == "ets"


def test_payload_refuses_unknown_models() -> None:
    """Selected and baseline must have scores."""
    with pytest.raises(
        DataValidationError, match="baseline model 'naive' has no scores"
    ):
        metrics_payload(flow="fuel", models=MODELS, selected="ets", baseline="naive")


def test_select_model_directions_and_nan() -> None:
    """Lowest error wins; highest R² wins; NaN values are skipped."""
    by_error = select_model(MODELS, metric="mase", lower_is_better=True)
    by_r2 = select_model(MODELS, metric="r2", lower_is_better=False)
    inferred = select_model(MODELS, metric="r2", lower_is_better=None)

    assert by_error == "ets"
    assert by_r2 == "ets"
    assert inferred == "ets"
    with pytest.raises(DataValidationError, match="no model has a finite value"):
        select_model(MODELS, metric="crps")


def test_skill_sentence_wording() -> None:
    """The verdict names both models, the percentage and the metric, honestly."""
    better = skill_sentence(MODELS, "ets", "seasonal_naive", "mase")
    worse = skill_sentence(MODELS, "drift", "seasonal_naive", "mae")
    higher = skill_sentence(MODELS, "ets", "seasonal_naive", "r2")

    assert better == "selected ets beats baseline seasonal_naive by 12.5% on mase"
    assert (
        worse
        == "selected drift does not beat baseline seasonal_naive: worse by 20.0% on mae"
    )
    assert higher == "selected ets beats baseline seasonal_naive by 12.5% on r2"
    assert lower_is_better("rmse") and not lower_is_better("csi")


def test_report_renders_offline_page() -> None:
    """Text is escaped, floats formatted, figures embedded as PNG, no external URLs."""
    report = Report(title="Fuel demand — samples", subtitle="run 2026-01-01")
    fig = Figure()
    fig.subplots().plot([1, 2, 3])
    payload = metrics_payload(
        flow="fuel", models=MODELS, selected="ets", baseline="seasonal_naive"
    )

    report.add_text("Notes", "first <b>para</b>\n\nsecond")
    report.add_table(
        "Scores", pd.DataFrame({"mae": [1.23456]}, index=["ets"]), floatfmt=".2f"
    )
    report.add_figure("A figure", fig)
    sentence = report.add_skill(payload)
    page = report.to_html()

    assert "&lt;b&gt;para&lt;/b&gt;" in page and "<p>second</p>" in page
    assert ">1.23<" in page
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"
    assert sentence == "selected ets beats baseline seasonal_naive by 12.5% on mase"
    assert sentence in page
    assert 'class="selected"' in page and 'class="baseline"' in page
    assert "http://" not in page and "https://" not in page
    assert not fig.axes  # closed (cleared) after embedding


def test_report_nan_cells_show_dash() -> None:
    """Missing numbers render as a dash, not 'nan'."""
    report = Report(title="t")

    report.add_table("x", pd.DataFrame({"a": [math.nan, 2.0]}))

    assert (
        "nan" not in report.to_html().lower().split("<style>")[1].split("</style>")[1]
    )
