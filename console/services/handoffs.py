"""110 ↔ 12345 hand-offs: a case handed to the police line or the government hotline, with its receipt.

A hand-off is `sent` (who, when), then `accepted` by the other side (its reference number), or `refused` with a
reason (the case comes back: it stays open here, and says so in its timeline), and finally `done` when the other
side's result comes back, which closes the loop (the case is resolved with that result). A hand-off not accepted
within `[handoff] accept_within_minutes` gets one `handoff_overdue` warning from the supervision sweep.

Each step is one guarded UPDATE and its event. Answers from the other side carry its own sequence number: an answer
whose number is not above the last one applied (a reply sent twice, an older one arriving late) changes nothing,
so polling is idempotent by reference. Without an adapter the dispatcher records the steps by hand (the reference
read over the phone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from ..enums import OPEN_CASE_STATUSES, EventKind, HandoffLine, HandoffStatus
from ..events import record_event
from ..models import Case, Handoff
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import InvalidTransition, NotFound, ValidationError
from .guard import guarded_update
from .inputs import optional_text, required_text

LIVE = frozenset({HandoffStatus.SENT, HandoffStatus.ACCEPTED})
_OPTIONS = {"synchronize_session": False, "populate_existing": True}
_MAX_REF = 64


def line_of(value: HandoffLine | str, field: str = "to") -> HandoffLine:
    try:
        return HandoffLine(value)
    except ValueError:
        raise ValidationError(field, f"must be one of {', '.join(v.value for v in HandoffLine)}") from None


def _ref(value: object, field: str = "ref") -> str | None:
    text = optional_text(value, field, max_len=_MAX_REF)
    return text or None


def _live_exists(case_id: Any) -> ColumnElement[bool]:
    return exists().where(Handoff.case_id == case_id, Handoff.status.in_(list(LIVE)))


def _record(session: Session, kind: EventKind, h: Handoff, actor: Actor, now: datetime, **payload: Any) -> None:
    number = session.scalar(select(Case.number).where(Case.id == h.case_id))
    record_event(
        session,
        kind,
        actor=actor.name,
        case_id=h.case_id,
        ts=now,
        payload={"number": number, "handoff": h.id, "to": h.to_line.value, "ref": h.ref, **payload},
    )


def hand_off(
    session: Session,
    *,
    case_id: int,
    to: HandoffLine | str,
    actor: Actor,
    ref: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Hand an open case to the other line. With `ref` (read over the phone) the other side has taken it already:
    the hand-off is recorded as accepted. One live hand-off per case: a second is refused."""
    actor.require(Action.HANDOFF)
    line = line_of(to)
    ref = _ref(ref)
    text = optional_text(note, "note")
    now = now or utcnow()
    scope.require_case(session, actor, case_id)
    # The race guard: the case is open and has no live hand-off; its version moves on so other consoles refresh.
    case = guarded_update(
        session,
        Case,
        case_id,
        where=[Case.status.in_(list(OPEN_CASE_STATUSES)), ~_live_exists(Case.id)],
        now=now,
    )
    if case is None:
        current = session.get(Case, case_id, populate_existing=True)
        if current is None:
            raise NotFound("case", case_id)
        state = current.status.value if not current.status.is_open else "handed off"
        raise InvalidTransition("case", current.number, state, "hand off")
    if ref is not None and _by_ref(session, line, ref) is not None:
        raise ValidationError("ref", f"reference {ref} of {line.value} is already recorded")
    h = Handoff(
        case_id=case_id,
        to_line=line,
        status=HandoffStatus.ACCEPTED if ref else HandoffStatus.SENT,
        version=1,
        sent_by=actor.name,
        sent_at=now,
        note=text,
        ref=ref,
        accepted_at=now if ref else None,
        peer_seq=0,
    )
    session.add(h)
    session.flush()
    _record(session, EventKind.HANDOFF_SENT, h, actor, now, note=text)
    if ref:
        _record(session, EventKind.HANDOFF_ACCEPTED, h, actor, now, by_hand=True)
    return h


