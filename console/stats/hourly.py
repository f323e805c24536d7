"""Appeals received per hour today, against the average of the same hour over the previous seven days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ..db.sqlfn import local_day, local_hour
from ..models import Case
from ..periods import local_midnight
from ..timeutil import CHINA_TZ, ensure_utc

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class HourlyFigures:
    today: tuple[int, ...]  # 24 counts, local hours 0–23 of today
    week_average: tuple[float, ...]  # 24 averages over the previous 7 days
    week_total: int  # numerator of the averages (denominator: 7 days)
    day: str  # today's local date


def received_per_hour(session: Session, *, now: datetime, scope: ColumnElement[bool] | None = None) -> HourlyFigures:
    now = ensure_utc(now)
    today = now.astimezone(CHINA_TZ).date()
    midnight = local_midnight(today)
    week_start = midnight - timedelta(days=7)
    hour = local_hour(session, Case.received_at).label("h")
    is_today = (local_day(session, Case.received_at) >= (today - EPOCH).days).label("t")
    rows = session.execute(
        select(is_today, hour, func.count())
        .where(Case.received_at >= week_start, Case.received_at < now, *([scope] if scope is not None else []))
        .group_by(is_today, hour)
    ).all()
    counts_today = [0] * 24
    counts_week = [0] * 24
    for is_today, h, n in rows:
        target = counts_today if is_today else counts_week
        target[int(h)] += int(n)
    return HourlyFigures(
        today=tuple(counts_today),
        week_average=tuple(c / 7 for c in counts_week),
        week_total=sum(counts_week),
        day=today.isoformat(),
    )
