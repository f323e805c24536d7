"""Field units and their position history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import UnitKind, UnitStatus
from .base import JSON_LIST, Base, BigId, StrEnumType, UTCDateTime, utcnow


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    callsign: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[UnitKind] = mapped_column(StrEnumType(UnitKind))
    tracker_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    capabilities: Mapped[list[str]] = mapped_column(JSON_LIST, default=list)
    status: Mapped[UnitStatus] = mapped_column(StrEnumType(UnitStatus), default=UnitStatus.AVAILABLE, index=True)
    status_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Incremented by every guarded update; a workstation's write names the version it saw where that matters.
    version: Mapped[int] = mapped_column(Integer, default=1)
    current_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    fix_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    course: Mapped[float | None] = mapped_column(Float)
    home_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Position(Base):
    """Position history (append-only), one row per accepted fix."""

    __tablename__ = "positions"
    __table_args__ = (
        # A unit's track is an index-only range read on PostgreSQL (migration 0005): the fixes of one unit are
        # interleaved with every other unit's in the heap, so reading them from there costs a page per fix.
        Index("ix_positions_unit_fix", "unit_id", "fix_at", postgresql_include=["lat", "lon", "speed_kmh", "course"]),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    fix_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    course: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(32))
