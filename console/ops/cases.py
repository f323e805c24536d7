"""Operations on one case: the steps of `permissions.CaseAction` (resolve, close, reopen, merge, invalid, escalate,
assign, accept, return, callback, note) and the case's detail for the case panel.

Each takes the case by `case_id` (the console) or by `number` (the command line), runs one transaction through the
service and returns where the case (or its assignment, or callback) stands after the step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import FeedbackResult
from ..errors import InvalidTransition, NotFound, ValidationError
from ..models import Assignment, Case
from ..services import assignments, callbacks, cases, queries
from ..services.actor import Action
from . import refs
from .changes import OpResult
from .registry import Kind, OpContext, operation
from .values import AssignmentState, CallbackState, CaseState

#: The reason an escalation is recorded with when none is given (the command line's `case escalate NUMBER`).
DEFAULT_ESCALATION_REASON = "manual"


def _step(
    ctx: OpContext, case_id: int | None, number: str | None, step: Callable[[Session, int], Case]
) -> OpResult[CaseState]:
    def work(session: Session) -> CaseState:
        return CaseState.of(step(session, refs.case_id(session, case_id, number)))

    return ctx.write(work)


@operation("case.resolve", action=Action.RESOLVE)
def resolve(
    ctx: OpContext, *, resolution: str, case_id: int | None = None, number: str | None = None
) -> OpResult[CaseState]:
    """Resolve a case (办结) with its result; units still attached are cleared."""
    return _step(
        ctx, case_id, number, lambda s, cid: cases.resolve_case(s, case_id=cid, resolution=resolution, actor=ctx.actor)
    )


@operation("case.close", action=Action.CLOSE)
def close(
    ctx: OpContext, *, case_id: int | None = None, number: str | None = None, note: str | None = None
) -> OpResult[CaseState]:
    """Close a resolved case."""
    return _step(ctx, case_id, number, lambda s, cid: cases.close_case(s, case_id=cid, actor=ctx.actor, note=note))


@operation("case.reopen", action=Action.REOPEN)
def reopen(
    ctx: OpContext, *, reason: str, case_id: int | None = None, number: str | None = None
) -> OpResult[CaseState]:
    """Reopen a resolved or closed case (重办)."""
    return _step(ctx, case_id, number, lambda s, cid: cases.reopen_case(s, case_id=cid, reason=reason, actor=ctx.actor))


@operation("case.merge", action=Action.MERGE)
def merge(
    ctx: OpContext,
    *,
    case_id: int | None = None,
    number: str | None = None,
    into_case_id: int | None = None,
    into: str | None = None,
) -> OpResult[CaseState]:
    """Merge a duplicate into its master case."""

    def step(session: Session, cid: int) -> Case:
        master = refs.case_id(session, into_case_id, into, field="into")
        return cases.merge_case(session, case_id=cid, into_case_id=master, actor=ctx.actor)

    return _step(ctx, case_id, number, step)


@operation("case.invalidate", action=Action.INVALIDATE)
def invalidate(
    ctx: OpContext, *, reason: str, case_id: int | None = None, number: str | None = None
) -> OpResult[CaseState]:
    """Mark a case invalid, with the reason."""
    return _step(
        ctx, case_id, number, lambda s, cid: cases.invalidate_case(s, case_id=cid, reason=reason, actor=ctx.actor)
    )


@operation("case.escalate", action=Action.ESCALATE)
def escalate(
    ctx: OpContext,
    *,
    case_id: int | None = None,
    number: str | None = None,
    reason: str | None = None,
    level: int | None = None,
) -> OpResult[CaseState]:
    """Escalate a case (督办) by one level, or to `level`."""
    text = DEFAULT_ESCALATION_REASON if reason is None else reason
    return _step(
        ctx,
        case_id,
        number,
        lambda s, cid: cases.escalate_case(s, case_id=cid, reason=text, level=level, actor=ctx.actor),
    )


@operation("case.note", action=Action.NOTE)
def note(ctx: OpContext, *, text: str, case_id: int | None = None, number: str | None = None) -> OpResult[CaseState]:
    """Add a note to a case's timeline."""

    def step(session: Session, cid: int) -> Case:
        cases.add_note(session, case_id=cid, text=text, actor=ctx.actor)
        case = session.get(Case, cid)
        if case is None:  # add_note found it a moment ago, in this transaction
            raise NotFound("case", cid)
        return case

    return _step(ctx, case_id, number, step)


