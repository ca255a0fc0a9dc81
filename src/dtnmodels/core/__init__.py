"""Foundation shared by every subpackage: errors, warnings, model interfaces, registry.

Nothing here reads files or imports heavy geospatial libraries.
"""

from dtnmodels.core.errors import (
    ConfigError,
    CRSWarning,
    DataGapWarning,
    DataValidationError,
    DtnModelsError,
    DtnModelsWarning,
    InputFileError,
    NotFittedError,
    UnknownModelError,
)
from dtnmodels.core.interfaces import (
    Forecaster,
    Regressor,
    quantile_column,
    quantile_columns,
)
from dtnmodels.core.registry import available_models, create_model, register_model

__all__ = [
    "CRSWarning",
    "ConfigError",
    "DataGapWarning",
    "DataValidationError",
    "DtnModelsError",
    "DtnModelsWarning",
    "Forecaster",
    "InputFileError",
    "NotFittedError",
    "Regressor",
    "UnknownModelError",
    "available_models",
    "create_model",
    "quantile_column",
    "quantile_columns",
    "register_model",
]
