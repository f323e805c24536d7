"""Shift change (交接班): the handover note a user leaves when locking the console or switching user — the open cases,
the alarms not yet acknowledged, the notes written during the shift and the user's own words — kept as a
`shift_handover` event (the audit trail keeps it for good) and shown to the next user at login.

The shift is the time since the user's last login (`login_succeeded`), at most `MAX_SHIFT` back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..enums import CaseStatus, EventKind, Priority
from ..events import record_event
from ..models import Case, Event
from ..timeutil import utcnow
from .actor import Action, Actor
from .inputs import optional_text

#: A shift is never taken as longer than this (a user who never logged out).
MAX_SHIFT = timedelta(hours=24)
#: Open cases listed in a note at most (the count is always whole).
MAX_LISTED = 100
#: A handover older than this is not shown at login.
SHOWN_FOR = timedelta(hours=24)
OPEN = (CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE)


@dataclass(frozen=True, slots=True)
class Handover:
    by: str
    at: datetime
    shift_started: datetime
    note: str | None
    open_count: int
    open_cases: list[dict[str, Any]] = field(default_factory=list)  # {number, priority, status, category}
    alarms: list[str] = field(default_factory=list)  # numbers of the cases whose alarm is unacknowledged
    notes: list[dict[str, Any]] = field(default_factory=list)  # {number, text, by} written during the shift
    event_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "shift_started": self.shift_started.isoformat(),
            "open_count": self.open_count,
            "open_cases": self.open_cases,
            "alarms": self.alarms,
            "notes": self.notes,
        }


def _shift_start(session: Session, actor: Actor, now: datetime) -> datetime:
    last_login = session.scalar(
        select(Event.ts)
        .where(Event.kind == EventKind.LOGIN_SUCCEEDED, Event.actor == actor.name, Event.ts <= now)
        .order_by(Event.id.desc())
        .limit(1)
    )
    earliest = now - MAX_SHIFT
    return max(last_login, earliest) if last_login is not None else earliest


def draft(
    session: Session, *, actor: Actor, note: str | None = None, alarms: Sequence[int] = (), now: datetime | None = None
) -> Handover:
    """What the handover would say now (read only)."""
    now = now or utcnow()
    started = _shift_start(session, actor, now)
    open_rows = session.execute(
        select(Case.number, Case.priority, Case.status, Case.category)
        .where(Case.status.in_(OPEN))
        .order_by(case({p: p.rank for p in Priority}, value=Case.priority), Case.received_at)
        .limit(MAX_LISTED)
    ).all()

    open_count = int(session.scalar(select(func.count(Case.id)).where(Case.status.in_(OPEN))) or 0)
    alarm_numbers = list(session.scalars(select(Case.number).where(Case.id.in_(list(alarms))))) if alarms else []
    note_rows = session.execute(
        select(Case.number, Event.payload, Event.actor)
        .join(Case, Case.id == Event.case_id)
        .where(Event.kind == EventKind.CASE_NOTE, Event.ts >= started, Event.ts <= now)
        .order_by(Event.id)
        .limit(MAX_LISTED)
    ).all()
    return Handover(
        by=actor.name,
        at=now,
        shift_started=started,
        note=note,
        open_count=open_count,
        open_cases=[
            {"number": n, "priority": p.value, "status": s.value, "category": c.value} for n, p, s, c in open_rows
        ],
        alarms=alarm_numbers,
        notes=[{"number": n, "text": (p or {}).get("text") or (p or {}).get("note"), "by": a} for n, p, a in note_rows],
    )


def hand_over(
    session: Session, *, actor: Actor, note: Any = None, alarms: Sequence[int] = (), now: datetime | None = None
) -> Handover:
    """Write the handover note as a `shift_handover` event (in one transaction)."""
    actor.require(Action.NOTE)
    text = optional_text(note, "note")
    now = now or utcnow()
    handover = draft(session, actor=actor, note=text, alarms=alarms, now=now)
    event = record_event(session, EventKind.SHIFT_HANDOVER, actor=actor.name, ts=now, payload=handover.payload())
    return Handover(**{**_fields(handover), "event_id": event.id})


def _fields(h: Handover) -> dict[str, Any]:
    return {name: getattr(h, name) for name in Handover.__dataclass_fields__}


def last_handover(session: Session, *, actor: Actor, now: datetime | None = None) -> Handover | None:
    """The newest handover of the last `SHOWN_FOR` written by someone else: what the next user reads at login."""
    now = now or utcnow()
    row = session.scalars(
        select(Event)
        .where(Event.kind == EventKind.SHIFT_HANDOVER, Event.ts >= now - SHOWN_FOR, Event.actor != actor.name)
        .order_by(Event.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    p = row.payload or {}
    return Handover(
        by=row.actor,
        at=row.ts,
        shift_started=datetime.fromisoformat(p["shift_started"]) if p.get("shift_started") else row.ts,
        note=p.get("note"),
        open_count=int(p.get("open_count") or 0),
        open_cases=list(p.get("open_cases") or []),
        alarms=list(p.get("alarms") or []),
        notes=list(p.get("notes") or []),
        event_id=row.id,
    )
