"""Reading a TOML file into its model: one way for every configuration file, with errors naming the file, the key
and the line. Also where the console's own configuration file is: `--config FILE`, else the CONSOLE_CONFIG variable,
else `console.toml` in the user's configuration directory."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pydantic
from pydantic import BaseModel

from ..paths import default_config_path
from .errors import ConfigError, from_pydantic

M = TypeVar("M", bound=BaseModel)

#: The variable naming the console's configuration file when `--config` is not given.
CONFIG_ENV = "CONSOLE_CONFIG"


def locate(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """The console configuration file to read, and whether it must exist (it was named by `--config` or
    CONSOLE_CONFIG); the user's file may be missing (the console has not been set up on this machine yet)."""
    if explicit:
        return Path(explicit), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env), True
    return default_config_path(), False


_TOML_LINE = re.compile(r"at line (\d+)")


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The file's tables and its text (kept to find the line of a key that turns out to be wrong)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config", f"configuration file not found: {path}", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("config", f"cannot read the file: {exc}", file=path) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError("config", f"not valid TOML: {exc}", file=path, line=line) from None


def validate(model: type[M], data: Mapping[str, Any], *, file: Path | None = None, text: str | None = None) -> M:
    """The data as `model`, or a ConfigError naming the first bad key (with its file and line when given)."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise from_pydantic(exc, model=model, file=file, text=text) from None


def load_file(model: type[M], path: Path) -> M:
    data, text = read_toml(path)
    return validate(model, data, file=path, text=text)
