"""Assignments (分流转办): a case handed to a department or township with a deadline in working time.

The shift leader assigns; the handler of that department or township signs for it (签收), returns it with a reason
(退单 — it goes back to the shift leader's queue, highlighted) or reports the result (办结). A transfer (转办) closes
one assignment and opens the next, keeping the history; the first receiver stays recorded and accountable (首接首办).
Pauses (awaiting the citizen) stop the working clock; a shift leader may approve a deadline extension. Every step is
one guarded UPDATE and writes its event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from ..enums import AssigneeKind, AssignmentStatus, EventKind, Role
from ..events import record_event
from ..models import Assignment, Case, Department, Township
from ..timeutil import ensure_utc, utcnow
from ..worktime import WorkCalendar, default_calendar
from . import scope
from .actor import Action, Actor
from .errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from .guard import assignment_step, guarded_update, touch_case
from .inputs import required_text
from .permissions import CASE_RULES, LIVE_ASSIGNMENT_STATES, CaseAction

#: States in which an assignment is still with its handler.
LIVE_STATES = LIVE_ASSIGNMENT_STATES


def assignee_name(session: Session, kind: AssigneeKind, target_id: int) -> str:
    """The department's or township's name; NotFound when it does not exist."""
    if kind == AssigneeKind.DEPARTMENT:
        dep = session.get(Department, target_id)
        if dep is None:
            raise NotFound("department", target_id)
        return dep.name
    town = session.get(Township, target_id)
    if town is None:
        raise NotFound("township", target_id)
    return town.name


def _check_kind(kind: Any) -> AssigneeKind:
    try:
        return AssigneeKind(kind)
    except ValueError:
        raise ValidationError("assignee_kind", "must be department or township") from None


def _may_handle(actor: Actor, a: Assignment) -> None:
    """Handlers act on their own department's or township's assignments; shift leaders and admins on any."""
    actor.require(Action.HANDLE_ASSIGNMENT)
    if actor.role != Role.HANDLER:
        return
    own = (
        a.assignee_kind == AssigneeKind.DEPARTMENT
        and a.department_id is not None
        and a.department_id == actor.department_id
    ) or (a.assignee_kind == AssigneeKind.TOWNSHIP and a.township_id is not None and a.township_id == actor.township_id)
    if not own:
        raise PermissionDenied("handle another handler's assignment", actor.role.value)


def _load(session: Session, assignment_id: int, actor: Actor) -> Assignment:
    a = session.get(Assignment, assignment_id, populate_existing=True)
    if a is None:
        raise NotFound("assignment", assignment_id)
    scope.require_case(session, actor, a.case_id)
    return a


def _record(
    session: Session,
    event: EventKind,
    case: Case,
    a: Assignment,
    *,
    actor: Actor,
    now: datetime,
    assignee: str | None = None,
    **more: Any,
) -> None:
    if assignee is None:
        assignee = assignee_name(session, a.assignee_kind, a.department_id or a.township_id or 0)
    record_event(
        session,
        event,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={
            "number": case.number,
            "assignment": a.id,
            "assignee_kind": a.assignee_kind.value,
            "assignee": assignee,
            **more,
        },
    )


def _step(
    session: Session,
    a: Assignment,
    *,
    states: frozenset[AssignmentStatus],
    action: str,
    event: EventKind,
    actor: Actor,
    now: datetime,
    payload: dict[str, Any] | None = None,
    case_values: dict[str, Any] | None = None,
    where: Iterable[ColumnElement[bool]] = (),
    **values: Any,
) -> Assignment:
    """One guarded step of an assignment: its guarded UPDATE, its case's version moved on (with `case_values`), and
    its event (the case number, the assignment, its handler and `payload`)."""
    fresh = assignment_step(session, a, states=states, action=action, where=where, **values)
    case = touch_case(session, fresh.case_id, now, **(case_values or {}))
    _record(session, event, case, fresh, actor=actor, now=now, **(payload or {}))
    return fresh


def _new_assignment(
    session: Session,
    case: Case,
    *,
    kind: AssigneeKind,
    target_id: int,
    due_at: datetime,
    first: bool,
    actor: Actor,
    now: datetime,
) -> Assignment:
    a = Assignment(
        case_id=case.id,
        assignee_kind=kind,
        department_id=target_id if kind == AssigneeKind.DEPARTMENT else None,
        township_id=target_id if kind == AssigneeKind.TOWNSHIP else None,
        status=AssignmentStatus.ASSIGNED,
        version=1,
        assigned_by=actor.name,
        assigned_at=now,
        due_at=due_at,
        first_receiver=first,
        paused_seconds=0.0,
        extended_count=0,
        escalation=0,
    )
    session.add(a)
    session.flush()
    return a


def _hours(hours: object) -> float:
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 365:
        raise ValidationError("hours", "must be a positive number of working hours")
    return float(hours)


def _time(value: datetime) -> datetime:
    try:
        return ensure_utc(value)
    except (ValueError, AttributeError):
        raise ValidationError("due_at", "must be a time with a UTC offset") from None


def _due(due_at: datetime | None, hours: float | None, case: Case, now: datetime, calendar: WorkCalendar) -> datetime:
    if due_at is not None and hours is not None:
        raise ValidationError("due_at", "give a deadline or working hours, not both")
    if hours is not None:
        return calendar.deadline(now, hours=_hours(hours))
    if due_at is None:
        return calendar.default_deadline(now, case.priority)
    due = _time(due_at)
    if due <= now:
        raise ValidationError("due_at", "must lie in the future")
    return due


def assign_case(
    session: Session,
    *,
    case_id: int,
    assignee_kind: AssigneeKind | str,
    assignee_id: int,
    actor: Actor,
    due_at: datetime | None = None,
    hours: float | None = None,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Assignment:
    """派单: the shift leader hands an open case to a department or township, with a deadline.

    The deadline is `due_at`, or `hours` working hours from now, or the calendar's default for the priority.
    A case has at most one live assignment; a returned one may be assigned again (elsewhere or not).
    """
    actor.require(Action.ASSIGN)
    scope.require_case(session, actor, case_id)
    kind = _check_kind(assignee_kind)
    now = now or utcnow()
    calendar = calendar or default_calendar()
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound("case", case_id)
    assignee = assignee_name(session, kind, assignee_id)  # NotFound before anything is written
    due = _due(due_at, hours, case, now, calendar)
    rule = CASE_RULES[CaseAction.ASSIGN]
    if case.status not in rule.states:
        raise InvalidTransition("case", case.number, case.status.value, "assign")
    # One read for both questions: is an assignment live, and was there ever one (the first receiver)?
    earlier, live = session.execute(
        select(
            func.count(Assignment.id),
            func.count(sql_case((Assignment.status.in_(list(LIVE_STATES)), Assignment.id))),
        ).where(Assignment.case_id == case.id)
    ).one()
    if live:
        raise InvalidTransition("case", case.number, "assigned", "assign again while an assignment is live")
    first = not earlier
    # The guard: the case row as we read it (another leader's assignment bumps its version first).
    guarded = guarded_update(
        session,
        Case,
        case.id,
        where=[Case.version == case.version, Case.status.in_(list(rule.states))],
        now=now,
        assignment_count=Case.assignment_count + 1,
    )
    if guarded is None:
        raise Conflict(f"case {case.number} changed at another workstation; reload and try again")
    a = _new_assignment(session, case, kind=kind, target_id=assignee_id, due_at=due, first=first, actor=actor, now=now)
    _record(
        session,
        EventKind.ASSIGNMENT_CREATED,
        case,
        a,
        actor=actor,
        now=now,
        assignee=assignee,
        due_at=due.isoformat(),
        first_receiver=first,
    )
    return a


def accept_assignment(session: Session, *, assignment_id: int, actor: Actor, now: datetime | None = None) -> Assignment:
    """签收: the handler signs for the assignment."""
    now = now or utcnow()
    a = _load(session, assignment_id, actor)
    _may_handle(actor, a)
    return _step(
        session,
        a,
        states=frozenset({AssignmentStatus.ASSIGNED}),
        action="accept",
        event=EventKind.ASSIGNMENT_ACCEPTED,
        actor=actor,
        now=now,
        status=AssignmentStatus.ACCEPTED,
        accepted_by=actor.name,
        accepted_at=now,
    )


def _paused_close(a: Assignment, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """Values that end a running pause (its working time is added to the pause total and to the deadline)."""
    if a.paused_at is None:
        return {}
    paused = max(0.0, calendar.working_seconds(a.paused_at, now))
    return {
        "paused_at": None,
        "paused_seconds": a.paused_seconds + paused,
        "due_at": calendar.add_working(a.due_at, paused),
    }


def return_assignment(
    session: Session,
    *,
    assignment_id: int,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Assignment:
    """退单: the handler gives the assignment back with a reason; the shift leader sees it highlighted."""
    text = required_text(reason, "reason")
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id, actor)
    _may_handle(actor, a)
    return _step(
        session,
        a,
        states=LIVE_STATES,
        action="return",
        event=EventKind.ASSIGNMENT_RETURNED,
        actor=actor,
        now=now,
        payload={"reason": text},
        case_values={"return_count": Case.return_count + 1},
        status=AssignmentStatus.RETURNED,
        returned_at=now,
        return_reason=text,
        **_paused_close(a, now, calendar),
    )


def resolve_assignment(
    session: Session,
    *,
    assignment_id: int,
    result: str,
    actor: Actor,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Assignment:
    """办结: the handler reports the result. An assignment not yet signed for is signed for by this report.

    The case itself is resolved by the center (`cases.resolve_case`) once the field side is done too.
    """
    text = required_text(result, "result")
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id, actor)
    _may_handle(actor, a)
    values: dict[str, Any] = {"status": AssignmentStatus.RESOLVED, "resolved_at": now, "result": text}
    if a.accepted_at is None:
        values.update(accepted_by=actor.name, accepted_at=now)
    values.update(_paused_close(a, now, calendar))
    on_time = now <= values.get("due_at", a.due_at)
    return _step(
        session,
        a,
        states=LIVE_STATES,
        action="resolve",
        event=EventKind.ASSIGNMENT_RESOLVED,
        actor=actor,
        now=now,
        payload={"result": text, "on_time": on_time},
        **values,
    )


def transfer_assignment(
    session: Session,
    *,
    assignment_id: int,
    to_kind: AssigneeKind | str,
    to_id: int,
    reason: str,
    actor: Actor,
    due_at: datetime | None = None,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Assignment:
    """转办: the live assignment goes to another handler. The clock keeps running: the new assignment keeps the
    old deadline unless a shift leader gives a new one; the first receiver stays accountable."""
    text = required_text(reason, "reason")
    kind = _check_kind(to_kind)
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id, actor)
    if due_at is not None:
        actor.require(Action.ASSIGN)
    if not actor.may(Action.ASSIGN):
        _may_handle(actor, a)
    name = assignee_name(session, kind, to_id)
    if (kind == AssigneeKind.DEPARTMENT and a.department_id == to_id) or (
        kind == AssigneeKind.TOWNSHIP and a.township_id == to_id
    ):
        raise ValidationError("to_id", "the assignment is already with that handler")
    case = session.get(Case, a.case_id)
    if case is None:
        raise NotFound("case", a.case_id)
    closing = _paused_close(a, now, calendar)
    due = _due(due_at, None, case, now, calendar) if due_at is not None else closing.get("due_at", a.due_at)
    old = assignment_step(
        session, a, states=LIVE_STATES, action="transfer", status=AssignmentStatus.TRANSFERRED, **closing
    )
    new = _new_assignment(session, case, kind=kind, target_id=to_id, due_at=due, first=False, actor=actor, now=now)
    new.paused_seconds = old.paused_seconds
    new.extended_count = old.extended_count
    old.transferred_to_id = new.id
    case = touch_case(session, case.id, now, assignment_count=Case.assignment_count + 1)
    _record(
        session,
        EventKind.ASSIGNMENT_TRANSFERRED,
        case,
        old,
        actor=actor,
        now=now,
        reason=text,
        to_assignment=new.id,
        to_kind=kind.value,
        to=name,
        due_at=due.isoformat(),
    )
    return new


def pause_assignment(
    session: Session, *, assignment_id: int, reason: str, actor: Actor, now: datetime | None = None
) -> Assignment:
    """Stop the working clock while awaiting the citizen (材料补正、等待群众)."""
    text = required_text(reason, "reason")
    now = now or utcnow()
    a = _load(session, assignment_id, actor)
    _may_handle(actor, a)
    if a.paused_at is not None:
        raise InvalidTransition("assignment", a.id, "paused", "pause")
    return _step(
        session,
        a,
        states=LIVE_STATES,
        action="pause",
        event=EventKind.ASSIGNMENT_PAUSED,
        actor=actor,
        now=now,
        payload={"reason": text},
        where=[Assignment.paused_at.is_(None)],
        paused_at=now,
    )


def resume_assignment(
    session: Session,
    *,
    assignment_id: int,
    actor: Actor,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Assignment:
    """Restart the clock: the deadline moves by the working time spent paused."""
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id, actor)
    _may_handle(actor, a)
    if a.paused_at is None:
        raise InvalidTransition("assignment", a.id, "running", "resume")
    closing = _paused_close(a, now, calendar)
    return _step(
        session,
        a,
        states=LIVE_STATES,
        action="resume",
        event=EventKind.ASSIGNMENT_RESUMED,
        actor=actor,
        now=now,
        payload={
            "paused_working_s": closing["paused_seconds"] - a.paused_seconds,
            "due_at": closing["due_at"].isoformat(),
        },
        where=[Assignment.paused_at.is_not(None)],
        **closing,
    )


def extend_deadline(
    session: Session,
    *,
    assignment_id: int,
    reason: str,
    actor: Actor,
    hours: float | None = None,
    due_at: datetime | None = None,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Assignment:
    """延期: a shift leader approves a later deadline (by `hours` working hours, or to `due_at`)."""
    actor.require(Action.EXTEND_DEADLINE)
    text = required_text(reason, "reason")
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id, actor)
    if (hours is None) == (due_at is None):
        raise ValidationError("hours", "give either working hours or a new deadline")
    if a.extended_count >= calendar.max_extensions:
        raise ValidationError(
            "assignment", f"already extended {a.extended_count} times (at most {calendar.max_extensions})"
        )
    if due_at is None:
        new_due = calendar.add_working(a.due_at, _hours(hours) * 3600)
    else:
        new_due = _time(due_at)
        if new_due <= a.due_at:
            raise ValidationError("due_at", "must be later than the current deadline")
    return _step(
        session,
        a,
        states=LIVE_STATES,
        action="extend",
        event=EventKind.ASSIGNMENT_EXTENDED,
        actor=actor,
        now=now,
        payload={"reason": text, "old_due_at": a.due_at.isoformat(), "due_at": new_due.isoformat()},
        due_at=new_due,
        extended_count=Assignment.extended_count + 1,
    )


def live_assignment(session: Session, case_id: int) -> Assignment | None:
    """The case's assignment still with a handler, if any."""
    return session.scalars(
        select(Assignment)
        .where(Assignment.case_id == case_id, Assignment.status.in_(list(LIVE_STATES)))
        .order_by(Assignment.id.desc())
    ).first()


def first_receiver(session: Session, case_id: int) -> Assignment | None:
    """首接首办: the first assignment of the case (its handler stays accountable)."""
    return session.scalars(
        select(Assignment).where(Assignment.case_id == case_id, Assignment.first_receiver.is_(True))
    ).first()
