"""A unit's track: its stored fixes between two moments, oldest first (a shift's patrol, the way to a case).

One indexed range read on (unit_id, fix_at); on PostgreSQL the time bounds also prune the day partitions and the
covering index answers alone, so the read touches a few pages of one or two days' partitions however many years of
fixes are stored. The rest is turning ~3,000 rows into Python: on PostgreSQL the driver's own aware timestamps are
taken as they come (the UTC column type would make one more Python call per row).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import DateTime, select, type_coerce
from sqlalchemy.orm import Session

from ..models import Position
from .errors import ValidationError


class TrackPoint(NamedTuple):
    """One fix; `fix_at` is timezone-aware (UTC on SQLite, the session's zone on PostgreSQL: the same instant)."""

    fix_at: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    course: float | None


#: The longest track one call returns (a week of fixes every 10 s); longer spans are read in pieces.
MAX_POINTS = 60_480

_COLUMNS = (Position.lat, Position.lon, Position.speed_kmh, Position.course)
_TRACK = select(Position.fix_at, *_COLUMNS).order_by(Position.fix_at).limit(MAX_POINTS)
_TRACK_PG = (
    select(type_coerce(Position.fix_at, DateTime(timezone=True)), *_COLUMNS).order_by(Position.fix_at).limit(MAX_POINTS)
)


def unit_track(session: Session, *, unit_id: int, start: datetime, end: datetime) -> list[TrackPoint]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("start", "times need a UTC offset")
    if end <= start:
        raise ValidationError("end", "must be after start")
    query = _TRACK_PG if session.get_bind().dialect.name == "postgresql" else _TRACK
    rows = session.execute(
        query.where(Position.unit_id == unit_id, Position.fix_at >= start, Position.fix_at < end)
    ).tuples()
    return list(map(TrackPoint._make, rows))
