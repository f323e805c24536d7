"""Case transitions: resolve (办结), close, merge (重复), invalid (with reason), escalate (督办), reopen (重办), notes.

Each function is one guarded step (`guard.case_step`): the UPDATE names the states it may start from — the states
`permissions.CASE_RULES` gives for that step — so a case that another workstation changed a moment ago is refused
with its current state instead of being overwritten.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from ..enums import CaseStatus, EventKind
from ..events import record_event
from ..models import Case, Dispatch
from ..models.base import UTCDateTime
from ..models.cases import dispatch_is_active
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .dispatch import release_units_of_case
from .errors import InvalidTransition, NotFound, ValidationError
from .guard import case_step, touch_case
from .inputs import optional_text, required_text
from .permissions import CASE_RULES, CaseAction

#: The highest escalation level (督办) a case can be given by hand.
MAX_ESCALATION = 9


def _states(what: CaseAction) -> frozenset[CaseStatus]:
    return CASE_RULES[what].states


def _refuse_if_units_attached(session: Session, case_id: int, what: CaseAction) -> None:
    """The rule's `units=False`: a case with units still attached cannot take this step."""
    if CASE_RULES[what].units is not False:
        return
    attached = session.scalars(select(Dispatch.id).where(Dispatch.case_id == case_id, dispatch_is_active())).first()
    if attached is not None:
        number = session.scalar(select(Case.number).where(Case.id == case_id))
        raise InvalidTransition("case", number or case_id, "dispatched", f"{what.value} while units are attached")


def resolve_case(session: Session, *, case_id: int, resolution: str, actor: Actor, now: datetime | None = None) -> Case:
    """办结: write the result; units still attached are cleared with it (and the case's clear time set)."""
    actor.require(Action.RESOLVE)
    scope.require_case(session, actor, case_id)
    text = required_text(resolution, "resolution")
    now = now or utcnow()
    case = case_step(
        session,
        case_id=case_id,
        states=_states(CaseAction.RESOLVE),
        action="resolve",
        actor=actor,
        now=now,
        event=None,
        status=CaseStatus.RESOLVED,
        resolved_at=now,
        resolution=text,
        resolved_level=Case.level,  # the level that held the case when it was resolved (migration 0010_levels)
        # A case that ever had a unit is cleared now, unless it was already.
        cleared_at=func.coalesce(
            Case.cleared_at, sql_case((Case.first_dispatched_at.is_not(None), literal(now, UTCDateTime())))
        ),
    )
    released = release_units_of_case(session, case, actor=actor, now=now)
    record_event(
        session,
        EventKind.CASE_RESOLVED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, "resolution": text, "released_units": released},
    )
    return case


def close_case(
    session: Session, *, case_id: int, actor: Actor, now: datetime | None = None, note: str | None = None
) -> Case:
    """Close a resolved case (after the callback, or by a shift leader's decision)."""
    actor.require(Action.CLOSE)
    scope.require_case(session, actor, case_id)
    text = optional_text(note, "note")
    now = now or utcnow()
    return case_step(
        session,
        case_id=case_id,
        states=_states(CaseAction.CLOSE),
        action="close",
        actor=actor,
        now=now,
        event=EventKind.CASE_CLOSED,
        payload={"note": text} if text else None,
        status=CaseStatus.CLOSED,
        closed_at=now,
    )


def merge_case(session: Session, *, case_id: int, into_case_id: int, actor: Actor, now: datetime | None = None) -> Case:
    """Mark a duplicate (重复诉求) as merged into the master case; the master counts one more repeat."""
    actor.require(Action.MERGE)
    scope.require_case(session, actor, case_id)
    scope.require_case(session, actor, into_case_id)
    now = now or utcnow()
    if case_id == into_case_id:
        raise ValidationError("into_case", "a case cannot be merged into itself")
    master = session.get(Case, into_case_id)
    if master is None:
        raise NotFound("case", into_case_id)
    if master.status in (CaseStatus.MERGED, CaseStatus.INVALID):
        raise ValidationError("into_case", f"case {master.number} is {master.status.value}; merge into its master")
    _refuse_if_units_attached(session, case_id, CaseAction.MERGE)
    already_counted = session.scalar(select(Case.repeat_of_id).where(Case.id == case_id)) == master.id
    case = case_step(
        session,
        case_id=case_id,
        states=_states(CaseAction.MERGE),
        action="merge",
        actor=actor,
        now=now,
        event=EventKind.CASE_MERGED,
        payload={"into": master.number},
        status=CaseStatus.MERGED,
        merged_into_id=master.id,
        closed_at=now,
    )
    # A repeat that intake already linked to this master was counted then; count the others now.
    touch_case(session, master.id, now, repeat_count=Case.repeat_count + (0 if already_counted else 1))
    record_event(
        session,
        EventKind.CASE_UPDATED,
        actor=actor.name,
        case_id=master.id,
        ts=now,
        payload={"number": master.number, "merged_from": case.number},
    )
    return case


