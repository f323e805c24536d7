"""Leader-owned cases (领导包案) and their follow-up plans, and disputes flagged for violence risk (民转刑 风险)
(migration 0011_evidence)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, UTCDateTime, utcnow


class CaseOwner(Base):
    """The named leader who owns a case (one per case; marking it again hands it to another leader)."""

    __tablename__ = "case_owners"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    leader: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    owned_by: Mapped[str] = mapped_column(String(64))  # the shift leader who marked it
    owned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowUpStep(Base):
    """A visit or callback that must happen by `due_at`: a leader's plan, or the mandatory visit of a flagged dispute
    after its resolution. A missed step escalates the case like an overdue assignment (`escalation` only rises)."""

    __tablename__ = "follow_up_steps"
    __table_args__ = (Index("ix_follow_up_steps_open_due", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # visit | callback
    reason: Mapped[str] = mapped_column(String(16))  # plan | violence_risk
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(Text)
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ViolenceRisk(Base):
    """A dispute flagged for the risk of turning violent (民转刑): after its resolution a visit is due within
    `visit_within_h` hours, and the case stays on the wall until that visit is recorded."""

    __tablename__ = "violence_risks"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    visit_within_h: Mapped[float] = mapped_column()
    flagged_by: Mapped[str] = mapped_column(String(64))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    visit_step_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("follow_up_steps.id"))
