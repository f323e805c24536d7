"""A plan's schedule: days of the week or dates, local-time windows, a validity period; and the shifts it makes.

Windows are China Standard Time (`07:10-07:50`); a window whose end is not after its start ends the next day (a
night patrol `22:00-02:00`), and its shift belongs to the day it starts on. `24:00` may end a window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..services.errors import ValidationError
from ..timeutil import CHINA_TZ

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Window:
    start_min: int  # minutes after local midnight
    end_min: int  # minutes after local midnight of the start day (> start_min; ≤ 2 days)

    @property
    def minutes(self) -> int:
        return self.end_min - self.start_min

    def text(self) -> str:
        def hhmm(m: int) -> str:
            if m != MINUTES_PER_DAY:  # 24:00 stays 24:00; a time of the next day reads as that day's clock
                m %= MINUTES_PER_DAY
            return f"{m // 60:02d}:{m % 60:02d}"

        return f"{hhmm(self.start_min)}-{hhmm(self.end_min)}"

    def bounds(self, day: date) -> tuple[datetime, datetime]:
        """UTC start and end of this window on the local day `day`."""
        midnight = datetime.combine(day, time(0), CHINA_TZ)
        start = midnight + timedelta(minutes=self.start_min)
        end = midnight + timedelta(minutes=self.end_min)
        return start.astimezone(UTC), end.astimezone(UTC)


def _minutes(hours: str, minutes: str, field: str, *, end: bool) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not end)):
        raise ValidationError(field, f"{hours}:{minutes} is not a time of day (00:00–23:59, or 24:00 as an end)")
    return h * 60 + m


def parse_windows(value: str | Sequence[str], field: str = "windows") -> tuple[Window, ...]:
    """`07:10-07:50;16:30-17:20` (or a list of such texts) → windows sorted by start; overlaps are refused."""
    parts = value.split(";") if isinstance(value, str) else list(value)
    windows: list[Window] = []
    for part in parts:
        if not isinstance(part, str) or not part.strip():
            continue
        match = _WINDOW_RE.match(part)
        if match is None:
            raise ValidationError(field, f"{part.strip()!r} is not a window like 07:10-07:50")
        start = _minutes(match[1], match[2], field, end=False)
        end = _minutes(match[3], match[4], field, end=True)
        if end == start:
            raise ValidationError(field, f"{part.strip()!r} is empty (it starts when it ends)")
        if end < start:
            end += MINUTES_PER_DAY  # ends the next day
        windows.append(Window(start, end))
    if not windows:
        raise ValidationError(field, "at least one window is required, like 07:10-07:50")
    windows.sort(key=lambda w: w.start_min)
    for a, b in zip(windows, windows[1:], strict=False):
        if b.start_min < a.end_min:
            raise ValidationError(field, f"windows {a.text()} and {b.text()} overlap")
    last, first = windows[-1], windows[0]
    if last.end_min > MINUTES_PER_DAY and last.end_min - MINUTES_PER_DAY > first.start_min:
        raise ValidationError(field, f"window {last.text()} runs into the next day's {first.text()}")
    return tuple(windows)


def parse_days(value: str | Sequence[str], field: str = "days") -> tuple[frozenset[str], frozenset[date]]:
    """`mon;tue;…` and/or ISO dates `2026-11-23` → (weekday codes, dates)."""
    parts = value.split(";") if isinstance(value, str) else list(value)
    weekdays: set[str] = set()
    dates: set[date] = set()
    for part in parts:
        if not isinstance(part, str):
            raise ValidationError(field, "must be text like mon;tue or 2026-11-23")
        token = part.strip().lower()
        if not token:
            continue
        if token in WEEKDAYS:
            weekdays.add(token)
            continue
        try:
            dates.add(date.fromisoformat(token))
        except ValueError:
            raise ValidationError(
                field, f"{part.strip()!r} is neither a weekday ({', '.join(WEEKDAYS)}) nor a date (YYYY-MM-DD)"
            ) from None
    if not weekdays and not dates:
        raise ValidationError(field, "at least one weekday or date is required")
    return frozenset(weekdays), frozenset(dates)


def days_text(weekdays: Iterable[str], dates: Iterable[date]) -> list[str]:
    """The stored form: weekdays in week order, then dates in order."""
    wd = set(weekdays)
    return [d for d in WEEKDAYS if d in wd] + [d.isoformat() for d in sorted(dates)]


@dataclass(frozen=True, slots=True)
class Span:
    """One shift's window in UTC epoch seconds: `start` … `end`, and the end of its grace period."""

    day: date
    window_no: int
    start: float
    end: float
    grace_end: float


@dataclass(frozen=True)
class Schedule:
    weekdays: frozenset[str]
    dates: frozenset[date]
    windows: tuple[Window, ...]
    valid_from: date
    valid_to: date | None

    @classmethod
    def of(
        cls, days: Sequence[str], windows: Sequence[str], valid_from: date, valid_to: date | None = None
    ) -> Schedule:
        weekdays, dates = parse_days(days)
        return cls(weekdays, dates, parse_windows(windows), valid_from, valid_to)

    def due_on(self, day: date) -> bool:
        if day < self.valid_from or (self.valid_to is not None and day > self.valid_to):
            return False
        return day in self.dates or WEEKDAYS[day.weekday()] in self.weekdays

    def spans(self, day: date, grace_s: float) -> list[Span]:
        """The shifts of `day` (none when the plan is not due that day)."""
        if not self.due_on(day):
            return []
        out = []
        for n, window in enumerate(self.windows):
            start, end = window.bounds(day)
            out.append(Span(day, n, start.timestamp(), end.timestamp(), end.timestamp() + grace_s))
        return out


def local_day(moment: datetime | float) -> date:
    """The county's civil day of a UTC moment (or epoch seconds)."""
    if isinstance(moment, int | float):
        moment = datetime.fromtimestamp(moment, CHINA_TZ)
    return moment.astimezone(CHINA_TZ).date()
