"""Engines for the two supported databases.

SQLite: WAL, foreign keys on, busy timeout 10 s. pysqlite's own transaction handling is kept on purpose: it opens a
transaction implicitly right before the first INSERT/UPDATE/DELETE, so a service's first write statement (its guarded
UPDATE) is what takes the write lock, and reads before it never hold a read snapshot that would later need to be
upgraded (the upgrade fails at once with SQLITE_BUSY under WAL, whatever the busy timeout).

PostgreSQL: psycopg 3, READ COMMITTED; guarded conditional UPDATEs are the race guard.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: PostgreSQL: how long a statement waits for a lock held by another transaction (the same wait as SQLite's).
PG_LOCK_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and make them use psycopg 3; accept bare file paths as SQLite."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(normalise_url(engine_or_url))
    return url.get_backend_name() == "sqlite"


def is_postgres(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(normalise_url(engine_or_url))
    return url.get_backend_name() == "postgresql"


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        parsed = make_url(url)
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # (a `file:` URI names its own path)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if "options" not in make_url(url).query:  # options given in the URL are the administrator's
        # A write waits for another's lock no longer than on SQLite; then it fails with lock_not_available
        # (the command line's `database_busy`) instead of hanging.
        connect_args["options"] = f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=5, pool_pre_ping=True, connect_args=connect_args
    )


@dataclass
class Database:
    """An engine and its session factory. One per process (or per worker thread's needs)."""

    url: str
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.url = normalise_url(self.url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @property
    def is_postgres(self) -> bool:
        return is_postgres(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session: closed at the end, never committed (loaded values stay readable). Writes go through
        `write_transaction`."""
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
