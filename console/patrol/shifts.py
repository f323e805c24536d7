"""Read models of patrol shifts: where each stands, the day's board (today's progress, yesterday's review queue),
and one shift's detail (targets, check-ins, units). Plain values, safe to hand to any front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from ..enums import PlanStatus, ReviewStatus, ShiftState, TargetKind
from ..models import (
    Case,
    PatrolCheckin,
    PatrolPlan,
    PatrolPlanUnit,
    PatrolShift,
    PatrolShiftTarget,
    PatrolShiftUnit,
    PatrolTarget,
    Unit,
)
from ..services import scope
from ..services.actor import Actor
from ..services.errors import NotFound
from .config import patrol_settings
from .schedule import local_day


class ShiftLike(Protocol):
    starts_at: datetime
    ends_at: datetime
    targets_due: int
    targets_met: int
    targets_late: int


def shift_state(shift: ShiftLike, *, now: datetime, grace_s: float | None = None) -> ShiftState:
    """Where a shift (a row, or anything with its window and counts) stands at `now`."""
    if now < shift.starts_at:
        return ShiftState.UPCOMING
    if shift.targets_met >= shift.targets_due:
        return ShiftState.MET
    grace = patrol_settings().late_grace_s if grace_s is None else grace_s
    if now <= shift.ends_at + timedelta(seconds=grace):
        return ShiftState.IN_PROGRESS
    return ShiftState.LATE if shift.targets_met + shift.targets_late >= shift.targets_due else ShiftState.MISSED


@dataclass(frozen=True, slots=True)
class ShiftView:
    id: int
    plan_id: int
    plan: str
    day: date
    window_no: int
    starts_at: datetime
    ends_at: datetime
    state: ShiftState
    targets_due: int
    targets_met: int
    targets_late: int
    fixes: int
    distance_m: float
    review_status: ReviewStatus
    reviewed_by: str | None
    review_remark: str | None
    version: int
    team: tuple[str, ...] = ()

    @property
    def progress(self) -> float:
        return self.targets_met / self.targets_due if self.targets_due else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "plan": self.plan,
            "day": self.day.isoformat(),
            "window": f"{self.starts_at.isoformat()}/{self.ends_at.isoformat()}",
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "state": self.state.value,
            "targets_due": self.targets_due,
            "targets_met": self.targets_met,
            "targets_late": self.targets_late,
            "fixes": self.fixes,
            "distance_km": round(self.distance_m / 1000, 3),
            "review_status": self.review_status.value,
            "reviewed_by": self.reviewed_by,
            "review_remark": self.review_remark,
            "version": self.version,
            "team": list(self.team),
        }


def _views(session: Session, rows: list[Any], now: datetime) -> list[ShiftView]:
    grace = patrol_settings().late_grace_s
    plan_ids = sorted({r.plan_id for r in rows})
    totals: dict[int, tuple[int, float]] = {}
    for start in range(0, len(rows), 5000):
        totals.update(
            (shift_id, (int(fixes or 0), float(distance or 0.0)))
            for shift_id, fixes, distance in session.execute(
                select(PatrolShiftUnit.shift_id, func.sum(PatrolShiftUnit.fixes), func.sum(PatrolShiftUnit.distance_m))
                .where(PatrolShiftUnit.shift_id.in_([r.id for r in rows[start : start + 5000]]))
                .group_by(PatrolShiftUnit.shift_id)
            ).tuples()
        )
    names = dict(
        session.execute(select(PatrolPlan.id, PatrolPlan.name).where(PatrolPlan.id.in_(plan_ids))).tuples().all()
    )
    teams: dict[int, list[str]] = {}
    for plan_id, callsign in session.execute(
        select(PatrolPlanUnit.plan_id, Unit.callsign)
        .join(Unit, Unit.id == PatrolPlanUnit.unit_id)
        .where(PatrolPlanUnit.plan_id.in_(plan_ids))
        .order_by(Unit.callsign)
    ).tuples():
        teams.setdefault(plan_id, []).append(callsign)
    return [
        ShiftView(
            r.id,
            r.plan_id,
            names.get(r.plan_id, str(r.plan_id)),
            r.day,
            r.window_no,
            r.starts_at,
            r.ends_at,
            shift_state(r, now=now, grace_s=grace),
            r.targets_due,
            r.targets_met,
            r.targets_late,
            totals.get(r.id, (0, 0.0))[0],
            totals.get(r.id, (0, 0.0))[1],
            r.review_status,
            r.reviewed_by,
            r.review_remark,
            r.version,
            tuple(teams.get(r.plan_id, ())),
        )
        for r in rows
    ]


def shifts_between(
    session: Session, first: date, last: date, *, now: datetime, actor: Actor | None = None
) -> list[ShiftView]:
    """The shifts of these days (of the plans in `actor`'s scope when given)."""
    where = [PatrolShift.day >= first, PatrolShift.day <= last]
    if actor is not None:
        where.append(scope.plan_id_filter(actor, PatrolShift.plan_id))
    rows = session.scalars(select(PatrolShift).where(*where).order_by(PatrolShift.starts_at, PatrolShift.plan_id)).all()
    return _views(session, list(rows), now)


def shift_view(session: Session, shift_id: int, *, now: datetime) -> ShiftView:
    row = session.get(PatrolShift, shift_id, populate_existing=True)
    if row is None:
        raise NotFound("patrol shift", shift_id)
    return _views(session, [row], now)[0]


@dataclass(frozen=True)
class PatrolBoard:
    """The shift leader's patrol panel: today's shifts with progress, yesterday's awaiting review."""

    day: date
    today: list[ShiftView]
    to_review: list[ShiftView]

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "today": [s.as_dict() for s in self.today],
            "to_review": [s.as_dict() for s in self.to_review],
        }


