"""Health of each outside feed source (ok / degraded / down), kept in `feed_health` so that every console shows it.

A success makes a source `ok`; a failure makes it `degraded`, and `down` after `DOWN_AFTER` failures in a row.
`record_health` is one report: an upsert of the source's row (locked on PostgreSQL), and, when the state changes,
a `feed_health` event, so consoles learn of it through the change feed without polling the table (steady states
write no events). The feeds runner calls it in its own short transaction (`console.feeds.health`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..events import record_event
from ..models import FeedHealth
from ..timeutil import utcnow
from .actor import Actor
from .inputs import required_text

#: Consecutive failed polls after which a source counts as down.
DOWN_AFTER = 3
#: The longest error text kept (the first line of a driver's or server's message is what matters).
MAX_ERROR = 500


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


def record_health(
    session: Session, *, source: str, error: str | None, actor: Actor, now: datetime | None = None
) -> HealthView:
    """One poll's outcome for `source`: `error` None for a success, else the (already redacted) error text."""
    name = required_text(source, "source", max_len=64)
    now = now or utcnow()
    row = session.get(FeedHealth, name, with_for_update=session.get_bind().dialect.name == "postgresql")
    before = row.state if row is not None else None
    if row is None:
        row = FeedHealth(source=name, state=HealthState.OK.value, consecutive_failures=0, updated_at=now)
        session.add(row)
    if error is None:
        row.state = HealthState.OK.value
        row.consecutive_failures = 0
        row.last_success_at = now
    else:
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
        row.state = (HealthState.DOWN if row.consecutive_failures >= DOWN_AFTER else HealthState.DEGRADED).value
        row.last_error = error[:MAX_ERROR]
        row.last_error_at = now
    row.updated_at = now
    session.flush()
    if row.state != before:
        record_event(
            session,
            EventKind.FEED_HEALTH,
            actor=actor.name,
            ts=now,
            payload={"source": name, "state": row.state, "previous": before, "error": row.last_error},
        )
    return _view(row)


def list_health(session: Session) -> list[HealthView]:
    """Every source's health, by name."""
    return [_view(r) for r in session.scalars(select(FeedHealth).order_by(FeedHealth.source))]
