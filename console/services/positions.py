"""Position ingest: THE way unit positions enter the database (GPS feed, demo simulator, imports).

One call is one transaction: the fixes of a batch are validated, matched to units (by unit id or tracker id),
sorted per unit, and written at once — the position history with one multi-row INSERT, each unit's last fix with
one guarded UPDATE (`WHERE fix_at IS NULL OR fix_at < :new`, so a late or repeated fix never moves a unit back) —
and ONE `unit_moved` event names every unit that moved, so consoles re-read those units (never one event per fix).

Fixes older than what is stored for their unit (a feed catching up, a backfill, an import of history) are stored in
the history too and counted as out of order, without moving the unit back; a fix at a time already stored for its
unit is a duplicate and skipped. Fixes of trackers no unit carries are reported, never invented into units; invalid
fixes are listed with the field named and skipped, the rest of the batch is still stored. In the same transaction
the stored fixes are matched against the patrol shifts running then (`patrol_matching.match_ingested`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, text, update
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import EventKind
from ..events import record_event
from ..models import Position, Unit
from ..timeutil import utcnow
from .actor import SYSTEM, Action, Actor

#: A fix further in the future than this is refused (a device clock gone wrong would otherwise pin the unit).
MAX_FUTURE = timedelta(minutes=5)
#: Rows per INSERT statement of the history (keeps statements well under the drivers' parameter limits).
CHUNK = 2000
#: Tracker ids or unit ids per lookup query (well under SQLite's 32,766 parameters).
LOOKUP_CHUNK = 5000


@dataclass(frozen=True)
class Fix:
    """One position report. Name the unit by `unit_id`, or by `tracker_id` (the GPS device's unique id)."""

    fix_at: datetime
    lat: float
    lon: float
    unit_id: int | None = None
    tracker_id: str | None = None
    speed_kmh: float | None = None
    course: float | None = None


@dataclass(frozen=True, slots=True)
class InvalidFix:
    index: int  # position in the batch given
    field: str  # e.g. "lat", "fix_at", "unit_id"
    message: str


@dataclass
class IngestReport:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    unknown_trackers: list[str] = field(default_factory=list)
    unknown_units: list[int] = field(default_factory=list)
    invalid: list[InvalidFix] = field(default_factory=list)
    moved_unit_ids: list[int] = field(default_factory=list)
    event_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "unknown_trackers": self.unknown_trackers,
            "unknown_units": self.unknown_units,
            "invalid": [{"index": i.index, "field": i.field, "message": i.message} for i in self.invalid],
            "moved_units": len(self.moved_unit_ids),
        }


