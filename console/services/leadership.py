"""Leader-owned cases (领导包案) and disputes flagged for violence risk (民转刑 风险).

A shift leader marks a case as owned by a named leader with a follow-up plan: visits and callbacks, each due by a
date. The board lists owned cases with their next due step; a step missed escalates the case as an overdue
assignment does (by the working time past its due, the calendar's thresholds; levels only rise). A dispute flagged
for violence risk gets a mandatory visit within the flag's interval after the case is resolved, and stays on the
wall until that visit is recorded. Both run in the supervision sweep (`sweep`), once a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..enums import CaseStatus, EventKind
from ..events import record_event
from ..models import Case, CaseOwner, FollowUpStep, ViolenceRisk
from ..timeutil import CHINA_TZ, ensure_utc, parse_iso8601, utcnow
from ..worktime import WorkCalendar, default_calendar
from . import scope
from .actor import SYSTEM, Action, Actor
from .errors import InvalidTransition, NotFound, ValidationError
from .escalation import MAX_AUTO_LEVEL, raise_case_level
from .inputs import check_text, required_text
from .permissions import CASE_RULES, CaseAction

KINDS = ("visit", "callback")
#: How far ahead a follow-up may be planned.
MAX_AHEAD = timedelta(days=730)
#: The default interval of a flagged dispute's visit after resolution (the `[follow_up]` table can change it).
DEFAULT_RISK_VISIT_H = 72.0


@dataclass(frozen=True, slots=True)
class StepView:
    id: int
    kind: str
    reason: str
    due_at: datetime
    done_at: datetime | None
    escalation: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "reason": self.reason,
            "due_at": self.due_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "escalation": self.escalation,
        }


@dataclass(frozen=True, slots=True)
class OwnedCase:
    case_id: int
    number: str
    status: str
    leader: str | None
    violence_risk: str | None  # the flag's reason
    next_step: StepView | None  # the earliest open step
    overdue: bool
    steps: list[StepView]

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.number,
            "status": self.status,
            "leader": self.leader,
            "violence_risk": self.violence_risk,
            "next_step": self.next_step.as_dict() if self.next_step else None,
            "overdue": self.overdue,
            "steps": [s.as_dict() for s in self.steps],
        }


def due_time(value: object, field: str, *, now: datetime) -> datetime:
    """A due date: an ISO 8601 time with an offset, or a day `YYYY-MM-DD` (its end, China time); not in the past."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "give a date (YYYY-MM-DD) or a time with an offset")
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").date()
            due = datetime.combine(day, time(23, 59, 59), tzinfo=CHINA_TZ)
        else:
            due = parse_iso8601(text)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(field, f"not a date: {exc}") from None
    due = ensure_utc(due)
    if due < now:
        raise ValidationError(field, "is in the past")
    if due > now + MAX_AHEAD:
        raise ValidationError(field, "is more than two years ahead")
    return due