def patrol_board(session: Session, *, now: datetime, actor: Actor | None = None) -> PatrolBoard:
    """Reads only: the caller makes today's shifts first (`ensure_days`) where it may write. A scoped `actor`: the
    shifts of its scope's plans only."""
    today = local_day(now)
    grace = timedelta(seconds=patrol_settings().late_grace_s)
    yesterday = shifts_between(session, today - timedelta(days=1), today - timedelta(days=1), now=now, actor=actor)
    return PatrolBoard(
        today,
        shifts_between(session, today, today, now=now, actor=actor),
        [s for s in yesterday if s.review_status != ReviewStatus.APPROVED and s.ends_at + grace <= now],
    )


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    target_id: int
    name: str
    kind: TargetKind
    due: float
    achieved: float
    met: bool
    late: bool
    visits: int
    first_at: datetime | None
    last_at: datetime | None
    lat: float
    lon: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "target_id": self.target_id,
            "name": self.name,
            "kind": self.kind.value,
            "due": round(self.due, 1),
            "achieved": round(self.achieved, 1),
            "met": self.met,
            "late": self.late,
            "visits": self.visits,
            "first_at": self.first_at.isoformat() if self.first_at else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
        }


@dataclass(frozen=True, slots=True)
class CheckinView:
    target_id: int
    unit_id: int
    callsign: str
    arrived_at: datetime
    left_at: datetime
    dwell_s: float
    covered_m: float | None
    late: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "target_id": self.target_id,
            "unit": self.callsign,
            "arrived_at": self.arrived_at.isoformat(),
            "left_at": self.left_at.isoformat(),
            "dwell_s": round(self.dwell_s, 1),
            "covered_m": None if self.covered_m is None else round(self.covered_m, 1),
            "late": self.late,
        }


@dataclass(frozen=True)
class ShiftDetail:
    shift: ShiftView
    targets: list[TargetOutcome]
    checkins: list[CheckinView]
    units: list[dict[str, Any]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # case numbers filed from this shift

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.shift.as_dict(),
            "targets": [t.as_dict() for t in self.targets],
            "checkins": [c.as_dict() for c in self.checkins],
            "units": self.units,
            "reports": self.reports,
        }


