"""The demo history's calls into the supervision services (assignments, callbacks, the overdue sweep), in one place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..enums import AssigneeKind, FeedbackResult
from ..services import assignments, callbacks, escalation
from ..services.actor import SYSTEM, Actor


def assign(session: Session, *, case_id: int, kind: AssigneeKind, target_id: int, actor: Actor, now: datetime) -> int:
    """派单 with the working-time deadline the calendar gives the case's priority; returns the assignment id."""
    a = assignments.assign_case(
        session, case_id=case_id, assignee_kind=kind, assignee_id=target_id, actor=actor, now=now
    )
    return a.id


def accept(session: Session, *, assignment_id: int, actor: Actor, now: datetime) -> None:
    assignments.accept_assignment(session, assignment_id=assignment_id, actor=actor, now=now)


def return_assignment(session: Session, *, assignment_id: int, reason: str, actor: Actor, now: datetime) -> None:
    assignments.return_assignment(session, assignment_id=assignment_id, reason=reason, actor=actor, now=now)


def resolve_assignment(session: Session, *, assignment_id: int, result: str, actor: Actor, now: datetime) -> None:
    assignments.resolve_assignment(session, assignment_id=assignment_id, result=result, actor=actor, now=now)


def callback(session: Session, *, case_id: int, result: FeedbackResult, actor: Actor, now: datetime) -> str:
    """Record a callback; returns the case's status after it (closed, still resolved, or reopened)."""
    reached = result != FeedbackResult.NOT_REACHED
    outcome = callbacks.record_callback(
        session, case_id=case_id, reached=reached, satisfaction=result if reached else None, actor=actor, now=now
    )
    return outcome.case_status.value


def sweep_overdue(session: Session, *, now: datetime) -> int:
    """The automatic escalation (督办) of overdue cases and assignments, as the console runs it; how many rose."""
    return len(escalation.escalate_overdue(session, now=now, actor=SYSTEM))