def _case(session: Session, case_id: int, what: CaseAction = CaseAction.OWN) -> Case:
    """The case, in a state the permission table lets `what` start from (a duplicate or an invalid appeal has
    nothing to follow up)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if case.status not in CASE_RULES[what].states:
        raise InvalidTransition("case", case.number, case.status.value, "follow it up")
    return case


def _add_step(
    session: Session, case: Case, kind: str, due_at: datetime, reason: str, actor: Actor, now: datetime
) -> FollowUpStep:
    if kind not in KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
    step = FollowUpStep(
        case_id=case.id, kind=kind, reason=reason, due_at=due_at, escalation=0, created_by=actor.name, created_at=now
    )
    session.add(step)
    session.flush()
    record_event(
        session,
        EventKind.FOLLOW_UP_PLANNED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, "step": step.id, "kind": kind, "reason": reason, "due_at": due_at.isoformat()},
    )
    return step


def own_case(
    session: Session,
    *,
    case_id: int,
    leader: str,
    plan: Sequence[tuple[str, object]] = (),
    note: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> OwnedCase:
    """Mark the case as owned by `leader` (领导包案) with its follow-up plan (`(kind, due)` pairs)."""
    actor.require(Action.ESCALATE)
    scope.require_case(session, actor, case_id)
    now = now or utcnow()
    name = required_text(leader, "leader", max_len=64)
    note = check_text(note, "note", max_len=2000, multiline=True)
    steps = [(kind, due_time(due, f"plan[{i}].due", now=now)) for i, (kind, due) in enumerate(plan)]
    case = _case(session, case_id)
    owner = session.get(CaseOwner, case_id)
    previous = owner.leader if owner else None
    if owner is None:
        session.add(CaseOwner(case_id=case_id, leader=name, note=note, owned_by=actor.name, owned_at=now))
    else:
        owner.leader, owner.note, owner.owned_by, owner.owned_at = name, note, actor.name, now
    session.flush()
    record_event(
        session,
        EventKind.CASE_OWNED,
        actor=actor.name,
        case_id=case_id,
        ts=now,
        payload={"number": case.number, "leader": name, "previous": previous, "steps": len(steps)},
    )
    for kind, due in steps:
        _add_step(session, case, kind, due, "plan", actor, now)
    return owned_case(session, case_id)


def plan_step(
    session: Session, *, case_id: int, kind: str, due: object, actor: Actor, now: datetime | None = None
) -> StepView:
    """Add a visit or callback to an owned case's plan."""
    actor.require(Action.ESCALATE)
    scope.require_case(session, actor, case_id)
    now = now or utcnow()
    due_at = due_time(due, "due", now=now)
    case = _case(session, case_id)
    if session.get(CaseOwner, case_id) is None:
        raise InvalidTransition("case", case.number, "not owned", "plan a follow-up (mark its leader first)")
    return _view(_add_step(session, case, kind, due_at, "plan", actor, now))


def record_step(
    session: Session,
    *,
    case_id: int,
    kind: str,
    result: str,
    actor: Actor,
    now: datetime | None = None,
) -> StepView:
    """Record that the earliest open visit (or callback) of the case happened, with what came of it."""
    actor.require(Action.NOTE)
    scope.require_case(session, actor, case_id)
    now = now or utcnow()
    if kind not in KINDS:
        raise ValidationError("kind", f"must be one of {', '.join(KINDS)}")
    text = required_text(result, "result", max_len=2000)
    case = _case(session, case_id, CaseAction.FOLLOW_UP)
    step = session.scalars(
        select(FollowUpStep)
        .where(FollowUpStep.case_id == case_id, FollowUpStep.kind == kind, FollowUpStep.done_at.is_(None))
        .order_by(FollowUpStep.due_at, FollowUpStep.id)
    ).first()
    if step is None:
        raise InvalidTransition("case", case.number, f"without an open {kind}", "record it")
    done = session.execute(
        update(FollowUpStep)
        .where(FollowUpStep.id == step.id, FollowUpStep.done_at.is_(None))
        .values(done_at=now, done_by=actor.name, result=text)
    )
    if getattr(done, "rowcount", 1) != 1:  # recorded at another workstation meanwhile
        raise InvalidTransition("follow-up", step.id, "done", "record it again")
    session.refresh(step)
    record_event(
        session,
        EventKind.FOLLOW_UP_DONE,
        actor=actor.name,
        case_id=case_id,
        ts=now,
        payload={
            "number": case.number,
            "step": step.id,
            "kind": kind,
            "reason": step.reason,
            "late": step.due_at < now,
        },
    )
    return _view(step)


