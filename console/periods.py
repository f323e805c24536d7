"""Periods of the figures (day, week, month) as UTC bounds of the county's civil days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from .timeutil import CHINA_TZ, ensure_utc


class Period(StrEnum):
    DAY = "day"  # today since midnight
    WEEK = "week"  # the last 7 days, today included
    MONTH = "month"  # the last 30 days, today included

    @property
    def days(self) -> int:
        return {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}[self]


def local_midnight(day: date) -> datetime:
    return ensure_utc(datetime.combine(day, time(0), CHINA_TZ))


def period_bounds(period: Period, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the period ending now: from local midnight `days - 1` days ago to now."""
    today = ensure_utc(now).astimezone(CHINA_TZ).date()
    return local_midnight(today - timedelta(days=period.days - 1)), ensure_utc(now)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) covering the local days `first` … `last` (both included)."""
    if last < first:
        raise ValueError("the period ends before it starts")
    return local_midnight(first), local_midnight(last + timedelta(days=1))
