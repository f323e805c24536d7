"""Write transactions: one short transaction per service call, retried cleanly when the database says so."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, CursorResult, Engine, Result
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

    def once() -> T:
        with sessions() as session:
            try:
                result = work(session)
                session.commit()
                return result
            except Exception:
                session.rollback()
                raise

    return _retrying(once)


def _retrying(once: Callable[[], T]) -> T:
    """`once()` (a whole transaction), again after a short random wait while it fails with a lock or serialisation
    error, at most ATTEMPTS times; any other error reaches the caller at once."""
    delay = 0.005
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return once()
        except Exception as exc:
            if attempt < ATTEMPTS and is_retryable(exc):
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
                continue
            raise
    raise AssertionError("unreachable")


class Tx:
    """One write transaction seen as its Core connection, with an ORM session on that connection only when a step
    asks for one (`session`).

    The hot path (an intake) sends its statements straight to the connection (`console.db.hot`) and needs no
    session: a session's begin, commit and close, and an object added to its identity map, were about a tenth of an
    intake on SQLite. A step that needs the ORM (a repeat's escalation, an attachment, a merge) asks for `session`
    and gets one joined to the same transaction; it is flushed before the commit. `Tx.of(session)` is the same view
    of a session's own transaction, so a service takes either. `info` is the transaction's scratch dictionary (the
    session's `info` once there is one: what was in it is kept)."""

    __slots__ = ("connection", "info", "_session", "_owned")

    def __init__(self, connection: Connection, session: Session | None = None) -> None:
        self.connection = connection
        self._session = session
        self._owned = session is None
        self.info: dict[Any, Any] = session.info if session is not None else {}

    @classmethod
    def of(cls, on: Session | Tx) -> Tx:
        """The transaction of a session (its connection, begun if it was not yet) or the transaction itself."""
        return on if isinstance(on, Tx) else cls(on.connection(), on)

    @property
    def has_session(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> Session:
        """The ORM session of this transaction (made on first use, joined to the connection's transaction)."""
        if self._session is None:
            session = Session(bind=self.connection, expire_on_commit=False)
            session.info.update(self.info)
            self.info = session.info
            self._session = session
        return self._session

    def flush(self) -> None:
        """What the session still holds, sent (before the commit; a session the caller gave is the caller's)."""
        if self._owned and self._session is not None:
            self._session.commit()  # joined to the connection's transaction: it flushes and leaves that to us

    def close(self) -> None:
        if self._owned and self._session is not None:
            self._session.close()


def write_tx(engine: Engine, work: Callable[[Tx], T]) -> T:
    """`write_transaction` on a Core connection (`Tx`): one transaction, committed, retried as a whole on
    lock/serialisation errors; any other error rolls it back and reaches the caller untouched."""

    def once() -> T:
        with engine.connect() as connection:
            tx = Tx(connection)
            try:
                connection.begin()
                result = work(tx)
                tx.flush()
                connection.commit()
                return result
            except Exception:
                connection.rollback()
                raise
            finally:
                tx.close()

    return _retrying(once)


def affected(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (the outcome of a guarded update)."""
    return int(cast(CursorResult[Any], result).rowcount)
