"""The tail every state change shares, written once: a guarded UPDATE (the race guard) that moves `version` on by
one and returns the fresh row in the same statement, the clear refusal when it matched nothing, and the event.

A guard names what the row must still be (its states, the version read, any extra condition). Of two
workstations acting on the same row at once exactly one UPDATE matches; the other is told the row's state now
(`InvalidTransition`), or, when the state would still allow the step but the version moved, that someone else
changed it first (`Conflict`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from ..enums import AssignmentStatus, CaseStatus, EventKind, UnitStatus
from ..events import record_event
from ..models import Assignment, Case, Unit
from .actor import Actor
from .errors import Conflict, InvalidTransition, NotFound

Row = TypeVar("Row", Case, Assignment, Unit)

_OPTIONS = {"synchronize_session": False, "populate_existing": True}


def guarded_update(
    session: Session,
    model: type[Row],
    row_id: int,
    *,
    where: Iterable[ColumnElement[bool]] = (),
    now: datetime | None = None,
    **values: Any,
) -> Row | None:
    """`UPDATE … SET version = version + 1, updated_at = now, … WHERE id = :id AND <where> RETURNING *`.

    The fresh row when the guard matched (the session's copy refreshed with it), None when it did not. Tables
    without `updated_at` (assignments) ignore `now`."""
    stmt = update(model).where(model.id == row_id, *where).values(version=model.version + 1, **values)
    if now is not None and model is not Assignment:
        stmt = stmt.values(updated_at=now)
    return session.execute(stmt.returning(model), execution_options=_OPTIONS).scalars().first()


def _current(session: Session, model: type[Row], row_id: int, what: str) -> Row:
    row = session.get(model, row_id, populate_existing=True)
    if row is None:
        raise NotFound(what, row_id)
    return row


def case_step(
    session: Session,
    *,
    case_id: int,
    states: Collection[CaseStatus],
    action: str,
    actor: Actor,
    now: datetime,
    event: EventKind | None,
    payload: Mapping[str, Any] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
    **values: Any,
) -> Case:
    """One guarded step of a case: apply `values` if it is in one of `states` (and `where` holds), record `event`
    (its payload gets the case number). Refused with the case's state now, or NotFound."""
    case = guarded_update(session, Case, case_id, where=[Case.status.in_(list(states)), *where], now=now, **values)
    if case is None:
        current = _current(session, Case, case_id, "case")
        raise InvalidTransition("case", current.number, current.status.value, action)
    if event is not None:
        record_event(
            session,
            event,
            actor=actor.name,
            case_id=case.id,
            ts=now,
            payload={"number": case.number, **(payload or {})},
        )
    return case


def touch_case(session: Session, case_id: int, now: datetime, **values: Any) -> Case:
    """The case's version moves with a change beside it (its assignment's step, a merge into it, a unit leaving):
    unguarded, because the guard was the other row's. Returns the fresh case."""
    case = guarded_update(session, Case, case_id, now=now, **values)
    if case is None:
        raise NotFound("case", case_id)
    return case


def assignment_step(
    session: Session,
    a: Assignment,
    *,
    states: Collection[AssignmentStatus],
    action: str,
    where: Iterable[ColumnElement[bool]] = (),
    **values: Any,
) -> Assignment:
    """Apply `values` if the assignment is still in one of `states` at the version read into `a`."""
    fresh = guarded_update(
        session,
        Assignment,
        a.id,
        where=[Assignment.status.in_(list(states)), Assignment.version == a.version, *where],
        **values,
    )
    if fresh is None:
        current = _current(session, Assignment, a.id, "assignment")
        if current.status in states:
            raise Conflict(f"assignment {a.id} changed at another workstation; reload and try again")
        raise InvalidTransition("assignment", a.id, current.status.value, action)
    return fresh


def unit_step(
    session: Session,
    *,
    unit_id: int,
    states: Collection[UnitStatus],
    action: str,
    now: datetime,
    where: Iterable[ColumnElement[bool]] = (),
    **values: Any,
) -> Unit:
    """Apply `values` if the unit is in one of `states` (and `where` holds); refused with its status now."""
    unit = guarded_update(session, Unit, unit_id, where=[Unit.status.in_(list(states)), *where], now=now, **values)
    if unit is None:
        current = _current(session, Unit, unit_id, "unit")
        raise InvalidTransition("unit", current.callsign, current.status.value, action)
    return unit
