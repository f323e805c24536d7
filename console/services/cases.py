"""Case transitions: resolve (办结), close, merge (重复), invalid (with reason), escalate (督办), reopen (重办), notes.

Each function is one guarded step: the UPDATE names the states it may start from, so a case that another
workstation changed a moment ago is refused with its current state instead of being overwritten.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db.tx import affected
from ..enums import OPEN_CASE_STATUSES, CaseStatus, EventKind
from ..events import record_event
from ..models import Case, Dispatch
from ..models.cases import dispatch_is_active
from ..timeutil import utcnow
from .actor import Action, Actor
from .dispatch import release_units_of_case
from .errors import InvalidTransition, NotFound, ValidationError
from .inputs import check_text

MAX_TEXT = 4000


def _required_text(value: str | None, field: str) -> str:
    text = check_text(value, field, max_len=MAX_TEXT, required=True, multiline=True)
    assert text is not None
    return text


def _guarded(
    session: Session,
    case_id: int,
    from_states: Collection[CaseStatus],
    action: str,
    now: datetime,
    **values: Any,
) -> Case:
    """Apply `values` if the case is in one of `from_states`; otherwise say what state it is in."""
    changed = affected(
        session.execute(
            update(Case)
            .where(Case.id == case_id, Case.status.in_(list(from_states)))
            .values(version=Case.version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
    )
    case = session.get(Case, case_id, populate_existing=True)
    if case is None:
        raise NotFound("case", case_id)
    if changed != 1:
        raise InvalidTransition("case", case.number, case.status.value, action)
    return case


def _has_active_dispatch(session: Session, case_id: int) -> bool:
    return (
        session.scalars(select(Dispatch.id).where(Dispatch.case_id == case_id, dispatch_is_active())).first()
        is not None
    )


def resolve_case(session: Session, *, case_id: int, resolution: str, actor: Actor, now: datetime | None = None) -> Case:
    """办结: write the result; units still attached are cleared with it."""
    actor.require(Action.RESOLVE)
    text = _required_text(resolution, "resolution")
    now = now or utcnow()
    case = _guarded(
        session,
        case_id,
        OPEN_CASE_STATUSES,
        "resolve",
        now,
        status=CaseStatus.RESOLVED,
        resolved_at=now,
        resolution=text,
    )
    released = release_units_of_case(session, case, actor=actor, now=now)
    if case.cleared_at is None and (released or case.first_dispatched_at is not None):
        case.cleared_at = now
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
    now = now or utcnow()
    case = _guarded(session, case_id, {CaseStatus.RESOLVED}, "close", now, status=CaseStatus.CLOSED, closed_at=now)
    record_event(
        session,
        EventKind.CASE_CLOSED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, **({"note": note.strip()} if note and note.strip() else {})},
    )
    return case


def merge_case(session: Session, *, case_id: int, into_case_id: int, actor: Actor, now: datetime | None = None) -> Case:
    """Mark a duplicate (重复诉求) as merged into the master case; the master counts one more repeat."""
    actor.require(Action.MERGE)
    now = now or utcnow()
    if case_id == into_case_id:
        raise ValidationError("into_case", "a case cannot be merged into itself")
    master = session.get(Case, into_case_id)
    if master is None:
        raise NotFound("case", into_case_id)
    if master.status in (CaseStatus.MERGED, CaseStatus.INVALID):
        raise ValidationError("into_case", f"case {master.number} is {master.status.value}; merge into its master")
    if _has_active_dispatch(session, case_id):
        case = session.get(Case, case_id)
        raise InvalidTransition(
            "case", case.number if case else case_id, "dispatched", "merge while units are attached"
        )
    already_counted = session.scalar(select(Case.repeat_of_id).where(Case.id == case_id)) == master.id
    case = _guarded(
        session,
        case_id,
        OPEN_CASE_STATUSES,
        "merge",
        now,
        status=CaseStatus.MERGED,
        merged_into_id=master.id,
        closed_at=now,
    )
    # A repeat that intake already linked to this master was counted then; count the others now.
    session.execute(
        update(Case)
        .where(Case.id == master.id)
        .values(
            repeat_count=Case.repeat_count + (0 if already_counted else 1), version=Case.version + 1, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    record_event(
        session,
        EventKind.CASE_MERGED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, "into": master.number},
    )
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
    text = _required_text(reason, "reason")
    now = now or utcnow()
    if _has_active_dispatch(session, case_id):
        case = session.get(Case, case_id)
        raise InvalidTransition(
            "case", case.number if case else case_id, "dispatched", "invalidate while units are attached"
        )
    case = _guarded(
        session,
        case_id,
        OPEN_CASE_STATUSES,
        "invalidate",
        now,
        status=CaseStatus.INVALID,
        invalid_reason=text,
        closed_at=now,
    )
    record_event(
        session,
        EventKind.CASE_INVALID,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, "reason": text},
    )
    return case


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
    text = _required_text(reason, "reason")
    now = now or utcnow()
    current = session.get(Case, case_id)
    if current is None:
        raise NotFound("case", case_id)
    target = current.escalation + 1 if level is None else level
    if target <= current.escalation:
        raise ValidationError("level", f"must be above the current level {current.escalation}")
    if target > 9:
        raise ValidationError("level", "at most 9")
    case = _guarded(
        session,
        case_id,
        OPEN_CASE_STATUSES | {CaseStatus.RESOLVED},
        "escalate",
        now,
        escalation=target,
    )
    record_event(
        session,
        EventKind.CASE_ESCALATED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, "level": target, "reason": text},
    )
    return case


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
    actor.require(Action.CALLBACK if via_callback else Action.CLOSE)
    text = _required_text(reason, "reason")
    now = now or utcnow()
    case = _guarded(
        session,
        case_id,
        {CaseStatus.RESOLVED, CaseStatus.CLOSED},
        "reopen",
        now,
        status=CaseStatus.RECEIVED,
        resolved_at=None,
        closed_at=None,
        reopened_count=Case.reopened_count + 1,
    )
    record_event(
        session,
        EventKind.CASE_REOPENED,
        actor=actor.name,
        case_id=case.id,
        ts=now,
        payload={"number": case.number, "reason": text, "via_callback": via_callback},
    )
    return case


def add_note(session: Session, *, case_id: int, text: str, actor: Actor, now: datetime | None = None) -> None:
    actor.require(Action.NOTE)
    body = _required_text(text, "text")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    record_event(
        session,
        EventKind.CASE_NOTE,
        actor=actor.name,
        case_id=case.id,
        ts=now or utcnow(),
        payload={"number": case.number, "text": body},
    )
