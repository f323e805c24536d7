"""What a database error means for the person or script that met it, the same way for SQLite and PostgreSQL.

`classify(exc)` names the fault of a driver error (wrapped by SQLAlchemy or not), or returns None for an error that
is not the database's. The kinds:

- `unavailable`: the server cannot be reached or refused the login, the file cannot be opened, the database does
  not exist, or its schema is missing or older than this program;
- `busy`: locked by another writer for longer than the wait allows, or a deadlock/serialisation failure that kept
  happening;
- `read_only`: the database takes no writes (a read-only file, folder or mount; a hot standby; a read-only
  transaction);
- `disk_full`: no space left where the database writes;
- `refused_value`: the database refused a value (the core's checks should have refused it first).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError

from .file_guard import DatabaseFileChanged


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # unavailable, busy, read_only, disk_full, refused_value
    error: str  # the JSON error code, e.g. "database_unavailable", "schema_missing"
    message: str


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlite(orig: sqlite3.Error) -> Fault | None:
    if isinstance(orig, DatabaseFileChanged):
        return Fault("unavailable", "database_replaced", f"{orig}; nothing was written: open the right file again")
    name = getattr(orig, "sqlite_errorname", "") or ""
    text = _first_line(orig)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return Fault("busy", "database_busy", f"the database is locked by another writer ({text}); try again")
    if name == "SQLITE_READONLY_DIRECTORY":
        return Fault(
            "read_only",
            "read_only",
            f"the database's folder is read-only ({text}): SQLite must create its -shm file beside the database "
            "even to read it; copy the file to a writable folder",
        )
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return Fault(
            "read_only", "read_only", f"the database takes no writes ({text}): its file or folder is read-only"
        )
    if name == "SQLITE_FULL" or "disk is full" in text:
        return Fault("disk_full", "disk_full", f"no space left for the database ({text})")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_CORRUPT", "SQLITE_IOERR", "SQLITE_AUTH")):
        return Fault("unavailable", "database_unavailable", f"the database file cannot be used ({text})")
    if text.startswith("no such table"):
        return Fault("unavailable", "schema_missing", f"the database has no schema ({text}); run `init`")
    if text.startswith("no such column"):
        return Fault("unavailable", "schema_outdated", f"the database's schema is older than this program ({text})")
    return None


_PG_BY_STATE: dict[str, tuple[str, str, str]] = {
    "3D000": ("unavailable", "database_missing", "the database does not exist"),
    "28000": ("unavailable", "database_unavailable", "the database server refused the login"),
    "28P01": ("unavailable", "database_unavailable", "the database server refused the login"),
    "57P01": ("unavailable", "database_unavailable", "the database server is shutting down"),
    "57P02": ("unavailable", "database_unavailable", "the database server is shutting down"),
    "57P03": ("unavailable", "database_unavailable", "the database server is not accepting connections yet"),
    "42P01": ("unavailable", "schema_missing", "the database has no schema; run `init`"),
    "42703": ("unavailable", "schema_outdated", "the database's schema is older than this program; run `init`"),
    "55P03": ("busy", "database_busy", "a row or table is locked by another writer; try again"),
    "40001": ("busy", "database_busy", "the transaction kept conflicting with others; try again"),
    "40P01": ("busy", "database_busy", "the transaction kept deadlocking with others; try again"),
    "57014": ("busy", "database_busy", "the statement was cancelled (timeout); try again"),
    "25006": ("read_only", "read_only", "the database takes no writes (a standby or a read-only transaction)"),
    "53100": ("disk_full", "disk_full", "no space left on the database server's disk"),
    "53200": ("unavailable", "database_unavailable", "the database server is out of memory"),
    "53300": ("unavailable", "database_unavailable", "the database server has too many connections"),
    "22001": ("refused_value", "invalid", "a text is longer than its column"),
    "22021": ("refused_value", "invalid", "a text holds a character the database cannot store"),
    "22P05": ("refused_value", "invalid", "a text holds a character the database cannot store"),
}


def _postgres(orig: Any) -> Fault | None:
    state = getattr(orig, "sqlstate", None)
    text = _first_line(orig)
    if state in _PG_BY_STATE:
        kind, error, message = _PG_BY_STATE[state]
        return Fault(kind, error, f"{message} ({text})")
    if isinstance(state, str) and state.startswith("08"):
        return Fault("unavailable", "database_unavailable", f"the connection to the database failed ({text})")
    if "does not exist" in text and 'database "' in text:  # refused at connection time: no SQLSTATE yet
        return Fault("unavailable", "database_missing", f"the database does not exist ({text})")
    if "NUL (0x00)" in text:
        return Fault("refused_value", "invalid", f"a text holds a NUL character ({text})")
    module = type(orig).__module__
    if state is None and module.startswith("psycopg") and type(orig).__name__ in ("OperationalError", "InterfaceError"):
        return Fault("unavailable", "database_unavailable", f"the database cannot be reached ({text})")
    return None


def classify(exc: BaseException) -> Fault | None:
    """The fault behind a database error, or None when `exc` is not one."""
    orig: Any = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, sqlite3.Error):
        return _sqlite(orig)
    if type(orig).__module__.startswith("psycopg"):
        fault = _postgres(orig)
        if fault is not None:
            return fault
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        text = _first_line(exc)
        return Fault("unavailable", "database_unavailable", f"the connection to the database was lost ({text})")
    return None
