"""`prune --positions-older-than`: old fixes go (PostgreSQL: whole day partitions dropped, the straddling day in
batches; SQLite: in batches), newer ones and every event stay, and each removal is itself an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from console.db import Database
from console.db.partitions import POSITIONS, floor, partition_name
from console.enums import EventKind, Role
from console.models import Event, Position, Unit
from console.services.actor import SYSTEM
from console.services.errors import PermissionDenied, ValidationError
from console.services.retention import parse_age, prune_positions
from tests.cli.test_cli import run
from tests.county import build_mini_county

from .work import relayout_positions, take_in, track


def test_prune_keeps_what_is_newer_than_the_cutoff_and_every_event(db: Database) -> None:
    county = build_mini_county(db)
    now = county.now
    # Four days of one unit every 30 minutes (192 fixes), older than anything the unit reported.
    start = now - timedelta(days=4)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE units SET fix_at = NULL"))
    if db.is_postgres:
        relayout_positions(db, start - timedelta(days=1))
    assert track(db, county, "PC-01", start, 192, every_s=1800) == 192
    take_in(db, county)
    with db.session() as s:
        events_before = s.scalar(select(func.count(Event.id)))
        unit_fix = s.scalar(select(Unit.fix_at).where(Unit.callsign == "PC-01"))
    cutoff = now - timedelta(days=2)
    expected_left = sum(1 for i in range(192) if start + timedelta(seconds=1800 * i) >= cutoff)

    report = prune_positions(db, older_than=timedelta(days=2), actor=SYSTEM, now=now, batch=25)

    with db.session() as s:
        left = s.scalars(select(Position.fix_at)).all()
        assert len(left) == expected_left and min(left) >= cutoff
        assert s.scalar(select(Unit.fix_at).where(Unit.callsign == "PC-01")) == unit_fix  # the live position stays
        pruned = s.scalars(select(Event).where(Event.kind == EventKind.HISTORY_PRUNED)).all()
        assert s.scalar(select(func.count(Event.id))) == events_before + len(pruned)
    assert report.deleted == 192 - expected_left
    assert sum(e.payload["deleted"] for e in pruned) == report.deleted
    if db.is_postgres:  # days wholly before the cutoff went as partitions
        first_day = floor(start - timedelta(days=1), "day")
        whole_days = [first_day + timedelta(days=d) for d in range(4) if first_day + timedelta(days=d + 1) <= cutoff]
        assert report.partitions_dropped == [partition_name(POSITIONS, day) for day in whole_days]
    else:
        assert report.batches == -(-report.deleted // 25)
    # A second run finds nothing more.
    again = prune_positions(db, older_than=timedelta(days=2), actor=SYSTEM, now=now)
    assert again.deleted == 0 and again.partitions_dropped == []


def test_prune_needs_an_administrator_and_a_duration(db: Database) -> None:
    county = build_mini_county(db)
    with pytest.raises(PermissionDenied):
        prune_positions(db, older_than=timedelta(days=90), actor=county.actors[Role.SHIFT_LEADER])
    for bad in ("", "90", "0d", "-3d", "90 days", "1e3d"):
        with pytest.raises(ValidationError, match="positions_older_than"):
            parse_age(bad)
    assert parse_age("90d") == timedelta(days=90)
    assert parse_age("12h") == timedelta(hours=12)
    assert parse_age("4w") == timedelta(weeks=4)


def test_prune_command(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(db_url)
    try:
        county = build_mini_county(db)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE units SET fix_at = NULL"))
        track(db, county, "PC-02", county.now - timedelta(days=100), 10, every_s=3600)
        track(db, county, "PC-02", county.now - timedelta(days=1), 5, every_s=60)
    finally:
        db.dispose()
    code, out, err = run(capsys, "--db", db_url, "prune", "--positions-older-than", "90d")
    assert code == 0, err
    assert out["deleted"] == 10 and out["table"] == "positions"
    code, out, err = run(capsys, "--db", db_url, "prune", "--positions-older-than", "soon")
    assert code == 2 and '"field": "positions_older_than"' in err
