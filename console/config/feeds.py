"""The `[feeds]` tables of the console's configuration file: the GPS server (Traccar) and the appeal platforms
(Open311), typed.

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

Every error names the offending key (`feeds.open311[0].url`). Tokens, passwords and API keys are held as `Secret`
(a `SecretStr`), whose repr and str never show the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator

from ..enums import Category, Channel, Priority
from ..secrets import Secret
from .base import FieldProblem, Float, Int, Section, Text


class HttpSettings(Section):
    """Timeouts and retries of one outside source (keys of the source's own table)."""

    connect_timeout_s: Float = Field(3.05, ge=0.01, le=120, description="seconds to wait for a connection")
    read_timeout_s: Float = Field(10.0, ge=0.01, le=600, description="seconds to wait for an answer")
    retries: Int = Field(2, ge=0, le=10, description="extra attempts after a transient failure")
    backoff_s: Float = Field(0.5, ge=0, le=60, description="first retry delay; doubles each time, with jitter")
    max_backoff_s: Float = Field(300.0, ge=0, le=86400, description="ceiling of the delay between failed polls")


class _Source(HttpSettings):
    """A source's table holds its HTTP settings beside its own keys; in code they are also given as `http=`."""

    @model_validator(mode="before")
    @classmethod
    def _take_http(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("http"), HttpSettings):
            flat = {k: v for k, v in data.items() if k != "http"}
            return {**data["http"].model_dump(), **flat}
        return data

    @property
    def http(self) -> HttpSettings:
        return HttpSettings(**{name: getattr(self, name) for name in HttpSettings.model_fields})

    @field_validator("url", check_fields=False)
    @classmethod
    def _http_url(cls, url: str) -> str:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http:// or https:// address")
        if parsed.username or parsed.password:
            raise ValueError("must not carry credentials; use token or user/password")
        return url.rstrip("/")


class TraccarConfig(_Source):
    """The GPS server: positions of every unit with a tracker."""

    url: Text = Field(description="the server's address (http:// or https://)")
    token: Secret | None = Field(None, description="API token (or user and password)")
    user: Text | None = Field(None, description="user (e-mail) for a session cookie or Basic auth")
    password: Secret | None = Field(None, description="password, with user")
    auth: Literal["token", "session", "basic"] = Field(
        "token", description="token with a token; session (default) or basic with user/password"
    )
    interval_s: Float = Field(5.0, ge=0.01, le=86400, description="seconds between polls")
    name: Text = Field("traccar", max_length=64, description="source name in the health display")

    @model_validator(mode="before")
    @classmethod
    def _default_auth(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("auth") is None:
            return {**data, "auth": "token" if data.get("token") is not None else "session"}
        return data

    @model_validator(mode="after")
    def _one_way_in(self) -> TraccarConfig:
        if self.token is not None:
            if self.user is not None or self.password is not None:
                raise FieldProblem(("token",), "give either token or user/password, not both")
            if self.auth != "token":
                raise FieldProblem(("auth",), "must be token (or absent) with a token")
            return self
        if self.user is None:
            raise FieldProblem(("token",), "is required (or user and password)")
        if self.password is None:
            raise FieldProblem(("password",), "is required with user")
        if self.auth not in ("session", "basic"):
            raise FieldProblem(("auth",), "must be session or basic with user/password")
        return self


class Open311Config(_Source):
    """An appeal platform speaking GeoReport v2 (Open311): its requests become appeals."""

    name: Text = Field(max_length=64, description="source name, unique; shown in the health display")
    url: Text = Field(description="the endpoint's address, e.g. http://311.example/open311/v2")
    api_key: Secret | None = Field(None, description="API key, when the platform wants one")
    jurisdiction_id: Text | None = Field(None, description="jurisdiction (FixMyStreet requires it)")
    channel: Channel = Field(Channel.ONLINE, description="intake channel of these appeals")
    priority: Priority = Field(Priority.YELLOW, description="priority of these appeals")
    interval_s: Float = Field(60.0, ge=0.01, le=86400, description="seconds between polls")
    window_h: Float = Field(
        24.0, ge=0.01, le=24 * 90, description="each poll asks for the requests of the last window_h hours"
    )
    max_pages: Int = Field(50, ge=1, le=10_000, description="pages read at most per poll")
    categories: dict[str, Category] = Field(
        default_factory=dict, description="service code = category; unmapped codes become `other`"
    )
    media_max_bytes: Int | None = Field(
        None,
        ge=1024,
        le=200 * 1024 * 1024,
        description="a tighter limit for this source's photos (`media_url`) than `[attachments] max_bytes`, which "
        "applies without it (and caps it)",
    )


class FeedsConfig(Section):
    """`[feeds]`: which outside systems this center reads."""

    traccar: TraccarConfig | None = Field(None, description="the GPS server (one)")
    open311: tuple[Open311Config, ...] = Field((), description="appeal platforms ([[feeds.open311]], any number)")

    @field_validator("open311", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, Mapping):  # a single [feeds.open311] table instead of [[feeds.open311]]
            return [value]
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of tables ([[feeds.open311]])")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> FeedsConfig:
        taken = {self.traccar.name} if self.traccar else set()
        for i, source in enumerate(self.open311):
            if source.name in taken:
                raise FieldProblem(("open311", i, "name"), f"{source.name!r} is used by another source")
            taken.add(source.name)
        return self

    @property
    def empty(self) -> bool:
        return self.traccar is None and not self.open311

    def source_names(self) -> list[str]:
        return ([self.traccar.name] if self.traccar else []) + [o.name for o in self.open311]