def _by_ref(session: Session, line: HandoffLine, ref: str) -> Handoff | None:
    return session.scalars(select(Handoff).where(Handoff.to_line == line, Handoff.ref == ref)).first()


def live_handoff(session: Session, case_id: int) -> Handoff | None:
    return session.scalars(
        select(Handoff).where(Handoff.case_id == case_id, Handoff.status.in_(list(LIVE))).order_by(Handoff.id.desc())
    ).first()


def _step(
    session: Session,
    h: Handoff,
    *,
    states: Iterable[HandoffStatus],
    action: str,
    seq: int | None,
    **values: Any,
) -> Handoff | None:
    """Apply `values` if the hand-off is still in `states` (and, for an answer of the other side, newer than the last
    one applied). None: an answer already applied or overtaken (nothing to do); InvalidTransition for a person's
    step on a hand-off that moved on."""
    where: list[ColumnElement[bool]] = [Handoff.id == h.id, Handoff.status.in_(list(states))]
    if seq is not None:
        where.append(Handoff.peer_seq < seq)
        values["peer_seq"] = seq
    fresh = (
        session.execute(
            update(Handoff).where(*where).values(version=Handoff.version + 1, **values).returning(Handoff),
            execution_options=_OPTIONS,
        )
        .scalars()
        .first()
    )
    if fresh is None:
        if seq is not None:
            return None
        current = session.get(Handoff, h.id, populate_existing=True)
        raise InvalidTransition("hand-off", h.id, current.status.value if current else "gone", action)
    return fresh


def _load(session: Session, handoff_id: int, actor: Actor) -> Handoff:
    h = session.get(Handoff, handoff_id, populate_existing=True)
    if h is None:
        raise NotFound("hand-off", handoff_id)
    scope.require_case(session, actor, h.case_id)
    return h


def accept_handoff(
    session: Session,
    *,
    handoff_id: int,
    ref: str,
    actor: Actor,
    now: datetime | None = None,
    seq: int | None = None,
) -> Handoff | None:
    """The other side took the case: its reference number."""
    actor.require(Action.HANDOFF)
    text = _ref(ref)
    if text is None:
        raise ValidationError("ref", "give the other side's reference number")
    now = now or utcnow()
    h = _load(session, handoff_id, actor)
    other = _by_ref(session, h.to_line, text)
    if other is not None and other.id != h.id:
        raise ValidationError("ref", f"reference {text} of {h.to_line.value} is already recorded")
    fresh = _step(
        session,
        h,
        states={HandoffStatus.SENT},
        action="accept",
        seq=seq,
        status=HandoffStatus.ACCEPTED,
        ref=text,
        accepted_at=now,
    )
    if fresh is not None:
        _record(session, EventKind.HANDOFF_ACCEPTED, fresh, actor, now, by_hand=seq is None)
    return fresh


def refuse_handoff(
    session: Session,
    *,
    handoff_id: int,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
    seq: int | None = None,
) -> Handoff | None:
    """The other side refused the case, with its reason: the case comes back (it stays open here)."""
    actor.require(Action.HANDOFF)
    text = required_text(reason, "reason")
    now = now or utcnow()
    h = _load(session, handoff_id, actor)
    fresh = _step(
        session,
        h,
        states=LIVE,
        action="refuse",
        seq=seq,
        status=HandoffStatus.REFUSED,
        refused_at=now,
        refusal_reason=text,
    )
    if fresh is not None:
        _record(session, EventKind.HANDOFF_REFUSED, fresh, actor, now, reason=text)
    return fresh


