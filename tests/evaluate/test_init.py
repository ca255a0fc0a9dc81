"""The public namespace of dtnmodels.evaluate."""

from __future__ import annotations

import dtnmodels.evaluate as evaluate


def test_every_exported_name_resolves() -> None:
    """Each name in __all__ imports lazily from its submodule."""
    missing = [
        name for name in evaluate.__all__ if getattr(evaluate, name, None) is None
    ]

    assert missing == []
    assert {"Report", "metrics_payload", "select_model", "cross_validate"} <= set(
        dir(evaluate)
    )
