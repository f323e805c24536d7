"""Logging in, hardened and shared through the database, so every console and the command line see the same
failures: after `free_failures` failures in a row a name waits a growing delay before its next attempt is even
checked, and after `lockout_failures` it is locked for `lockout_s` (`login_policy.LoginSettings`). Every checked
attempt is an event: `login_succeeded` (actor: the user) or `login_failed` (actor `anonymous`; the name tried is in
the payload, never in the actor column, so a failed attempt cannot write a person's name into the audit trail).

Attempts of one name are serialised by a guarded UPDATE on its row (PostgreSQL's row lock, SQLite's write lock):
of two consoles trying the same name at once, the second is checked only after the first's failure is counted, so
parallel guessing gains nothing. An attempt refused by the delay or the lock is answered at once, unchecked, and
writes nothing.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..db.tx import affected
from ..enums import EventKind
from ..events import record_event
from ..models import LoginThrottle, User
from ..timeutil import utcnow
from .actor import Actor
from .errors import LoginLocked, LoginRefused, LoginThrottled
from .inputs import shown, text_problem
from .login_policy import LoginSettings
from .users import actor_of, verify_password

#: The actor of a failed login's event.
ANONYMOUS = "anonymous"
#: Longest name kept per row (the users' names fit: `users.name` is as long).
MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """The actor of a successful login, or why it was refused (to be raised once the transaction is committed)."""

    actor: Actor | None
    refusal: LoginRefused | None


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))


def _refusal_now(row: LoginThrottle | None, now: datetime) -> LoginRefused:
    """Why an attempt was not even checked: the name is locked, or waiting out its delay."""
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return LoginLocked(_retry_after(row.locked_until, now), row.locked_until.isoformat())
    if row is not None and row.next_attempt_at is not None and row.next_attempt_at > now:
        return LoginThrottled(_retry_after(row.next_attempt_at, now))
    return LoginRefused()


def _ensure_row(session: Session, name: str) -> None:
    dialect = session.get_bind().dialect.name
    ins: Any = postgresql.insert(LoginThrottle) if dialect == "postgresql" else sqlite.insert(LoginThrottle)
    session.execute(ins.values(name=name, failures=0).on_conflict_do_nothing(index_elements=["name"]))


def _claim(session: Session, name: str, now: datetime) -> bool:
    """Take the name's row for this attempt, unless it is locked or within its delay (the guarded UPDATE)."""
    return (
        affected(
            session.execute(
                update(LoginThrottle)
                .where(
                    LoginThrottle.name == name,
                    or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
                    or_(LoginThrottle.next_attempt_at.is_(None), LoginThrottle.next_attempt_at <= now),
                )
                .values(last_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )


def _failed(
    session: Session, name: str, *, settings: LoginSettings, now: datetime, detail: dict[str, Any]
) -> LoginRefused:
    row = session.get(LoginThrottle, name, populate_existing=True)
    assert row is not None
    forgotten = row.last_failure_at is None or row.last_failure_at < now - timedelta(seconds=settings.forget_after_s)
    failures = 1 if forgotten else row.failures + 1
    delay = settings.delay_after(failures)
    locked_until = now + timedelta(seconds=settings.lockout_s) if settings.locks_after(failures) else None
    row.failures = failures
    row.last_failure_at = now
    row.next_attempt_at = now + delay if delay else None
    row.locked_until = locked_until
    session.flush()
    record_event(
        session,
        EventKind.LOGIN_FAILED,
        actor=ANONYMOUS,
        ts=now,
        payload={
            **detail,
            "failures": failures,
            "retry_after_s": int(delay.total_seconds()),
            "locked_until": locked_until.isoformat() if locked_until else None,
        },
    )
    if locked_until is not None:
        return LoginLocked(_retry_after(locked_until, now), locked_until.isoformat())
    if delay:
        return LoginRefused(retry_after_s=int(delay.total_seconds()))
    return LoginRefused()


def log_in(
    session: Session, *, name: Any, password: Any, settings: LoginSettings, now: datetime | None = None
) -> LoginOutcome:
    """Check a name and password inside the caller's write transaction. A failure is counted and recorded, and
    returned rather than raised, so that the transaction commits what it counted."""
    now = now or utcnow()
    host = socket.gethostname()
    clean = isinstance(name, str) and 0 < len(name.strip()) <= MAX_NAME and text_problem(name.strip()) is None
    if not clean:  # no user can have this name, and it cannot be stored as a key: refused, recorded as shown
        verify_password(None, password)  # as slow as a real check
        record_event(
            session, EventKind.LOGIN_FAILED, actor=ANONYMOUS, ts=now, payload={"name": shown(name), "host": host}
        )
        return LoginOutcome(None, LoginRefused())
    key = name.strip()
    _ensure_row(session, key)
    if not _claim(session, key, now):
        return LoginOutcome(None, _refusal_now(session.get(LoginThrottle, key, populate_existing=True), now))
    user = session.scalars(select(User).where(User.name == key, User.active.is_(True))).first()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        detail = {"name": key, "host": host}
        return LoginOutcome(None, _failed(session, key, settings=settings, now=now, detail=detail))
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.name == key)
        .values(failures=0, last_failure_at=None, next_attempt_at=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        EventKind.LOGIN_SUCCEEDED,
        actor=user.name,
        ts=now,
        payload={"name": user.name, "role": user.role.value, "host": host},
    )
    return LoginOutcome(actor_of(user), None)


def authenticate(
    db: Database, name: Any, password: Any, *, settings: LoginSettings | None = None, now: datetime | None = None
) -> Actor:
    """The actor for a name and password, in its own transaction; raises `LoginRefused` (or its `LoginThrottled`,
    `LoginLocked`) after the failure has been committed."""
    outcome = write_transaction(
        db.sessions, lambda s: log_in(s, name=name, password=password, settings=settings or LoginSettings(), now=now)
    )
    if outcome.refusal is not None:
        raise outcome.refusal
    assert outcome.actor is not None
    return outcome.actor
