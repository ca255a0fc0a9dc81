"""Where data live: the embedded samples and the real public data directory.

This module only computes paths; reading is done by :mod:`dtnmodels.io`.
"""

from dtnmodels.datasets.locations import (
    REAL_DATA_ENV,
    real_data_dir,
    require_real_data,
    sample_dir,
    sample_path,
)

__all__ = [
    "REAL_DATA_ENV",
    "real_data_dir",
    "require_real_data",
    "sample_dir",
    "sample_path",
]
