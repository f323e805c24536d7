"""The `[feeds]` part of the console's configuration file (TOML), parsed into typed settings.

```toml
[feeds.traccar]
url = "http://gps.example:8082"
token = "..."                 # or user = "...", password = "..." (session cookie; auth = "basic" for Basic)
interval_s = 5

[[feeds.open311]]
name = "city311"
url = "http://311.example/open311/v2"
api_key = "..."
jurisdiction_id = "example.gov"   # optional
channel = "online"
interval_s = 60

[feeds.open311.categories]        # service code -> category (unmapped codes become `other`)
"001" = "livelihood"
```

Every error names the offending key (`feeds.open311[0].url`). Tokens, passwords and API keys are held as `Secret`,
whose repr and str never show the value.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..enums import Category, Channel, Priority
from ..services.errors import ValidationError
from .secrets import Secret

CONFIG_ENV = "CONSOLE_CONFIG"


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout_s: float = 3.05
    read_timeout_s: float = 10.0
    retries: int = 2  # extra attempts after the first, for transient failures
    backoff_s: float = 0.5  # first retry delay; doubles each time, with jitter
    max_backoff_s: float = 300.0  # ceiling of the delay between failed polls


@dataclass(frozen=True)
class TraccarConfig:
    url: str
    token: Secret | None = None
    user: str | None = None
    password: Secret | None = None
    auth: str = "token"  # token / session / basic
    interval_s: float = 5.0
    name: str = "traccar"
    http: HttpSettings = field(default_factory=HttpSettings)


@dataclass(frozen=True)
class Open311Config:
    name: str
    url: str
    api_key: Secret | None = None
    jurisdiction_id: str | None = None
    channel: Channel = Channel.ONLINE
    priority: Priority = Priority.YELLOW
    interval_s: float = 60.0
    window_h: float = 24.0  # each poll asks for requests made in the last window_h hours (updates included)
    max_pages: int = 50
    categories: Mapping[str, Category] = field(default_factory=dict)
    http: HttpSettings = field(default_factory=HttpSettings)


@dataclass(frozen=True)
class FeedsConfig:
    traccar: TraccarConfig | None = None
    open311: tuple[Open311Config, ...] = ()

    @property
    def empty(self) -> bool:
        return self.traccar is None and not self.open311

    def source_names(self) -> list[str]:
        return ([self.traccar.name] if self.traccar else []) + [o.name for o in self.open311]


# -- parsing ------------------------------------------------------------------------------------------------------


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ValidationError(f"{where}.{key}", f"unknown key; expected some of {', '.join(sorted(allowed))}")


def _str(table: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ValidationError(f"{where}.{key}", "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{where}.{key}", "must be a non-empty text")
    return value.strip()


def _number(table: Mapping[str, Any], key: str, where: str, default: float, *, low: float, high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where}.{key}", "must be a number")
    if not low <= value <= high:
        raise ValidationError(f"{where}.{key}", f"must be between {low:g} and {high:g}")
    return float(value)


def _url(table: Mapping[str, Any], where: str) -> str:
    url = _str(table, "url", where, required=True)
    assert url is not None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(f"{where}.url", "must be an http:// or https:// address")
    if parsed.username or parsed.password:
        raise ValidationError(f"{where}.url", "must not carry credentials; use token or user/password")
    return url.rstrip("/")


_HTTP_KEYS = {"connect_timeout_s", "read_timeout_s", "retries", "backoff_s", "max_backoff_s"}


def _http(table: Mapping[str, Any], where: str) -> HttpSettings:
    d = HttpSettings()
    return HttpSettings(
        connect_timeout_s=_number(table, "connect_timeout_s", where, d.connect_timeout_s, low=0.01, high=120),
        read_timeout_s=_number(table, "read_timeout_s", where, d.read_timeout_s, low=0.01, high=600),
        retries=int(_number(table, "retries", where, d.retries, low=0, high=10)),
        backoff_s=_number(table, "backoff_s", where, d.backoff_s, low=0, high=60),
        max_backoff_s=_number(table, "max_backoff_s", where, d.max_backoff_s, low=0, high=86400),
    )


def _secret(table: Mapping[str, Any], key: str, where: str) -> Secret | None:
    value = _str(table, key, where)
    return Secret(value) if value is not None else None


def parse_traccar(table: Any, where: str = "feeds.traccar") -> TraccarConfig:
    if not isinstance(table, Mapping):
        raise ValidationError(where, "must be a table")
    _check_keys(table, {"url", "token", "user", "password", "auth", "interval_s", "name"} | _HTTP_KEYS, where)
    url = _url(table, where)
    token = _secret(table, "token", where)
    user = _str(table, "user", where)
    password = _secret(table, "password", where)
    auth = _str(table, "auth", where)
    if token is not None and (user is not None or password is not None):
        raise ValidationError(f"{where}.token", "give either token or user/password, not both")
    if token is None:
        if user is None:
            raise ValidationError(f"{where}.token", "is required (or user and password)")
        if password is None:
            raise ValidationError(f"{where}.password", "is required with user")
        auth = auth or "session"
        if auth not in ("session", "basic"):
            raise ValidationError(f"{where}.auth", "must be session or basic with user/password")
    else:
        if auth not in (None, "token"):
            raise ValidationError(f"{where}.auth", "must be token (or absent) with a token")
        auth = "token"
    name = _str(table, "name", where) or "traccar"
    return TraccarConfig(
        url=url,
        token=token,
        user=user,
        password=password,
        auth=auth,
        interval_s=_number(table, "interval_s", where, 5, low=0.01, high=86400),
        name=name,
        http=_http(table, where),
    )


def parse_open311(table: Any, where: str) -> Open311Config:
    if not isinstance(table, Mapping):
        raise ValidationError(where, "must be a table")
    allowed = {"name", "url", "api_key", "jurisdiction_id", "channel", "priority", "interval_s", "window_h"}
    _check_keys(table, allowed | {"max_pages", "categories"} | _HTTP_KEYS, where)
    name = _str(table, "name", where, required=True)
    assert name is not None
    if len(name) > 64:
        raise ValidationError(f"{where}.name", "is too long (at most 64 characters)")
    channel_text = _str(table, "channel", where) or Channel.ONLINE.value
    try:
        channel = Channel(channel_text)
    except ValueError:
        raise ValidationError(
            f"{where}.channel", f"unknown channel {channel_text!r}; expected one of {', '.join(Channel)}"
        ) from None
    priority_text = _str(table, "priority", where) or Priority.YELLOW.value
    try:
        priority = Priority(priority_text)
    except ValueError:
        raise ValidationError(
            f"{where}.priority", f"unknown priority {priority_text!r}; expected one of {', '.join(Priority)}"
        ) from None
    raw_categories = table.get("categories", {})
    if not isinstance(raw_categories, Mapping):
        raise ValidationError(f"{where}.categories", "must be a table of service code = category")
    categories: dict[str, Category] = {}
    for code, value in raw_categories.items():
        try:
            categories[str(code)] = Category(value)
        except ValueError:
            raise ValidationError(
                f"{where}.categories.{code}", f"unknown category {value!r}; expected one of {', '.join(Category)}"
            ) from None
    return Open311Config(
        name=name,
        url=_url(table, where),
        api_key=_secret(table, "api_key", where),
        jurisdiction_id=_str(table, "jurisdiction_id", where),
        channel=channel,
        priority=priority,
        interval_s=_number(table, "interval_s", where, 60, low=0.01, high=86400),
        window_h=_number(table, "window_h", where, 24, low=0.01, high=24 * 90),
        max_pages=int(_number(table, "max_pages", where, 50, low=1, high=10_000)),
        categories=categories,
        http=_http(table, where),
    )


def parse_feeds(feeds: Any) -> FeedsConfig:
    """Parse the `[feeds]` table (the value under the `feeds` key of the configuration)."""
    if feeds is None:
        return FeedsConfig()
    if not isinstance(feeds, Mapping):
        raise ValidationError("feeds", "must be a table")
    _check_keys(feeds, {"traccar", "open311"}, "feeds")
    traccar = parse_traccar(feeds["traccar"]) if "traccar" in feeds else None
    raw = feeds.get("open311", [])
    if isinstance(raw, Mapping):  # a single [feeds.open311] table instead of [[feeds.open311]]
        raw = [raw]
    if not isinstance(raw, list):
        raise ValidationError("feeds.open311", "must be a list of tables ([[feeds.open311]])")
    sources = tuple(parse_open311(t, f"feeds.open311[{i}]") for i, t in enumerate(raw))
    taken = {traccar.name} if traccar else set()
    for i, source in enumerate(sources):
        if source.name in taken:
            raise ValidationError(f"feeds.open311[{i}].name", f"{source.name!r} is used by another source")
        taken.add(source.name)
    return FeedsConfig(traccar=traccar, open311=sources)


def config_file(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The configuration file to read: `--config FILE`, else the CONSOLE_CONFIG variable, else the user's file."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    try:
        from ..paths import default_config_path  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    path: Path = default_config_path()
    return path if path.exists() else None


def load_feeds_config(path: str | os.PathLike[str]) -> FeedsConfig:
    """Read a TOML configuration file and parse its `[feeds]` part."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError("config", f"configuration file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("config", f"cannot read {file.name}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("config", f"{file.name}: {exc}") from None
    return parse_feeds(data.get("feeds"))
