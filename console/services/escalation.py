"""Automatic escalation (督办) of overdue cases and assignments, and warnings before a deadline.

`escalate_overdue` is a sweep (run every minute by whoever runs the feeds, or from the command line): each overdue
live assignment, and each overdue open case without one, gets the level its lateness calls for — assignments by the
working time past their deadline, cases by the wall-clock time past theirs, with the same thresholds. Levels only
rise; each rise is one guarded UPDATE and one event. Paused assignments do not run late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import OPEN_CASE_STATUSES, CaseStatus, EventKind
from ..events import record_event
from ..models import Assignment, Case
from ..timeutil import ensure_utc
from ..worktime import WorkCalendar, default_calendar
from .actor import SYSTEM, Action, Actor
from .assignments import LIVE_STATES
from .guard import guarded_update

#: Escalation levels stop here (the case service allows up to 9 by hand).
MAX_AUTO_LEVEL = 3
#: Overdue open cases are read this many at a time.
CASE_PAGE = 500


@dataclass(frozen=True, slots=True)
class Escalated:
    case_id: int
    number: str
    level: int
    assignment_id: int | None
    overdue_s: float  # working seconds for an assignment, wall-clock seconds for a case


@dataclass(frozen=True, slots=True)
class DeadlineWarning:
    case_id: int
    number: str
    assignment_id: int | None
    due_at: datetime
    remaining_s: float  # working seconds for an assignment, wall-clock seconds for a case


def raise_case_level(
    session: Session,
    *,
    case_id: int,
    level: int,
    reason: str,
    actor: Actor,
    now: datetime,
    extra: dict[str, object] | None = None,
) -> bool:
    """Raise the case's escalation to `level` if it is lower (any state but merged/invalid); True if it rose."""
    case = guarded_update(
        session,
        Case,
        case_id,
        where=[Case.escalation < level, Case.status.not_in([CaseStatus.MERGED, CaseStatus.INVALID])],
        now=now,
        escalation=level,
    )
    if case is None:
        return False
    record_event(
        session,
        EventKind.CASE_ESCALATED,
        actor=actor.name,
        case_id=case_id,
        ts=now,
        payload={"number": case.number, "level": level, "reason": reason, "automatic": True, **(extra or {})},
    )
    return True


def escalate_overdue(
    session: Session,
    *,
    now: datetime,
    actor: Actor = SYSTEM,
    calendar: WorkCalendar | None = None,
    limit: int | None = None,
) -> list[Escalated]:
    """One sweep: raise the level of every overdue case and live assignment that is not yet at its level — or of
    the first `limit` of them (assignments first, then cases, each by id), so that one transaction stays short
    when thousands became overdue at once; the caller sweeps again while a sweep returns `limit` rises."""
    actor.require(Action.ESCALATE)
    if limit is not None and limit < 1:
        raise ValueError(f"limit: must be at least 1, got {limit}")
    now = ensure_utc(now)
    calendar = calendar or default_calendar()
    done: list[Escalated] = []
    assigned_cases: set[int] = set()
    rows = session.execute(
        select(Assignment.id, Assignment.case_id, Assignment.due_at, Assignment.escalation, Assignment.paused_at)
        .where(Assignment.status.in_(list(LIVE_STATES)), Assignment.due_at < now)
        .order_by(Assignment.id)
    ).all()
    # Every live assignment's case counts as assigned, overdue or not (its clock is the working one).
    assigned_cases.update(
        session.scalars(select(Assignment.case_id).where(Assignment.status.in_(list(LIVE_STATES)))).all()
    )
    for a_id, case_id, due_at, current, paused_at in rows:
        if limit is not None and len(done) >= limit:
            return done
        if paused_at is not None:
            continue
        overdue = calendar.working_seconds(due_at, now)
        level = min(calendar.level_for(overdue), MAX_AUTO_LEVEL)
        if level <= current:
            continue
        guarded_update(session, Assignment, a_id, where=[Assignment.escalation < level], escalation=level)
        if raise_case_level(
            session,
            case_id=case_id,
            level=level,
            reason="overdue_assignment",
            actor=actor,
            now=now,
            extra={"assignment": a_id, "overdue_working_s": overdue},
        ):
            number = session.scalar(select(Case.number).where(Case.id == case_id)) or ""
            done.append(Escalated(case_id, number, level, a_id, overdue))
    # Read in pages by id: with thousands overdue, a limited sweep reads what it gets through, not every row.
    after = 0
    while limit is None or len(done) < limit:
        page = session.execute(
            select(Case.id, Case.number, Case.due_at, Case.escalation)
            .where(
                Case.id > after,
                Case.status.in_(list(OPEN_CASE_STATUSES)),
                Case.due_at < now,
                Case.escalation < MAX_AUTO_LEVEL,
            )
            .order_by(Case.id)
            .limit(CASE_PAGE)
        ).all()
        for case_id, number, due_at, current in page:
            after = case_id
            if limit is not None and len(done) >= limit:
                break
            if case_id in assigned_cases:
                continue
            overdue = (now - due_at).total_seconds()
            level = min(calendar.level_for(overdue), MAX_AUTO_LEVEL)
            if level > current and raise_case_level(
                session,
                case_id=case_id,
                level=level,
                reason="overdue",
                actor=actor,
                now=now,
                extra={"overdue_s": overdue},
            ):
                done.append(Escalated(case_id, number, level, None, overdue))
        if len(page) < CASE_PAGE:
            break
    return done


def deadline_warnings(
    session: Session,
    *,
    now: datetime,
    calendar: WorkCalendar | None = None,
    case_warn: timedelta = timedelta(hours=1),
) -> list[DeadlineWarning]:
    """Live assignments due within the calendar's warning time (working hours) and open unassigned cases due within
    `case_warn`, soonest first. Read only."""
    now = ensure_utc(now)
    calendar = calendar or default_calendar()
    warn_s = calendar.warn_before_hours * 3600
    out: list[DeadlineWarning] = []
    # Working time never runs faster than the wall clock: anything due within the warning window in working time
    # is due within a wall-clock span no shorter than that; fetch a generous span and check exactly.
    horizon = calendar.add_working(now, warn_s) if warn_s > 0 else now
    assigned: set[int] = set()
    for a_id, case_id, number, due_at, paused_at in session.execute(
        select(Assignment.id, Assignment.case_id, Case.number, Assignment.due_at, Assignment.paused_at)
        .join(Case, Case.id == Assignment.case_id)
        .where(Assignment.status.in_(list(LIVE_STATES)))
    ).all():
        assigned.add(case_id)
        if paused_at is not None or not now <= due_at <= horizon:
            continue
        out.append(DeadlineWarning(case_id, number, a_id, due_at, calendar.working_seconds(now, due_at)))
    for case_id, number, due_at in session.execute(
        select(Case.id, Case.number, Case.due_at).where(
            Case.status.in_(list(OPEN_CASE_STATUSES)), Case.due_at >= now, Case.due_at <= now + case_warn
        )
    ).all():
        if case_id not in assigned:
            out.append(DeadlineWarning(case_id, number, None, due_at, (due_at - now).total_seconds()))
    out.sort(key=lambda w: w.due_at)
    return out
