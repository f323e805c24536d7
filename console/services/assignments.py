"""Assignments (分流转办): a case handed to a department or township with a deadline in working time.

The shift leader assigns; the handler of that department or township signs for it (签收), returns it with a reason
(退单 — it goes back to the shift leader's queue, highlighted) or reports the result (办结). A transfer (转办) closes
one assignment and opens the next, keeping the history; the first receiver stays recorded and accountable (首接首办).
Pauses (awaiting the citizen) stop the working clock; a shift leader may approve a deadline extension. Every step is
one guarded UPDATE and writes its event.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from ..db.tx import affected
from ..enums import OPEN_CASE_STATUSES, AssigneeKind, AssignmentStatus, EventKind, Role
from ..events import record_event
from ..models import Assignment, Case, Department, Township
from ..timeutil import ensure_utc, utcnow
from ..worktime import WorkCalendar, default_calendar
from .actor import Action, Actor
from .errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from .inputs import check_text

MAX_TEXT = 4000
#: States in which an assignment is still with its handler.
LIVE_STATES = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED})


def _text(value: str | None, field: str) -> str:
    text = check_text(value, field, max_len=MAX_TEXT, required=True, multiline=True)
    assert text is not None
    return text


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


def _load(session: Session, assignment_id: int) -> Assignment:
    a = session.get(Assignment, assignment_id, populate_existing=True)
    if a is None:
        raise NotFound("assignment", assignment_id)
    return a


def _guarded(
    session: Session,
    a: Assignment,
    from_states: Collection[AssignmentStatus],
    action: str,
    *,
    extra_where: Any = None,
    **values: Any,
) -> Assignment:
    """Apply `values` if the assignment is (still) in one of `from_states` at the version we read."""
    stmt = update(Assignment).where(
        Assignment.id == a.id, Assignment.status.in_(list(from_states)), Assignment.version == a.version
    )
    if extra_where is not None:
        stmt = stmt.where(extra_where)
    changed = affected(
        session.execute(
            stmt.values(version=Assignment.version + 1, **values).execution_options(synchronize_session=False)
        )
    )
    fresh = _load(session, a.id)
    if changed != 1:
        if fresh.status in from_states:
            raise Conflict(f"assignment {a.id} changed at another workstation; reload and try again")
        raise InvalidTransition("assignment", a.id, fresh.status.value, action)
    return fresh


def _case_of(session: Session, a: Assignment) -> Case:
    case = session.get(Case, a.case_id)
    if case is None:
        raise NotFound("case", a.case_id)
    return case


def _bump_case(session: Session, case_id: int, now: datetime, **values: Any) -> None:
    session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(version=Case.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )


def _payload(session: Session, case: Case, a: Assignment, **more: Any) -> dict[str, Any]:
    return {
        "number": case.number,
        "assignment": a.id,
        "assignee_kind": a.assignee_kind.value,
        "assignee": assignee_name(session, a.assignee_kind, a.department_id or a.township_id or 0),
        **more,
    }


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


def _due(due_at: datetime | None, hours: float | None, case: Case, now: datetime, calendar: WorkCalendar) -> datetime:
    if due_at is not None and hours is not None:
        raise ValidationError("due_at", "give a deadline or working hours, not both")
    if hours is not None:
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 24 * 365:
            raise ValidationError("hours", "must be a positive number of working hours")
        return calendar.deadline(now, hours=float(hours))
    if due_at is None:
        return calendar.default_deadline(now, case.priority)
    try:
        due = ensure_utc(due_at)
    except (ValueError, AttributeError):
        raise ValidationError("due_at", "must be a time with a UTC offset") from None
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
    kind = _check_kind(assignee_kind)
    now = now or utcnow()
    calendar = calendar or default_calendar()
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound("case", case_id)
    name = assignee_name(session, kind, assignee_id)
    due = _due(due_at, hours, case, now, calendar)
    if case.status not in OPEN_CASE_STATUSES:
        raise InvalidTransition("case", case.number, case.status.value, "assign")
    live = exists().where(Assignment.case_id == case.id, Assignment.status.in_(list(LIVE_STATES)))
    if session.scalar(select(live)):
        raise InvalidTransition("case", case.number, "assigned", "assign again while an assignment is live")
    first = not session.scalar(select(exists().where(Assignment.case_id == case.id)))
    # The guard: the case row as we read it (another leader's assignment bumps its version first).
    changed = affected(
        session.execute(
            update(Case)
            .where(Case.id == case.id, Case.version == case.version, Case.status.in_(list(OPEN_CASE_STATUSES)))
            .values(version=Case.version + 1, updated_at=now, assignment_count=Case.assignment_count + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise Conflict(f"case {case.number} changed at another workstation; reload and try again")
    a = _new_assignment(session, case, kind=kind, target_id=assignee_id, due_at=due, first=first, actor=actor, now=now)
    record_event(
        session,
        EventKind.ASSIGNMENT_CREATED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={
            "number": case.number,
            "assignment": a.id,
            "assignee_kind": kind.value,
            "assignee": name,
            "due_at": due.isoformat(),
            "first_receiver": first,
        },
    )
    return a


def accept_assignment(session: Session, *, assignment_id: int, actor: Actor, now: datetime | None = None) -> Assignment:
    """签收: the handler signs for the assignment."""
    now = now or utcnow()
    a = _load(session, assignment_id)
    _may_handle(actor, a)
    a = _guarded(
        session,
        a,
        {AssignmentStatus.ASSIGNED},
        "accept",
        status=AssignmentStatus.ACCEPTED,
        accepted_by=actor.name,
        accepted_at=now,
    )
    case = _case_of(session, a)
    _bump_case(session, case.id, now)
    record_event(
        session,
        EventKind.ASSIGNMENT_ACCEPTED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(session, case, a),
    )
    return a


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
    text = _text(reason, "reason")
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id)
    _may_handle(actor, a)
    a = _guarded(
        session,
        a,
        LIVE_STATES,
        "return",
        status=AssignmentStatus.RETURNED,
        returned_at=now,
        return_reason=text,
        **_paused_close(a, now, calendar),
    )
    case = _case_of(session, a)
    _bump_case(session, case.id, now, return_count=Case.return_count + 1)
    record_event(
        session,
        EventKind.ASSIGNMENT_RETURNED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(session, case, a, reason=text),
    )
    return a


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
    text = _text(result, "result")
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id)
    _may_handle(actor, a)
    signed = a.accepted_at is not None
    values: dict[str, Any] = {"status": AssignmentStatus.RESOLVED, "resolved_at": now, "result": text}
    if not signed:
        values.update(accepted_by=actor.name, accepted_at=now)
    a = _guarded(session, a, LIVE_STATES, "resolve", **values, **_paused_close(a, now, calendar))
    case = _case_of(session, a)
    _bump_case(session, case.id, now)
    record_event(
        session,
        EventKind.ASSIGNMENT_RESOLVED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(session, case, a, result=text, on_time=now <= a.due_at),
    )
    return a


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
    text = _text(reason, "reason")
    kind = _check_kind(to_kind)
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id)
    if due_at is not None:
        actor.require(Action.ASSIGN)
    if not actor.may(Action.ASSIGN):
        _may_handle(actor, a)
    name = assignee_name(session, kind, to_id)
    if (kind == AssigneeKind.DEPARTMENT and a.department_id == to_id) or (
        kind == AssigneeKind.TOWNSHIP and a.township_id == to_id
    ):
        raise ValidationError("to_id", "the assignment is already with that handler")
    case = _case_of(session, a)
    closing = _paused_close(a, now, calendar)
    due = _due(due_at, None, case, now, calendar) if due_at is not None else closing.get("due_at", a.due_at)
    old = _guarded(session, a, LIVE_STATES, "transfer", status=AssignmentStatus.TRANSFERRED, **closing)
    new = _new_assignment(session, case, kind=kind, target_id=to_id, due_at=due, first=False, actor=actor, now=now)
    new.paused_seconds = old.paused_seconds
    new.extended_count = old.extended_count
    session.execute(
        update(Assignment)
        .where(Assignment.id == old.id)
        .values(transferred_to_id=new.id)
        .execution_options(synchronize_session=False)
    )
    _bump_case(session, case.id, now, assignment_count=Case.assignment_count + 1)
    record_event(
        session,
        EventKind.ASSIGNMENT_TRANSFERRED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(
            session, case, old, reason=text, to_assignment=new.id, to_kind=kind.value, to=name, due_at=due.isoformat()
        ),
    )
    return new


def pause_assignment(
    session: Session, *, assignment_id: int, reason: str, actor: Actor, now: datetime | None = None
) -> Assignment:
    """Stop the working clock while awaiting the citizen (材料补正、等待群众); recorded as an event."""
    text = _text(reason, "reason")
    now = now or utcnow()
    a = _load(session, assignment_id)
    _may_handle(actor, a)
    if a.paused_at is not None:
        raise InvalidTransition("assignment", a.id, "paused", "pause")
    a = _guarded(session, a, LIVE_STATES, "pause", extra_where=Assignment.paused_at.is_(None), paused_at=now)
    case = _case_of(session, a)
    _bump_case(session, case.id, now)
    record_event(
        session,
        EventKind.CASE_UPDATED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(session, case, a, action="assignment_paused", reason=text),
    )
    return a


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
    a = _load(session, assignment_id)
    _may_handle(actor, a)
    if a.paused_at is None:
        raise InvalidTransition("assignment", a.id, "running", "resume")
    closing = _paused_close(a, now, calendar)
    paused_for = closing["paused_seconds"] - a.paused_seconds
    a = _guarded(session, a, LIVE_STATES, "resume", extra_where=Assignment.paused_at.is_not(None), **closing)
    case = _case_of(session, a)
    _bump_case(session, case.id, now)
    record_event(
        session,
        EventKind.CASE_UPDATED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(
            session, case, a, action="assignment_resumed", paused_working_s=paused_for, due_at=a.due_at.isoformat()
        ),
    )
    return a


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
    text = _text(reason, "reason")
    now = now or utcnow()
    calendar = calendar or default_calendar()
    a = _load(session, assignment_id)
    if (hours is None) == (due_at is None):
        raise ValidationError("hours", "give either working hours or a new deadline")
    if a.extended_count >= calendar.max_extensions:
        raise ValidationError(
            "assignment", f"already extended {a.extended_count} times (at most {calendar.max_extensions})"
        )
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 365:
            raise ValidationError("hours", "must be a positive number of working hours")
        new_due = calendar.add_working(a.due_at, float(hours) * 3600)
    else:
        assert due_at is not None
        try:
            new_due = ensure_utc(due_at)
        except (ValueError, AttributeError):
            raise ValidationError("due_at", "must be a time with a UTC offset") from None
        if new_due <= a.due_at:
            raise ValidationError("due_at", "must be later than the current deadline")
    old_due = a.due_at
    a = _guarded(session, a, LIVE_STATES, "extend", due_at=new_due, extended_count=Assignment.extended_count + 1)
    case = _case_of(session, a)
    _bump_case(session, case.id, now)
    record_event(
        session,
        EventKind.CASE_UPDATED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload=_payload(
            session,
            case,
            a,
            action="deadline_extended",
            reason=text,
            old_due_at=old_due.isoformat(),
            due_at=new_due.isoformat(),
        ),
    )
    return a


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
