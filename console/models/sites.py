"""Key sites (重点单位) whose readiness the center watches, and relocation orders that restore it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class KeySite(Base):
    """A school, hospital, bank, market or station that should have an available unit within `target_min`."""

    __tablename__ = "key_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    target_min: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Relocation(Base):
    """A shift leader's order to an available unit: go to this post and stand by there (to cover key sites).

    In force while it is the unit's open order and the unit has not been dispatched since; a newer order for the
    same unit closes it (`closed_at`, `close_reason` "superseded")."""

    __tablename__ = "relocations"
    __table_args__ = (Index("ix_relocations_unit", "unit_id", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("key_sites.id"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # Codes of the key sites the move is meant to cover.
    covers: Mapped[list[str]] = mapped_column(JSON, default=list)
    ordered_by: Mapped[str] = mapped_column(String(64))
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
