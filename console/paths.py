"""Where things are: resources (same from source and from a frozen build) and the user's data directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "dispatch-console"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def resources_dir() -> Path:
    """The `resources/` tree: beside the packages in a checkout, inside the bundle when frozen."""
    override = os.environ.get("CONSOLE_RESOURCES")
    if override:
        return Path(override)
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def migrations_dir() -> Path:
    if is_frozen():
        return resources_dir() / "migrations"
    return Path(__file__).resolve().parent / "db" / "migrations"


def data_dir() -> Path:
    override = os.environ.get("CONSOLE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Where the console's configuration file lives (not created here: a missing file means "first run")."""
    override = os.environ.get("CONSOLE_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "console.toml"


def i18n_dir() -> Path:
    """Compiled translations of the interface (`console_zh_CN.qm`) and their `.ts` sources."""
    return resources_dir() / "i18n"


def default_db_path() -> Path:
    return data_dir() / "console.sqlite3"


def default_db_url() -> str:
    return os.environ.get("CONSOLE_DB_URL") or f"sqlite:///{default_db_path()}"
