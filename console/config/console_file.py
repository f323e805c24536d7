"""The console's configuration file (TOML): which database, which language, which basemap, which feeds.

```toml
[database]
url = "postgresql://dispatch@10.1.2.3/county"   # or a SQLite file path
read_url = "postgresql://wall@db1,db2/county?target_session_attrs=prefer-standby"   # optional: the wall reads here

[interface]
language = "zh_CN"        # or "en"; absent: the system locale

[basemap]
mbtiles = "D:/tiles/county.mbtiles"

[feeds.traccar]           # see console/config/feeds.py

[login]                   # see console/config/login.py: password policy, failed-login delay and lock
min_password_length = 8
```

The file is found by `loader.locate`: `--config FILE`, else CONSOLE_CONFIG, else the user's configuration directory.
A missing user file is not an error: the console has not been set up on this machine yet (the first-run dialog
writes it). A file named by `--config` or CONSOLE_CONFIG must exist.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from ..attachments.settings import AttachmentSettings
from ..errors import ValidationError
from ..geo.basemap import BasemapConfig
from ..paths import default_db_url
from .alarm import AlarmSection
from .attachments import AttachmentsSection
from .base import FieldProblem, Float, Int, Section, Text
from .feeds import FeedsConfig
from .follow_up import FollowUpSection
from .handoff import HandoffSection, HandoffSettings
from .loader import locate, read_toml, validate
from .login import LoginSection, LoginSettings
from .toml_writer import dumps_toml

LANGUAGES = ("zh_CN", "en")
Language = Literal["zh_CN", "en"]
Setup = Literal["demo", "shared", "new"]

_MAP = BasemapConfig()  # the map's own defaults, written once (in console/geo/basemap.py)


class DatabaseSection(Section):
    url: Text | None = Field(None, description="database URL (postgresql://…) or SQLite file; absent: first run")
    setup: Setup | None = Field(None, description="how it was chosen at first run: demo, shared or new")
    read_url: Text | None = Field(
        None,
        description="where a read-only console (the wall) reads: a hot standby, e.g. `…?target_session_attrs=prefer-standby`",
    )


class InterfaceSection(Section):
    language: Language | None = Field(None, description="zh_CN or en; absent: the system locale")


class BasemapSection(Section):
    mbtiles: Path | None = Field(None, description="local tile store (MBTiles file)")
    url_template: Text | None = Field(None, description="intranet tile server, http://host/{z}/{x}/{y}.png")
    datum: Literal["wgs84", "gcj02"] = Field(_MAP.datum, description="datum the tiles are drawn in")
    attribution: str = Field(_MAP.attribution, description="attribution text shown on the map")
    min_zoom: Int = Field(_MAP.min_zoom, ge=0, le=22, description="smallest zoom")
    max_zoom: Int = Field(_MAP.max_zoom, ge=0, le=22, description="largest zoom")
    stale_fix_s: Float = Field(_MAP.stale_fix_s, gt=0, le=86400, description="a fix older than this is drawn grey")

    @model_validator(mode="after")
    def _is_a_basemap(self) -> BasemapSection:
        self.to_basemap()
        return self

    def to_basemap(self) -> BasemapConfig:
        try:
            return BasemapConfig(**self.model_dump())
        except ValidationError as exc:  # the map's own checks (one source or the other, zoom range, template)
            raise FieldProblem((exc.field,), exc.reason) from None


class ConsoleFile(Section):
    """The whole file. To add a section: write a `Section` with defaults and add it here as a field (the README's
    tables follow from `python -m console.config.reference`)."""

    database: DatabaseSection = Field(default_factory=DatabaseSection, description="the shared database")
    interface: InterfaceSection = Field(default_factory=InterfaceSection, description="the interface")
    basemap: BasemapSection = Field(default_factory=BasemapSection, description="the map's basemap")
    feeds: FeedsConfig = Field(default_factory=FeedsConfig, description="outside feeds, run once per center")
    login: LoginSection = Field(
        default_factory=LoginSection, description="password policy, failed-login delay and lock"
    )
    handoff: HandoffSection = Field(
        default_factory=HandoffSection, description="110 ↔ 12345 hand-offs: time limit and adapters"
    )
    alarm: AlarmSection = Field(default_factory=AlarmSection, description="the alarm for new urgent cases, per role")
    attachments: AttachmentsSection = Field(
        default_factory=AttachmentsSection, description="photos and evidence: size limit, thumbnails"
    )
    follow_up: FollowUpSection = Field(
        default_factory=FollowUpSection, description="leader-owned cases and violence-risk disputes"
    )


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """The configuration as read: typed settings, where they came from, and the tables as written (to write the
    file back with only what changed)."""

    settings: ConsoleFile = field(default_factory=ConsoleFile)
    #: Where it was read from (None: nothing was read, every value is a default).
    path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def exists(self) -> bool:
        return self.path is not None

    @property
    def database_url(self) -> str | None:
        return self.settings.database.url

    @property
    def database_read_url(self) -> str | None:
        return self.settings.database.read_url

    @property
    def setup(self) -> str | None:
        return self.settings.database.setup

    @property
    def language(self) -> str | None:
        return self.settings.interface.language

    @property
    def feeds(self) -> FeedsConfig:
        return self.settings.feeds

    @property
    def login(self) -> LoginSettings:
        return self.settings.login.settings()

    @property
    def handoff(self) -> HandoffSettings:
        return self.settings.handoff.settings()

    @property
    def attachments(self) -> AttachmentSettings:
        return self.settings.attachments.settings()

    def basemap_config(self) -> BasemapConfig:
        return self.settings.basemap.to_basemap()

    def with_database(self, url: str, *, setup: str) -> ConsoleConfig:
        raw = dict(self.raw)
        raw["database"] = {**dict(raw.get("database") or {}), "url": url, "setup": setup}
        return ConsoleConfig(validate(ConsoleFile, raw, file=self.path), self.path, raw)


def parse_config(data: Mapping[str, Any], *, path: Path | None = None, text: str | None = None) -> ConsoleConfig:
    return ConsoleConfig(validate(ConsoleFile, data, file=path, text=text), path, dict(data))


def load_config(explicit: str | os.PathLike[str] | None = None) -> ConsoleConfig:
    """Read the configuration (`--config`, CONSOLE_CONFIG, the user's file); a named file that is missing is an
    error, the user's may be absent."""
    path, required = locate(explicit)
    if not required and not path.exists():
        return ConsoleConfig()
    data, text = read_toml(path)
    return parse_config(data, path=path, text=text)


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
    path = Path(explicit) if explicit else config.path or locate()[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps_toml(config.raw), encoding="utf-8")
    os.replace(tmp, path)
    return path
