"""Read YAML config files into OmegaConf objects (the only place configs touch disk)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from dtnmodels.core.errors import ConfigError, InputFileError

__all__ = ["load_config_file", "plain_yaml_value"]


def plain_yaml_value(value: Any) -> Any:
    """Turn YAML dates into ISO strings (OmegaConf holds only plain scalars)."""
    if isinstance(value, dict):
        return {k: plain_yaml_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_yaml_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def load_config_file(path: str | Path) -> DictConfig:
    """Load one YAML config file; nothing in it is evaluated.

    Raises
    ------
    InputFileError
        The file does not exist or cannot be read.
    ConfigError
        The file is not valid YAML or its top level is not a mapping.
    """
    path = Path(path)
    if path.is_dir():
        raise InputFileError(f"config file {str(path)!r} is a directory, not a file")
    if not path.is_file():
        raise InputFileError(f"config file {str(path)!r} not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not a text (UTF-8) YAML file: byte {exc.start} cannot be decoded"
        ) from exc
    except OSError as exc:
        raise InputFileError(f"cannot read config file {str(path)!r}: {exc}") from exc

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from exc

    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: the top level must be a mapping of keys, got {type(raw).__name__}"
        )
    try:
        return OmegaConf.create(plain_yaml_value(raw))
    except RecursionError as exc:  # a YAML alias that contains itself
        raise ConfigError(
            f"{path}: a YAML anchor refers to itself (&name ... *name); "
            "write the values out"
        ) from exc
