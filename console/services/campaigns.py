"""Screening campaigns (排查): a campaign names a category focus, a period and the grids in scope; each grid's
worker gets a task due at the campaign's end and records each household or venue visited — nothing found, or a
finding that becomes a case in the same transaction (channel `grid_report`, linked to the campaign by its visit).
Progress per township and grid, and the figures: visits, findings, the cases made of them and how many of those
were resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from ..enums import CaseStatus, Category, Channel, EventKind, Priority, UnitKind
from ..events import record_event
from ..models import Campaign, CampaignTask, CampaignVisit, Case, Grid, Township, Unit
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import InvalidTransition, NotFound, OutOfScope, ValidationError
from .inputs import check_text, required_text
from .intake import IntakeRequest, create_case
from .leadership import due_time
from .permissions import CAMPAIGN_VISIT_ACTIONS

VISITS = ("household", "venue")
RESULTS = tuple(CAMPAIGN_VISIT_ACTIONS)  # nothing, finding
RESOLVED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class GridProgress:
    grid: str
    township: str
    worker: str | None  # the grid worker's callsign
    due_at: datetime
    visits: int = 0
    findings: int = 0
    cases: int = 0
    resolved: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "grid": self.grid,
            "township": self.township,
            "worker": self.worker,
            "due_at": self.due_at.isoformat(),
            "visits": self.visits,
            "findings": self.findings,
            "cases": self.cases,
            "resolved": self.resolved,
        }


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    id: int
    name: str
    template: str | None
    focus: str
    visit: str
    starts_at: datetime
    due_at: datetime
    grids: list[GridProgress] = field(default_factory=list)

    def totals(self, rows: Sequence[GridProgress]) -> dict[str, int]:
        return {
            "grids": len(rows),
            "grids_visited": sum(1 for r in rows if r.visits),
            "visits": sum(r.visits for r in rows),
            "findings": sum(r.findings for r in rows),
            "cases": sum(r.cases for r in rows),
            "resolved": sum(r.resolved for r in rows),
        }

    def by_township(self) -> dict[str, dict[str, int]]:
        names = sorted({g.township for g in self.grids})
        return {t: self.totals([g for g in self.grids if g.township == t]) for t in names}

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "template": self.template,
            "focus": self.focus,
            "visit": self.visit,
            "starts_at": self.starts_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "totals": self.totals(self.grids),
            "townships": self.by_township(),
            "grids": [g.as_dict() for g in self.grids],
        }


@dataclass(frozen=True, slots=True)
class VisitResult:
    campaign: str
    grid: str
    place: str
    result: str
    case_id: int | None
    case_number: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "grid": self.grid,
            "place": self.place,
            "result": self.result,
            "case": self.case_number,
        }


def _scope(session: Session, grids: Sequence[str], townships: Sequence[str]) -> list[Grid]:
    found: dict[int, Grid] = {}
    for i, code in enumerate(grids):
        grid = session.scalars(select(Grid).where(Grid.code == code)).first()
        if grid is None:
            raise NotFound("grid", code, field=f"grids[{i}]")
        found[grid.id] = grid
    for i, name in enumerate(townships):
        town = session.scalars(select(Township).where(Township.name == name)).first()
        if town is None:
            raise NotFound("township", name, field=f"townships[{i}]")
        for grid in session.scalars(select(Grid).where(Grid.township_id == town.id)):
            found[grid.id] = grid
    if not found:
        raise ValidationError("grids", "name the grids (or townships) in scope")
    return sorted(found.values(), key=lambda g: g.code)


def create_campaign(
    session: Session,
    *,
    name: str,
    focus: str,
    visit: str,
    due: object,
    grids: Sequence[str] = (),
    townships: Sequence[str] = (),
    template: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> CampaignProgress:
    """Start a campaign: one task per grid in scope, for the grid's worker, due at the campaign's end."""
    actor.require(Action.ASSIGN)
    now = now or utcnow()
    title = required_text(name, "name", max_len=128)
    try:
        category = Category(focus)
    except ValueError:
        raise ValidationError("focus", f"unknown category {focus!r}") from None
    if visit not in VISITS:
        raise ValidationError("visit", f"must be one of {', '.join(VISITS)}")
    due_at = due_time(due, "due", now=now)
    if session.scalar(select(Campaign.id).where(Campaign.name == title)) is not None:
        raise ValidationError("name", f"a campaign named {title!r} exists")
    scope = _scope(session, grids, townships)
    campaign = Campaign(
        name=title,
        template=template,
        focus=category,
        visit=visit,
        starts_at=now,
        due_at=due_at,
        created_by=actor.name,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    workers = {
        grid_id: unit_id
        for unit_id, grid_id in session.execute(
            select(Unit.id, Unit.home_grid_id)
            .where(Unit.kind == UnitKind.GRID_WORKER, Unit.home_grid_id.in_([g.id for g in scope]))
            .order_by(Unit.id.desc())  # the first worker of a grid wins (dict keeps the last written)
        )
    }
    session.add_all(
        CampaignTask(campaign_id=campaign.id, grid_id=g.id, unit_id=workers.get(g.id), due_at=due_at) for g in scope
    )
    session.flush()
    record_event(
        session,
        EventKind.CAMPAIGN_CREATED,
        actor=actor.name,
        ts=now,
        payload={
            "campaign": campaign.id,
            "name": title,
            "focus": category.value,
            "grids": len(scope),
            "due_at": due_at.isoformat(),
        },
    )
    return progress(session, campaign.id)


def _campaign(session: Session, name_or_id: str | int) -> Campaign:
    if isinstance(name_or_id, int):
        campaign = session.get(Campaign, name_or_id)
    else:
        campaign = session.scalars(select(Campaign).where(Campaign.name == name_or_id)).first()
    if campaign is None:
        raise NotFound("campaign", name_or_id, field="campaign")
    return campaign


def record_visit(
    session: Session,
    *,
    campaign: str | int,
    grid: str,
    place: str,
    result: str,
    note: str | None = None,
    finding: str | None = None,
    priority: str = "yellow",
    category: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> VisitResult:
    """Record one household or venue visited. A finding becomes a case at once (channel `grid_report`, at the given
    place or the grid's middle), which needs the intake permission; nothing found needs only the note one."""
    if result not in RESULTS:
        raise ValidationError("result", f"must be one of {', '.join(RESULTS)}")
    actor.require(CAMPAIGN_VISIT_ACTIONS[result])
    now = now or utcnow()
    where = required_text(place, "place", max_len=128)
    note = check_text(note, "note", max_len=2000, multiline=True)
    c = _campaign(session, campaign)
    if now > c.due_at + timedelta(days=30):
        raise InvalidTransition("campaign", c.name, "over", "record a visit")
    row = session.execute(
        select(CampaignTask, Grid)
        .join(Grid, Grid.id == CampaignTask.grid_id)
        .where(CampaignTask.campaign_id == c.id, Grid.code == grid)
    ).first()
    if row is None:
        raise NotFound("grid in the campaign", grid, field="grid")
    task, g = row
    if not scope.grid_in_scope(actor, g):
        raise OutOfScope("grid", grid, scope.scope_name(actor))
    if session.scalar(select(CampaignVisit.id).where(CampaignVisit.task_id == task.id, CampaignVisit.place == where)):
        raise InvalidTransition("place", where, "visited", "record it again in this campaign")
    case: Case | None = None
    if result == "finding":
        text = required_text(finding, "finding", max_len=4000)
        try:
            cat = Category(category) if category else c.focus
        except ValueError:
            raise ValidationError("category", f"unknown category {category!r}") from None
        try:
            prio = Priority(priority)
        except ValueError:
            raise ValidationError("priority", f"unknown priority {priority!r}") from None
        if lat is None or lon is None:
            point = shape(g.geometry).representative_point()
            lat, lon = float(point.y), float(point.x)
        request = IntakeRequest(
            channel=Channel.GRID_REPORT,
            category=cat,
            priority=prio,
            description=f"[{c.name}] {where}: {text}",
            address=where,
            lat=lat,
            lon=lon,
        )
        case = create_case(session, request, actor=actor, now=now).case
    visit = CampaignVisit(
        task_id=task.id,
        place=where,
        result=result,
        note=note,
        case_id=case.id if case else None,
        recorded_by=actor.name,
        recorded_at=now,
    )
    session.add(visit)
    session.flush()
    record_event(
        session,
        EventKind.CAMPAIGN_VISIT,
        actor=actor.name,
        case_id=case.id if case else None,
        ts=now,
        payload={"campaign": c.id, "name": c.name, "grid": g.code, "place": where, "result": result},
    )
    return VisitResult(c.name, g.code, where, result, case.id if case else None, case.number if case else None)


def progress(session: Session, campaign: str | int, *, viewer: Actor | None = None) -> CampaignProgress:
    """The campaign with its progress per grid (and, from those, per township); a township's or village's viewer
    gets the grids of its scope only."""
    c = _campaign(session, campaign)
    in_scope = [scope.grid_filter(viewer)] if viewer is not None and viewer.scoped else []
    resolved = func.sum(cast(Case.status.in_(list(RESOLVED)), Integer))
    counts = {
        task_id: (int(v or 0), int(f or 0), int(n or 0), int(r or 0))
        for task_id, v, f, n, r in session.execute(
            select(
                CampaignVisit.task_id,
                func.count(CampaignVisit.id),
                func.sum(cast(CampaignVisit.result == "finding", Integer)),
                func.count(CampaignVisit.case_id),
                resolved,
            )
            .outerjoin(Case, Case.id == CampaignVisit.case_id)
            .join(CampaignTask, CampaignTask.id == CampaignVisit.task_id)
            .join(Grid, Grid.id == CampaignTask.grid_id)
            .where(CampaignTask.campaign_id == c.id, *in_scope)
            .group_by(CampaignVisit.task_id)
        )
    }
    rows = []
    for task, grid_code, town, callsign in session.execute(
        select(CampaignTask, Grid.code, Township.name, Unit.callsign)
        .join(Grid, Grid.id == CampaignTask.grid_id)
        .join(Township, Township.id == Grid.township_id)
        .outerjoin(Unit, Unit.id == CampaignTask.unit_id)
        .where(CampaignTask.campaign_id == c.id, *in_scope)
        .order_by(Township.name, Grid.code)
    ):
        v, f, n, r = counts.get(task.id, (0, 0, 0, 0))
        rows.append(GridProgress(grid_code, town, callsign, task.due_at, v, f, n, r))
    return CampaignProgress(c.id, c.name, c.template, c.focus.value, c.visit, c.starts_at, c.due_at, rows)


def campaigns(session: Session, *, viewer: Actor | None = None) -> list[CampaignProgress]:
    """Every campaign with its progress, the latest first; a township's or village's viewer gets those with a grid
    in its scope, each with the grids of its scope only."""
    q = select(Campaign.id).order_by(Campaign.starts_at.desc(), Campaign.id.desc())
    if viewer is not None and viewer.scoped:
        q = q.where(
            Campaign.id.in_(
                select(CampaignTask.campaign_id)
                .join(Grid, Grid.id == CampaignTask.grid_id)
                .where(scope.grid_filter(viewer))
            )
        )
    return [progress(session, i, viewer=viewer) for i in session.scalars(q).all()]
