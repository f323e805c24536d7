"""The append-only events table: audit trail, case timeline and change feed at once. Plus id counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import EventKind
from .base import Base, BigId, StrEnumType, UTCDateTime


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_case", "case_id", "id"),
        Index("ix_events_unit", "unit_id", "id"),
        Index("ix_events_ts", "ts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[EventKind] = mapped_column(StrEnumType(EventKind))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Counter(Base):
    """Named counters (case numbers per year). Incremented by a guarded UPDATE, the first statement of intake."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
