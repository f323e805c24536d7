"""Leader-owned cases (领导包案) and violence-risk disputes (民转刑 风险): mark the leader and the follow-up plan,
add a step, record a visit or callback, flag a dispute; the board of owned cases and the wall's flagged disputes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..services import leadership
from ..services.actor import Action
from ..services.leadership import OwnedCase, StepView
from ..services.permissions import CaseAction
from . import refs
from .changes import OpChanges, OpResult
from .registry import Kind, OpContext, operation

#: The case steps of the permission table (`CaseAction`) these operations take (the others are `case.<step>`).
STEP_OPERATIONS: dict[CaseAction, str] = {
    CaseAction.OWN: "leadership.own",
    CaseAction.FOLLOW_UP: "leadership.record",
    CaseAction.FLAG_RISK: "leadership.flag_risk",
}


def _plan(plan: Any) -> list[tuple[str, object]]:
    if plan is None:
        return []
    if not isinstance(plan, Sequence) or isinstance(plan, str | bytes):
        raise ValidationError("plan", 'must be a list of {"kind": "visit"|"callback", "due": DATE}')
    out = []
    for i, item in enumerate(plan):
        if not isinstance(item, dict) or set(item) - {"kind", "due"}:
            raise ValidationError(f"plan[{i}]", 'must be {"kind": "visit"|"callback", "due": DATE}')
        kind = item.get("kind")
        if kind not in leadership.KINDS:
            raise ValidationError(f"plan[{i}].kind", f"must be one of {', '.join(leadership.KINDS)}")
        out.append((str(kind), item.get("due")))
    return out


def _changed(value: Any) -> OpChanges:
    return OpChanges.of(cases=[value.case_id]) if isinstance(value, OwnedCase) else OpChanges.of()


@operation("leadership.own", action=Action.ESCALATE)
def own(
    ctx: OpContext,
    *,
    leader: str,
    plan: Sequence[Any] | None = None,
    note: str | None = None,
    case_id: int | None = None,
    number: str | None = None,
) -> OpResult[OwnedCase]:
    """Mark a case as owned by a named leader (领导包案) with its follow-up plan (visits and callbacks by a date)."""
    steps = _plan(plan)

    def work(s: Session) -> OwnedCase:
        cid = refs.case_id(s, case_id, number)
        return leadership.own_case(s, case_id=cid, leader=leader, plan=steps, note=note, actor=ctx.actor)

    return ctx.write(work, changes=_changed)


@operation("leadership.plan", action=Action.ESCALATE)
def plan(
    ctx: OpContext, *, kind: str, due: str, case_id: int | None = None, number: str | None = None
) -> OpResult[StepView]:
    """Add a visit or callback, due by a date, to an owned case's plan."""
    return ctx.write(
        lambda s: leadership.plan_step(s, case_id=refs.case_id(s, case_id, number), kind=kind, due=due, actor=ctx.actor)
    )


@operation("leadership.record", action=Action.NOTE)
def record(
    ctx: OpContext, *, kind: str, result: str, case_id: int | None = None, number: str | None = None
) -> OpResult[StepView]:
    """Record the case's earliest open visit or callback as done, with what came of it."""
    return ctx.write(
        lambda s: leadership.record_step(
            s, case_id=refs.case_id(s, case_id, number), kind=kind, result=result, actor=ctx.actor
        )
    )


@operation("leadership.flag_risk", action=Action.ESCALATE)
def flag_risk(
    ctx: OpContext,
    *,
    reason: str,
    visit_within_h: float | None = None,
    case_id: int | None = None,
    number: str | None = None,
) -> OpResult[OwnedCase]:
    """Flag a dispute for violence risk (民转刑 风险): a visit becomes mandatory within the interval after resolution."""

    def work(s: Session) -> OwnedCase:
        cid = refs.case_id(s, case_id, number)
        hours = leadership.DEFAULT_RISK_VISIT_H if visit_within_h is None else float(visit_within_h)
        return leadership.flag_violence_risk(s, case_id=cid, reason=reason, visit_within_h=hours, actor=ctx.actor)

    return ctx.write(work, changes=_changed)


@operation("leadership.case", action=None, kind=Kind.READ)
def case(ctx: OpContext, *, case_id: int | None = None, number: str | None = None) -> OpResult[OwnedCase | None]:
    """One case's leader, follow-up plan and violence-risk flag (None when it has neither leader nor flag)."""
    return ctx.read(lambda s: leadership.case_follow_up(s, refs.case_id(s, case_id, number), viewer=ctx.actor))


@operation("leadership.board", action=None, kind=Kind.READ)
def board(ctx: OpContext) -> OpResult[list[OwnedCase]]:
    """Owned cases and flagged disputes with their next due step, the most urgent first."""
    return ctx.read(lambda s: leadership.owned_board(s, viewer=ctx.actor))


@operation("leadership.risk_wall", action=None, kind=Kind.READ)
def risk_wall(ctx: OpContext) -> OpResult[list[OwnedCase]]:
    """Flagged disputes whose mandatory visit is not yet recorded (shown on the wall)."""
    return ctx.read(lambda s: leadership.risk_wall(s, viewer=ctx.actor))
