"""Callbacks (回访): the citizen is called after the resolution; the answer closes the loop or reopens the case.

- reached and satisfied / basically satisfied: the case is closed — only a closed loop counts as 办结 in the figures;
- reached and dissatisfied: the case is reopened (重办) and the dissatisfaction counts against the handler who stays
  accountable (the first receiver, 首接首办);
- not reached: the case stays resolved, waiting for another callback (or a shift leader's decision to close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import CaseStatus, EventKind, FeedbackResult
from ..events import record_event
from ..models import Assignment, Callback, Case
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .assignments import assignee_name
from .cases import reopen_case
from .errors import InvalidTransition, NotFound, ValidationError
from .guard import case_step
from .inputs import optional_text
from .permissions import CASE_RULES, CaseAction

SATISFIED = frozenset({FeedbackResult.SATISFIED, FeedbackResult.BASICALLY_SATISFIED})


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    callback_id: int
    result: FeedbackResult
    case_status: CaseStatus  # closed, still resolved (not reached), or received again (reopened)


def _result(reached: bool, satisfaction: FeedbackResult | str | None) -> FeedbackResult:
    if not isinstance(reached, bool):
        raise ValidationError("reached", "must be true or false")
    if not reached:
        if satisfaction not in (None, FeedbackResult.NOT_REACHED, FeedbackResult.NOT_REACHED.value):
            raise ValidationError("satisfaction", "is not asked when the citizen was not reached")
        return FeedbackResult.NOT_REACHED
    if satisfaction is None:
        raise ValidationError("satisfaction", "is required when the citizen was reached")
    try:
        value = FeedbackResult(satisfaction)
    except ValueError:
        raise ValidationError("satisfaction", "must be satisfied, basically_satisfied or dissatisfied") from None
    if value == FeedbackResult.NOT_REACHED:
        raise ValidationError("satisfaction", "must be satisfied, basically_satisfied or dissatisfied")
    return value


def record_callback(
    session: Session,
    *,
    case_id: int,
    reached: bool,
    actor: Actor,
    satisfaction: FeedbackResult | str | None = None,
    notes: str | None = None,
    now: datetime | None = None,
) -> CallbackOutcome:
    """Record a callback of a resolved case and apply its consequence (close, reopen, or wait)."""
    actor.require(Action.CALLBACK)
    scope.require_case(session, actor, case_id)
    result = _result(reached, satisfaction)
    notes = optional_text(notes, "notes")
    now = now or utcnow()
    states = CASE_RULES[CaseAction.CALLBACK].states
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound("case", case_id)
    if case.status not in states:
        raise InvalidTransition("case", case.number, case.status.value, "record a callback")
    callback = Callback(
        case_id=case.id, called_by=actor.name, called_at=now, reached=reached, result=result, notes=notes
    )
    session.add(callback)
    session.flush()
    accountable = session.scalars(
        select(Assignment).where(Assignment.case_id == case.id, Assignment.first_receiver.is_(True))
    ).first()
    handler = (
        assignee_name(session, accountable.assignee_kind, accountable.department_id or accountable.township_id or 0)
        if accountable
        else None
    )
    record_event(
        session,
        EventKind.CALLBACK_RECORDED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={
            "number": case.number,
            "callback": callback.id,
            "reached": reached,
            "result": result.value,
            "notes": notes,
            "handler": handler,
        },
    )
    values: dict[str, Any] = {"feedback": result}
    if result in SATISFIED:
        values.update(status=CaseStatus.CLOSED, closed_at=now)
    elif result == FeedbackResult.DISSATISFIED:
        values["dissatisfied_count"] = Case.dissatisfied_count + 1
    case = case_step(
        session,
        case_id=case.id,
        states=states,
        action="record a callback",
        actor=actor,
        now=now,
        event=EventKind.CASE_CLOSED if result in SATISFIED else None,
        payload={"by_callback": result.value},
        **values,
    )
    if result == FeedbackResult.DISSATISFIED:
        case = reopen_case(
            session,
            case_id=case.id,
            reason=f"回访不满意: {notes}" if notes else "回访不满意",
            actor=actor,
            now=now,
            via_callback=True,
        )
    return CallbackOutcome(callback_id=callback.id, result=result, case_status=case.status)


def callbacks_of(session: Session, case_id: int) -> list[Callback]:
    return list(session.scalars(select(Callback).where(Callback.case_id == case_id).order_by(Callback.id)))
