"""The console's configuration file (TOML): which database, which language, which basemap, which feeds.

```toml
[database]
url = "postgresql://dispatch@10.1.2.3/county"   # or a SQLite file path

[interface]
language = "zh_CN"        # or "en"; absent: the system locale

[basemap]                 # passed to console.geo.basemap.BasemapConfig
mbtiles = "D:/tiles/county.mbtiles"

[feeds]                   # passed through to console/feeds/config.py

[login]                   # console.services.login_policy.LoginSettings (password policy, delay, lockout)
min_password_length = 8
```

The file is looked for at `--config FILE`, else in the user's configuration directory (`console.paths`). A missing
file is not an error: it means the console has not been set up on this machine yet (the first-run dialog writes it).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .paths import default_config_path, default_db_url
from .services.errors import ValidationError
from .services.login_policy import LoginSettings

LANGUAGES = ("zh_CN", "en")


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    database_url: str | None = None
    language: str | None = None
    #: How the database was chosen at first run: "demo", "shared" or "new" (shown in the about box, kept for support).
    setup: str | None = None
    basemap: dict[str, Any] = field(default_factory=dict)
    feeds: dict[str, Any] = field(default_factory=dict)
    login: LoginSettings = field(default_factory=LoginSettings)
    #: Where it was read from (None: nothing was read, every value is a default).
    path: Path | None = None

    @property
    def exists(self) -> bool:
        return self.path is not None

    def with_database(self, url: str, *, setup: str) -> ConsoleConfig:
        return replace(self, database_url=url, setup=setup)

    def basemap_config(self) -> Any:
        """The basemap settings as the map's `BasemapConfig` (raises ValidationError naming a bad key)."""
        from .geo.basemap import BasemapConfig

        values = dict(self.basemap)
        if "mbtiles" in values and values["mbtiles"] is not None:
            values["mbtiles"] = Path(str(values["mbtiles"]))
        try:
            return BasemapConfig(**values)
        except TypeError as exc:  # an unknown key
            raise ValidationError("basemap", str(exc)) from exc


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return Path(explicit) if explicit else default_config_path()


def load_config(explicit: str | os.PathLike[str] | None = None) -> ConsoleConfig:
    """Read the configuration; an explicit file that is missing is an error, the default one may be absent."""
    path = config_path(explicit)
    if not path.exists():
        if explicit:
            raise ValidationError("config", f"configuration file not found: {path}")
        return ConsoleConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError("config", f"{path.name}: {exc}") from exc
    return parse_config(data, path=path)


def parse_config(data: Mapping[str, Any], *, path: Path | None = None) -> ConsoleConfig:
    database = _table(data, "database")
    interface = _table(data, "interface")
    url = database.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise ValidationError("database.url", "must be a non-empty text")
    setup = database.get("setup")
    if setup is not None and setup not in ("demo", "shared", "new"):
        raise ValidationError("database.setup", "must be demo, shared or new")
    language = interface.get("language")
    if language is not None and language not in LANGUAGES:
        raise ValidationError("interface.language", f"must be one of {', '.join(LANGUAGES)}")
    return ConsoleConfig(
        database_url=url.strip() if isinstance(url, str) else None,
        language=language,
        setup=setup,
        basemap=dict(_table(data, "basemap")),
        feeds=dict(_table(data, "feeds")),
        login=LoginSettings.from_table(_table(data, "login")),
        path=path,
    )


def resolve_database_url(db: str | None = None, config_file: str | os.PathLike[str] | None = None) -> str:
    """Which database a command uses: `--db`, else CONSOLE_DB_URL, else the configuration file's, else the local
    default file."""
    if db:
        return db
    if os.environ.get("CONSOLE_DB_URL"):
        return default_db_url()
    return load_config(config_file).database_url or default_db_url()


def save_config(config: ConsoleConfig, explicit: str | os.PathLike[str] | None = None) -> Path:
    """Write the configuration (atomically: a crash never leaves half a file) and return where."""
    path = config_path(explicit) if explicit or config.path is None else config.path
    data: dict[str, Any] = {}
    if config.database_url is not None or config.setup is not None:
        data["database"] = {k: v for k, v in (("url", config.database_url), ("setup", config.setup)) if v is not None}
    if config.language is not None:
        data["interface"] = {"language": config.language}
    if config.basemap:
        data["basemap"] = config.basemap
    if config.feeds:
        data["feeds"] = config.feeds
    login = {k: v for k, v in asdict(config.login).items() if v != getattr(LoginSettings(), k)}
    if login:
        data["login"] = login
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps_toml(data), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ValidationError(name, "must be a table")
    return value


# -- a small TOML writer for the values a configuration holds (tables, text, numbers, booleans, lists) -----------


def dumps_toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _write_table(lines, data, [])
    return "\n".join(lines).strip() + "\n"


def _write_table(lines: list[str], table: Mapping[str, Any], prefix: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        lines.append("")
        lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables.items():
        _write_table(lines, value, [*prefix, key])


def _key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key) and key.isascii():
        return key
    return _string(key)


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = "".join(c if ord(c) >= 0x20 else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Path):
        return _string(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
