"""The shift leader's board (督办台): assignments by state with their working-time countdowns, returned ones first,
deadline warnings, escalated cases and callbacks due. One read; plain values for the interface."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..enums import OPEN_CASE_STATUSES, AssigneeKind, AssignmentStatus, CaseStatus, Category, FeedbackResult, Priority
from ..models import Assignment, Callback, Case, Department, Township
from ..services import scope
from ..services.actor import Actor
from ..services.escalation import DeadlineWarning, deadline_warnings
from ..timeutil import ensure_utc
from ..worktime import WorkCalendar, default_calendar


@dataclass(frozen=True, slots=True)
class BoardAssignment:
    assignment_id: int
    case_id: int
    number: str
    category: Category
    priority: Priority
    assignee_kind: AssigneeKind
    assignee: str
    status: AssignmentStatus
    assigned_at: datetime
    due_at: datetime
    remaining_s: float  # working seconds to the deadline; negative once overdue
    paused: bool
    escalation: int  # the case's level (督办)
    first_receiver: bool
    extended_count: int
    return_reason: str | None

    @property
    def overdue(self) -> bool:
        return self.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED) and self.remaining_s < 0

    @property
    def needs_leader(self) -> bool:
        """退单: back with the shift leader, highlighted."""
        return self.status == AssignmentStatus.RETURNED


@dataclass(frozen=True, slots=True)
class EscalatedCase:
    case_id: int
    number: str
    category: Category
    priority: Priority
    status: CaseStatus
    level: int
    due_at: datetime
    repeat_count: int


@dataclass(frozen=True, slots=True)
class CallbackDue:
    case_id: int
    number: str
    category: Category
    resolved_at: datetime
    attempts: int  # callbacks that did not reach the citizen so far
    caller_name: str | None


@dataclass(frozen=True)
class SupervisionBoard:
    now: datetime
    assignments: list[BoardAssignment]
    warnings: list[DeadlineWarning]
    escalated: list[EscalatedCase]
    callbacks_due: list[CallbackDue]

    def by_status(self) -> dict[AssignmentStatus, list[BoardAssignment]]:
        out: dict[AssignmentStatus, list[BoardAssignment]] = {}
        for a in self.assignments:
            out.setdefault(a.status, []).append(a)
        return out


def supervision_board(
    session: Session,
    *,
    now: datetime,
    calendar: WorkCalendar | None = None,
    limit: int = 1000,
    actor: Actor | None = None,
) -> SupervisionBoard:
    """The board; a township's or village's user sees the cases of its scope only."""
    now = ensure_utc(now)
    in_scope = [scope.case_filter(actor)] if actor is not None and actor.scoped else []
    calendar = calendar or default_calendar()
    deps = dict(session.execute(select(Department.id, Department.name)).tuples().all())
    towns = dict(session.execute(select(Township.id, Township.name)).tuples().all())
    latest: dict[int, tuple[Assignment, Case]] = {}
    for a, c in session.execute(
        select(Assignment, Case)
        .join(Case, Case.id == Assignment.case_id)
        .where(
            Case.status.in_(list(OPEN_CASE_STATUSES)),
            Assignment.status != AssignmentStatus.TRANSFERRED,
            *in_scope,
        )
        .order_by(Assignment.id)
    ).tuples():
        latest[c.id] = (a, c)  # the newest assignment of each open case
    rows: list[BoardAssignment] = []
    for a, c in latest.values():
        live = a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED)
        until = a.paused_at if a.paused_at is not None else now
        remaining = calendar.working_seconds(until, a.due_at) if live else 0.0
        name = (
            deps.get(a.department_id or -1)
            if a.assignee_kind == AssigneeKind.DEPARTMENT
            else towns.get(a.township_id or -1)
        )
        rows.append(
            BoardAssignment(
                assignment_id=a.id,
                case_id=c.id,
                number=c.number,
                category=c.category,
                priority=c.priority,
                assignee_kind=a.assignee_kind,
                assignee=name or "",
                status=a.status,
                assigned_at=a.assigned_at,
                due_at=a.due_at,
                remaining_s=remaining,
                paused=a.paused_at is not None,
                escalation=c.escalation,
                first_receiver=a.first_receiver,
                extended_count=a.extended_count,
                return_reason=a.return_reason,
            )
        )
    order = {AssignmentStatus.RETURNED: 0, AssignmentStatus.ASSIGNED: 1, AssignmentStatus.ACCEPTED: 1}
    rows.sort(key=lambda r: (order.get(r.status, 2), r.remaining_s if not r.paused else 1e12, r.priority.rank))
    escalated = [
        EscalatedCase(c.id, c.number, c.category, c.priority, c.status, c.escalation, c.due_at, c.repeat_count)
        for c in session.scalars(
            select(Case)
            .where(Case.status.in_([*OPEN_CASE_STATUSES, CaseStatus.RESOLVED]), Case.escalation > 0, *in_scope)
            .order_by(Case.escalation.desc(), Case.due_at)
            .limit(limit)
        )
    ]
    attempts = dict(
        session.execute(
            select(Callback.case_id, func.count())
            .join(Case, Case.id == Callback.case_id)
            .where(Case.status == CaseStatus.RESOLVED, Callback.result == FeedbackResult.NOT_REACHED, *in_scope)
            .group_by(Callback.case_id)
        )
        .tuples()
        .all()
    )
    callbacks = [
        CallbackDue(
            c.id, c.number, c.category, c.resolved_at or c.updated_at, int(attempts.get(c.id, 0)), c.caller_name
        )
        for c in session.scalars(
            select(Case).where(Case.status == CaseStatus.RESOLVED, *in_scope).order_by(Case.resolved_at).limit(limit)
        )
    ]
    seen = {r.case_id for r in rows}
    return SupervisionBoard(
        now=now,
        assignments=rows[:limit],
        warnings=[
            w
            for w in deadline_warnings(session, now=now, calendar=calendar)
            if not in_scope or w.case_id in seen  # a live assignment's case: on the board when in the scope
        ],
        escalated=escalated,
        callbacks_due=callbacks,
    )
