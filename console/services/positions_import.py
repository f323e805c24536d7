"""`positions import FILE.csv`: GPS history exported from a tracker server, stored like live fixes.

Header `tracker_id,fix_at,lat,lon` (any order) with optional `speed_kmh` and `course`; `callsign` may replace
`tracker_id`. `fix_at` is ISO 8601 with an offset (`2026-11-23T08:30:00+08:00`, `…Z`). The whole file is checked
first — a bad file is rejected whole, naming the line and the field, and so is a tracker or callsign no unit has —
then stored in one transaction, sorted by unit and time, in chunks through the ingest service: late fixes join the
history without moving a unit back, fixes already stored are skipped as duplicates, and everything is matched
against the patrol shifts of its time.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Unit
from ..timeutil import parse_iso8601, utcnow
from . import scope
from .actor import Action, Actor
from .errors import ValidationError
from .positions import MAX_FUTURE, Fix, ingest_in_transaction

REQUIRED = ("fix_at", "lat", "lon")
OPTIONAL = ("speed_kmh", "course")
#: Fixes handed to the ingest service at a time (one transaction for the whole file all the same).
CHUNK_FIXES = 20_000


@dataclass(frozen=True, slots=True)
class CsvFix:
    line: int
    key: str  # tracker id or callsign
    fix_at: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    course: float | None


@dataclass
class PositionsImport:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    units: int = 0
    first: datetime | None = None
    last: datetime | None = None
    moved_units: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "units": self.units,
            "units_moved": len(self.moved_units),
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
        }


def _number(text: str, field: str, *, low: float, high: float, required: bool) -> float | None:
    if not text.strip():
        if required:
            raise ValidationError(field, "is required")
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(field, f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError(field, f"must be between {low:g} and {high:g}")
    return value


def parse_positions_csv(text: str, *, now: datetime | None = None) -> tuple[str, list[CsvFix]]:
    """→ (the key column, `tracker_id` or `callsign`; the fixes)."""
    now = now or utcnow()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError("line 1", "the file is empty; expected the header tracker_id,fix_at,lat,lon") from None
    keys = [k for k in ("tracker_id", "callsign") if k in header]
    if len(keys) != 1:
        raise ValidationError("line 1", "the header needs exactly one of tracker_id or callsign")
    key = keys[0]
    for name in REQUIRED:
        if name not in header:
            raise ValidationError(
                "line 1", f"the header lacks {name} (expected {key},fix_at,lat,lon[,speed_kmh,course])"
            )
    allowed = {key, *REQUIRED, *OPTIONAL}
    for name in header:
        if name not in allowed:
            raise ValidationError("line 1", f"unknown column {name!r}; expected {', '.join(sorted(allowed))}")
    if len(set(header)) != len(header):
        raise ValidationError("line 1", "a column appears twice")
    col = {name: i for i, name in enumerate(header)}
    out: list[CsvFix] = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise ValidationError(f"line {line}", f"has {len(row)} fields; expected {len(header)}")
        ident = row[col[key]].strip()
        if not ident:
            raise ValidationError(f"line {line}: {key}", "is required")
        raw_time = row[col["fix_at"]].strip()
        try:
            fix_at = parse_iso8601(raw_time)
        except ValueError as exc:
            raise ValidationError(
                f"line {line}: fix_at", f"{raw_time!r} is not an ISO 8601 time with an offset ({exc})"
            ) from None
        if fix_at > now + MAX_FUTURE:
            raise ValidationError(f"line {line}: fix_at", "is in the future")
        lat = _number(row[col["lat"]], f"line {line}: lat", low=-90, high=90, required=True)
        lon = _number(row[col["lon"]], f"line {line}: lon", low=-180, high=180, required=True)
        speed = (
            _number(row[col["speed_kmh"]], f"line {line}: speed_kmh", low=0, high=1000, required=False)
            if "speed_kmh" in col
            else None
        )
        course = (
            _number(row[col["course"]], f"line {line}: course", low=0, high=360, required=False)
            if "course" in col
            else None
        )
        assert lat is not None and lon is not None
        out.append(CsvFix(line, ident, fix_at, lat, lon, speed, course))
    if not out:
        raise ValidationError("file", "has no position rows")
    return key, out


def import_positions(
    session: Session,
    key: str,
    rows: list[CsvFix],
    *,
    actor: Actor,
    source: str = "import",
    now: datetime | None = None,
) -> PositionsImport:
    """Store parsed rows in the caller's transaction (all or nothing)."""
    actor.require(Action.INGEST_POSITIONS)
    now = now or utcnow()
    column = Unit.tracker_id if key == "tracker_id" else Unit.callsign
    idents = sorted({r.key for r in rows})
    units: dict[str, int] = {}
    for start in range(0, len(idents), 5000):
        units.update(
            (ident, uid)
            for ident, uid in session.execute(select(column, Unit.id).where(column.in_(idents[start : start + 5000])))
            .tuples()
            .all()
            if ident is not None
        )
    for r in rows:
        if r.key not in units:
            raise ValidationError(f"line {r.line}: {key}", f"no unit has {key} {r.key!r}")
    if actor.scoped:  # a township's or village's administrator brings in the tracks of its own units only
        for unit_id in sorted(set(units.values())):
            scope.check_unit(session, actor, unit_id)
    ordered = sorted(rows, key=lambda r: (units[r.key], r.fix_at))
    result = PositionsImport(rows=len(rows), units=len({units[r.key] for r in rows}))
    result.first = min(r.fix_at for r in rows)
    result.last = max(r.fix_at for r in rows)
    for start in range(0, len(ordered), CHUNK_FIXES):
        chunk = [
            Fix(
                fix_at=r.fix_at,
                lat=r.lat,
                lon=r.lon,
                unit_id=units[r.key],
                speed_kmh=r.speed_kmh,
                course=None if r.course is None else r.course % 360,
            )
            for r in ordered[start : start + CHUNK_FIXES]
        ]
        report = ingest_in_transaction(session, chunk, source=source, actor=actor, now=now)
        if report.invalid:
            bad = report.invalid[0]
            line = ordered[start + bad.index].line
            raise ValidationError(f"line {line}: {bad.field}", bad.message)
        result.accepted += report.accepted
        result.duplicates += report.duplicates
        result.out_of_order += report.out_of_order
        result.moved_units.update(report.moved_unit_ids)
    return result
