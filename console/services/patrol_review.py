"""The daily review of patrol shifts (审核): the shift leader approves a finished shift, or returns it with a remark.

pending → approved; pending → returned (a remark is required); returned → approved (once the team has answered).
Only a shift whose window and grace period are over can be reviewed (its figures are final by then). Each decision
is one guarded UPDATE on the review status (and the version the reviewer saw, when given) with its event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db.tx import affected
from ..enums import EventKind, ReviewStatus
from ..events import record_event
from ..models import PatrolPlan, PatrolShift
from ..patrol.config import patrol_settings
from ..patrol.shifts import shift_state
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import Conflict, InvalidTransition, NotFound, ValidationError

MAX_REMARK = 1000


def _remark(text: str | None, *, required: bool) -> str | None:
    if text is None or not text.strip():
        if required:
            raise ValidationError("remark", "a returned shift needs a remark saying what is wrong")
        return None
    text = text.strip()
    if len(text) > MAX_REMARK:
        raise ValidationError("remark", f"is too long ({len(text)} characters; at most {MAX_REMARK})")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ValidationError("remark", "contains control characters")
    return text


def _review(
    session: Session,
    shift_id: int,
    *,
    to: ReviewStatus,
    remark: str | None,
    actor: Actor,
    expected_version: int | None,
    now: datetime | None,
) -> PatrolShift:
    actor.require(Action.REVIEW_PATROL)
    scope.check_shift(session, actor, shift_id)
    now = now or utcnow()
    remark = _remark(remark, required=to == ReviewStatus.RETURNED)
    allowed = [ReviewStatus.PENDING] if to == ReviewStatus.RETURNED else [ReviewStatus.PENDING, ReviewStatus.RETURNED]
    finished_before = now - timedelta(seconds=patrol_settings().late_grace_s)
    guard = [PatrolShift.id == shift_id, PatrolShift.review_status.in_(allowed), PatrolShift.ends_at <= finished_before]
    if expected_version is not None:
        guard.append(PatrolShift.version == expected_version)
    changed = affected(
        session.execute(
            update(PatrolShift)
            .where(*guard)
            .values(
                review_status=to,
                reviewed_by=actor.name,
                reviewed_at=now,
                review_remark=remark,
                version=PatrolShift.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    shift = session.get(PatrolShift, shift_id, populate_existing=True)
    if shift is None:
        raise NotFound("patrol shift", shift_id)
    action = "approve" if to == ReviewStatus.APPROVED else "return"
    if changed != 1:
        if shift.review_status not in allowed:
            raise InvalidTransition("patrol shift", shift_id, shift.review_status.value, action)
        if shift.ends_at > finished_before:
            raise InvalidTransition("patrol shift", shift_id, "in_progress", f"{action} (its window is not over yet)")
        raise Conflict(
            f"patrol shift {shift_id} was changed meanwhile (version {shift.version})", version=shift.version
        )
    plan = session.scalar(select(PatrolPlan.name).where(PatrolPlan.id == shift.plan_id))
    _record(session, shift, plan, to, remark, actor=actor, now=now)
    return shift


def _record(
    session: Session, shift: Any, plan: str | None, to: ReviewStatus, remark: str | None, *, actor: Actor, now: datetime
) -> None:
    """The review's event: the shift, where it stood, what was decided."""
    record_event(
        session,
        EventKind.PATROL_SHIFT_APPROVED if to == ReviewStatus.APPROVED else EventKind.PATROL_SHIFT_RETURNED,
        actor=actor.name,
        ts=now,
        payload={
            "shift_id": shift.id,
            "plan": plan,
            "day": shift.day.isoformat(),
            "window_no": shift.window_no,
            "state": shift_state(shift, now=now).value,
            "targets_met": shift.targets_met,
            "targets_due": shift.targets_due,
            "remark": remark,
        },
    )


def approve_shift(
    session: Session,
    shift_id: int,
    *,
    actor: Actor,
    remark: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PatrolShift:
    return _review(
        session,
        shift_id,
        to=ReviewStatus.APPROVED,
        remark=remark,
        actor=actor,
        expected_version=expected_version,
        now=now,
    )


def return_shift(
    session: Session,
    shift_id: int,
    *,
    remark: str,
    actor: Actor,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> PatrolShift:
    return _review(
        session,
        shift_id,
        to=ReviewStatus.RETURNED,
        remark=remark,
        actor=actor,
        expected_version=expected_version,
        now=now,
    )


def approve_shifts(
    session: Session,
    shift_ids: Sequence[int],
    *,
    actor: Actor,
    remark: str | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Approve many finished shifts at once (the panel's "approve all met"): one guarded UPDATE for all of them, an
    event for each shift approved. Shifts already approved, or not finished, are left as they are; the ids approved
    are returned."""
    actor.require(Action.REVIEW_PATROL)
    now = now or utcnow()
    remark = _remark(remark, required=False)
    if not shift_ids:
        return []
    grace = patrol_settings().late_grace_s
    approved = sorted(
        session.execute(
            update(PatrolShift)
            .where(
                PatrolShift.id.in_(sorted(set(shift_ids))),
                scope.plan_id_filter(actor, PatrolShift.plan_id),
                PatrolShift.review_status.in_([ReviewStatus.PENDING, ReviewStatus.RETURNED]),
                PatrolShift.ends_at <= now - timedelta(seconds=grace),
            )
            .values(
                review_status=ReviewStatus.APPROVED,
                reviewed_by=actor.name,
                reviewed_at=now,
                review_remark=remark,
                version=PatrolShift.version + 1,
                updated_at=now,
            )
            .returning(PatrolShift.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    if not approved:
        return []
    rows = session.execute(
        select(
            PatrolShift.id,
            PatrolPlan.name,
            PatrolShift.day,
            PatrolShift.window_no,
            PatrolShift.starts_at,
            PatrolShift.ends_at,
            PatrolShift.targets_due,
            PatrolShift.targets_met,
            PatrolShift.targets_late,
        )
        .join(PatrolPlan, PatrolPlan.id == PatrolShift.plan_id)
        .where(PatrolShift.id.in_(approved))
        .order_by(PatrolShift.id)
    ).all()
    for r in rows:
        _record(session, r, r.name, ReviewStatus.APPROVED, remark, actor=actor, now=now)
    return approved
