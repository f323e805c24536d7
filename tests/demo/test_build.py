"""Building the demo database through the services: a few days on both backends, determinism on SQLite."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.demo import build_demo
from console.enums import EventKind, Role, UnitStatus
from console.geo.distance import haversine_m
from console.models import Case, Event, Grid, Township, Unit, User
from console.services.errors import LoginRefused
from console.services.login import authenticate

from .history_checks import check_history, data_hash

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_small_demo_on_both_backends(db: Database) -> None:
    seen: list[str] = []
    summary = build_demo(db, days=3, per_day=40, now=NOW, progress=lambda stage, done, total: seen.append(stage))
    assert {"county", "history"} <= set(seen)
    assert summary.townships == 12
    assert 140 <= summary.grids <= 160
    assert 270 <= summary.units <= 330
    assert summary.departments >= 12
    assert 90 <= summary.cases <= 150
    assert summary.dispatches > 20
    assert summary.refused_steps == 0, summary.refused_by_action
    check_history(db, NOW)
    with db.session() as s:
        assert s.scalar(select(func.count(Township.id)).where(Township.geometry.is_not(None))) == 12
        assert s.scalar(select(func.count(Grid.id))) == summary.grids
        imports = s.scalars(
            select(Event).where(Event.kind.in_([EventKind.GRIDS_IMPORTED, EventKind.UNIT_CREATED]))
        ).all()
        assert len(imports) == 2  # one summarising event per import, not one per row
        assert all(e.ts == NOW - timedelta(days=3) for e in imports)
        roles = dict(s.execute(select(User.name, User.role)).tuples().all())
        assert roles["demo"] == Role.DISPATCHER
        assert roles["leader"] == Role.SHIFT_LEADER
        assert roles["admin"] == Role.ADMIN
        assert roles["wall"] == Role.WALL
        assert sum(1 for r in roles.values() if r == Role.HANDLER) >= 5
        # The demo logins keep their documented passwords (= the name), made by the generator, not the policy.
        assert authenticate(db, "demo", "demo").role == Role.DISPATCHER
        assert authenticate(db, "leader", "leader").role == Role.SHIFT_LEADER
        with pytest.raises(LoginRefused):
            authenticate(db, "demo", "wrong")
        first = s.scalars(select(Case).order_by(Case.id).limit(1)).one()
        assert first.number.startswith("2026-")
        # Every unit has a position to start from; those on duty reported it at the end of the history.
        assert s.scalar(select(func.count(Unit.id)).where(Unit.lat.is_(None))) == 0
        on_duty = s.scalar(select(func.count(Unit.id)).where(Unit.status != UnitStatus.OFF_DUTY))
        assert summary.position_fixes == on_duty
        assert s.scalar(select(func.count(Unit.id)).where(Unit.fix_at == NOW)) == on_duty
        on_scene = s.execute(
            select(Unit.lat, Unit.lon, Case.lat, Case.lon)
            .join(Case, Case.id == Unit.current_case_id)
            .where(Unit.status == UnitStatus.ON_SCENE)
        ).all()
        for lat, lon, case_lat, case_lon in on_scene:  # a unit on scene stands at its case
            assert haversine_m(lat, lon, case_lat, case_lon) < 200


def test_same_seed_same_data(tmp_path: Path, sqlite_template: Path) -> None:
    hashes = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite3"
        path.write_bytes(sqlite_template.read_bytes())
        db = Database(f"sqlite:///{path}")
        try:
            build_demo(db, days=2, per_day=30, now=NOW)
            hashes.append(data_hash(db))
        finally:
            db.dispose()
    assert hashes[0] == hashes[1]


def test_another_seed_other_data(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    try:
        build_demo(db, seed=7, days=1, per_day=30, now=NOW)
        with db.session() as s:
            codes = Counter(s.scalars(select(Grid.code)))
            assert len(codes) >= 140
            first = s.scalars(select(Case.description).order_by(Case.id).limit(1)).one()
    finally:
        db.dispose()
    path2 = tmp_path / "d.sqlite3"
    path2.write_bytes(sqlite_template.read_bytes())
    db2 = Database(f"sqlite:///{path2}")
    try:
        build_demo(db2, days=1, per_day=30, now=NOW)
        with db2.session() as s:
            other = s.scalars(select(Case.description).order_by(Case.id).limit(1)).one()
    finally:
        db2.dispose()
    assert first != other
