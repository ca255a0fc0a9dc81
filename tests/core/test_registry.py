"""Model registry: names, allow-listed import paths, clear errors (core/registry.py)."""

from __future__ import annotations

import pytest

from dtnmodels.core.errors import ConfigError, UnknownModelError
from dtnmodels.core.registry import available_models, create_model, register_model


@register_model("regressor", "_test_constant")
class _Constant:
    """Predicts a constant (test fixture)."""

    def __init__(self, value: float = 0.0):
        self.value = value


def test_registered_name_with_params():
    """A registered name builds the class with the config's params."""
    model = create_model(
        "regressor", {"name": "_test_constant", "params": {"value": 3}}
    )

    assert isinstance(model, _Constant)
    assert model.value == 3


def test_available_models_lists_summary():
    """Registered models are listed with the first docstring line."""
    assert available_models("regressor")["_test_constant"] == (
        "Predicts a constant (test fixture)."
    )


def test_allowed_import_path():
    """An import path under an allowed package builds that estimator."""
    from sklearn.linear_model import Ridge

    model = create_model(
        "regressor", {"name": "sklearn.linear_model.Ridge", "params": {"alpha": 2.0}}
    )

    assert isinstance(model, Ridge)
    assert model.alpha == 2.0


def test_import_path_outside_allow_list_is_refused():
    """A config cannot import from packages outside the allow-list."""
    with pytest.raises(UnknownModelError, match=r"outside the allow-list"):
        create_model("regressor", {"name": "os.system"})


def test_unknown_name_lists_choices():
    """An unknown name says which names exist."""
    with pytest.raises(
        UnknownModelError,
        match=r"model\.name: unknown regressor "
        r"'nope'; choose one of: .*_test_constant",
    ):
        create_model("regressor", {"name": "nope"})


def test_bad_params_name_the_model():
    """Parameters the class does not take are a config error naming the model."""
    with pytest.raises(ConfigError, match=r"model\.params do not fit '_test_constant'"):
        create_model("regressor", {"name": "_test_constant", "params": {"wrong": 1}})


def test_register_rejects_unknown_kind():
    """Only the documented model kinds exist."""
    with pytest.raises(ValueError, match="kind must be one of"):
        register_model("classifier", "x")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("sklearn.datasets.dump_svmlight_file", "not a model class"),
        ("sklearn.utils._testing.ignore_warnings", "not a public class path"),
    ],
)
def test_import_path_must_be_a_public_model_class(name, reason, tmp_path):
    """A config cannot call functions (that write files or download) by import path."""
    params = {"X": [[1.0]], "y": [1.0], "f": str(tmp_path / "written.svm")}

    with pytest.raises(UnknownModelError, match=reason):
        create_model("regressor", {"name": name, "params": params})

    assert not (tmp_path / "written.svm").exists()
