"""A SQLite database is a file that can be deleted, replaced (another file renamed over it) or moved while consoles
have it open. SQLite itself notices none of this: connections keep writing into the unlinked file, whose contents
vanish when the last one closes, and a new connection quietly creates an empty file at the path.

`FileGuard` remembers the file's identity (`st_dev`, `st_ino`) when the database is first opened and compares it
before every transaction begins, before every commit and before every new connection; the console's watchdog asks
it too (`Database.file_problem`). A changed or missing file raises `DatabaseFileChanged` (a `sqlite3.OperationalError`,
so every layer treats it as the database being unavailable): nothing is written to the wrong file, and no file is
created at the path.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class DatabaseFileChanged(sqlite3.OperationalError):
    """The database file was deleted, replaced or moved since it was opened."""


def identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class FileGuard:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.expected = identity(path)  # None until the file exists (`init` creates it on first connection)

    def adopt(self) -> None:
        """The file just opened is the database's (first connection to a file that did not exist before)."""
        with self._lock:
            if self.expected is None:
                self.expected = identity(self.path)

    def problem(self) -> str | None:
        """What happened to the file, or None when it is still the one opened."""
        expected = self.expected
        if expected is None:
            return None
        now = identity(self.path)
        if now is None:
            return f"the database file {self.path} was deleted or moved away"
        if now != expected:
            return f"the database file {self.path} was replaced by another file"
        return None

    def check(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise DatabaseFileChanged(problem)


def guard_sqlite_file(engine: Engine, path: Path) -> FileGuard:
    """Install the checks on `engine` (a SQLite engine of the file `path`) and return the guard."""
    guard = FileGuard(path)

    def before_connect(_dialect: Any, _conn_rec: Any, _cargs: Any, _cparams: Any) -> None:
        guard.check()  # a missing file is never created again by a new connection

    def after_connect(_dbapi_connection: Any, _record: Any) -> None:
        guard.adopt()

    def before_transaction(_conn: Any) -> None:
        guard.check()

    event.listen(engine, "do_connect", before_connect)
    event.listen(engine, "connect", after_connect)
    event.listen(engine, "begin", before_transaction)
    event.listen(engine, "commit", before_transaction)
    return guard