def flag_violence_risk(
    session: Session,
    *,
    case_id: int,
    reason: str,
    visit_within_h: float = DEFAULT_RISK_VISIT_H,
    actor: Actor,
    now: datetime | None = None,
) -> OwnedCase:
    """Flag a dispute for violence risk (民转刑 风险); its visit after resolution becomes mandatory."""
    actor.require(Action.ESCALATE)
    scope.require_case(session, actor, case_id)
    now = now or utcnow()
    text = required_text(reason, "reason", max_len=2000)
    if not 1 <= visit_within_h <= 24 * 90:
        raise ValidationError("visit_within_h", "must be between 1 hour and 90 days")
    case = _case(session, case_id, CaseAction.FLAG_RISK)
    if case.category not in (CASE_RULES[CaseAction.FLAG_RISK].categories or {case.category}):
        raise ValidationError("category", "only a dispute (矛盾纠纷) can be flagged for violence risk")
    risk = session.get(ViolenceRisk, case_id)
    if risk is None:
        session.add(
            ViolenceRisk(
                case_id=case_id, reason=text, visit_within_h=visit_within_h, flagged_by=actor.name, flagged_at=now
            )
        )
    else:
        risk.reason, risk.visit_within_h = text, visit_within_h
    session.flush()
    record_event(
        session,
        EventKind.VIOLENCE_RISK_FLAGGED,
        actor=actor.name,
        case_id=case_id,
        ts=now,
        payload={"number": case.number, "reason": text, "visit_within_h": visit_within_h},
    )
    _risk_visits(session, now, [case_id])  # already resolved: the visit is due at once
    return owned_case(session, case_id)


# -- the sweep ----------------------------------------------------------------------------------------------------


def _risk_visits(session: Session, now: datetime, case_ids: Sequence[int] | None = None) -> int:
    """Plan the mandatory visit of each flagged dispute resolved since (once per flag)."""
    q = (
        select(ViolenceRisk, Case.resolved_at, Case.number)
        .join(Case, Case.id == ViolenceRisk.case_id)
        .where(ViolenceRisk.visit_step_id.is_(None), Case.resolved_at.is_not(None))
    )
    if case_ids is not None:
        q = q.where(ViolenceRisk.case_id.in_(list(case_ids)))
    made = 0
    for risk, resolved_at, _number in session.execute(q).all():
        case = session.get(Case, risk.case_id)
        assert case is not None and resolved_at is not None
        step = _add_step(
            session, case, "visit", resolved_at + timedelta(hours=risk.visit_within_h), "violence_risk", SYSTEM, now
        )
        taken = session.execute(
            update(ViolenceRisk)
            .where(ViolenceRisk.case_id == risk.case_id, ViolenceRisk.visit_step_id.is_(None))
            .values(visit_step_id=step.id)
        )
        if getattr(taken, "rowcount", 1) != 1:
            session.delete(step)  # another console planned it first
            continue
        made += 1
    return made


def sweep(session: Session, *, now: datetime, calendar: WorkCalendar | None = None) -> list[int]:
    """Plan the visits flagged disputes need, and escalate the cases whose follow-up steps are overdue; the ids of
    the cases escalated."""
    now = ensure_utc(now)
    calendar = calendar or default_calendar()
    _risk_visits(session, now)
    escalated: list[int] = []
    for step_id, case_id, due_at, current, kind, reason in session.execute(
        select(
            FollowUpStep.id,
            FollowUpStep.case_id,
            FollowUpStep.due_at,
            FollowUpStep.escalation,
            FollowUpStep.kind,
            FollowUpStep.reason,
        )
        .where(FollowUpStep.done_at.is_(None), FollowUpStep.due_at < now, FollowUpStep.escalation < MAX_AUTO_LEVEL)
        .order_by(FollowUpStep.id)
    ).all():
        overdue = calendar.working_seconds(due_at, now)
        level = max(1, min(calendar.level_for(overdue), MAX_AUTO_LEVEL))  # missed at all: at least level 1
        if level <= current:
            continue
        moved = session.execute(
            update(FollowUpStep)
            .where(FollowUpStep.id == step_id, FollowUpStep.escalation < level)
            .values(escalation=level)
        )
        if getattr(moved, "rowcount", 1) != 1:
            continue
        if raise_case_level(
            session,
            case_id=case_id,
            level=level,
            reason="missed_follow_up",
            actor=SYSTEM,
            now=now,
            extra={"step": step_id, "kind": kind, "step_reason": reason, "overdue_working_s": overdue},
        ):
            escalated.append(case_id)
    return escalated


