"""The `[feeds]` part of the console's configuration, for the feeds: the typed models live in the core
(`console.config.feeds`), the file is found and read by the one loader (`console.config`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import CONFIG_ENV, ConsoleConfig, ConsoleFile, load_config, locate, validate
from ..config.feeds import FeedsConfig, HttpSettings, Open311Config, TraccarConfig

__all__ = [
    "CONFIG_ENV",
    "FeedsConfig",
    "HttpSettings",
    "Open311Config",
    "TraccarConfig",
    "config_file",
    "load_feeds_config",
    "parse_feeds",
]


def parse_feeds(feeds: Mapping[str, Any] | None) -> FeedsConfig:
    """Parse the `[feeds]` table (the value under the `feeds` key of the configuration); errors name `feeds.…`."""
    return validate(ConsoleFile, {"feeds": feeds if feeds is not None else {}}).feeds


def config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The configuration file to read: `--config FILE`, else the CONSOLE_CONFIG variable, else the user's file
    (None when there is none)."""
    path, required = locate(explicit)
    return path if required or path.exists() else None


def load_feeds_config(path: str | os.PathLike[str]) -> FeedsConfig:
    """Read a configuration file (the whole file is checked) and return its `[feeds]` part."""
    config: ConsoleConfig = load_config(path)
    return config.feeds
