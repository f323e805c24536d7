"""110 ↔ 12345 hand-offs (migration 0010_levels): a case handed to the police line or the hotline, with its receipt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import HandoffLine, HandoffStatus
from .base import Base, StrEnumType, UTCDateTime


class Handoff(Base):
    """One hand-off of a case to the other line: who handed it and when, the other side's reference number, its
    acceptance (within `[handoff] accept_within_minutes`, else a warning), a refusal with reason, its result."""

    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_status_sent", "status", "sent_at"),
        Index("ix_handoffs_sent", "sent_at"),
        # The other side's reference is unique per line: a status reported twice finds the same hand-off.
        UniqueConstraint("to_line", "ref", name="uq_handoffs_line_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    to_line: Mapped[HandoffLine] = mapped_column(StrEnumType(HandoffLine))
    status: Mapped[HandoffStatus] = mapped_column(StrEnumType(HandoffStatus), default=HandoffStatus.SENT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    sent_by: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(String(64))
    # Whether the adapter delivered it (None: recorded by hand, no adapter configured).
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    result_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)
    # The last status the other side reported (its own sequence), so a late, older reply cannot undo a newer one.
    peer_seq: Mapped[int] = mapped_column(Integer, default=0)
