"""Writing events: always inside the service's transaction, with a PostgreSQL NOTIFY in the same transaction.

The session remembers the events written through it (`written_events`), so that an operation can say what its
transaction changed from the events themselves, without reading anything again."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, text
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
    # Changes the service made through the session go first, as the flush of an added event used to send them.
    if session.new or session.dirty or session.deleted:
        session.flush()
    # One Core INSERT … RETURNING (compiled once per process) instead of the unit of work's flush: the event is a
    # hot write of every state change. The returned object is not in the session; it carries its id.
    event.id = int(session.connection().execute(_INSERT, _values(event)).scalar_one())
    session.info.setdefault(_WRITTEN, []).append(event)
    if notify and session.get_bind().dialect.name == "postgresql":
        # Notifications with the same payload within one transaction are folded into one by PostgreSQL.
        session.execute(_NOTIFY, {"channel": NOTIFY_CHANNEL, "payload": str(event.id)})
    return event


_TABLE = cast(Table, Event.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def _values(event: Event) -> dict[str, Any]:
    return {
        "ts": event.ts,
        "actor": event.actor,
        "kind": event.kind,
        "case_id": event.case_id,
        "unit_id": event.unit_id,
        "payload": event.payload,
    }


def written_events(session: Session) -> list[Event]:
    """The events `record_event` wrote in this session, in order."""
    return list(session.info.get(_WRITTEN, ()))