def _check(fix: Fix, now: datetime) -> tuple[str, str] | None:
    """(field, message) of the first thing wrong with the fix, or None."""
    if fix.unit_id is None and not fix.tracker_id:
        return "unit_id", "a fix names its unit by unit_id or tracker_id"
    if fix.unit_id is not None and (isinstance(fix.unit_id, bool) or not isinstance(fix.unit_id, int)):
        return "unit_id", "must be an integer"
    if not isinstance(fix.fix_at, datetime) or fix.fix_at.tzinfo is None:
        return "fix_at", "must be a time with a UTC offset"
    if fix.fix_at > now + MAX_FUTURE:
        return "fix_at", "is in the future"
    for name, value, limit in (("lat", fix.lat, 90.0), ("lon", fix.lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return name, "must be a number"
        if not -limit <= value <= limit:
            return name, f"must be between -{limit:g} and {limit:g}"
    if fix.speed_kmh is not None:
        speed = fix.speed_kmh
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed) or speed < 0:
            return "speed_kmh", "must be a number ≥ 0"
    if fix.course is not None:
        course = fix.course
        if isinstance(course, bool) or not isinstance(course, int | float) or not math.isfinite(course):
            return "course", "must be a number"
        if not 0 <= course <= 360:
            return "course", "must be between 0 and 360"
    return None


_UNIT_UPDATE = (
    update(Unit)
    .where(
        Unit.id == bindparam("b_id"),
        or_(Unit.fix_at.is_(None), Unit.fix_at < bindparam("b_fix_at")),
    )
    .values(
        lat=bindparam("b_lat"),
        lon=bindparam("b_lon"),
        fix_at=bindparam("b_fix_at"),
        speed_kmh=bindparam("b_speed"),
        course=bindparam("b_course"),
        updated_at=bindparam("b_now"),
    )
)


# PostgreSQL: the whole batch as arrays, one statement each (one round trip, one plan, no per-row parameters).
_PG_UPDATE = text(
    """
    UPDATE units AS u
       SET lat = n.lat, lon = n.lon, fix_at = n.fix_at, speed_kmh = n.speed, course = n.course, updated_at = :now
      FROM unnest(CAST(:ids AS integer[]), CAST(:fix_ats AS timestamptz[]), CAST(:lats AS float8[]),
                  CAST(:lons AS float8[]), CAST(:speeds AS float8[]), CAST(:courses AS float8[]))
           AS n(id, fix_at, lat, lon, speed, course)
     WHERE u.id = n.id AND (u.fix_at IS NULL OR u.fix_at < n.fix_at)
    RETURNING u.id
    """
)
_PG_INSERT = text(
    """
    INSERT INTO positions (unit_id, fix_at, lat, lon, speed_kmh, course, source)
    SELECT n.unit_id, n.fix_at, n.lat, n.lon, n.speed, n.course, :source
      FROM unnest(CAST(:ids AS integer[]), CAST(:fix_ats AS timestamptz[]), CAST(:lats AS float8[]),
                  CAST(:lons AS float8[]), CAST(:speeds AS float8[]), CAST(:courses AS float8[]))
           AS n(unit_id, fix_at, lat, lon, speed, course)
    """
)


def _columns(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, list[Any]]:
    names = ("ids", "fix_ats", "lats", "lons", "speeds", "courses")
    return {name: [row[key] for row in rows] for name, key in zip(names, keys, strict=True)}


def _write_postgres(session: Session, newest: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[int]:
    """The guarded update and the history insert on PostgreSQL; returns the ids of the units actually moved (a
    fix that lost a race with a newer one committed meanwhile is not announced)."""
    now = newest[0]["b_now"]
    update_args = _columns(newest, ("b_id", "b_fix_at", "b_lat", "b_lon", "b_speed", "b_course"))
    moved = sorted(int(uid) for uid in session.execute(_PG_UPDATE, {"now": now, **update_args}).scalars())
    source = rows[0]["source"]
    for start in range(0, len(rows), 20_000):
        chunk = rows[start : start + 20_000]
        insert_args = _columns(chunk, ("unit_id", "fix_at", "lat", "lon", "speed_kmh", "course"))
        session.execute(_PG_INSERT, {"source": source, **insert_args})
    return moved


def ingest_positions(
    db: Database,
    fixes: Sequence[Fix],
    *,
    source: str,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> IngestReport:
    """Store a batch of fixes in one transaction; returns what was accepted, ignored and refused."""
    return write_transaction(
        db.sessions, lambda session: ingest_in_transaction(session, fixes, source=source, actor=actor, now=now)
    )


def ingest_in_transaction(
    session: Session,
    fixes: Sequence[Fix],
    *,
    source: str,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> IngestReport:
    """`ingest_positions` inside the caller's transaction (an import stores a whole file in one)."""
    actor.require(Action.INGEST_POSITIONS)
    now = now or utcnow()
    report, valid = _validate(fixes, now)
    if not valid:
        return report
    return _store(session, report, valid, source=source[:32], actor=actor, now=now)


def _validate(fixes: Sequence[Fix], now: datetime) -> tuple[IngestReport, list[tuple[int, Fix]]]:
    report = IngestReport(received=len(fixes))
    valid: list[tuple[int, Fix]] = []
    for index, fix in enumerate(fixes):
        problem = _check(fix, now)
        if problem is not None:
            report.invalid.append(InvalidFix(index, *problem))
        else:
            valid.append((index, fix))
    return report, valid


def _store(
    session: Session, report: IngestReport, valid: list[tuple[int, Fix]], *, source: str, actor: Actor, now: datetime
) -> IngestReport:
    from .patrol_matching import match_ingested

    result = IngestReport(received=report.received, invalid=list(report.invalid))
    rows, previous = _ingest(session, valid, source=source, actor=actor, now=now, report=result)
    match_ingested(session, rows, previous, now=now, actor=actor)
    return result


def _ingest(  # noqa: C901
    session: Session,
    valid: list[tuple[int, Fix]],
    *,
    source: str,
    actor: Actor,
    now: datetime,
    report: IngestReport,
) -> tuple[list[dict[str, Any]], dict[int, datetime | None]]:
    """Store the batch; returns the rows stored and each unit's last fix before them."""
    trackers = sorted({f.tracker_id for _, f in valid if f.unit_id is None and f.tracker_id})
    unit_ids = sorted({f.unit_id for _, f in valid if f.unit_id is not None})
    by_tracker: dict[str, int] = {}
    last_fix: dict[int, datetime | None] = {}
    for start in range(0, len(trackers), LOOKUP_CHUNK):
        for uid, tracker, fix_at in session.execute(
            select(Unit.id, Unit.tracker_id, Unit.fix_at).where(
                Unit.tracker_id.in_(trackers[start : start + LOOKUP_CHUNK])
            )
        ):
            assert tracker is not None
            by_tracker[tracker] = uid
            last_fix[uid] = fix_at
    for start in range(0, len(unit_ids), LOOKUP_CHUNK):
        for uid, fix_at in session.execute(
            select(Unit.id, Unit.fix_at).where(Unit.id.in_(unit_ids[start : start + LOOKUP_CHUNK]))
        ):
            last_fix[uid] = fix_at
    report.unknown_trackers = [t for t in trackers if t not in by_tracker]
    report.unknown_units = [u for u in unit_ids if u not in last_fix]

    per_unit: dict[int, list[Fix]] = {}
    for _, fix in valid:
        uid = fix.unit_id if fix.unit_id is not None else by_tracker.get(fix.tracker_id or "")
        if uid is None or uid not in last_fix:
            continue
        per_unit.setdefault(uid, []).append(fix)

    known = _stored_times(session, per_unit, last_fix)
    rows: list[dict[str, Any]] = []
    newest: list[dict[str, Any]] = []
    for uid in sorted(per_unit):
        stored = last_fix[uid]
        seen: datetime | None = stored
        latest: Fix | None = None
        for fix in sorted(per_unit[uid], key=lambda f: f.fix_at):
            if fix.fix_at in (seen, stored) or (uid, fix.fix_at) in known:
                report.duplicates += 1
                continue
            seen = fix.fix_at
            if stored is not None and fix.fix_at < stored:
                report.out_of_order += 1  # stored in the history; the unit keeps its newer position
            else:
                latest = fix
            rows.append(
                {
                    "unit_id": uid,
                    "fix_at": fix.fix_at,
                    "lat": float(fix.lat),
                    "lon": float(fix.lon),
                    "speed_kmh": None if fix.speed_kmh is None else float(fix.speed_kmh),
                    "course": None if fix.course is None else float(fix.course),
                    "source": source,
                }
            )
        if latest is not None:
            newest.append(
                {
                    "b_id": uid,
                    "b_fix_at": latest.fix_at,
                    "b_lat": float(latest.lat),
                    "b_lon": float(latest.lon),
                    "b_speed": None if latest.speed_kmh is None else float(latest.speed_kmh),
                    "b_course": None if latest.course is None else float(latest.course),
                    "b_now": now,
                }
            )
    if not rows:
        return rows, last_fix
    if not newest:
        report.accepted = len(rows)
        conn = session.connection()
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(Position), rows[start : start + CHUNK])
        return rows, last_fix
    if session.get_bind().dialect.name == "postgresql":
        report.moved_unit_ids = _write_postgres(session, newest, rows)
    else:
        conn = session.connection()
        # The guarded UPDATE of the last fixes is the first write: it takes SQLite's write lock for the batch.
        conn.execute(_UNIT_UPDATE, newest)
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(Position), rows[start : start + CHUNK])
        report.moved_unit_ids = [row["b_id"] for row in newest]
    report.accepted = len(rows)
    if not report.moved_unit_ids:
        return rows, last_fix
    event = record_event(
        session,
        EventKind.UNIT_MOVED,
        actor=actor.name,
        unit_id=report.moved_unit_ids[0] if len(report.moved_unit_ids) == 1 else None,
        payload={"unit_ids": report.moved_unit_ids, "source": source},
        ts=now,
    )
    report.event_id = event.id
    return rows, last_fix


def _stored_times(
    session: Session, per_unit: dict[int, list[Fix]], last_fix: dict[int, datetime | None]
) -> set[tuple[int, datetime]]:
    """(unit, time) of the history already holding a fix older than its unit's last one (so a replay is skipped)."""
    late = {
        uid: [f.fix_at for f in fixes if (stored := last_fix[uid]) is not None and f.fix_at < stored]
        for uid, fixes in per_unit.items()
    }
    late = {uid: times for uid, times in late.items() if times}
    if not late:
        return set()
    # One statement for the whole batch (not one per unit): each unit's own time range, OR-ed.
    ranges = [
        and_(Position.unit_id == uid, Position.fix_at >= min(times), Position.fix_at <= max(times))
        for uid, times in sorted(late.items())
    ]
    found: set[tuple[int, datetime]] = set()
    for start in range(0, len(ranges), 500):  # 3 parameters a range, within SQLite's limit
        found.update(
            (int(uid), fix_at)
            for uid, fix_at in session.execute(
                select(Position.unit_id, Position.fix_at).where(or_(*ranges[start : start + 500]))
            ).tuples()
        )
    return found
