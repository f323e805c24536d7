"""The demo county's patrol: plans, key sites, days of shifts whose check-ins agree with the stored positions, the
review of the days before, reports filed on patrol; figures that agree with the board; the simulator on patrol."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from console.db import Database
from console.demo import DemoSummary, build_demo
from console.demo.patrol_motion import PatrolPlanner
from console.enums import Channel, ReviewStatus, ShiftState
from console.geo.distance import haversine_m
from console.models import (
    Case,
    PatrolPlan,
    PatrolPlanUnit,
    PatrolShift,
    PatrolShiftTarget,
    PatrolTarget,
    Position,
    Unit,
)
from console.patrol.config import patrol_settings
from console.patrol.matching import ShiftSpec, compute_shift
from console.patrol.readiness import readiness
from console.patrol.report import patrol_report
from console.patrol.schedule import local_day
from console.patrol.shifts import patrol_board
from console.patrol.targets import compile_row
from console.services import users

from .history_checks import check_history

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the county: the brigades and the drone are out
DAYS = 6


@pytest.fixture(scope="module")
def patrol_demo(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[Database, DemoSummary]]:
    """Built once for the module, on SQLite (the build on PostgreSQL is checked by the test below)."""
    path = tmp_path_factory.mktemp("patrol-demo") / "demo.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        summary = build_demo(db, days=DAYS, per_day=30, now=NOW)
    yield db, summary
    db.dispose()


def test_patrol_history_on_both_backends(db: Database) -> None:
    summary = build_demo(db, days=2, per_day=20, now=NOW)
    assert summary.patrol_shifts > 60 and summary.refused_steps == 0, summary.refused_by_action
    check_history(db, NOW)
    with db.session() as s:
        assert s.scalar(select(func.count(PatrolShiftTarget.shift_id)).where(PatrolShiftTarget.met.is_(True))) > 0


def test_plans_sites_shifts_and_a_consistent_timeline(patrol_demo: tuple[Database, DemoSummary]) -> None:
    db, summary = patrol_demo
    assert summary.patrol_plans == 38 and summary.key_sites == 53
    assert summary.refused_steps == 0, summary.refused_by_action
    assert summary.patrol_fixes > 1000 and summary.patrol_reports >= DAYS - 2
    check_history(db, NOW)
    now = NOW
    grace = patrol_settings().late_grace_s
    with db.session() as s:
        shifts = s.scalars(select(PatrolShift).where(PatrolShift.starts_at < now)).all()
        states = Counter(
            (
                ShiftState.MET
                if sh.targets_met >= sh.targets_due
                else ShiftState.LATE
                if sh.targets_met + sh.targets_late >= sh.targets_due
                else ShiftState.MISSED
            )
            for sh in shifts
            if sh.ends_at.timestamp() + grace < now.timestamp()
        )
        assert states[ShiftState.MET] > states[ShiftState.MISSED] > 5 and states[ShiftState.LATE] > 3
        # Reviewed up to the day before yesterday; yesterday's shifts await the shift leader.
        today = local_day(now)
        for sh in shifts:
            if sh.day <= today - timedelta(days=2):
                assert sh.review_status in (ReviewStatus.APPROVED, ReviewStatus.RETURNED)
            else:
                assert sh.review_status == ReviewStatus.PENDING
        assert any(sh.review_status == ReviewStatus.RETURNED for sh in shifts)
        filed = s.scalars(select(Case).where(Case.patrol_shift_id.is_not(None))).all()
        assert filed and all(c.channel == Channel.PATROL and c.patrol_unit_id is not None for c in filed)


def test_check_ins_agree_with_the_stored_positions(patrol_demo: tuple[Database, DemoSummary]) -> None:
    db, _ = patrol_demo
    grace = patrol_settings().late_grace_s
    with db.session() as s:
        shifts = s.scalars(select(PatrolShift).where(PatrolShift.starts_at < NOW).order_by(PatrolShift.id)).all()
        for sh in random.Random(5).sample(list(shifts), 40):
            rows = s.execute(
                select(PatrolShiftTarget, PatrolTarget)
                .join(PatrolTarget, PatrolTarget.id == PatrolShiftTarget.target_id)
                .where(PatrolShiftTarget.shift_id == sh.id)
            ).all()
            spec = ShiftSpec.of(
                sh.id,
                sh.starts_at.timestamp(),
                sh.ends_at.timestamp(),
                sh.ends_at.timestamp() + grace,
                [compile_row(t) for _, t in rows],
            )
            team = list(s.scalars(select(PatrolPlanUnit.unit_id).where(PatrolPlanUnit.plan_id == sh.plan_id)))
            fixes = {
                u: [
                    (f.timestamp(), lat, lon, None)
                    for f, lat, lon in s.execute(
                        select(Position.fix_at, Position.lat, Position.lon).where(
                            Position.unit_id == u,
                            Position.fix_at >= sh.starts_at,
                            Position.fix_at <= sh.ends_at + timedelta(seconds=grace),
                        )
                    ).tuples()
                ]
                for u in team
            }
            expected = compute_shift(spec, fixes).results
            for stored, target in rows:
                r = expected[target.id]
                assert (stored.met, stored.late) == (r.met, r.late), (sh.id, target.name)
                assert stored.achieved == pytest.approx(r.achieved, abs=1e-3)


def test_the_report_agrees_with_the_board(patrol_demo: tuple[Database, DemoSummary]) -> None:
    db, _ = patrol_demo
    today = local_day(NOW)
    with db.session() as s:
        board = patrol_board(s, now=NOW)
        report = patrol_report(s, first=today, last=today, now=NOW).as_dict()["total"]
        yesterday = patrol_report(
            s, first=today - timedelta(days=1), last=today - timedelta(days=1), now=NOW
        ).as_dict()["total"]
        ready = readiness(s, now=NOW)
    states = Counter(sh.state for sh in board.today)
    assert report["shifts_met"] == states[ShiftState.MET]
    assert report["shifts_due"] == states[ShiftState.MET] + states[ShiftState.LATE] + states[ShiftState.MISSED]
    assert report["shifts_in_progress"] == states[ShiftState.IN_PROGRESS] > 0
    assert len(board.to_review) == yesterday["shifts_due"] > 0
    assert 0 < ready.covered <= len(ready.sites) == 53


def test_the_simulator_sends_a_unit_on_shift_to_its_targets(patrol_demo: tuple[Database, DemoSummary]) -> None:
    db, _ = patrol_demo
    with db.session() as s:
        plan = s.scalars(select(PatrolPlan).where(PatrolPlan.name == "城关街道巡逻一线")).one()
        unit = s.scalars(
            select(Unit)
            .join(PatrolPlanUnit, PatrolPlanUnit.unit_id == Unit.id)
            .where(PatrolPlanUnit.plan_id == plan.id)
        ).one()
        first = s.scalars(
            select(PatrolTarget)
            .where(PatrolTarget.plan_id == plan.id, PatrolTarget.retired_at.is_(None))
            .order_by(PatrolTarget.seq)
        ).first()
    assert first is not None and unit.lat is not None and unit.lon is not None
    planner = PatrolPlanner(db)
    steered = planner.steer(unit.id, (unit.lat, unit.lon), NOW, random.Random(1))
    assert steered is not None
    path, pause = steered
    ends = [(c[1], c[0]) for c in first.geometry["coordinates"]]
    assert pause == 0 and path.points[-1] in (ends[0], ends[-1])
    # Outside its windows the unit patrols as before.
    assert planner.steer(unit.id, (unit.lat, unit.lon), NOW + timedelta(hours=5), random.Random(1)) is None
    assert haversine_m(unit.lat, unit.lon, *path.points[0]) < 20_000
