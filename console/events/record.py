"""Writing events: always inside the service's transaction, with a PostgreSQL NOTIFY in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..models import Event, utcnow
from .origin import with_origin

NOTIFY_CHANNEL = "console_events"


def record_event(
    session: Session,
    kind: EventKind,
    *,
    actor: str,
    case_id: int | None = None,
    unit_id: int | None = None,
    payload: dict[str, Any] | None = None,
    ts: datetime | None = None,
    notify: bool = True,
) -> Event:
    """Append an event row; on PostgreSQL also queue a NOTIFY delivered when the transaction commits. While this
    process has an origin set (the command line), the payload carries it (`origin`)."""
    event = Event(
        ts=ts or utcnow(),
        actor=actor,
        kind=kind,
        case_id=case_id,
        unit_id=unit_id,
        payload=with_origin(payload or {}),
    )
    session.add(event)
    session.flush()
    if notify and session.get_bind().dialect.name == "postgresql":
        # Notifications with the same payload within one transaction are folded into one by PostgreSQL.
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": NOTIFY_CHANNEL, "payload": str(event.id)}
        )
    return event
