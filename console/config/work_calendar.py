"""`resources/config/calendar.toml`: the working-time calendar of departments and townships (working hours, days,
holidays), assignment deadlines and escalation steps, and the repeat-appeal rules. `console.worktime` turns it into
the `WorkCalendar` the services use."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..enums import Priority
from .base import FieldProblem, Float, Int, Section

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def clock_seconds(text: str) -> int:
    """Seconds after midnight of an "HH:MM" time of day (24:00 is the end of the day)."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not HH:MM")
    hh, mm = int(match.group(1)), int(match.group(2))
    value = hh * 3600 + mm * 60
    if mm >= 60 or value > 86400:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    return value


def _clock(text: str) -> str:
    clock_seconds(text)
    return text


Clock = Annotated[str, Field(strict=True, title="`HH:MM`"), AfterValidator(_clock)]
Weekday = Annotated[int, Field(strict=True, ge=1, le=7)]


class HoursSection(Section):
    periods: tuple[tuple[Clock, Clock], ...] = Field(
        (("08:30", "12:00"), ("14:00", "17:30")),
        min_length=1,
        description='working periods of a working day, ["HH:MM", "HH:MM"] pairs in order, not overlapping',
    )
    workdays: tuple[Weekday, ...] = Field(
        (1, 2, 3, 4, 5), description="ISO weekdays that are working days (1 = Monday … 7 = Sunday)"
    )

    @field_validator("periods")
    @classmethod
    def _in_order(cls, periods: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        last = -1
        for i, (start, end) in enumerate(periods):
            a, b = clock_seconds(start), clock_seconds(end)
            if not a < b or a < last:
                raise FieldProblem((i,), "periods must be increasing, not overlapping, within a day")
            last = b
        return periods


class DaysSection(Section):
    holidays: tuple[date, ...] = Field((), description="public holidays (YYYY-MM-DD): no work even on a weekday")
    makeup_workdays: tuple[date, ...] = Field((), description="make-up working days (调休上班): work even on a weekend")


def _default_hours() -> dict[Priority, float]:
    return {Priority.RED: 4, Priority.ORANGE: 7, Priority.YELLOW: 21, Priority.BLUE: 35}


class AssignmentsSection(Section):
    default_hours: dict[Priority, Annotated[float, Field(strict=True, gt=0, le=24 * 366)]] = Field(
        default_factory=_default_hours,
        description="default deadline of an assignment in working hours, by priority",
    )

    @field_validator("default_hours")
    @classmethod
    def _every_priority(cls, hours: dict[Priority, float]) -> dict[Priority, float]:
        for priority in Priority:
            if priority not in hours:
                raise FieldProblem((priority.value,), "is required: every priority needs a default deadline")
        return hours

    warn_before_hours: Float = Field(4, ge=0, le=1000, description="warn this many working hours before a deadline")
    max_extensions: Int = Field(2, ge=0, le=100, description="deadline extensions per assignment at most")


class EscalationSection(Section):
    level_after_hours: tuple[Annotated[float, Field(strict=True, ge=0, le=24 * 366)], ...] = Field(
        (0, 7, 21),
        min_length=1,
        description="level N once overdue by at least the N-th number of working hours",
    )


class RepeatsSection(Section):
    window_days: Float = Field(30, gt=0, le=3660, description="open cases and cases closed within this many days")
    phone_window_days: Float = Field(30, gt=0, le=3660, description="the same caller within this window")
    radius_m: Float = Field(500, gt=0, le=100_000, description="the same place: within this distance")
    place_hours: Float = Field(72, gt=0, le=24 * 366, description="… and within this many hours")
    similarity: Float = Field(0.55, ge=0, le=1, description="text similarity needed when the categories differ")
    category_similarity: Float = Field(0.30, ge=0, le=1, description="needed when the category is the same")
    caller_discount: Float = Field(0.10, ge=0, le=1, description="the same caller needs this much less")
    escalate_after: Int = Field(3, ge=1, le=1000, description="this many repeats escalate the master case")


class CalendarFile(Section):
    hours: HoursSection = Field(default_factory=HoursSection, description="working hours")
    days: DaysSection = Field(default_factory=DaysSection, description="holidays and make-up working days")
    assignments: AssignmentsSection = Field(default_factory=AssignmentsSection, description="assignment deadlines")
    escalation: EscalationSection = Field(default_factory=EscalationSection, description="escalation (督办) steps")
    repeats: RepeatsSection = Field(default_factory=RepeatsSection, description="repeat appeals (重复诉求)")

    @model_validator(mode="after")
    def _some_work(self) -> CalendarFile:
        if not (self.hours.workdays or self.days.makeup_workdays):
            raise FieldProblem(("hours", "workdays"), "at least one working day is needed")
        return self
