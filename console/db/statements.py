"""Counting the SQL statements a piece of work sends to the database: the clock-free guard of the hot paths.

    with count_statements(db.engine) as seen:
        write_transaction(db.sessions, work)
    seen.count, seen.statements

Every statement the engine's connections execute is counted (SQLAlchemy's `before_cursor_execute` event), the
transaction's BEGIN/COMMIT excepted (they are not statements the work chose). The statement-count tests and
`bench/bench_core.py` use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def verbs(self) -> list[str]:
        """The first word of each statement (SELECT, INSERT, UPDATE …), for a readable failure message."""
        return [s.split(None, 1)[0].upper() if s.strip() else "" for s in self.statements]


@contextmanager
def count_statements(engine: Engine) -> Iterator[StatementLog]:
    log = StatementLog()

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        log.statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", seen)
