"""Writing events: always inside the service's transaction, with a PostgreSQL NOTIFY in the same transaction.

The session remembers the events written through it (`written_events`), so that an operation can say what its
transaction changed from the events themselves, without reading anything again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..models import Event, utcnow
from .origin import with_origin

NOTIFY_CHANNEL = "console_events"
#: Key of `Session.info` under which the events written in the session's transaction are kept.
_WRITTEN = "console.events.written"


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
    session.info.setdefault(_WRITTEN, []).append(event)
    if notify and session.get_bind().dialect.name == "postgresql":
        # Notifications with the same payload within one transaction are folded into one by PostgreSQL.
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": NOTIFY_CHANNEL, "payload": str(event.id)}
        )
    return event


def written_events(session: Session) -> list[Event]:
    """The events `record_event` wrote in this session, in order."""
    return list(session.info.get(_WRITTEN, ()))
