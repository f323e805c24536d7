"""The position ingest service: last fix per unit, history in batches, one unit_moved event per batch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.enums import EventKind, Role
from console.events import ChangeFeed
from console.models import Event, Position, Unit
from console.services.actor import Actor
from console.services.errors import PermissionDenied
from console.services.positions import Fix, ingest_positions

from .conftest import add_units

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _unit(db: Database, unit_id: int) -> Unit:
    with db.session() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        return unit


def _count(db: Database, model: type, *where: object) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_batch_writes_history_last_fix_and_one_event(db: Database) -> None:
    ids = add_units(db, 3)
    feed = ChangeFeed(db)
    fixes = [
        Fix(fix_at=T0 + timedelta(seconds=10 * k), lat=24.8 + k / 1000, lon=113.6, tracker_id=tracker, speed_kmh=30.0)
        for tracker in ids
        for k in (2, 0, 1)  # out of order inside the batch: sorted per unit, all kept
    ]
    report = ingest_positions(db, fixes, source="test", now=T0 + timedelta(minutes=1))
    assert (report.accepted, report.duplicates, report.out_of_order) == (9, 0, 0)
    assert sorted(report.moved_unit_ids) == sorted(ids.values())
    assert _count(db, Position) == 9
    unit = _unit(db, ids["T-001"])
    assert unit.fix_at == T0 + timedelta(seconds=20) and unit.lat == pytest.approx(24.802)
    events = [e for e in feed.poll() if e.kind == EventKind.UNIT_MOVED]
    assert len(events) == 1
    assert sorted(events[0].payload["unit_ids"]) == sorted(ids.values())
    assert events[0].payload["source"] == "test"


def test_duplicates_are_skipped_and_late_fixes_join_the_history_without_moving_the_unit(db: Database) -> None:
    ids = add_units(db, 1)
    uid = ids["T-001"]
    now = T0 + timedelta(hours=1)
    ingest_positions(
        db, [Fix(fix_at=T0 + timedelta(seconds=30), lat=24.8, lon=113.6, unit_id=uid)], source="a", now=now
    )
    report = ingest_positions(
        db,
        [
            Fix(fix_at=T0 + timedelta(seconds=30), lat=24.9, lon=113.6, unit_id=uid),  # same time: duplicate
            Fix(fix_at=T0 + timedelta(seconds=10), lat=24.9, lon=113.6, unit_id=uid),  # older: stored, late
            Fix(fix_at=T0 + timedelta(seconds=40), lat=24.81, lon=113.61, unit_id=uid),
            Fix(fix_at=T0 + timedelta(seconds=40), lat=24.82, lon=113.61, unit_id=uid),  # twice in the batch
        ],
        source="a",
        now=now,
    )
    assert (report.accepted, report.duplicates, report.out_of_order) == (2, 2, 1)
    unit = _unit(db, uid)
    assert unit.fix_at == T0 + timedelta(seconds=40) and unit.lat == pytest.approx(24.81)
    assert _count(db, Position) == 3
    # A batch of late fixes only: stored in the history, no unit moves, no unit_moved event.
    before = _count(db, Event, Event.kind == EventKind.UNIT_MOVED)
    late = ingest_positions(db, [Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=uid)], source="a", now=now)
    assert late.accepted == 1 and late.out_of_order == 1 and late.moved_unit_ids == []
    assert _count(db, Event, Event.kind == EventKind.UNIT_MOVED) == before
    assert _unit(db, uid).fix_at == T0 + timedelta(seconds=40)
    # The same late fix again (a backfill overlapping what is stored) is a duplicate.
    again = ingest_positions(db, [Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=uid)], source="a", now=now)
    assert (again.accepted, again.duplicates) == (0, 1)
    assert _count(db, Position) == 4


def test_unknown_trackers_are_reported_not_invented(db: Database) -> None:
    add_units(db, 1)
    report = ingest_positions(
        db,
        [
            Fix(fix_at=T0, lat=24.8, lon=113.6, tracker_id="T-001"),
            Fix(fix_at=T0, lat=24.8, lon=113.6, tracker_id="NOPE-9"),
            Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=999_999),
        ],
        source="a",
        now=T0,
    )
    assert report.accepted == 1
    assert report.unknown_trackers == ["NOPE-9"] and report.unknown_units == [999_999]
    assert _count(db, Unit) == 1


@pytest.mark.parametrize(
    ("fix", "field"),
    [
        (Fix(fix_at=T0, lat=91.0, lon=113.6, unit_id=1), "lat"),
        (Fix(fix_at=T0, lat=24.8, lon=float("nan"), unit_id=1), "lon"),
        (Fix(fix_at=T0.replace(tzinfo=None), lat=24.8, lon=113.6, unit_id=1), "fix_at"),
        (Fix(fix_at=T0 + timedelta(hours=1), lat=24.8, lon=113.6, unit_id=1), "fix_at"),
        (Fix(fix_at=T0, lat=24.8, lon=113.6), "unit_id"),
        (Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=1, speed_kmh=-3), "speed_kmh"),
        (Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=1, course=400), "course"),
    ],
)
def test_invalid_fixes_name_the_field_and_the_rest_is_stored(db: Database, fix: Fix, field: str) -> None:
    ids = add_units(db, 1)
    good = Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=ids["T-001"])
    report = ingest_positions(db, [fix, good], source="a", now=T0)
    assert [(i.index, i.field) for i in report.invalid] == [(0, field)]
    assert report.accepted == 1


def test_only_roles_allowed_to_ingest(db: Database) -> None:
    ids = add_units(db, 1)
    with pytest.raises(PermissionDenied):
        ingest_positions(
            db,
            [Fix(fix_at=T0, lat=24.8, lon=113.6, unit_id=ids["T-001"])],
            source="a",
            actor=Actor("d", Role.DISPATCHER),
            now=T0,
        )
    assert _count(db, Position) == 0


def test_concurrent_ingest_never_moves_a_unit_back(db: Database) -> None:
    """Two ingest processes (say the feed and a simulator) writing the same units at once: the guarded update keeps
    the newest fix whatever the commit order, and neither fails (lock waits and retries are handled)."""
    ids = add_units(db, 30)
    errors: list[BaseException] = []

    def ingest(offset: int) -> None:
        try:
            for k in range(12):
                at = T0 + timedelta(seconds=2 * k + offset)
                fixes = [Fix(fix_at=at, lat=24.8 + k / 1000, lon=113.6, unit_id=uid) for uid in ids.values()]
                ingest_positions(db, fixes, source=f"w{offset}", now=T0 + timedelta(minutes=5))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(offset,)) for offset in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    newest = T0 + timedelta(seconds=23)
    with db.session() as s:
        assert set(s.scalars(select(Unit.fix_at))) == {newest}
