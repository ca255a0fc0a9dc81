"""An ensemble of any registered forecasters: quantiles averaged member by member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dtnmodels.core.errors import ConfigError, NotFittedError
from dtnmodels.core.interfaces import DEFAULT_QUANTILES, Forecaster
from dtnmodels.core.registry import create_model, register_model

__all__ = ["EnsembleForecaster"]


@register_model("forecaster", "ensemble")
class EnsembleForecaster(Forecaster):
    """Weighted mean of member forecasts (mean and each quantile column).

    Averaging quantiles (Vincentization) keeps them ordered and is a robust
    way to combine probabilistic forecasts.

    Parameters
    ----------
    members : sequence of mapping
        Model specs ``{"name": ..., "params": {...}}`` of the members.
    weights : sequence of float, optional
        One weight per member (normalised); equal by default.
    """

    def __init__(
        self,
        *,
        members: Sequence[Mapping[str, Any]] = (
            {"name": "gbm"},
            {"name": "ets"},
            {"name": "theta"},
        ),
        weights: Sequence[float] | None = None,
    ):
        if not members:
            raise ConfigError("model.params.members: give at least one member model")
        self.members = [dict(m) for m in members]
        self.weights = None if weights is None else [float(w) for w in weights]
        if self.weights is not None and len(self.weights) != len(self.members):
            raise ConfigError(
                f"model.params.weights: {len(self.weights)} weights for "
                f"{len(self.members)} members"
            )
        self.models_ = None

    @property
    def supports_exog(self) -> bool:  # type: ignore[override]
        return True

    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> EnsembleForecaster:
        """Fit every member on ``df`` (members without exog support ignore it)."""
        self.models_ = []
        for i, spec in enumerate(self.members):
            model = create_model("forecaster", spec, where=f"model.params.members[{i}]")
            self.models_.append(model.fit(df, freq=freq))
        return self

    def predict(
        self,
        h: int,
        *,
        X_df: pd.DataFrame | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> pd.DataFrame:
        """Weighted mean of the members' ``mean`` and quantile columns."""
        if not self.models_:
            raise NotFittedError("ensemble must be fitted before predict")
        weights = np.asarray(self.weights or [1.0] * len(self.models_), float)
        weights = weights / weights.sum()
        frames = [
            m.predict(h, X_df=X_df if m.supports_exog else None, quantiles=quantiles)
            for m in self.models_
        ]
        out = frames[0][["unique_id", "ds"]].copy()
        value_cols = [c for c in frames[0].columns if c not in ("unique_id", "ds")]
        for col in value_cols:
            out[col] = sum(
                w * f[col].to_numpy() for w, f in zip(weights, frames, strict=True)
            )
        return out
