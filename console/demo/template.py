"""A prepared demo county: built once, copied for every later fresh demo database (SQLite), moved to today.

Building the demo county through the services takes a minute or more (thousands of cases, each one a real intake,
dispatch and closure with its events). The first build on a machine saves a pristine copy beside the user's data
(`demo-template/`); every later fresh demo database — a new data directory, the wall's own file, a tour, a reset —
is that copy, taken with SQLite's backup API and moved forward by whole days so that its history ends within the
last day (times of day, and so the day's rhythm, stay as built). The unit positions are then reported again at the
present time, so no unit starts grey.

The copy is keyed by the generator's inputs (seed, days, appeals a day), the schema revision and the console's
version: a change to any of them builds afresh. Only SQLite files are copied; PostgreSQL always builds.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Date

from .. import __version__
from ..db import Database
from ..db.migrate import head_revision
from ..models import Base
from ..models.base import UTCDateTime
from ..timeutil import ensure_utc
from .positions import report_positions_at

log = logging.getLogger(__name__)

DIRECTORY = "demo-template"
#: Bumped when the generator makes a different county or history from the same inputs (old copies are not used).
GENERATOR = 3


@dataclass(frozen=True)
class TemplateKey:
    seed: int
    days: int
    per_day: int
    revision: str
    version: str = __version__
    generator: int = GENERATOR

    @property
    def stem(self) -> str:
        return f"demo-{self.seed}-{self.days}d-{self.per_day}-{self.revision}-{self.version}-g{self.generator}"


def template_files(data_dir: Path, key: TemplateKey) -> tuple[Path, Path]:
    """The prepared database and its note (when it was built, i.e. where its history ends)."""
    folder = data_dir / DIRECTORY
    return folder / f"{key.stem}.sqlite3", folder / f"{key.stem}.json"


def key_for(db: Database, *, seed: int, days: int, per_day: int) -> TemplateKey | None:
    """The key of a demo built into `db`, or None when `db` is no SQLite file (nothing to copy)."""
    if not db.is_sqlite or _sqlite_path(db) is None:
        return None
    revision = head_revision(db.engine) or "none"
    return TemplateKey(seed=seed, days=days, per_day=per_day, revision=revision)


def _sqlite_path(db: Database) -> Path | None:
    database = db.engine.url.database
    return Path(database) if database and database != ":memory:" else None


def save(db: Database, data_dir: Path, key: TemplateKey, built_until: datetime) -> Path:
    """Keep a copy of the demo just built in `db` (history up to `built_until`)."""
    target, note = template_files(data_dir, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with db.engine.connect() as connection:
        source = connection.connection.driver_connection
        assert isinstance(source, sqlite3.Connection)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            dest.close()
    partial.replace(target)
    note.write_text(json.dumps({"built_until": ensure_utc(built_until).isoformat(), "key": key.stem}))
    return target


def restore(db: Database, data_dir: Path, key: TemplateKey, now: datetime) -> int | None:
    """Fill the empty database `db` from the prepared copy, moved to `now`; returns the days it was moved by, or
    None when there is no usable copy (the caller builds)."""
    target, note = template_files(data_dir, key)
    if not target.exists() or not note.exists():
        return None
    try:
        built_until = datetime.fromisoformat(json.loads(note.read_text())["built_until"])
    except (OSError, ValueError, KeyError):
        return None
    days = max(0, (ensure_utc(now) - ensure_utc(built_until)) // timedelta(days=1))
    with db.engine.connect() as connection:
        dest = connection.connection.driver_connection
        assert isinstance(dest, sqlite3.Connection)
        source = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            source.backup(dest)
        finally:
            source.close()
        if days:
            shift_days(dest, days)
    db.engine.dispose()  # no pooled connection keeps the empty schema's view
    report_positions_at(db, now, seed=key.seed)
    return days


def shift_days(conn: sqlite3.Connection, days: int) -> None:
    """Move every stored time and date forward by `days` whole days, in one transaction. The audit trail's
    append-only triggers are lifted for the move and put back as they were."""
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    ).fetchall()
    offset = f"+{int(days)} days"
    conn.execute("BEGIN IMMEDIATE")
    try:
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UTCDateTime):
                    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff": the seconds move, the fraction stays as written.
                    expr = (
                        f"strftime('%Y-%m-%d %H:%M:%S', \"{column.name}\", '{offset}') || substr(\"{column.name}\", 20)"
                    )
                elif isinstance(column.type, Date):
                    expr = f"date(\"{column.name}\", '{offset}')"
                else:
                    continue
                conn.execute(f'UPDATE "{table.name}" SET "{column.name}" = {expr} WHERE "{column.name}" IS NOT NULL')
        for _name, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
