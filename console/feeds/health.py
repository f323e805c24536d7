"""Health of each feed source (ok / degraded / down), kept in `feed_health` so that every console can show it.

A success makes a source `ok`; a failure makes it `degraded`, and `down` after `DOWN_AFTER` failures in a row.
Each report is one short transaction (an upsert); a change of state also records a `feed_health` event, so consoles
learn of it through the change feed without polling the table (steady states write no events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import EventKind
from ..events import record_event
from ..models import FeedHealth
from ..services.actor import SYSTEM, Actor
from ..timeutil import utcnow
from .secrets import redact

#: Consecutive failed polls after which a source counts as down.
DOWN_AFTER = 3


class HealthState(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class HealthView:
    source: str
    state: HealthState
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    updated_at: datetime


def _view(row: FeedHealth) -> HealthView:
    return HealthView(
        row.source,
        HealthState(row.state),
        row.last_success_at,
        row.last_error,
        row.last_error_at,
        row.consecutive_failures,
        row.updated_at,
    )


def _row(session: Session, source: str) -> tuple[FeedHealth, str | None]:
    """The source's row (locked on PostgreSQL) and its state before this report (None: first report)."""
    row = session.get(FeedHealth, source, with_for_update=session.get_bind().dialect.name == "postgresql")
    if row is not None:
        return row, row.state
    row = FeedHealth(source=source, state=HealthState.OK.value, consecutive_failures=0, updated_at=utcnow())
    session.add(row)
    return row, None


def _record(db: Database, source: str, *, error: str | None, actor: Actor, now: datetime | None) -> HealthView:
    now = now or utcnow()

    def work(session: Session) -> HealthView:
        row, before = _row(session, source)
        if error is None:
            row.state = HealthState.OK.value
            row.consecutive_failures = 0
            row.last_success_at = now
        else:
            row.consecutive_failures = (row.consecutive_failures or 0) + 1
            row.state = (HealthState.DOWN if row.consecutive_failures >= DOWN_AFTER else HealthState.DEGRADED).value
            row.last_error = redact(error)[:500]
            row.last_error_at = now
        row.updated_at = now
        session.flush()
        if row.state != before:
            record_event(
                session,
                EventKind.FEED_HEALTH,
                actor=actor.name,
                ts=now,
                payload={"source": source, "state": row.state, "previous": before, "error": row.last_error},
            )
        return _view(row)

    return write_transaction(db.sessions, work)


def record_success(db: Database, source: str, *, actor: Actor = SYSTEM, now: datetime | None = None) -> HealthView:
    return _record(db, source, error=None, actor=actor, now=now)


def record_failure(
    db: Database, source: str, error: str, *, actor: Actor = SYSTEM, now: datetime | None = None
) -> HealthView:
    return _record(db, source, error=error, actor=actor, now=now)


def feed_health(db: Database) -> list[HealthView]:
    """Every source's health, by name (for the consoles' status display and `feeds --once`)."""
    with db.session() as s:
        return [_view(r) for r in s.scalars(select(FeedHealth).order_by(FeedHealth.source))]
