"""Writing events: always inside the service's transaction, with a PostgreSQL NOTIFY in the same transaction.

The session (or the `Tx`) remembers the events written through it (`written_events`), so that an operation can say
what its transaction changed from the events themselves, without reading anything again."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, func, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from ..db.hot import HotInsert, HotStatement, bound, loaded
from ..db.tx import Tx
from ..enums import EventKind
from ..models import Event, utcnow
from .origin import with_origin

NOTIFY_CHANNEL = "console_events"
#: Key of `Session.info` (`Tx.info`) under which the events written in the session's transaction are kept.
_WRITTEN = "console.events.written"


def record_event(
    session: Session | Tx,
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
    values: dict[str, Any] = {
        "ts": ts or utcnow(),
        "actor": actor,
        "kind": kind,
        "case_id": case_id,
        "unit_id": unit_id,
        "payload": with_origin(payload or {}),
    }
    # Changes the service made through the session go first, as the flush of an added event used to send them.
    orm = session.session if isinstance(session, Tx) and session.has_session else session
    if isinstance(orm, Session) and (orm.new or orm.dirty or orm.deleted):
        orm.flush()
    # One hot INSERT (`console.db.hot`) instead of the unit of work's flush: the event is a hot write of
    # every state change. On PostgreSQL the NOTIFY goes in the same statement (one round trip, not two). The
    # returned object is not in the session; it carries its row's values and id.
    conn = session.connection if isinstance(session, Tx) else session.connection()
    if notify and conn.dialect.name == "postgresql":
        event_id = int(_INSERT_NOTIFY.scalar(conn, {**values, "channel": NOTIFY_CHANNEL}))
    else:
        event_id = _INSERT.insert(conn, values)
    event = loaded(None, Event, {**values, "id": event_id})
    session.info.setdefault(_WRITTEN, []).append(event)
    return event


_TABLE = cast(Table, Event.__table__)
_COLUMNS = ("ts", "actor", "kind", "case_id", "unit_id", "payload")
_INSERT = HotInsert(insert(_TABLE).values(**bound(_TABLE, _COLUMNS)), _TABLE.c.id)
# PostgreSQL: the row and its NOTIFY (delivered at commit; notifications with the same payload within one
# transaction are folded into one by PostgreSQL).
_written = insert(_TABLE).values(**bound(_TABLE, _COLUMNS)).returning(_TABLE.c.id).cte("written")
_INSERT_NOTIFY = HotStatement(
    select(_written.c.id, func.pg_notify(bindparam("channel", type_=String()), sql_cast(_written.c.id, String())))
)


def written_events(session: Session | Tx) -> list[Event]:
    """The events `record_event` wrote in this session, in order."""
    return list(session.info.get(_WRITTEN, ()))