# -- reading ------------------------------------------------------------------------------------------------------


def _view(step: FollowUpStep) -> StepView:
    return StepView(step.id, step.kind, step.reason, step.due_at, step.done_at, step.escalation)


def owned_case(session: Session, case_id: int, *, now: datetime | None = None) -> OwnedCase:
    now = now or utcnow()
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    owner = session.get(CaseOwner, case_id)
    risk = session.get(ViolenceRisk, case_id)
    steps = [
        _view(s)
        for s in session.scalars(
            select(FollowUpStep).where(FollowUpStep.case_id == case_id).order_by(FollowUpStep.due_at, FollowUpStep.id)
        )
    ]
    open_steps = [s for s in steps if s.done_at is None]
    nxt = open_steps[0] if open_steps else None
    return OwnedCase(
        case.id,
        case.number,
        case.status.value,
        owner.leader if owner else None,
        risk.reason if risk else None,
        nxt,
        bool(nxt and nxt.due_at < now),
        steps,
    )


def case_follow_up(session: Session, case_id: int, *, viewer: Actor, now: datetime | None = None) -> OwnedCase | None:
    """The case's leader, plan and violence-risk flag (None when it has neither a leader nor a flag), for the case
    detail; a scoped viewer is refused another scope's case."""
    scope.require_case(session, viewer, case_id)
    if session.get(CaseOwner, case_id) is None and session.get(ViolenceRisk, case_id) is None:
        if session.get(Case, case_id) is None:
            raise NotFound("case", case_id)
        return None
    return owned_case(session, case_id, now=now)


def _in_scope(viewer: Actor | None, case_id: Any) -> list[Any]:
    """The filter that keeps a scoped viewer's lists to its own cases (none for the county)."""
    if viewer is None or not viewer.scoped:
        return []
    return [case_id.in_(select(Case.id).where(scope.case_filter(viewer)))]


def owned_board(session: Session, *, now: datetime | None = None, viewer: Actor | None = None) -> list[OwnedCase]:
    """Owned cases with an open step or still open themselves, and flagged disputes awaiting their visit; the most
    urgent next step first (overdue, then by due time; without a step last). A scoped viewer sees its scope's."""
    now = now or utcnow()
    ids = set(session.scalars(select(CaseOwner.case_id).where(*_in_scope(viewer, CaseOwner.case_id))).all())
    ids |= set(session.scalars(select(ViolenceRisk.case_id).where(*_in_scope(viewer, ViolenceRisk.case_id))).all())
    rows = [owned_case(session, cid, now=now) for cid in sorted(ids)]
    shown = [r for r in rows if r.next_step is not None or r.status in {s.value for s in CaseStatus if s.is_open}]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(shown, key=lambda r: (not r.overdue, r.next_step.due_at if r.next_step else far, r.case_id))


def risk_wall(session: Session, *, now: datetime | None = None, viewer: Actor | None = None) -> list[OwnedCase]:
    """Flagged disputes whose mandatory visit is not yet recorded (what the wall shows), of the viewer's scope."""
    now = now or utcnow()
    waiting = session.scalars(
        select(ViolenceRisk.case_id)
        .outerjoin(FollowUpStep, FollowUpStep.id == ViolenceRisk.visit_step_id)
        .where(FollowUpStep.done_at.is_(None), *_in_scope(viewer, ViolenceRisk.case_id))
        .order_by(ViolenceRisk.case_id)
    ).all()
    return [owned_case(session, cid, now=now) for cid in waiting]
