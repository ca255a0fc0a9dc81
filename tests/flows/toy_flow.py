"""A tiny flow used to test the runner, config merging and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import MISSING

from dtnmodels.core.errors import DataValidationError
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext
from dtnmodels.flows.config import ComputeConfig, ModelSpec, RunSettings


@dataclass
class ToyData:
    series: str = MISSING


@dataclass
class ToyConfig:
    data: ToyData = field(default_factory=ToyData)
    model: ModelSpec = field(default_factory=lambda: ModelSpec(name="mean"))
    scale: float = 1.0
    fail_in_fit: bool = False
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    run: RunSettings = field(default_factory=RunSettings)


def _load(ctx: StepContext) -> pd.DataFrame:
    return pd.read_csv(ctx.cfg.data.series)


def _fit(ctx: StepContext) -> float:
    if ctx.cfg.fail_in_fit:
        raise DataValidationError("column 'y' of data.series holds negative demand")
    y = ctx.inputs["load"]["y"].to_numpy()
    return float(np.mean(y) * ctx.cfg.scale)


def _report(ctx: StepContext) -> FlowOutputs:
    level = ctx.inputs["fit"]
    frame = ctx.inputs["load"]
    mae = float(np.mean(np.abs(frame["y"] - level)))
    metrics = {
        "flow": "toy",
        "selected": "mean",
        "baseline": "mean",
        "models": {"mean": {"mae": mae}},
    }
    predictions = pd.DataFrame({"unique_id": ["a"], "mean": [level]})
    return FlowOutputs(
        metrics=metrics, report_html=f"<p>{mae}</p>", predictions=predictions
    )


class ToyFlow(Flow):
    name = "toy"
    summary = "a toy flow for tests"
    schema = ToyConfig

    def default_config(self) -> Path:
        return Path(__file__).with_name("toy-default.yaml")

    steps = (
        Step("load", _load, data_inputs=("series",), config_keys=("data",)),
        Step("fit", _fit, needs=("load",), config_keys=("scale", "fail_in_fit")),
        Step("report", _report, needs=("load", "fit")),
    )