def shift_detail(session: Session, shift_id: int, *, now: datetime, actor: Actor | None = None) -> ShiftDetail:
    """One shift (refused with `OutOfScope` when its plan lies outside a scoped `actor`'s scope)."""
    if actor is not None:
        scope.check_shift(session, actor, shift_id)
    view = shift_view(session, shift_id, now=now)
    targets = [
        TargetOutcome(
            t.id,
            t.name,
            t.kind,
            st.due,
            st.achieved,
            st.met,
            st.late,
            st.visits,
            None if st.first_t is None else datetime.fromtimestamp(st.first_t, UTC),
            None if st.last_t is None else datetime.fromtimestamp(st.last_t, UTC),
            t.lat,
            t.lon,
        )
        for st, t in session.execute(
            select(PatrolShiftTarget, PatrolTarget)
            .join(PatrolTarget, PatrolTarget.id == PatrolShiftTarget.target_id)
            .where(PatrolShiftTarget.shift_id == shift_id)
            .order_by(PatrolTarget.seq)
        ).tuples()
    ]
    checkins = [
        CheckinView(c.target_id, c.unit_id, callsign, c.arrived_at, c.left_at, c.dwell_s, c.covered_m, c.late)
        for c, callsign in session.execute(
            select(PatrolCheckin, Unit.callsign)
            .join(Unit, Unit.id == PatrolCheckin.unit_id)
            .where(PatrolCheckin.shift_id == shift_id)
            .order_by(PatrolCheckin.arrived_at, PatrolCheckin.id)
        ).tuples()
    ]
    units = [
        {
            "unit": callsign,
            "fixes": su.fixes,
            "distance_km": round(su.distance_m / 1000, 3),
            "first_fix_at": datetime.fromtimestamp(su.first_t, UTC).isoformat() if su.first_t else None,
            "last_fix_at": datetime.fromtimestamp(su.last_w, UTC).isoformat() if su.last_w else None,
        }
        for su, callsign in session.execute(
            select(PatrolShiftUnit, Unit.callsign)
            .join(Unit, Unit.id == PatrolShiftUnit.unit_id)
            .where(PatrolShiftUnit.shift_id == shift_id)
            .order_by(Unit.callsign)
        ).tuples()
    ]
    reports = list(session.scalars(select(Case.number).where(Case.patrol_shift_id == shift_id).order_by(Case.id)))
    return ShiftDetail(view, targets, checkins, units, reports)


@dataclass(frozen=True, slots=True)
class TargetOnMap:
    """A target of an active plan as the map's plans layer draws it, coloured by today's state."""

    target_id: int
    plan: str
    name: str
    kind: TargetKind
    geometry: dict[str, Any]
    state: str  # done (met in a shift today), due_now (a running shift still wants it), missed, planned, none_today

    def as_dict(self) -> dict[str, Any]:
        return {
            "target_id": self.target_id,
            "plan": self.plan,
            "name": self.name,
            "kind": self.kind.value,
            "geometry": self.geometry,
            "state": self.state,
        }


def plans_layer(session: Session, *, now: datetime, actor: Actor | None = None) -> list[TargetOnMap]:
    """Every target of the active plans (in `actor`'s scope when given) with its state today (the caller makes
    today's shifts first)."""
    mine = scope.plan_id_filter(actor, PatrolShift.plan_id) if actor is not None else true()
    plans = scope.plan_filter(actor) if actor is not None else true()
    today = local_day(now)
    grace = patrol_settings().late_grace_s
    states: dict[int, str] = {}
    rank = {"due_now": 3, "done": 2, "missed": 1, "planned": 0}  # what is still wanted now shows first
    for shift, target_id, met in session.execute(
        select(PatrolShift, PatrolShiftTarget.target_id, PatrolShiftTarget.met)
        .join(PatrolShiftTarget, PatrolShiftTarget.shift_id == PatrolShift.id)
        .where(PatrolShift.day == today, mine)
    ).tuples():
        state = shift_state(shift, now=now, grace_s=grace)
        if met:
            mark = "done"
        elif state == ShiftState.IN_PROGRESS:
            mark = "due_now"
        elif state in (ShiftState.LATE, ShiftState.MISSED):
            mark = "missed"
        else:
            mark = "planned"
        if rank[mark] > rank.get(states.get(target_id, ""), -1):
            states[target_id] = mark
    return [
        TargetOnMap(t.id, plan, t.name, t.kind, t.geometry, states.get(t.id, "none_today"))
        for t, plan in session.execute(
            select(PatrolTarget, PatrolPlan.name)
            .join(PatrolPlan, PatrolPlan.id == PatrolTarget.plan_id)
            .where(PatrolPlan.status == PlanStatus.ACTIVE, PatrolTarget.retired_at.is_(None), plans)
            .order_by(PatrolPlan.name, PatrolTarget.seq)
        ).tuples()
    ]
