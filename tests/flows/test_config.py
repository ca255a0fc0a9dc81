"""Config merging, validation and error wording (flows/config.py)."""

from __future__ import annotations

import pytest

from dtnmodels.core.errors import ConfigError, InputFileError
from dtnmodels.flows.config import load_flow_config, parse_override
from tests.flows.toy_flow import ToyFlow


@pytest.fixture
def series_file(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("y\n1\n2\n3\n", encoding="utf-8")
    return path


def _load(tmp_path, files=(), overrides=()):
    return load_flow_config(
        "toy",
        ToyFlow.schema,
        files=files,
        overrides=overrides,
        default=ToyFlow().default_config(),
    )


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_files_merge_in_order_and_overrides_win(tmp_path, series_file):
    """Later files override earlier ones; --set overrides every file."""
    first = _write(tmp_path, "a.yaml", f"data:\n  series: {series_file}\nscale: 2\n")
    second = _write(tmp_path, "b.yaml", "scale: 3\n")

    cfg = _load(tmp_path, files=[first, second], overrides=["model.params.k=5"])

    assert cfg.scale == 3.0
    assert cfg.model.name == "mean"
    assert cfg.model.params == {"k": 5}
    assert cfg.data.series == str(series_file)


def test_unknown_key_names_dotted_path_file_and_allowed_keys(tmp_path, series_file):
    """A misspelled key is reported with its path, its file and the allowed keys."""
    bad = _write(tmp_path, "bad.yaml", f"data:\n  seris: {series_file}\n")

    with pytest.raises(ConfigError) as info:
        _load(tmp_path, files=[bad])

    message = str(info.value)
    assert "'data.seris'" in message
    assert "bad.yaml" in message
    assert "allowed keys under 'data': series" in message


def test_wrong_type_names_key_and_source(tmp_path, series_file):
    """A value of the wrong type is reported with the key and where it was set."""
    good = _write(tmp_path, "good.yaml", f"data:\n  series: {series_file}\n")

    with pytest.raises(
        ConfigError, match=r"^scale: .*'abc'.*\(set in --set scale=abc\)"
    ):
        _load(tmp_path, files=[good], overrides=["scale=abc"])


def test_missing_required_value_is_reported(tmp_path):
    """A required input left unset names the key and how to set it."""
    with pytest.raises(ConfigError, match=r"missing required value for data\.series"):
        _load(tmp_path)


def test_env_interpolation_resolves(tmp_path, series_file, monkeypatch):
    """``${oc.env:VAR,default}`` interpolation is resolved in data paths."""
    monkeypatch.setenv("TOY_DATA", str(series_file.parent))
    cfg_file = _write(
        tmp_path,
        "env.yaml",
        "data:\n  series: ${oc.env:TOY_DATA,/nowhere}/series.csv\n",
    )

    cfg = _load(tmp_path, files=[cfg_file])

    assert cfg.data.series == str(series_file)


def test_config_is_read_only(tmp_path, series_file):
    """The resolved config cannot be changed by a step."""
    cfg = _load(tmp_path, overrides=[f"data.series={series_file}"])

    with pytest.raises(Exception, match="read-only"):
        cfg.scale = 9.0


def test_invalid_yaml_reports_line(tmp_path):
    """A YAML syntax error names the file and the line."""
    bad = _write(tmp_path, "broken.yaml", "scale: 1\ndata: [unclosed\n")

    with pytest.raises(ConfigError, match=r"broken\.yaml: invalid YAML at line"):
        _load(tmp_path, files=[bad])


def test_missing_config_file(tmp_path):
    """A config file that does not exist is an input error naming it."""
    with pytest.raises(InputFileError, match=r"nope\.yaml"):
        _load(tmp_path, files=[tmp_path / "nope.yaml"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b=3", ("a.b", 3)),
        ("x=[1, 2]", ("x", [1, 2])),
        ("n=null", ("n", None)),
        ("s=hello world", ("s", "hello world")),
        ("p=../data/x.csv", ("p", "../data/x.csv")),
    ],
)
def test_parse_override(text, expected):
    """Override values are parsed as YAML scalars and lists."""
    assert parse_override(text) == expected


def test_parse_override_rejects_missing_equals():
    """``--set key`` without a value is a config error."""
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("justakey")


def test_binary_config_file_is_a_config_error(tmp_path):
    """A binary file given as config says it is not UTF-8 YAML."""
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"\xff\xfe\x00\x81binary")

    with pytest.raises(ConfigError, match=r"not a text \(UTF-8\) YAML file"):
        _load(tmp_path, files=[junk])


def test_directory_as_config_file(tmp_path):
    """A directory given as config file is named as such."""
    with pytest.raises(InputFileError, match="is a directory"):
        _load(tmp_path, files=[tmp_path])


def test_self_referencing_yaml_anchor(tmp_path):
    """A YAML anchor that contains itself is a one-line config error."""
    loop = _write(tmp_path, "loop.yaml", "a: &a [*a]\n")

    with pytest.raises(ConfigError, match="refers to itself"):
        _load(tmp_path, files=[loop])


def test_list_where_mapping_expected(tmp_path, series_file):
    """model.params given as a list is a config error, not a TypeError."""
    with pytest.raises(ConfigError):
        _load(tmp_path, overrides=[f"data.series={series_file}", "model.params=[1, 2]"])