def record_result(
    session: Session,
    *,
    handoff_id: int,
    result: str,
    actor: Actor,
    now: datetime | None = None,
    seq: int | None = None,
) -> Handoff | None:
    """The other side's result: the loop is closed and the case, if still open, is resolved with it."""
    actor.require(Action.HANDOFF)
    text = required_text(result, "result")
    now = now or utcnow()
    h = _load(session, handoff_id, actor)
    values: dict[str, Any] = {"status": HandoffStatus.DONE, "result_at": now, "result": text}
    if h.accepted_at is None:  # the result came before (or instead of) the acceptance: it was taken, then
        values["accepted_at"] = now
    fresh = _step(session, h, states=LIVE, action="record the result", seq=seq, **values)
    if fresh is None:
        return None
    _record(session, EventKind.HANDOFF_RESULT, fresh, actor, now, result=text)
    case = session.get(Case, fresh.case_id, populate_existing=True)
    if case is not None and case.status.is_open:
        from .cases import resolve_case  # late import: cases imports dispatch, which this module need not load

        resolve_case(
            session,
            case_id=case.id,
            resolution=f"[{fresh.to_line.value} {fresh.ref or ''}] {text}",
            actor=actor,
            now=now,
        )
    return fresh


def mark_delivered(session: Session, *, handoff_id: int, ref: str | None, now: datetime) -> Handoff | None:
    """The adapter delivered the hand-off (the other side's reference when it gave one at once). No event: the
    receipt shows the time; acceptance is the other side's next answer."""
    values: dict[str, Any] = {"delivered_at": now}
    if ref:
        values["ref"] = ref
    return (
        session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.delivered_at.is_(None))
            .values(version=Handoff.version + 1, **values)
            .returning(Handoff),
            execution_options=_OPTIONS,
        )
        .scalars()
        .first()
    )


def warn_overdue(session: Session, *, now: datetime, accept_within_s: float, actor: Actor) -> list[Handoff]:
    """Once per hand-off: a `handoff_overdue` warning when the other side has not accepted it within the limit.
    The guarded UPDATE (warned_at still empty) makes two sweeps at once warn once."""
    limit = now - timedelta(seconds=accept_within_s)
    warned = list(
        session.execute(
            update(Handoff)
            .where(Handoff.status == HandoffStatus.SENT, Handoff.sent_at < limit, Handoff.warned_at.is_(None))
            .values(warned_at=now, version=Handoff.version + 1)
            .returning(Handoff),
            execution_options=_OPTIONS,
        ).scalars()
    )
    for h in warned:
        waited = int((now - h.sent_at).total_seconds() // 60)
        _record(session, EventKind.HANDOFF_OVERDUE, h, actor, now, waited_min=waited)
    return warned


@dataclass(frozen=True, slots=True)
class HandoffView:
    """The receipt of one hand-off, as the case panel, the command line and the export show it."""

    id: int
    to: HandoffLine
    status: HandoffStatus
    sent_by: str
    sent_at: datetime
    ref: str | None
    delivered_at: datetime | None
    accepted_at: datetime | None
    warned_at: datetime | None
    refused_at: datetime | None
    refusal_reason: str | None
    result_at: datetime | None
    result: str | None
    accept_by: datetime  # when the time limit runs out

    @classmethod
    def of(cls, h: Handoff, accept_within_s: float = 600.0) -> HandoffView:
        return cls(
            h.id,
            h.to_line,
            h.status,
            h.sent_by,
            h.sent_at,
            h.ref,
            h.delivered_at,
            h.accepted_at,
            h.warned_at,
            h.refused_at,
            h.refusal_reason,
            h.result_at,
            h.result,
            h.sent_at + timedelta(seconds=accept_within_s),
        )

    @property
    def accepted_in_time(self) -> bool | None:
        if self.accepted_at is None:
            return None
        return self.accepted_at <= self.accept_by

    def as_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t else None

        return {
            "to": self.to.value,
            "at": iso(self.sent_at),
            "ref": self.ref,
            "status": self.status.value,
            "by": self.sent_by,
            "accepted_at": iso(self.accepted_at),
            "accept_by": iso(self.accept_by),
            "accepted_in_time": self.accepted_in_time,
            "warned_at": iso(self.warned_at),
            "refused_at": iso(self.refused_at),
            "reason": self.refusal_reason,
            "result_at": iso(self.result_at),
            "result": self.result,
        }


def handoffs_of(session: Session, case_id: int, *, accept_within_s: float = 600.0) -> list[HandoffView]:
    return [
        HandoffView.of(h, accept_within_s)
        for h in session.scalars(select(Handoff).where(Handoff.case_id == case_id).order_by(Handoff.id))
    ]
