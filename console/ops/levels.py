"""Operations moving a case between the levels (`console.services.levels`): take it locally, send it up, send it
down. Each takes the case by `case_id` (the console) or `number` (the command line)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..services import levels
from ..services.actor import Action
from . import refs
from .changes import OpResult
from .registry import OpContext, operation
from .values import CaseState


@operation("case.take", action=Action.MOVE_LEVEL)
def take(
    ctx: OpContext, *, case_id: int | None = None, number: str | None = None, note: str | None = None
) -> OpResult[CaseState]:
    """就地化解: the user's village or township center takes the case."""

    def work(session: Session) -> CaseState:
        cid = refs.case_id(session, case_id, number)
        return CaseState.of(levels.take_case(session, case_id=cid, actor=ctx.actor, note=note))

    return ctx.write(work)


@operation("case.send_up", action=Action.MOVE_LEVEL)
def send_up(
    ctx: OpContext, *, reason: str, case_id: int | None = None, number: str | None = None
) -> OpResult[CaseState]:
    """上交: send the case one level up, with a reason."""

    def work(session: Session) -> CaseState:
        cid = refs.case_id(session, case_id, number)
        return CaseState.of(levels.send_up(session, case_id=cid, reason=reason, actor=ctx.actor))

    return ctx.write(work)


@operation("case.send_down", action=Action.MOVE_LEVEL)
def send_down(
    ctx: OpContext, *, to: str, case_id: int | None = None, number: str | None = None, reason: str | None = None
) -> OpResult[CaseState]:
    """Send the case down to its township or village."""

    def work(session: Session) -> CaseState:
        cid = refs.case_id(session, case_id, number)
        return CaseState.of(levels.send_down(session, case_id=cid, to=to, reason=reason, actor=ctx.actor))

    return ctx.write(work)
