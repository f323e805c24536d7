"""The prepared demo county: a second fresh demo is the first one's copy, moved to today, with its audit trail still
append-only and every unit reporting at the present time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from console.db import Database
from console.db.migrate import upgrade_to_head
from console.demo import build_demo
from console.enums import UnitStatus
from console.models import Case, Event, Unit
from console.ops import SYSTEM, execute


def fresh(path: Path, template: Path) -> Database:
    path.write_bytes(template.read_bytes())
    return Database(f"sqlite:///{path}")


def test_a_second_demo_is_the_prepared_copy_moved_to_today(tmp_path: Path, sqlite_template: Path) -> None:
    built_at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    first = fresh(tmp_path / "first.sqlite3", sqlite_template)
    summary = build_demo(first, days=1, per_day=40, now=built_at, template_dir=tmp_path / "data")
    assert not summary.from_template
    assert list((tmp_path / "data" / "demo-template").glob("*.sqlite3"))

    later = built_at + timedelta(days=3, hours=5)
    second = fresh(tmp_path / "second.sqlite3", sqlite_template)
    copied = build_demo(second, days=1, per_day=40, now=later, template_dir=tmp_path / "data")
    assert copied.from_template
    assert copied.cases == summary.cases
    assert copied.events >= summary.events  # and the positions reported anew

    with first.session() as s:
        first_newest = s.scalar(select(func.max(Case.received_at)))
    with second.session() as s:
        newest = s.scalar(select(func.max(Case.received_at)))
        assert newest is not None and first_newest is not None
        assert newest - first_newest == timedelta(days=3)  # whole days: the day's rhythm stays as built
        assert later - timedelta(days=1) < newest <= later
        assert s.scalar(select(func.max(Event.ts))) <= later
        fixes = s.scalars(select(Unit.fix_at).where(Unit.fix_at.is_not(None), Unit.status != UnitStatus.OFF_DUTY)).all()
        assert fixes and min(fixes) >= later - timedelta(seconds=1)  # no unit on duty starts grey
    # The console knows it for the demo county (and keeps it alive); an empty database is none.
    assert execute(second, SYSTEM, "setup.is_demo").value is True
    empty = fresh(tmp_path / "empty.sqlite3", sqlite_template)
    assert execute(empty, SYSTEM, "setup.is_demo").value is False
    empty.dispose()
    # The audit trail is append-only again.
    with pytest.raises(DatabaseError), second.engine.begin() as connection:
        connection.execute(text("UPDATE events SET kind = kind"))
    first.dispose()
    second.dispose()


def test_without_a_template_dir_nothing_is_kept(tmp_path: Path, sqlite_template: Path) -> None:
    db = fresh(tmp_path / "db.sqlite3", sqlite_template)
    build_demo(db, days=1, per_day=20, now=datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    assert not (tmp_path / "data").exists()
    db.dispose()


def test_a_changed_schema_builds_afresh(tmp_path: Path, sqlite_template: Path) -> None:
    from console.demo import template

    db = fresh(tmp_path / "db.sqlite3", sqlite_template)
    upgrade_to_head(db.engine)
    key = template.key_for(db, seed=1, days=1, per_day=1)
    assert key is not None
    other = template.TemplateKey(seed=1, days=1, per_day=1, revision="another")
    assert template.template_files(tmp_path, key) != template.template_files(tmp_path, other)
    db.dispose()


def test_the_live_demo_moves_the_units_and_stops(tmp_path: Path, sqlite_template: Path) -> None:
    from console.ops.live_demo import LightMode, LiveDemo

    db = fresh(tmp_path / "live.sqlite3", sqlite_template)
    build_demo(db, days=1, per_day=20)
    with db.session() as s:
        before = s.scalar(select(func.max(Unit.fix_at)))
    live = LiveDemo(db, LightMode(report_every_s=0.5, tick_s=0.2))
    live.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        moved = False
        while not moved and datetime.now(UTC) < deadline:
            with db.session() as s:
                latest = s.scalar(select(func.max(Unit.fix_at)))
            moved = latest is not None and before is not None and latest > before
            if not moved:
                import time

                time.sleep(0.2)
        assert moved, "no unit reported a new position"
    finally:
        live.stop()
    assert not live.running
    db.dispose()
