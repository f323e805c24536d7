"""Screening campaigns (排查): start one (from a seasonal template or a focus), record a visit (a finding becomes a
case in the same transaction), the progress per township and grid, the templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..config.campaign_templates import CampaignTemplate, campaign_templates
from ..errors import ValidationError
from ..services import campaigns
from ..services.actor import Action
from ..services.campaigns import CampaignProgress, VisitResult
from ..timeutil import utcnow
from .changes import OpChanges, OpResult
from .registry import Kind, OpContext, operation


def _texts(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise ValidationError(field, "must be a list of names")
    return [v.strip() for v in value if v.strip()]


@operation("campaign.create", action=Action.ASSIGN)
def create(
    ctx: OpContext,
    *,
    name: str | None = None,
    template: str | None = None,
    focus: str | None = None,
    visit: str | None = None,
    due: str | None = None,
    grids: Sequence[str] | None = None,
    townships: Sequence[str] | None = None,
) -> OpResult[CampaignProgress]:
    """Start a screening campaign over the grids (or townships) in scope: a task per grid for its worker."""
    chosen: CampaignTemplate | None = None
    if template is not None:
        chosen = campaign_templates().get(template)
        if chosen is None:
            raise ValidationError("template", f"unknown template; expected one of {', '.join(campaign_templates())}")
    now = utcnow()
    title = name or (f"{now.year} {chosen.name}" if chosen else None)
    if title is None:
        raise ValidationError("name", "give a name (or a template)")
    if due is None and chosen is not None:
        due = (now + timedelta(days=chosen.days)).isoformat()
    grid_codes, town_names = _texts(grids, "grids"), _texts(townships, "townships")

    def work(s: Session) -> CampaignProgress:
        return campaigns.create_campaign(
            s,
            name=title,
            focus=focus or (chosen.focus.value if chosen else ""),
            visit=visit or (chosen.visit if chosen else "household"),
            due=due,
            grids=grid_codes,
            townships=town_names,
            template=template,
            actor=ctx.actor,
            now=now,
        )

    return ctx.write(work)


@operation("campaign.record", action=Action.NOTE)
def record(
    ctx: OpContext,
    *,
    campaign: str,
    grid: str,
    place: str,
    result: str,
    note: str | None = None,
    finding: str | None = None,
    priority: str = "yellow",
    category: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> OpResult[VisitResult]:
    """Record a household or venue visited: nothing found, or a finding that becomes a case (channel grid_report)."""
    return ctx.write(
        lambda s: campaigns.record_visit(
            s,
            campaign=campaign,
            grid=grid,
            place=place,
            result=result,
            note=note,
            finding=finding,
            priority=priority,
            category=category,
            lat=lat,
            lon=lon,
            actor=ctx.actor,
        ),
        changes=lambda v: OpChanges.of(cases=[v.case_id]) if v.case_id else OpChanges.of(),
    )


@operation("campaign.progress", action=None, kind=Kind.READ)
def progress(ctx: OpContext, *, campaign: str) -> OpResult[CampaignProgress]:
    """One campaign's progress per township and grid: visits, findings, cases, resolved (a scoped user: its grids)."""
    return ctx.read(lambda s: campaigns.progress(s, campaign, viewer=ctx.actor))


@operation("campaign.list", action=None, kind=Kind.READ)
def list_(ctx: OpContext) -> OpResult[list[CampaignProgress]]:
    """Every campaign with its progress, the latest first (a scoped user: its grids only)."""
    return ctx.read(lambda s: campaigns.campaigns(s, viewer=ctx.actor))


@operation("campaign.templates", action=None, kind=Kind.READ, needs=None)
def templates(ctx: OpContext) -> OpResult[dict[str, CampaignTemplate]]:
    """The seasonal templates (resources/config/campaigns.toml)."""
    return OpResult(campaign_templates())
