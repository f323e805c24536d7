"""Appeals (cases) and what happens to them: dispatches of field units, assignments to handlers, callbacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, Float, ForeignKey, Index, Integer, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import (
    AssigneeKind,
    AssignmentStatus,
    CaseStatus,
    Category,
    Channel,
    FeedbackResult,
    Level,
    Priority,
)
from .base import Base, StrEnumType, UTCDateTime, utcnow


class Citizen(Base):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_received", "status", "received_at"),
        Index("ix_cases_phone_received", "caller_phone", "received_at"),
        # Hot paths (migration 0008_hotpaths): the intake's same-place reads test the box inside the index.
        Index("ix_cases_category_received_place", "category", "received_at", "lat", "lon"),
        Index("ix_cases_received", "received_at"),
        Index("ix_cases_township_received", "township_id", "received_at"),
        Index("ix_cases_channel_received", "channel", "received_at"),
        # Supervision (migration 0002): overdue open cases, clusters of repeat appeals, loops closed per day.
        Index("ix_cases_status_due", "status", "due_at"),
        Index("ix_cases_repeat_of", "repeat_of_id"),
        Index("ix_cases_closed_status", "closed_at", "status"),
        # Patrol (migration 0007_patrol): the cases a patrol shift filed.
        Index("ix_cases_patrol_shift", "patrol_shift_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[Channel] = mapped_column(StrEnumType(Channel))
    category: Mapped[Category] = mapped_column(StrEnumType(Category))
    priority: Mapped[Priority] = mapped_column(StrEnumType(Priority))
    status: Mapped[CaseStatus] = mapped_column(StrEnumType(CaseStatus), default=CaseStatus.RECEIVED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(256))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    description: Mapped[str] = mapped_column(Text)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    caller_name: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    repeat_count: Mapped[int] = mapped_column(Integer, default=0)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # The last callback's result (回访), denormalised for the queue and the figures.
    feedback: Mapped[FeedbackResult | None] = mapped_column(StrEnumType(FeedbackResult))
    # Supervision (migration 0002). The master case this appeal repeats (重复诉求), found at intake.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Assignments made for this case and how many of them were returned (退单), for the return rate.
    assignment_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    # Dissatisfied callbacks (each reopened the case and counts against the accountable handler).
    dissatisfied_count: Mapped[int] = mapped_column(Integer, default=0)
    # Patrol (migration 0007_patrol): a case a unit on patrol found and filed, and the shift it came from.
    patrol_shift_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_shifts.id"))
    # use_alter: units already refer to cases (their current case); this keeps the tables sortable.
    patrol_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", use_alter=True, name="fk_cases_patrol_unit_id_units")
    )
    # Levels (migration 0010_levels): the level that holds the case now, the level it was resolved at, and whether
    # it was ever sent up (上交) — a case resolved at a village or township that never left it counts as 就地化解.
    level: Mapped[Level] = mapped_column(StrEnumType(Level), default=Level.COUNTY)
    resolved_level: Mapped[Level | None] = mapped_column(StrEnumType(Level))
    sent_up: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dispatch(Base):
    __tablename__ = "dispatches"
    __table_args__ = (
        Index("ix_dispatches_unit_time", "unit_id", "dispatched_at"),
        # Supervision (migration 0002): the figures of a period join the dispatches of that period.
        Index("ix_dispatches_dispatched", "dispatched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    dispatched_by: Mapped[str] = mapped_column(String(64))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    eta_s: Mapped[float | None] = mapped_column(Float)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Assignment(Base):
    """A case handed to a department or township (派单) with its own deadline."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_status_due", "status", "due_at"),
        # Supervision (migration 0002): the figures of a period join the assignments of that period.
        Index("ix_assignments_assigned", "assigned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    assignee_kind: Mapped[AssigneeKind] = mapped_column(StrEnumType(AssigneeKind))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    status: Mapped[AssignmentStatus] = mapped_column(StrEnumType(AssignmentStatus))
    version: Mapped[int] = mapped_column(Integer, default=1)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 首接首办: true on the first assignment of a case; that handler stays accountable.
    first_receiver: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    extended_count: Mapped[int] = mapped_column(Integer, default=0)
    # Supervision (migration 0002): escalation level (督办) of this assignment when it runs past its deadline.
    escalation: Mapped[int] = mapped_column(Integer, default=0)


class Callback(Base):
    """A callback to the citizen after resolution (回访)."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    called_by: Mapped[str] = mapped_column(String(64))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reached: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[FeedbackResult] = mapped_column(StrEnumType(FeedbackResult))
    notes: Mapped[str | None] = mapped_column(Text)


def dispatch_is_active() -> ColumnElement[bool]:
    """A dispatch whose unit is still attached to the case: neither cleared nor recalled."""
    return and_(Dispatch.cleared_at.is_(None), Dispatch.cancelled_at.is_(None))
