"""A unit on patrol files what it found as a case in one call: channel `patrol`, the unit's position (and so its grid
and township), and the shift it was on remembered by the case (`patrol_shift_id`, `patrol_unit_id`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import Category, Channel, EventKind, Priority
from ..events import record_event
from ..models import PatrolPlan, PatrolPlanUnit, PatrolShift
from ..patrol.config import patrol_settings
from ..patrol.schedule import local_day
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import ValidationError
from .intake import IntakeResult, create_case, parse_intake
from .patrol_shifts import ensure_days


@dataclass(frozen=True, slots=True)
class PatrolReport:
    intake: IntakeResult
    shift_id: int | None
    plan: str | None
    callsign: str


def current_shift(session: Session, unit_id: int, *, now: datetime) -> tuple[int, str] | None:
    """(shift id, plan name) of the unit's shift running now (its window or grace period); the latest started."""
    grace = timedelta(seconds=patrol_settings().late_grace_s)
    row = session.execute(
        select(PatrolShift.id, PatrolPlan.name)
        .join(PatrolPlan, PatrolPlan.id == PatrolShift.plan_id)
        .join(PatrolPlanUnit, PatrolPlanUnit.plan_id == PatrolShift.plan_id)
        .where(
            PatrolPlanUnit.unit_id == unit_id,
            PatrolShift.starts_at <= now,
            PatrolShift.ends_at >= now - grace,
        )
        .order_by(PatrolShift.starts_at.desc(), PatrolShift.id.desc())
        .limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else None


def file_patrol_report(
    session: Session,
    *,
    unit_id: int,
    category: Category | str,
    priority: Priority | str,
    description: str,
    actor: Actor,
    address: str | None = None,
    now: datetime | None = None,
) -> PatrolReport:
    actor.require(Action.INTAKE)
    now = now or utcnow()
    unit = scope.check_unit(session, actor, unit_id)  # a scoped user files from its own units only
    if unit.lat is None or unit.lon is None:
        raise ValidationError("unit", f"unit {unit.callsign} has no position to file from")
    data: dict[str, Any] = {
        "channel": Channel.PATROL.value,
        "category": str(category),
        "priority": str(priority),
        "description": description,
        "lat": unit.lat,
        "lon": unit.lon,
        "address": address,
    }
    request = parse_intake({k: v for k, v in data.items() if v is not None}, now=now)
    ensure_days(session, [local_day(now) - timedelta(days=1), local_day(now)], now=now)
    shift = current_shift(session, unit_id, now=now)
    result = create_case(session, request, actor=actor, now=now)
    case = result.case
    case.patrol_shift_id = shift[0] if shift else None
    case.patrol_unit_id = unit_id
    session.flush()
    record_event(
        session,
        EventKind.PATROL_REPORT_FILED,
        actor=actor.name,
        case_id=case.id,
        unit_id=unit_id,
        ts=now,
        payload={
            "number": case.number,
            "callsign": unit.callsign,
            "shift_id": shift[0] if shift else None,
            "plan": shift[1] if shift else None,
        },
    )
    return PatrolReport(result, shift[0] if shift else None, shift[1] if shift else None, unit.callsign)
