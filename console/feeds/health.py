"""The feeds' side of source health: each poll's outcome recorded through the service
(`console.services.feed_health.record_health`) in one short transaction, with secrets taken out of error texts
first; and every source's health for the consoles' status display and `feeds --once`."""

from __future__ import annotations

from datetime import datetime

from ..db import Database, write_transaction
from ..services.actor import SYSTEM, Actor
from ..services.feed_health import DOWN_AFTER, HealthState, HealthView, list_health, record_health
from .secrets import redact

__all__ = ["DOWN_AFTER", "HealthState", "HealthView", "feed_health", "record_failure", "record_success"]


def record_success(db: Database, source: str, *, actor: Actor = SYSTEM, now: datetime | None = None) -> HealthView:
    return write_transaction(
        db.sessions, lambda session: record_health(session, source=source, error=None, actor=actor, now=now)
    )


def record_failure(
    db: Database, source: str, error: str, *, actor: Actor = SYSTEM, now: datetime | None = None
) -> HealthView:
    text = redact(error)
    return write_transaction(
        db.sessions, lambda session: record_health(session, source=source, error=text, actor=actor, now=now)
    )


def feed_health(db: Database) -> list[HealthView]:
    """Every source's health, by name."""
    with db.session() as session:
        return list_health(session)