@operation("case.callback", action=Action.CALLBACK)
def callback(
    ctx: OpContext,
    *,
    result: str,
    case_id: int | None = None,
    number: str | None = None,
    note: str | None = None,
) -> OpResult[CallbackState]:
    """Record the callback of a resolved case (回访): satisfied or basically satisfied closes it, dissatisfied reopens
    it, not reached leaves it resolved."""
    try:
        outcome = FeedbackResult(result)
    except ValueError:
        allowed = ", ".join(r.value for r in FeedbackResult)
        raise ValidationError("result", f"unknown result {result!r}; expected one of {allowed}") from None
    reached = outcome != FeedbackResult.NOT_REACHED

    def work(session: Session) -> CallbackState:
        cid = refs.case_id(session, case_id, number)
        done = callbacks.record_callback(
            session,
            case_id=cid,
            reached=reached,
            satisfaction=outcome if reached else None,
            notes=note,
            actor=ctx.actor,
        )
        case = session.get(Case, cid)
        if case is None:
            raise NotFound("case", cid)
        return CallbackState(done.callback_id, CaseState.of(case), done.result)

    return ctx.write(work)


@operation("case.assign", action=Action.ASSIGN)
def assign(
    ctx: OpContext,
    *,
    assignee_kind: str,
    case_id: int | None = None,
    number: str | None = None,
    assignee_id: int | None = None,
    assignee: str | None = None,
    hours: float | None = None,
    due_at: datetime | None = None,
) -> OpResult[AssignmentState]:
    """Assign a case to a department or township (派单), with a deadline in working hours (default: the calendar's
    for the priority)."""
    kind = refs.assignee_kind(assignee_kind)

    def work(session: Session) -> AssignmentState:
        cid = refs.case_id(session, case_id, number)
        target = refs.assignee_id(session, kind, assignee_id, assignee)
        a = assignments.assign_case(
            session, case_id=cid, assignee_kind=kind, assignee_id=target, hours=hours, due_at=due_at, actor=ctx.actor
        )
        return _assignment_state(session, a)

    return ctx.write(work)


def _live_assignment(session: Session, cid: int, action: str) -> Assignment:
    live = assignments.live_assignment(session, cid)
    if live is None:
        number = session.scalar(select(Case.number).where(Case.id == cid))
        raise InvalidTransition("case", number or cid, "not assigned", action)
    return live


def _assignment_state(session: Session, a: Assignment) -> AssignmentState:
    case = session.get(Case, a.case_id)
    if case is None:
        raise NotFound("case", a.case_id)
    return AssignmentState.of(session, a, case)


@operation("case.accept", action=Action.HANDLE_ASSIGNMENT)
def accept(ctx: OpContext, *, case_id: int | None = None, number: str | None = None) -> OpResult[AssignmentState]:
    """Sign for the case's live assignment (签收)."""

    def work(session: Session) -> AssignmentState:
        live = _live_assignment(session, refs.case_id(session, case_id, number), "accept")
        return _assignment_state(
            session, assignments.accept_assignment(session, assignment_id=live.id, actor=ctx.actor)
        )

    return ctx.write(work)


@operation("case.return", action=Action.HANDLE_ASSIGNMENT)
def return_(
    ctx: OpContext, *, reason: str, case_id: int | None = None, number: str | None = None
) -> OpResult[AssignmentState]:
    """Give the case's live assignment back, with the reason (退单)."""

    def work(session: Session) -> AssignmentState:
        live = _live_assignment(session, refs.case_id(session, case_id, number), "return")
        done = assignments.return_assignment(session, assignment_id=live.id, reason=reason, actor=ctx.actor)
        return _assignment_state(session, done)

    return ctx.write(work)


@operation("case.detail", action=None, kind=Kind.READ)
def detail(ctx: OpContext, *, case_id: int | None = None, number: str | None = None) -> OpResult[queries.CaseDetail]:
    """The case with its dispatches, assignments and timeline (phone masked for roles that need not see it)."""

    def work(session: Session) -> queries.CaseDetail:
        return queries.case_detail(session, refs.case_id(session, case_id, number), actor=ctx.actor)

    return ctx.read(work)
