"""Operations of the 110 ↔ 12345 hand-off (`console.services.handoffs`): hand a case over, record the other side's
acceptance (its reference), refusal or result by hand, and read a case's receipts. The case is named by `case_id`
(the console) or `number` (the command line); the steps after the first act on the case's live hand-off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..errors import InvalidTransition
from ..models import Case
from ..services import handoffs, scope
from ..services.actor import Action
from . import refs
from .changes import OpResult
from .registry import Kind, OpContext, operation


@dataclass(frozen=True, slots=True)
class HandoffState:
    case: str
    receipt: handoffs.HandoffView

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, **self.receipt.as_dict()}


def _state(session: Session, h: Any, accept_within_s: float) -> HandoffState:
    number = session.get(Case, h.case_id)
    return HandoffState(number.number if number else "?", handoffs.HandoffView.of(h, accept_within_s))


def _live(session: Session, cid: int, action: str) -> Any:
    h = handoffs.live_handoff(session, cid)
    if h is None:
        case = session.get(Case, cid)
        raise InvalidTransition("case", case.number if case else cid, "not handed off", action)
    return h


def _on_live(
    ctx: OpContext,
    case_id: int | None,
    number: str | None,
    action: str,
    accept_within_s: float,
    step: Callable[[Session, int], Any],
) -> OpResult[HandoffState]:
    """A step on the case's live hand-off (accept, refuse, result), within the actor's scope, in one transaction."""

    def work(session: Session) -> HandoffState:
        cid = refs.case_id(session, case_id, number)
        scope.require_case(session, ctx.actor, cid)
        h = step(session, _live(session, cid, action).id)
        assert h is not None  # a person's step either applies or raises
        return _state(session, h, accept_within_s)

    return ctx.write(work)


@operation("handoff.send", action=Action.HANDOFF)
def send(
    ctx: OpContext,
    *,
    to: str,
    case_id: int | None = None,
    number: str | None = None,
    ref: str | None = None,
    note: str | None = None,
    accept_within_s: float = 600.0,
) -> OpResult[HandoffState]:
    """Hand a case to the police line (police_110) or the hotline (hotline_12345); with `ref`, already accepted."""

    def work(session: Session) -> HandoffState:
        cid = refs.case_id(session, case_id, number)
        h = handoffs.hand_off(session, case_id=cid, to=to, ref=ref, note=note, actor=ctx.actor)
        return _state(session, h, accept_within_s)

    return ctx.write(work)


@operation("handoff.accept", action=Action.HANDOFF)
def accept(
    ctx: OpContext, *, ref: str, case_id: int | None = None, number: str | None = None, accept_within_s: float = 600.0
) -> OpResult[HandoffState]:
    """Record that the other side accepted the case's hand-off, with its reference number."""
    return _on_live(
        ctx,
        case_id,
        number,
        "accept",
        accept_within_s,
        lambda session, hid: handoffs.accept_handoff(session, handoff_id=hid, ref=ref, actor=ctx.actor),
    )


@operation("handoff.refuse", action=Action.HANDOFF)
def refuse(
    ctx: OpContext,
    *,
    reason: str,
    case_id: int | None = None,
    number: str | None = None,
    accept_within_s: float = 600.0,
) -> OpResult[HandoffState]:
    """Record that the other side refused the hand-off (with its reason): the case is back here."""
    return _on_live(
        ctx,
        case_id,
        number,
        "refuse",
        accept_within_s,
        lambda session, hid: handoffs.refuse_handoff(session, handoff_id=hid, reason=reason, actor=ctx.actor),
    )


@operation("handoff.result", action=Action.HANDOFF)
def result(
    ctx: OpContext,
    *,
    result: str,
    case_id: int | None = None,
    number: str | None = None,
    accept_within_s: float = 600.0,
) -> OpResult[HandoffState]:
    """Record the other side's result: the loop is closed and the case resolved with it."""
    return _on_live(
        ctx,
        case_id,
        number,
        "record the result",
        accept_within_s,
        lambda session, hid: handoffs.record_result(session, handoff_id=hid, result=result, actor=ctx.actor),
    )


@operation("handoff.list", action=None, kind=Kind.READ)
def receipts(
    ctx: OpContext, *, case_id: int | None = None, number: str | None = None, accept_within_s: float = 600.0
) -> OpResult[list[handoffs.HandoffView]]:
    """The hand-off receipts of a case (oldest first)."""

    def work(session: Session) -> list[handoffs.HandoffView]:
        cid = refs.case_id(session, case_id, number)
        scope.require_case(session, ctx.actor, cid)
        return handoffs.handoffs_of(session, cid, accept_within_s=accept_within_s)

    return ctx.read(work)
