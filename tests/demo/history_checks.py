"""Consistency checks of a demo database, shared by the small (both backends) and the full (30 days) builds."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, text

from console.db import Database
from console.enums import OPEN_CASE_STATUSES, EventKind
from console.models import Case, Dispatch, Event, Unit

#: Tables whose content makes up the demo data (users are left out: password hashes are salted at random).
DATA_TABLES = (
    "townships",
    "grids",
    "places",
    "departments",
    "units",
    "citizens",
    "cases",
    "dispatches",
    "assignments",
    "callbacks",
    "events",
    "counters",
)


def data_hash(db: Database) -> str:
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in DATA_TABLES:
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                digest.update(repr(tuple(row)).encode())
        for row in conn.execute(
            text("SELECT name, role, display_name, department_id, township_id FROM users ORDER BY 1")
        ):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def check_history(db: Database, now: datetime) -> None:
    """The history is a consistent timeline: events in time order, every reference valid, dispatch times ordered."""
    with db.session() as s:
        case_ids = set(s.scalars(select(Case.id)))
        unit_ids = set(s.scalars(select(Unit.id)))
        events = s.execute(
            select(Event.id, Event.ts, Event.kind, Event.case_id, Event.unit_id).order_by(Event.id)
        ).all()
        assert events
        previous = events[0].ts
        for e in events:
            assert e.ts >= previous, f"event {e.id} goes back in time"
            assert e.ts <= now
            previous = e.ts
            assert e.case_id is None or e.case_id in case_ids
            assert e.unit_id is None or e.unit_id in unit_ids
        received = {e.case_id: e.ts for e in events if e.kind == EventKind.CASE_RECEIVED}
        dispatched_events = sum(1 for e in events if e.kind == EventKind.CASE_DISPATCHED)

        cases = s.scalars(select(Case)).all()
        dispatches = s.scalars(select(Dispatch)).all()
        assert dispatched_events == len(dispatches)
        by_case: dict[int, list[Dispatch]] = {}
        for d in dispatches:
            by_case.setdefault(d.case_id, []).append(d)
            times = [t for t in (d.dispatched_at, d.en_route_at, d.on_scene_at, d.cleared_at or d.cancelled_at) if t]
            assert times == sorted(times), f"dispatch {d.id} times out of order"
            assert d.dispatched_at >= next(c.received_at for c in cases if c.id == d.case_id)
        for c in cases:
            assert received[c.id] == c.received_at  # the intake event is the case's first moment
            assert c.received_at <= now
            if c.first_dispatched_at is not None:
                assert by_case.get(c.id), f"case {c.number} dispatched without a dispatch"
                assert c.first_dispatched_at == min(d.dispatched_at for d in by_case[c.id])
            if c.status in OPEN_CASE_STATUSES:
                assert c.resolved_at is None and c.closed_at is None
            if c.merged_into_id is not None:
                assert c.merged_into_id in case_ids

        # Units still busy at the end are on an open case with an active dispatch.
        for u in s.scalars(select(Unit).where(Unit.current_case_id.is_not(None))):
            active = [d for d in by_case.get(u.current_case_id or 0, []) if d.unit_id == u.id and not d.cleared_at]
            assert active, f"unit {u.callsign} holds a case without an active dispatch"
            assert u.status.is_busy
