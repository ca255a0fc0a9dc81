"""Exceptions and warnings raised by dtnmodels.

Every exception also inherits the builtin a caller would already catch
(``ValueError``, ``OSError``, ``KeyError``), in the manner of rasterio's
``CRSError``. The command line turns any :class:`DtnModelsError` into one
line on stderr and exit status 2.
"""

from __future__ import annotations

import warnings

__all__ = [
    "CRSWarning",
    "ConfigError",
    "DataGapWarning",
    "DataValidationError",
    "DtnModelsError",
    "DtnModelsWarning",
    "InputFileError",
    "NotFittedError",
    "UnknownModelError",
    "warn",
]


class DtnModelsError(Exception):
    """Root of the errors a user can cause (bad config, bad input data)."""


class ConfigError(DtnModelsError, ValueError):
    """A flow config is invalid: unknown key, wrong type, missing value."""


class InputFileError(DtnModelsError, OSError):
    """An input file is missing, unreadable or not of the expected format."""


class DataValidationError(DtnModelsError, ValueError):
    """In-memory data breaks a documented expectation (column, dim, CRS, dates)."""


class UnknownModelError(ConfigError, KeyError):
    """A model name is neither registered nor an allowed import path."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotFittedError(DtnModelsError, ValueError, AttributeError):
    """A model was asked to predict before ``fit``."""


class DtnModelsWarning(UserWarning):
    """Root of the warnings dtnmodels emits."""


class CRSWarning(DtnModelsWarning):
    """A CRS was assumed or two inputs were brought to one CRS."""


class DataGapWarning(DtnModelsWarning):
    """Data were missing, placeholder values were dropped, or coverage is partial."""


def warn(message: str, category: type[Warning] = DtnModelsWarning) -> None:
    """Warn at the first frame outside dtnmodels, so the user sees their own line."""
    import inspect
    import os

    package_dir = os.path.dirname(os.path.dirname(__file__))
    stacklevel = 1
    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_filename.startswith(package_dir):
        stacklevel += 1
        frame = frame.f_back
    warnings.warn(message, category, stacklevel=stacklevel)
