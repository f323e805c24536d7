"""Day-by-day series for a period: appeals received and loops closed per local day (each a range scan of a
covering index: `received_at`, and `closed_at, status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..db.sqlfn import local_day
from ..enums import CaseStatus
from ..models import Case
from ..timeutil import ensure_utc

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class DailyPoint:
    day: date
    received: int
    closed: int


def daily_series(
    session: Session, *, start: datetime, end: datetime, scope: ColumnElement[bool] | None = None
) -> list[DailyPoint]:
    start, end = ensure_utc(start), ensure_utc(end)
    where = [scope] if scope is not None else []
    received = dict(
        session.execute(
            select(local_day(session, Case.received_at).label("d"), func.count())
            .where(Case.received_at >= start, Case.received_at < end, *where)
            .group_by("d")
        )
        .tuples()
        .all()
    )
    closed = dict(
        session.execute(
            select(local_day(session, Case.closed_at).label("d"), func.count())
            .where(Case.closed_at >= start, Case.closed_at < end, Case.status == CaseStatus.CLOSED, *where)
            .group_by("d")
        )
        .tuples()
        .all()
    )
    days = sorted(set(received) | set(closed))
    if not days:
        return []
    first, last = int(min(days)), int(max(days))
    return [
        DailyPoint(EPOCH + timedelta(days=d), int(received.get(d, 0)), int(closed.get(d, 0)))
        for d in range(first, last + 1)
    ]
