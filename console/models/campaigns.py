"""Screening campaigns (排查) (migration 0011_evidence): a focus, a period and the grids in scope; one task per grid
for its worker; the households and venues visited, each with nothing found or a finding that became a case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..enums import Category
from .base import Base, BigId, StrEnumType, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    template: Mapped[str | None] = mapped_column(String(32))
    focus: Mapped[Category] = mapped_column(StrEnumType(Category))
    visit: Mapped[str] = mapped_column(String(16))  # household | venue
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignTask(Base):
    """One grid's part of a campaign, for its grid worker (the unit of kind grid_worker based in the grid)."""

    __tablename__ = "campaign_tasks"
    __table_args__ = (UniqueConstraint("campaign_id", "grid_id", name="uq_campaign_tasks_campaign_grid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CampaignVisit(Base):
    """A household or venue visited: nothing found, or a finding and the case it became (channel grid_report)."""

    __tablename__ = "campaign_visits"
    __table_args__ = (UniqueConstraint("task_id", "place", name="uq_campaign_visits_task_place"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"), index=True)
    place: Mapped[str] = mapped_column(String(128))
    result: Mapped[str] = mapped_column(String(16))  # nothing | finding
    note: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
