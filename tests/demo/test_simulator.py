"""The live simulator: units move and report through the ingest service, dispatched units respond, appeals come in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from console.db import Database, write_transaction
from console.demo import build_demo
from console.demo.simulator import Simulator
from console.enums import EventKind, UnitKind, UnitStatus
from console.geo.distance import haversine_m
from console.models import Case, Dispatch, Event, Position, Unit
from console.services import dispatch as dispatch_service
from console.services import intake as intake_service
from console.services.actor import SYSTEM
from tests.conftest import BACKENDS, PgClones

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def run_steps(sim: Simulator, clock: Clock, steps: int, dt: float = 1.0) -> None:
    for _ in range(steps):
        clock.tick(dt)
        sim.step(dt)


@pytest.fixture(scope="module")
def demo_sources() -> Iterator[dict[str, Any]]:
    """The demo county these tests start from, built once per backend for the module (see `demo_db`)."""
    sources: dict[str, Any] = {}
    yield sources
    if "postgresql" in sources:
        sources["clones"].give_back(sources["postgresql"])


@pytest.fixture(params=BACKENDS)
def demo_db(request: pytest.FixtureRequest, tmp_path: Path, demo_sources: dict[str, Any]) -> Iterator[Database]:
    """A fresh database holding one day of the demo (20 appeals a day, built at NOW), on each backend.

    The demo is built once per backend and module, then copied for each test (the SQLite file; on PostgreSQL a
    CREATE DATABASE ... TEMPLATE of it): the build is deterministic (seeded, at NOW), so each test starts from the
    same database a build of its own would give, in a fraction of the time.
    """
    if request.param == "sqlite":
        if "sqlite" not in demo_sources:
            source = request.getfixturevalue("tmp_path_factory").mktemp("demo") / "demo.sqlite3"
            source.write_bytes(request.getfixturevalue("sqlite_template").read_bytes())
            builder = Database(f"sqlite:///{source}")
            build_demo(builder, days=1, per_day=20, now=NOW)
            builder.dispose()
            demo_sources["sqlite"] = source
        path = tmp_path / "demo.sqlite3"
        path.write_bytes(demo_sources["sqlite"].read_bytes())
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    clones: PgClones = request.getfixturevalue("pg_clones")
    if "postgresql" not in demo_sources:
        name, url = clones.take()
        demo_sources["clones"], demo_sources["postgresql"] = clones, name
        builder = Database(url)
        build_demo(builder, days=1, per_day=20, now=NOW)
        builder.dispose()
    name, url = clones.copy_of(demo_sources["postgresql"])
    database = Database(url)
    yield database
    database.dispose()
    clones.give_back(name)


def test_units_move_and_report_through_the_ingest_service(demo_db: Database) -> None:
    clock = Clock(NOW)
    sim = Simulator(demo_db, speed=10, clock=clock, per_day=0.001)
    with demo_db.session() as s:
        before = {u.id: (u.lat, u.lon, u.kind, u.status) for u in s.scalars(select(Unit))}
        fixed_before = {u.id: u.fix_at for u in s.scalars(select(Unit))}
    run_steps(sim, clock, 25)
    with demo_db.session() as s:
        after = {u.id: (u.lat, u.lon, u.fix_at) for u in s.scalars(select(Unit))}
        positions = s.scalar(select(func.count(Position.id)).where(Position.source == "simulator"))
        moved_events = s.scalar(select(func.count(Event.id)).where(Event.kind == EventKind.UNIT_MOVED))
        car_fixes = (
            s.execute(
                select(Position.speed_kmh)
                .join(Unit, Unit.id == Position.unit_id)
                .where(Unit.kind == UnitKind.PATROL_CAR, Unit.status == UnitStatus.AVAILABLE, Position.speed_kmh > 0)
            )
            .scalars()
            .all()
        )
    on_duty = [uid for uid, (_, _, _, status) in before.items() if status != UnitStatus.OFF_DUTY]
    assert positions and positions >= 2 * len(on_duty)  # every unit on duty reported at least twice
    assert moved_events and moved_events < positions  # one event per batch, not per fix
    reported = [uid for uid in on_duty if after[uid][2] is not None and after[uid][2] > NOW]
    assert len(reported) == len(on_duty)
    cars = [uid for uid in on_duty if before[uid][2] == UnitKind.PATROL_CAR and before[uid][3] == UnitStatus.AVAILABLE]
    moved = [uid for uid in cars if (after[uid][0], after[uid][1]) != before[uid][:2]]
    assert len(moved) >= 0.8 * len(cars)
    assert car_fixes and all(30 <= v <= 50 for v in car_fixes)
    # 25 s at ten times the pace is about 4 minutes of patrol: a car covers at most ~3.5 km.
    for uid in moved:
        assert haversine_m(before[uid][0], before[uid][1], after[uid][0], after[uid][1]) < 4000
    off_duty = [uid for uid, (_, _, _, status) in before.items() if status == UnitStatus.OFF_DUTY]
    assert off_duty and all(after[uid][2] == fixed_before[uid] for uid in off_duty)  # off duty: silent


def test_dispatched_unit_drives_to_the_case_and_clears(demo_db: Database) -> None:
    clock = Clock(NOW)
    sim = Simulator(demo_db, speed=60, clock=clock, per_day=0.001)
    run_steps(sim, clock, 2)
    with demo_db.session() as s:
        car = s.scalars(
            select(Unit).where(Unit.kind == UnitKind.PATROL_CAR, Unit.status == UnitStatus.AVAILABLE).order_by(Unit.id)
        ).first()
        assert car is not None
    car_pos = sim.movers[car.id].position
    target = (round(car_pos[0] + 0.02, 6), round(car_pos[1] - 0.015, 6))  # about 3 km away
    req = intake_service.parse_intake(
        {
            "channel": "police_110",
            "category": "public_order",
            "priority": "orange",
            "description": "测试：有人打架",
            "lat": target[0],
            "lon": target[1],
        },
        now=clock(),
    )
    case = write_transaction(
        demo_db.sessions, lambda s: intake_service.create_case(s, req, actor=SYSTEM, now=clock()).case
    )
    write_transaction(
        demo_db.sessions,
        lambda s: dispatch_service.dispatch_unit(s, case_id=case.id, unit_id=car.id, actor=SYSTEM, now=clock()),
    )
    seen: list[str] = []
    on_scene_at: tuple[float, float] | None = None
    for _ in range(400):
        clock.tick(1)
        report = sim.step(1)
        for callsign, status in report.status_changes:
            if callsign == car.callsign:
                seen.append(status)
                if status == UnitStatus.ON_SCENE.value:
                    on_scene_at = sim.movers[car.id].position
        if seen and seen[-1] == UnitStatus.AVAILABLE.value:
            break
    assert seen == ["en_route", "on_scene", "available"]
    assert on_scene_at is not None and haversine_m(*on_scene_at, *target) < 30
    with demo_db.session() as s:
        d = s.scalars(select(Dispatch).where(Dispatch.unit_id == car.id, Dispatch.case_id == case.id)).one()
        assert d.en_route_at and d.on_scene_at and d.cleared_at
        assert d.dispatched_at < d.en_route_at < d.on_scene_at < d.cleared_at
        unit = s.get(Unit, car.id)
        assert unit is not None and unit.status == UnitStatus.AVAILABLE


def test_new_appeals_come_in_through_intake(demo_db: Database) -> None:
    clock = Clock(NOW)
    with demo_db.session() as s:
        cases_before = s.scalar(select(func.count(Case.id))) or 0
    sim = Simulator(demo_db, speed=100, clock=clock, per_day=200)
    run_steps(sim, clock, 60)  # 6,000 simulated seconds at ~2 an hour by day: a few appeals
    with demo_db.session() as s:
        new = s.scalars(select(Case).where(Case.created_by == "simulator")).all()
        received = s.scalar(
            select(func.count(Event.id)).where(Event.kind == EventKind.CASE_RECEIVED, Event.actor == "simulator")
        )
        total = s.scalar(select(func.count(Case.id)))
    assert sim.totals.appeals == len(new) >= 2
    assert received == len(new)
    assert total == cases_before + len(new)
    assert all(c.grid_id is not None for c in new if c.lat is not None)  # located in the county's grids


def test_auto_dispatch_sends_units_to_urgent_appeals(demo_db: Database) -> None:
    clock = Clock(NOW)
    sim = Simulator(demo_db, speed=100, clock=clock, per_day=2000, auto_dispatch=True)
    run_steps(sim, clock, 40)
    with demo_db.session() as s:
        dispatched = s.scalar(select(func.count(Dispatch.id)).where(Dispatch.dispatched_by == "simulator"))
    assert dispatched and dispatched > 0


def test_run_stops_on_the_event(demo_db: Database) -> None:
    sim = Simulator(demo_db, speed=5, per_day=0.001)
    stop = threading.Event()
    stop.set()
    totals = sim.run(duration=None, stop_event=stop, tick_s=0.01)
    assert totals.steps == 0
    totals = sim.run(duration=0.05, tick_s=0.01)
    assert totals.steps >= 1


def test_simulate_command(tmp_path: Path, sqlite_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli.main import main

    path = tmp_path / "sim.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    try:
        build_demo(db, days=1, per_day=10)
    finally:
        db.dispose()
    code = main(["--db", f"sqlite:///{path}", "simulate", "--duration", "0.3", "--tick", "0.1", "--speed", "20"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["steps"] >= 2 and out["fixes"] > 0
    assert out["stopped"] == "duration"


def test_simulate_command_refuses_an_empty_database(
    tmp_path: Path, sqlite_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli.main import main

    path = tmp_path / "empty.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    code = main(["--db", f"sqlite:///{path}", "simulate", "--duration", "1"])
    assert code != 0
    assert json.loads(capsys.readouterr().err)["error"] == "empty"
    code = main(["--db", f"sqlite:///{path}", "simulate", "--speed", "0"])  # bad arguments: the JSON error too
    assert code == 2 and json.loads(capsys.readouterr().err)["field"] == "arguments"


def test_run_carries_on_when_the_database_fails_for_a_moment(demo_db: Database) -> None:
    from sqlalchemy.exc import OperationalError

    sim = Simulator(demo_db, speed=5, per_day=0.001)
    real = sim._sync_units
    failures = [OperationalError("SELECT", {}, Exception("connection refused"))]

    def flaky() -> None:
        if failures:
            raise failures.pop()
        real()

    sim._sync_units = flaky  # type: ignore[method-assign]
    totals = sim.run(duration=0.5, tick_s=0.01)
    assert not failures
    assert totals.steps >= 1


def test_the_printed_count_is_what_was_stored_when_the_database_fails_mid_step(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`simulate` printed 754 appeals while 766 were stored after an outage: a step that failed half-way had stored
    appeals that were never counted. Here the database is locked by another writer right after the step's first
    appeal is stored, so the step fails in the middle; the totals must still count that appeal."""
    import sqlite3

    from console.db import engine as engine_module
    from console.db import tx
    from console.demo import simulator as simulator_module
    from console.demo.simulator import SIMULATOR
    from console.services.intake import IntakeResult

    path = tmp_path / "sim.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    builder = Database(f"sqlite:///{path}")
    build_demo(builder, days=1, per_day=5, now=NOW)
    builder.dispose()
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(tx, "ATTEMPTS", 2)
    db = Database(f"sqlite:///{path}")
    blocker: list[sqlite3.Connection] = []
    real_write = simulator_module.write_transaction

    def write_then_lock(sessions: Any, work: Any) -> Any:
        result = real_write(sessions, work)
        if isinstance(result, IntakeResult) and not blocker:  # another writer takes the database now
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            blocker.append(other)
        return result

    monkeypatch.setattr(simulator_module, "write_transaction", write_then_lock)
    clock = Clock(NOW)
    sim = Simulator(db, speed=1, clock=clock, per_day=86400 * 20)
    with pytest.raises(DBAPIError):
        run_steps(sim, clock, 1)
    assert blocker, "the step stored an appeal before the database was locked"
    blocker[0].rollback()
    blocker[0].close()
    with db.session() as s:
        stored = s.scalar(select(func.count(Case.id)).where(Case.created_by == SIMULATOR.name, Case.received_at > NOW))
    assert stored == sim.totals.appeals == 1
    db.dispose()


@pytest.mark.parametrize("at_once", [True, False])
def test_a_demo_opened_hours_later_reports_every_unit_at_the_first_step(demo_db: Database, at_once: bool) -> None:
    # The console's light mode on a demo opened again hours after it last ran: every unit's last fix is old, and
    # the map and the readiness figure should be live at once, not grey for the first report interval.
    clock = Clock(NOW + timedelta(hours=3))
    sim = Simulator(demo_db, speed=1, clock=clock, per_day=0.001, report_every_s=20.0, old_fixes_at_once=at_once)
    with demo_db.session() as s:
        on_duty = [u.id for u in s.scalars(select(Unit).where(Unit.status != UnitStatus.OFF_DUTY))]
    run_steps(sim, clock, 1)
    with demo_db.session() as s:
        fresh = set(
            s.scalars(select(Unit.id).where(Unit.id.in_(on_duty), Unit.fix_at >= NOW + timedelta(hours=3))).all()
        )
    if at_once:
        assert fresh == set(on_duty)
    else:  # spread over the first 20 s as before: after 1 s, only some have reported
        assert len(fresh) < 0.5 * len(on_duty)
