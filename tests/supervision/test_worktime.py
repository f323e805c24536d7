"""The working-time calendar: deadline arithmetic, holidays, make-up days, pauses (property tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.config import ConfigError
from console.timeutil import CHINA_TZ
from console.worktime import default_calendar, parse_calendar

CAL = default_calendar()
moments = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
spans = st.floats(min_value=0, max_value=60 * 3600, allow_nan=False)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def test_examples() -> None:
    # Friday 17:00 + 4 working hours → Monday 12:00
    assert CAL.deadline(local(2026, 11, 20, 17), hours=4) == local(2026, 11, 23, 12)
    # the National Day week is skipped: 30 Sep 17:00 + 4 h → 8 Oct 12:00
    assert CAL.deadline(local(2026, 9, 30, 17), hours=4) == local(2026, 10, 8, 12)
    # Sunday 20 Sep 2026 is a make-up working day
    assert CAL.is_workday(date(2026, 9, 20)) and not CAL.is_workday(date(2026, 9, 27))
    assert CAL.working_seconds(local(2026, 9, 20), local(2026, 9, 21)) == CAL.day_seconds
    # lunch does not count
    assert CAL.working_seconds(local(2026, 11, 16, 11), local(2026, 11, 16, 15)) == 2 * 3600
    assert CAL.level_for(0) == 0 and CAL.level_for(1) == 1 and CAL.level_for(7 * 3600) == 2


@settings(max_examples=200, deadline=None)
@given(start=moments, seconds=spans)
def test_adding_then_measuring_gives_back_the_span(start: datetime, seconds: float) -> None:
    end = CAL.add_working(start, seconds)
    assert end >= start
    assert CAL.working_seconds(start, end) == pytest.approx(seconds, abs=1e-3)
    if seconds > 0:  # a deadline falls in working time (or at the end of a period), never on a holiday
        local_end = end.astimezone(CHINA_TZ)
        assert CAL.is_workday(local_end.date())


@settings(max_examples=200, deadline=None)
@given(a=moments, b=moments, c=moments)
def test_working_time_is_additive_and_bounded(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert CAL.working_seconds(a, b) + CAL.working_seconds(b, c) == pytest.approx(CAL.working_seconds(a, c), abs=1e-3)
    assert 0 <= CAL.working_seconds(a, b) <= (b - a).total_seconds()
    assert CAL.working_seconds(b, a) == -CAL.working_seconds(a, b)


@settings(max_examples=150, deadline=None)
@given(start=moments, s1=spans, s2=spans)
def test_deadlines_are_monotone(start: datetime, s1: float, s2: float) -> None:
    lo, hi = sorted((s1, s2))
    assert CAL.add_working(start, lo) <= CAL.add_working(start, hi)


@settings(max_examples=150, deadline=None)
@given(
    start=moments,
    total=st.floats(min_value=0, max_value=30 * 24 * 3600),
    pauses=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=4),
)
def test_pauses_only_take_time_away(start: datetime, total: float, pauses: list[tuple[float, float]]) -> None:
    end = start + timedelta(seconds=total)
    windows = [(start + timedelta(seconds=min(p) * total), start + timedelta(seconds=max(p) * total)) for p in pauses]
    with_pauses = CAL.elapsed(start, end, windows)
    assert 0 <= with_pauses <= CAL.working_seconds(start, end) + 1e-6
    # a pause over the whole span leaves nothing; an open pause runs to the end
    assert CAL.elapsed(start, end, [(start, None)]) == pytest.approx(0, abs=1e-6)
    # pausing twice over the same window is pausing once
    assert CAL.elapsed(start, end, windows + windows) == pytest.approx(with_pauses, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(start=moments, hours=st.floats(min_value=0.5, max_value=40), holiday_offset=st.integers(0, 6))
def test_a_holiday_only_pushes_deadlines_later(start: datetime, hours: float, holiday_offset: int) -> None:
    day = start.astimezone(CHINA_TZ).date() + timedelta(days=holiday_offset)
    with_holiday = replace(CAL, holidays=CAL.holidays | {day})
    assert with_holiday.deadline(start, hours=hours) >= CAL.deadline(start, hours=hours)
    assert with_holiday.working_seconds(
        datetime.combine(day, datetime.min.time(), CHINA_TZ), datetime.combine(day, datetime.max.time(), CHINA_TZ)
    ) == (CAL.day_seconds if day in CAL.makeup_workdays else 0)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ConfigError, match="periods") as err:
        parse_calendar({"hours": {"periods": [["12:00", "08:00"]]}})
    assert err.value.field == "hours.periods[0]"
    with pytest.raises(ConfigError, match="HH:MM") as err:
        parse_calendar({"hours": {"periods": [["8h", "12:00"]]}})
    assert err.value.field == "hours.periods[0][0]"
    with pytest.raises(ConfigError, match="date") as err:
        parse_calendar({"days": {"holidays": ["2026-13-01"]}})
    assert err.value.field == "days.holidays[0]"
    with pytest.raises(ConfigError) as err:
        parse_calendar({"assignments": {"default_hours": {"red": 4}}})
    assert err.value.field == "assignments.default_hours.orange"
    with pytest.raises(ConfigError) as err:
        parse_calendar({"hours": {"workdays": []}, "days": {"makeup_workdays": []}})
    assert err.value.field == "hours.workdays"
    with pytest.raises(ValueError):
        CAL.add_working(local(2026, 1, 1), -1)


@settings(max_examples=150, deadline=None)
@given(
    start=moments,
    budget_h=st.floats(min_value=0.5, max_value=40),
    pause_at=st.floats(0, 1),
    pause_len_h=st.floats(min_value=0, max_value=72),
    extension_h=st.floats(min_value=0, max_value=14),
)
def test_pause_and_extension_keep_the_working_budget(
    start: datetime, budget_h: float, pause_at: float, pause_len_h: float, extension_h: float
) -> None:
    """The services' arithmetic: a resumed pause moves the deadline by the working time paused, an extension by
    its working hours; the working time available before the deadline, pauses excluded, is the budget plus the
    extensions."""
    due = CAL.deadline(start, hours=budget_h)
    p0 = start + (due - start) * pause_at
    p1 = p0 + timedelta(hours=pause_len_h)
    due = CAL.add_working(due, CAL.working_seconds(p0, p1))  # resume
    due = CAL.add_working(due, extension_h * 3600)  # extension approved
    available = CAL.elapsed(start, due, [(p0, p1)])
    assert available == pytest.approx((budget_h + extension_h) * 3600, abs=1e-3)
