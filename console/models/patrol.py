"""Patrol operations (平安巡 / 巡防): plans, their targets and shifts, and what the position stream proved.

A plan belongs to a team of units and has a schedule; its targets are points, routes or areas. A shift is one plan ×
one window on one day; it is materialised (with one row per target it is due) before or when its window starts.
Everything below `patrol_shifts` is derived from the stored positions by the matcher (`services/patrol_matching.py`)
and kept up to date as fixes arrive, so the figures are aggregates over these rows, never a replay of positions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import PlanStatus, ReviewStatus, TargetKind
from .base import Base, BigId, StrEnumType, UTCDateTime, utcnow


class PatrolPlan(Base):
    __tablename__ = "patrol_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[PlanStatus] = mapped_column(StrEnumType(PlanStatus))
    # Weekday codes (`mon` … `sun`) and ISO dates (`2026-11-23`) the plan is due on.
    days: Mapped[list[str]] = mapped_column(JSON)
    # Local (China Standard Time) windows, `07:10-07:50`; a window whose end is before its start ends the next day.
    windows: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # Shifts starting before this moment are not due (a plan made at 10:00 owes nothing for 07:10; resumed likewise).
    active_since: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where most of its targets lie (the report's township and grid rows count the plan's shifts there).
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    source: Mapped[str] = mapped_column(String(16))  # import, manual, suggestion, demo
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolPlanUnit(Base):
    """The plan's team: one row per unit."""

    __tablename__ = "patrol_plan_units"
    __table_args__ = (Index("ix_patrol_plan_units_unit", "unit_id"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("patrol_plans.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class PatrolTarget(Base):
    """A point, route or area of a plan. Editing a plan retires its targets and makes new ones, so the shifts and
    check-ins of the past keep pointing at what was due then."""

    __tablename__ = "patrol_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("patrol_plans.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    # Stable across edits of the plan: "the same target" for the days-without-a-visit flag.
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[TargetKind] = mapped_column(StrEnumType(TargetKind))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)  # GeoJSON Point / LineString / Polygon (WGS-84)
    lat: Mapped[float] = mapped_column(Float)  # the point, or a representative point of the route or area
    lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    dwell_s: Mapped[float | None] = mapped_column(Float)
    buffer_m: Mapped[float | None] = mapped_column(Float)
    min_share: Mapped[float | None] = mapped_column(Float)
    min_minutes: Mapped[float | None] = mapped_column(Float)
    length_m: Mapped[float | None] = mapped_column(Float)  # routes
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    # Every grid the target touches (a route crosses several), for the coverage scope of a plan.
    grid_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolDay(Base):
    """A local day whose shifts have been materialised (so it is done once, by whichever process comes first)."""

    __tablename__ = "patrol_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PatrolShift(Base):
    __tablename__ = "patrol_shifts"
    __table_args__ = (
        UniqueConstraint("plan_id", "day", "window_no", name="uq_patrol_shifts_plan_day_window"),
        Index("ix_patrol_shifts_day", "day"),
        Index("ix_patrol_shifts_starts", "starts_at"),
        # Ids are never reused (a matcher caches what a shift id is due): AUTOINCREMENT on SQLite.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("patrol_plans.id"))
    day: Mapped[date] = mapped_column(Date)  # the local day the window starts on
    window_no: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    targets_due: Mapped[int] = mapped_column(Integer)
    targets_met: Mapped[int] = mapped_column(Integer, default=0)
    targets_late: Mapped[int] = mapped_column(Integer, default=0)
    # Sums over the shift's targets by kind, kept with them (the report reads shifts, not their targets): point
    # targets due and visited, route metres due and covered, area seconds due and spent (counted up to what is due).
    points_due: Mapped[int] = mapped_column(Integer, default=0)
    points_met: Mapped[int] = mapped_column(Integer, default=0)
    route_m_due: Mapped[float] = mapped_column(Float, default=0.0)
    route_m_covered: Mapped[float] = mapped_column(Float, default=0.0)
    area_s_due: Mapped[float] = mapped_column(Float, default=0.0)
    area_s_spent: Mapped[float] = mapped_column(Float, default=0.0)
    review_status: Mapped[ReviewStatus] = mapped_column(StrEnumType(ReviewStatus), default=ReviewStatus.PENDING)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_remark: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatrolShiftTarget(Base):
    """What one target of one shift asked and what the team did (the report's rows)."""

    __tablename__ = "patrol_shift_targets"
    __table_args__ = (Index("ix_patrol_shift_targets_target", "target_id"),)

    shift_id: Mapped[int] = mapped_column(ForeignKey("patrol_shifts.id"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("patrol_targets.id"), primary_key=True)
    kind: Mapped[TargetKind] = mapped_column(StrEnumType(TargetKind))
    # Due: dwell seconds (point), route metres (route), area seconds (area).
    due: Mapped[float] = mapped_column(Float)
    # Done inside the window: best stay in seconds (point), metres covered (route), seconds inside (area).
    achieved: Mapped[float] = mapped_column(Float, default=0.0)
    met: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # not met in the window, met in its grace period
    visits: Mapped[int] = mapped_column(Integer, default=0)
    # First arrival and last departure of the check-ins there, epoch seconds (plain numbers: rewritten often).
    first_t: Mapped[float | None] = mapped_column(Float)
    last_t: Mapped[float | None] = mapped_column(Float)


class PatrolShiftUnit(Base):
    """One unit's part in one shift: its fixes and distance inside the window (the shift's are their sums), and the
    matcher's state to carry on with the next fix; `revision` counts the writes (a process's cached state is valid
    while the revision it read is the stored one)."""

    __tablename__ = "patrol_shift_units"
    __table_args__ = (Index("ix_patrol_shift_units_unit", "unit_id"),)

    shift_id: Mapped[int] = mapped_column(ForeignKey("patrol_shifts.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    fixes: Mapped[int] = mapped_column(Integer, default=0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    # First and last fix inside the window, epoch seconds (written at every batch: plain numbers are cheapest).
    first_t: Mapped[float | None] = mapped_column(Float)
    last_w: Mapped[float | None] = mapped_column(Float)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The last fix fed (epoch seconds, position): kept current with the counts above at every batch, while `state` is
    # written only when a fix changed something at a target or a new grid; a reader overlays these on the state.
    last_t: Mapped[float | None] = mapped_column(Float)
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_lon: Mapped[float | None] = mapped_column(Float)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class PatrolCheckin(Base):
    """A check-in proved by positions: a stay at a point (at least its dwell), a stretch inside an area, or a unit's
    pass along a route (first to last fix that covered some of it). `n` numbers a unit's check-ins at one target."""

    __tablename__ = "patrol_checkins"
    __table_args__ = (
        UniqueConstraint("shift_id", "target_id", "unit_id", "n", name="uq_patrol_checkins_key"),
        Index("ix_patrol_checkins_unit_arrived", "unit_id", "arrived_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("patrol_shifts.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("patrol_targets.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    n: Mapped[int] = mapped_column(Integer)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dwell_s: Mapped[float] = mapped_column(Float)
    covered_m: Mapped[float | None] = mapped_column(Float)  # routes: metres of the route this unit covered
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # after the window's end (in its grace period)


class PatrolShiftGrid(Base):
    """A grid where a unit of the shift had a fix inside the window (the coverage rate 覆盖率 counts these)."""

    __tablename__ = "patrol_shift_grids"
    __table_args__ = (Index("ix_patrol_shift_grids_grid", "grid_id"),)

    shift_id: Mapped[int] = mapped_column(ForeignKey("patrol_shifts.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), primary_key=True)
