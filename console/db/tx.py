"""Write transactions: one short transaction per service call, retried cleanly when the database says so."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

#: How many times a transaction is tried in all before the error goes to the caller.
ATTEMPTS = 8

RETRYABLE = ("database is locked", "database table is locked", "could not serialize", "deadlock detected")


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | DBAPIError):
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if any(marker in text for marker in RETRYABLE):
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)
        return sqlstate in ("40001", "40P01")
    return False


def write_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """Run `work(session)` in one transaction and commit; retry the whole unit on lock/serialisation errors.

    `work` must not have effects outside the session (it may run more than once). Any other exception rolls the
    transaction back and reaches the caller untouched, so nothing is ever stored half-way.
    """
    delay = 0.005
    for attempt in range(1, ATTEMPTS + 1):
        with sessions() as session:
            try:
                result = work(session)
                session.commit()
                return result
            except Exception as exc:
                session.rollback()
                if attempt < ATTEMPTS and is_retryable(exc):
                    time.sleep(delay * (1 + random.random()))
                    delay = min(delay * 2, 0.5)
                    continue
                raise
    raise AssertionError("unreachable")


def affected(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (the outcome of a guarded update)."""
    return int(cast(CursorResult[Any], result).rowcount)
