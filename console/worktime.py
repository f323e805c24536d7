"""The working-time calendar (工作日历): working hours and days, holidays, make-up workdays, deadline arithmetic.

Deadlines of assignments are counted in working time: an assignment given on Friday at 17:00 with four working
hours is due on Monday at noon. Everything here takes and returns aware UTC datetimes; the calendar itself is in
the county's civil time (China Standard Time). Read from `resources/config/calendar.toml`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config.loader import load_file, validate
from .config.work_calendar import CalendarFile, clock_seconds
from .enums import Priority
from .paths import resource
from .timeutil import CHINA_TZ, ensure_utc

#: The furthest a deadline may lie from its start; guards the day-by-day walk against an empty calendar.
MAX_DAYS = 3660
CALENDAR_FILE = ("config", "calendar.toml")


@dataclass(frozen=True)
class RepeatRules:
    """The repeat-appeal rules (defaults and bounds in `console.config.work_calendar.RepeatsSection`)."""

    window_days: float
    phone_window_days: float
    radius_m: float
    place_hours: float
    similarity: float
    category_similarity: float
    caller_discount: float
    escalate_after: int

    def bar(self, *, same_category: bool, same_caller: bool) -> float:
        """The text similarity two appeals need to be one matter."""
        base = self.category_similarity if same_category else self.similarity
        return max(0.0, base - (self.caller_discount if same_caller else 0.0))


@dataclass(frozen=True)
class WorkCalendar:
    """Working periods of a working day (seconds after local midnight), working weekdays, holidays, make-up days.
    Built from `calendar.toml` by `calendar_from` (defaults and bounds in `console.config.work_calendar`)."""

    periods: tuple[tuple[int, int], ...]
    workdays: frozenset[int]
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    default_hours: dict[Priority, float]
    warn_before_hours: float
    max_extensions: int
    level_after_hours: tuple[float, ...]
    repeats: RepeatRules

    def __post_init__(self) -> None:
        last = -1
        for start, end in self.periods:
            if not 0 <= start < end <= 86400 or start < last:
                raise ValueError("hours.periods: periods must be increasing, not overlapping, within a day")
            last = end
        if not self.periods:
            raise ValueError("hours.periods: at least one working period is needed")
        if not (self.workdays or self.makeup_workdays):
            raise ValueError("hours.workdays: at least one working day is needed")

    # -- days ---------------------------------------------------------------------------------------------------

    @property
    def day_seconds(self) -> int:
        """Working seconds in one working day."""
        return sum(end - start for start, end in self.periods)

    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() in self.workdays

    def _day_periods(self, day: date) -> Iterable[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return ()
        midnight = datetime.combine(day, time(0), CHINA_TZ)
        return [(midnight + timedelta(seconds=s), midnight + timedelta(seconds=e)) for s, e in self.periods]

    def is_working_time(self, moment: datetime) -> bool:
        local = ensure_utc(moment).astimezone(CHINA_TZ)
        return any(s <= local < e for s, e in self._day_periods(local.date()))

    # -- arithmetic ---------------------------------------------------------------------------------------------

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds in [start, end); negative when end is before start."""
        start, end = ensure_utc(start), ensure_utc(end)
        if end < start:
            return -self.working_seconds(end, start)
        total = 0.0
        day = start.astimezone(CHINA_TZ).date()
        last = end.astimezone(CHINA_TZ).date()
        while day <= last:
            for s, e in self._day_periods(day):
                lo, hi = max(s, start), min(e, end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def add_working(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start` (start itself for 0; never before it)."""
        start = ensure_utc(start)
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        if seconds == 0:
            return start
        remaining = float(seconds)
        day = start.astimezone(CHINA_TZ).date()
        for _ in range(MAX_DAYS):
            for s, e in self._day_periods(day):
                lo = max(s, start)
                if lo >= e:
                    continue
                available = (e - lo).total_seconds()
                if remaining <= available:
                    return (lo + timedelta(seconds=remaining)).astimezone(UTC)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_DAYS} days")

    def deadline(self, start: datetime, *, hours: float = 0, days: float = 0) -> datetime:
        """A deadline `hours` working hours plus `days` working days (of `day_seconds`) after `start`."""
        if hours < 0 or days < 0:
            raise ValueError("a deadline lies after its start")
        return self.add_working(start, hours * 3600 + days * self.day_seconds)

    def default_deadline(self, start: datetime, priority: Priority) -> datetime:
        return self.deadline(start, hours=self.default_hours[priority])

    def elapsed(self, start: datetime, end: datetime, pauses: Sequence[tuple[datetime, datetime | None]] = ()) -> float:
        """Working seconds from start to end, not counting the (possibly still open) pauses."""
        total = self.working_seconds(start, end)
        merged: list[tuple[datetime, datetime]] = []
        for a, b in sorted((ensure_utc(a), ensure_utc(b or end)) for a, b in pauses):
            p_start, p_end = max(a, start), min(b, end)
            if p_end <= p_start:
                continue
            if merged and p_start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], p_end))
            else:
                merged.append((p_start, p_end))
        return total - sum(self.working_seconds(a, b) for a, b in merged)

    def remaining(self, now: datetime, due: datetime) -> float:
        """Working seconds left until `due` (negative once overdue: working seconds past it)."""
        return self.working_seconds(now, due)

    def level_for(self, overdue_working_seconds: float) -> int:
        """The escalation level an item overdue by this much working time should have (0 when not overdue)."""
        if overdue_working_seconds <= 0:
            return 0
        return sum(1 for h in self.level_after_hours if overdue_working_seconds >= h * 3600)


def calendar_from(file: CalendarFile) -> WorkCalendar:
    rep = file.repeats
    return WorkCalendar(
        periods=tuple((clock_seconds(a), clock_seconds(b)) for a, b in file.hours.periods),
        workdays=frozenset(file.hours.workdays),
        holidays=frozenset(file.days.holidays),
        makeup_workdays=frozenset(file.days.makeup_workdays),
        default_hours={p: float(h) for p, h in file.assignments.default_hours.items()},
        warn_before_hours=file.assignments.warn_before_hours,
        max_extensions=file.assignments.max_extensions,
        level_after_hours=tuple(sorted(float(h) for h in file.escalation.level_after_hours)),
        repeats=RepeatRules(
            window_days=rep.window_days,
            phone_window_days=rep.phone_window_days,
            radius_m=rep.radius_m,
            place_hours=rep.place_hours,
            similarity=rep.similarity,
            category_similarity=rep.category_similarity,
            caller_discount=rep.caller_discount,
            escalate_after=rep.escalate_after,
        ),
    )


def parse_calendar(data: Mapping[str, Any]) -> WorkCalendar:
    """The calendar from the tables of a calendar.toml already read (ConfigError naming the key when one is wrong)."""
    return calendar_from(validate(CalendarFile, data))


def load_calendar(path: Path | None = None) -> WorkCalendar:
    return calendar_from(load_file(CalendarFile, path or resource(*CALENDAR_FILE)))


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    return load_calendar()
