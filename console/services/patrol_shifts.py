"""Shifts: one plan × one window on one day, made (materialised) with one row per target they are due.

A local day's shifts are made once, by whichever process needs them first (the matcher on the day's first fix, the
report, the sweep, the panel); `patrol_days` remembers which days are done. Plans made, edited or resumed later get
their shifts of the done days at once, from the moment they are due (`not_before`); editing or suspending a plan
drops its shifts that have not started (they are remade from the new definition). Shifts that started keep what
was due when they were made. Shifts made for windows that have already started are matched at once against the
positions stored for their team (`rematch`), so a plan imported with a past `valid_from` is judged on its history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..enums import PlanStatus, TargetKind
from ..models import (
    PatrolCheckin,
    PatrolDay,
    PatrolPlan,
    PatrolShift,
    PatrolShiftGrid,
    PatrolShiftTarget,
    PatrolShiftUnit,
    PatrolTarget,
)
from ..patrol.config import patrol_settings
from ..patrol.matching import due_of
from ..patrol.schedule import Schedule, local_day
from ..patrol.targets import compile_row


def _insert(session: Session, model: Any) -> Any:
    return postgresql.insert(model) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(model)


@dataclass(frozen=True)
class _PlanShape:
    id: int
    schedule: Schedule
    active_since: datetime
    targets: tuple[tuple[int, Any, float], ...]  # (target id, kind, due)


def _plan_shapes(session: Session, plan_ids: Sequence[int] | None = None) -> list[_PlanShape]:
    query = select(PatrolPlan).where(PatrolPlan.status == PlanStatus.ACTIVE).order_by(PatrolPlan.id)
    if plan_ids is not None:
        query = query.where(PatrolPlan.id.in_(list(plan_ids)))
    plans = session.scalars(query).all()
    if not plans:
        return []
    targets: dict[int, list[tuple[int, Any, float]]] = {}
    for row in session.scalars(
        select(PatrolTarget)
        .where(PatrolTarget.plan_id.in_([p.id for p in plans]), PatrolTarget.retired_at.is_(None))
        .order_by(PatrolTarget.plan_id, PatrolTarget.seq)
    ):
        targets.setdefault(row.plan_id, []).append((row.id, row.kind, due_of(compile_row(row))))
    return [
        _PlanShape(p.id, Schedule.of(p.days, p.windows, p.valid_from, p.valid_to), p.active_since, tuple(targets[p.id]))
        for p in plans
        if targets.get(p.id)
    ]


def _make_shifts(
    session: Session, shapes: Iterable[_PlanShape], days: Iterable[date], not_before: datetime | None
) -> list[int]:
    """Insert the shifts of these plans on these days (those already there are left alone); returns new ids."""
    grace = patrol_settings().late_grace_s
    rows: list[dict[str, Any]] = []
    due: dict[tuple[int, date, int], tuple[tuple[int, Any, float], ...]] = {}
    for shape in shapes:
        floor = shape.active_since if not_before is None else max(shape.active_since, not_before)
        for day in days:
            for span in shape.schedule.spans(day, grace):
                starts = datetime.fromtimestamp(span.start, UTC)
                if starts < floor:
                    continue
                rows.append(
                    {
                        "plan_id": shape.id,
                        "day": day,
                        "window_no": span.window_no,
                        "starts_at": starts,
                        "ends_at": datetime.fromtimestamp(span.end, UTC),
                        "targets_due": len(shape.targets),
                        "targets_met": 0,
                        "targets_late": 0,
                        "points_due": sum(1 for _, kind, _ in shape.targets if kind == TargetKind.POINT),
                        "points_met": 0,
                        "route_m_due": sum(d for _, kind, d in shape.targets if kind == TargetKind.ROUTE),
                        "route_m_covered": 0.0,
                        "area_s_due": sum(d for _, kind, d in shape.targets if kind == TargetKind.AREA),
                        "area_s_spent": 0.0,
                        "review_status": "pending",
                        "version": 1,
                        "updated_at": starts,
                    }
                )
                due[(shape.id, day, span.window_no)] = shape.targets
    created: list[int] = []
    if not rows:
        return created
    conn = session.connection()
    stmt = (
        _insert(session, PatrolShift)
        .on_conflict_do_nothing(index_elements=["plan_id", "day", "window_no"])
        .returning(PatrolShift.id, PatrolShift.plan_id, PatrolShift.day, PatrolShift.window_no)
    )
    for start in range(0, len(rows), 500):
        targets: list[dict[str, Any]] = []
        for shift_id, plan_id, day, window_no in conn.execute(stmt, rows[start : start + 500]):
            created.append(shift_id)
            for target_id, kind, amount in due[(plan_id, day, window_no)]:
                targets.append(
                    {
                        "shift_id": shift_id,
                        "target_id": target_id,
                        "kind": kind,
                        "due": amount,
                        "achieved": 0.0,
                        "met": False,
                        "late": False,
                        "visits": 0,
                    }
                )
        if targets:
            conn.execute(insert(PatrolShiftTarget), targets)
    return created


def done_days(session: Session, days: Iterable[date]) -> set[date]:
    wanted = sorted(set(days))
    if not wanted:
        return set()
    return set(session.scalars(select(PatrolDay.day).where(PatrolDay.day.in_(wanted))))


def ensure_days(session: Session, days: Iterable[date], *, now: datetime, rematch: bool = True) -> list[int]:
    """Make the shifts of these local days (only days up to today; done days are skipped). Returns new shift ids."""
    today = local_day(now)
    wanted = sorted({d for d in days if d <= today})
    missing = [d for d in wanted if d not in done_days(session, wanted)]
    if not missing:
        return []
    created = _make_shifts(session, _plan_shapes(session), missing, None)
    session.connection().execute(
        _insert(session, PatrolDay).on_conflict_do_nothing(index_elements=["day"]),
        [{"day": d, "done_at": now} for d in missing],
    )
    if rematch and created:
        _rematch_started(session, created, now=now)
    return created


def materialize_plan(session: Session, plan_id: int, *, not_before: datetime, now: datetime) -> list[int]:
    """The plan's shifts on every done day from `not_before`'s day, starting at or after `not_before`."""
    first = local_day(not_before)
    days = sorted(session.scalars(select(PatrolDay.day).where(PatrolDay.day >= first)))
    if not days:
        return []
    created = _make_shifts(session, _plan_shapes(session, [plan_id]), days, not_before)
    if created:
        _rematch_started(session, created, now=now)
    return created


def drop_unstarted(session: Session, plan_id: int, *, now: datetime) -> int:
    """Remove the plan's shifts that have not started (derived rows only: nothing was done in them yet)."""
    ids = list(
        session.scalars(select(PatrolShift.id).where(PatrolShift.plan_id == plan_id, PatrolShift.starts_at > now))
    )
    if not ids:
        return 0
    for model in (PatrolCheckin, PatrolShiftGrid, PatrolShiftUnit, PatrolShiftTarget):
        session.execute(delete(model).where(model.shift_id.in_(ids)))
    session.execute(delete(PatrolShift).where(PatrolShift.id.in_(ids)))
    return len(ids)


def _rematch_started(session: Session, shift_ids: list[int], *, now: datetime) -> None:
    started = list(
        session.scalars(select(PatrolShift.id).where(PatrolShift.id.in_(shift_ids), PatrolShift.starts_at <= now))
    )
    if started:
        from .patrol_matching import rematch_shifts  # the matcher materialises days too

        rematch_shifts(session, started, now=now)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
