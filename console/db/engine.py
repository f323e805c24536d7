"""Engines for the two supported databases.

SQLite: WAL, foreign keys on, busy timeout 10 s. pysqlite's own transaction handling is kept on purpose: it opens a
transaction implicitly right before the first INSERT/UPDATE/DELETE, so a service's first write statement (its guarded
UPDATE) is what takes the write lock, and reads before it never hold a read snapshot that would later need to be
upgraded (the upgrade fails at once with SQLITE_BUSY under WAL, whatever the busy timeout).

PostgreSQL: psycopg 3, READ COMMITTED; guarded conditional UPDATEs are the race guard. A center with a hot standby
names every server in one multi-host URL, in any of the forms libpq knows —
`postgresql://dispatch@db1:5432,db2:5432/county?target_session_attrs=read-write`,
`postgresql://dispatch@/county?host=db1,db2&port=5432,5432&target_session_attrs=read-write` or the key/value form
`host=db1,db2 port=5432,5432 dbname=county user=dispatch target_session_attrs=read-write` — and libpq connects to the
first server that answers as the primary (`target_session_attrs`), so after a promotion a new connection finds the
new primary by itself. All of them become SQLAlchemy's multi-host form (`?host=db1:5432&host=db2:5432`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .file_guard import FileGuard, guard_sqlite_file

SQLITE_BUSY_TIMEOUT_MS = 10_000
#: PostgreSQL: how long a statement waits for a lock held by another transaction (the same wait as SQLite's).
PG_LOCK_TIMEOUT_MS = 10_000


_CONNINFO = re.compile(r"^\s*(host|hostaddr|dbname|user|port|service)\s*=")
_POSTGRES_SCHEMES = ("postgresql", "postgres")


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (one host or several) and libpq key/value strings and make them use psycopg
    3; accept bare file paths as SQLite."""
    if "://" not in url:
        if _CONNINFO.match(url):
            return _from_conninfo(url).render_as_string(hide_password=False)
        return f"sqlite:///{Path(url).resolve()}"
    scheme, _, rest = url.partition("://")
    netloc = re.split(r"[/?]", rest, maxsplit=1)[0]
    if scheme.split("+")[0] in _POSTGRES_SCHEMES and "," in netloc.rpartition("@")[2]:
        return _from_multihost_uri(url).render_as_string(hide_password=False)
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_SCHEMES:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        parsed = _split_host_lists(parsed)
    return parsed.render_as_string(hide_password=False)


def _hosts(hosts: list[str], ports: list[str]) -> list[str]:
    """`host:port` for each server (libpq: one port for all, or one per host)."""
    if len(ports) == 1 and len(hosts) > 1:
        ports = ports * len(hosts)
    if ports and len(ports) != len(hosts):
        raise ValueError("a multi-host database URL needs one port, or one port per host")
    return [f"{h}:{p}" if p else h for h, p in zip(hosts, ports or [""] * len(hosts), strict=True)]


def _multihost(
    *, user: str | None, password: str | None, database: str | None, hosts: list[str], query: dict[str, Any]
) -> URL:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    if len(hosts) == 1 and hosts[0].count(":") <= 1:
        host, _, port = hosts[0].partition(":")
        return URL.create(
            "postgresql+psycopg",
            username=user,
            password=password,
            host=host or None,
            port=int(port) if port else None,
            database=database,
            query=query,
        )
    return URL.create(
        "postgresql+psycopg",
        username=user,
        password=password,
        database=database,
        query={**query, "host": tuple(hosts)},
    )


def _from_multihost_uri(url: str) -> URL:
    """`postgresql://user:pw@h1:p1,h2:p2/db?opts` (libpq's URI form, which SQLAlchemy's parser does not read)."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(url)
    userinfo, _, hostlist = parts.netloc.rpartition("@")
    user, has_password, password = userinfo.partition(":")
    return _multihost(
        user=unquote(user) or None,
        password=unquote(password) if has_password else None,
        database=unquote(parts.path.lstrip("/")) or None,
        hosts=[unquote(item) for item in hostlist.split(",")],
        query=dict(parse_qsl(parts.query)),
    )


def _split_host_lists(parsed: URL) -> URL:
    """`?host=h1,h2&port=p1,p2` (libpq's query form) → one `host=h:p` per server."""
    host = parsed.query.get("host")
    if not isinstance(host, str) or "," not in host:
        return parsed
    port = parsed.query.get("port")
    ports = port.split(",") if isinstance(port, str) else []
    query = {k: v for k, v in parsed.query.items() if k not in ("host", "port")}
    return _multihost(
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
        hosts=_hosts(host.split(","), ports),
        query=query,
    )


def _from_conninfo(text: str) -> URL:
    """libpq's key/value form: `host=h1,h2 port=5432 dbname=county user=dispatch target_session_attrs=read-write`."""
    from psycopg.conninfo import conninfo_to_dict

    params: dict[str, Any] = {k: str(v) for k, v in conninfo_to_dict(text).items()}
    hosts = params.pop("host", "").split(",")
    ports = [p for p in params.pop("port", "").split(",") if p]
    return _multihost(
        user=params.pop("user", None),
        password=params.pop("password", None),
        database=params.pop("dbname", None),
        hosts=_hosts(hosts, ports),
        query=params,
    )


def libpq_params(engine: Engine) -> dict[str, Any]:
    """The connection parameters libpq gets for this engine (all hosts, `target_session_attrs`, password), for
    connections made outside the pool: the change feed's listener, `pg_dump`/`pg_restore`."""
    _args, kwargs = engine.dialect.create_connect_args(engine.url)
    return {k: v for k, v in kwargs.items() if k != "context" and v is not None}


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


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite address (None for PostgreSQL, an in-memory database or a `file:` URI)."""
    if not is_sqlite(url):
        return None
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).absolute()


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

    file_guard: FileGuard | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.url = normalise_url(self.url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        path = sqlite_path(self.url)
        if path is not None:
            self.file_guard = guard_sqlite_file(self.engine, path)

    def file_problem(self) -> str | None:
        """For a SQLite database: what happened to its file if it was deleted, replaced or moved; else None."""
        return self.file_guard.problem() if self.file_guard is not None else None

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