def invalidate_case(session: Session, *, case_id: int, reason: str, actor: Actor, now: datetime | None = None) -> Case:
    """Invalid (无效): a prank, outside jurisdiction, a test call — the reason is required."""
    actor.require(Action.INVALIDATE)
    scope.require_case(session, actor, case_id)
    text = required_text(reason, "reason")
    now = now or utcnow()
    _refuse_if_units_attached(session, case_id, CaseAction.INVALIDATE)
    return case_step(
        session,
        case_id=case_id,
        states=_states(CaseAction.INVALIDATE),
        action="invalidate",
        actor=actor,
        now=now,
        event=EventKind.CASE_INVALID,
        payload={"reason": text},
        status=CaseStatus.INVALID,
        invalid_reason=text,
        closed_at=now,
    )


def escalate_case(
    session: Session,
    *,
    case_id: int,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
    level: int | None = None,
    check_role: bool = True,
) -> Case:
    """督办: raise the case's escalation level (by one, or to `level`). Open and resolved cases can be escalated."""
    if check_role:
        actor.require(Action.ESCALATE)
    scope.require_case(session, actor, case_id)
    text = required_text(reason, "reason")
    now = now or utcnow()
    current = session.get(Case, case_id)
    if current is None:
        raise NotFound("case", case_id)
    target = current.escalation + 1 if level is None else level
    if isinstance(target, bool) or not isinstance(target, int):
        raise ValidationError("level", "must be a whole number")
    if target <= current.escalation:
        raise ValidationError("level", f"must be above the current level {current.escalation}")
    if target > MAX_ESCALATION:
        raise ValidationError("level", f"at most {MAX_ESCALATION}")
    return case_step(
        session,
        case_id=case_id,
        states=_states(CaseAction.ESCALATE),
        action="escalate",
        actor=actor,
        now=now,
        event=EventKind.CASE_ESCALATED,
        payload={"level": target, "reason": text},
        escalation=target,
    )


def reopen_case(
    session: Session,
    *,
    case_id: int,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
    via_callback: bool = False,
) -> Case:
    """重办: a resolved or closed case goes back to `received` (after a dissatisfied callback, or by a shift leader)."""
    actor.require(Action.CALLBACK if via_callback else Action.REOPEN)
    scope.require_case(session, actor, case_id)
    text = required_text(reason, "reason")
    now = now or utcnow()
    return case_step(
        session,
        case_id=case_id,
        states=_states(CaseAction.REOPEN),
        action="reopen",
        actor=actor,
        now=now,
        event=EventKind.CASE_REOPENED,
        payload={"reason": text, "via_callback": via_callback},
        status=CaseStatus.RECEIVED,
        resolved_at=None,
        closed_at=None,
        reopened_count=Case.reopened_count + 1,
    )


def add_note(session: Session, *, case_id: int, text: str, actor: Actor, now: datetime | None = None) -> None:
    """A note on the case's timeline (any state); it changes nothing else."""
    actor.require(Action.NOTE)
    scope.require_case(session, actor, case_id)
    body = required_text(text, "text")
    number = session.scalar(select(Case.number).where(Case.id == case_id))
    if number is None:
        raise NotFound("case", case_id)
    record_event(
        session,
        EventKind.CASE_NOTE,
        actor=actor.name,
        case_id=case_id,
        ts=now or utcnow(),
        payload={"number": number, "text": body},
    )
