"""The two model interfaces every domain shares.

Forecasters work on *long* frames with one row per series and time step:
columns ``unique_id`` (series id), ``ds`` (timestamp) and ``y`` (target), plus any
exogenous columns. Regressors follow scikit-learn's ``fit(X, y)`` /
``predict(X)`` and may add ``predict_quantiles``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "DEFAULT_QUANTILES",
    "Forecaster",
    "Regressor",
    "quantile_column",
    "quantile_columns",
]

DEFAULT_QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)


def quantile_column(q: float) -> str:
    """Name of the column that holds quantile ``q`` (0 < q < 1), e.g. ``"q0.1"``."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must lie strictly between 0 and 1, got {q!r}")
    return f"q{q:g}"


def quantile_columns(quantiles: Sequence[float]) -> list[str]:
    """Column names for several quantiles, in the order given."""
    return [quantile_column(q) for q in quantiles]


class Forecaster(ABC):
    """Fit on a long frame of many series; forecast ``h`` steps with quantiles.

    Subclasses set learned state in attributes ending in ``_`` during ``fit``.

    The frame passed to ``fit`` has columns ``unique_id``, ``ds`` (datetime64,
    regular frequency per series) and ``y``; any other column is an exogenous
    regressor, which ``predict`` then needs for the horizon in ``X_df``.
    ``predict`` returns a long frame with columns ``unique_id``, ``ds``,
    ``mean`` and one ``q<level>`` column per quantile (see
    :func:`quantile_column`).
    """

    #: Whether the model can use exogenous columns.
    supports_exog: bool = False

    @abstractmethod
    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> Forecaster:
        """Learn from history; ``freq`` is a pandas offset alias or inferred."""

    @abstractmethod
    def predict(
        self,
        h: int,
        *,
        X_df: pd.DataFrame | None = None,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
    ) -> pd.DataFrame:
        """Forecast ``h`` steps past each series' last timestamp."""

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters, for run records."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}


@runtime_checkable
class Regressor(Protocol):
    """scikit-learn's regressor protocol; any estimator with these methods fits."""

    def fit(self, X: Any, y: Any, **kwargs: Any) -> Any: ...

    def predict(self, X: Any) -> np.ndarray: ...
