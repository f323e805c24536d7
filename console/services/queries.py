"""Read side: the plain views every front end shows. No writes here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import OPEN_CASE_STATUSES, AssigneeKind, AssignmentStatus, Category
from ..events.feed import EventRecord
from ..geo.gridindex import grid_index
from ..models import Assignment, Case, Department, Dispatch, Event, Grid, Place, Township, Unit, User
from ..models.cases import dispatch_is_active
from ..views import CaseView, GridView, TownshipView, UnitView
from . import scope
from .actor import Actor
from .errors import NotFound, OutOfScope
from .masking import caller_identity, mask_name, mask_phone

__all__ = ["caller_identity", "mask_name", "mask_phone"]  # the interface's masking, defined with the exports'


def unit_view(u: Unit) -> UnitView:
    return UnitView(
        id=u.id,
        callsign=u.callsign,
        kind=u.kind,
        status=u.status,
        status_since=u.status_since,
        lat=u.lat,
        lon=u.lon,
        fix_at=u.fix_at,
        current_case_id=u.current_case_id,
        home_grid_id=u.home_grid_id,
        township_id=u.township_id,
        capabilities=tuple(u.capabilities or ()),
        version=u.version,
        speed_kmh=u.speed_kmh,
    )


def case_view(
    c: Case,
    actor: Actor,
    *,
    assignment: tuple[str, str] | None = None,
    unit_ids: Sequence[int] = (),
) -> CaseView:
    phone, name = caller_identity(c.caller_phone, c.caller_name, actor)
    return CaseView(
        id=c.id,
        number=c.number,
        channel=c.channel,
        category=c.category,
        priority=c.priority,
        status=c.status,
        received_at=c.received_at,
        due_at=c.due_at,
        description=c.description,
        lat=c.lat,
        lon=c.lon,
        address=c.address,
        grid_id=c.grid_id,
        township_id=c.township_id,
        caller_phone=phone,
        caller_name=name,
        created_by=c.created_by,
        escalation=c.escalation,
        repeat_count=c.repeat_count,
        version=c.version,
        assignment_status=assignment[0] if assignment else None,
        assignee=assignment[1] if assignment else None,
        unit_ids=tuple(unit_ids),
    )


def list_units(session: Session, *, actor: Actor | None = None) -> list[UnitView]:
    """Every unit (within `actor`'s scope when given: a township's units, a village's grid units)."""
    q = select(Unit)
    if actor is not None and actor.scoped:
        q = q.where(scope.unit_filter(actor))
    return [unit_view(u) for u in session.scalars(q.order_by(Unit.id))]


def units_by_ids(session: Session, ids: Iterable[int], *, actor: Actor | None = None) -> list[UnitView]:
    wanted = list(set(ids))
    if not wanted:
        return []
    q = select(Unit).where(Unit.id.in_(wanted))
    if actor is not None and actor.scoped:
        q = q.where(scope.unit_filter(actor))
    return [unit_view(u) for u in session.scalars(q.order_by(Unit.id))]


def _assignee_names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    deps = dict(session.execute(select(Department.id, Department.name)).tuples().all())
    towns = dict(session.execute(select(Township.id, Township.name)).tuples().all())
    return deps, towns


def _case_extras(session: Session, case_ids: list[int]) -> tuple[dict[int, tuple[str, str]], dict[int, list[int]]]:
    """Latest live assignment (status, assignee name) and active dispatched unit ids for the given cases."""
    assignments: dict[int, tuple[str, str]] = {}
    units: dict[int, list[int]] = defaultdict(list)
    if not case_ids:
        return assignments, units
    deps, towns = _assignee_names(session)
    for chunk_start in range(0, len(case_ids), 5000):
        chunk = case_ids[chunk_start : chunk_start + 5000]
        rows = session.execute(
            select(
                Assignment.case_id,
                Assignment.status,
                Assignment.assignee_kind,
                Assignment.department_id,
                Assignment.township_id,
            )
            .where(Assignment.case_id.in_(chunk), Assignment.status != AssignmentStatus.TRANSFERRED)
            .order_by(Assignment.id)
        ).all()
        for case_id, status, kind, dep_id, town_id in rows:
            name = deps.get(dep_id or -1, "") if kind == AssigneeKind.DEPARTMENT else towns.get(town_id or -1, "")
            assignments[case_id] = (AssignmentStatus(status).value, name)
        for case_id, unit_id in session.execute(
            select(Dispatch.case_id, Dispatch.unit_id)
            .where(Dispatch.case_id.in_(chunk), dispatch_is_active())
            .order_by(Dispatch.id)
        ):
            units[case_id].append(unit_id)
    return assignments, units


def _views(session: Session, cases: Sequence[Case], actor: Actor) -> list[CaseView]:
    assignments, units = _case_extras(session, [c.id for c in cases])
    return [case_view(c, actor, assignment=assignments.get(c.id), unit_ids=units.get(c.id, ())) for c in cases]


def list_open_cases(session: Session, *, actor: Actor) -> list[CaseView]:
    q = select(Case).where(Case.status.in_(list(OPEN_CASE_STATUSES)))
    if actor.scoped:
        q = q.where(scope.case_filter(actor))
    cases = session.scalars(q.order_by(Case.received_at)).all()
    return _views(session, cases, actor)


def cases_by_ids(session: Session, ids: Iterable[int], *, actor: Actor) -> list[CaseView]:
    wanted = list(set(ids))
    if not wanted:
        return []
    # Found by primary key, the scope kept here: in SQL, the planner took the township's own index over the ids.
    cases = session.scalars(select(Case).where(Case.id.in_(wanted)).order_by(Case.id)).all()
    if actor.scoped:
        cases = [c for c in cases if scope.case_in_scope(actor, c)]
    return _views(session, cases, actor)


def case_by_number(session: Session, number: str, *, actor: Actor | None = None) -> Case:
    case = session.scalars(select(Case).where(Case.number == number)).first()
    if case is None:
        raise NotFound("case", number)
    if actor is not None and not scope.case_in_scope(actor, case):
        raise OutOfScope("case", case.number, scope.scope_name(actor))
    return case


@dataclass(frozen=True, slots=True)
class DispatchView:
    id: int
    unit_id: int
    callsign: str
    dispatched_by: str
    dispatched_at: Any
    eta_s: float | None
    en_route_at: Any
    on_scene_at: Any
    cleared_at: Any
    cancelled_at: Any


@dataclass(frozen=True, slots=True)
class AssignmentView:
    id: int
    assignee_kind: str
    assignee: str
    status: str
    assigned_by: str
    assigned_at: Any
    due_at: Any
    first_receiver: bool
    accepted_by: str | None
    accepted_at: Any
    return_reason: str | None
    resolved_at: Any
    result: str | None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseView
    grid_code: str | None
    township_name: str | None
    merged_into: str | None
    invalid_reason: str | None
    resolution: str | None
    dispatches: list[DispatchView]
    assignments: list[AssignmentView]
    timeline: list[EventRecord]


def case_detail(session: Session, case_id: int, *, actor: Actor) -> CaseDetail:
    case = scope.check_case(session, actor, case_id)
    view = _views(session, [case], actor)[0]
    callsigns = dict(session.execute(select(Unit.id, Unit.callsign)).tuples().all())
    dispatches = [
        DispatchView(
            d.id,
            d.unit_id,
            callsigns.get(d.unit_id, "?"),
            d.dispatched_by,
            d.dispatched_at,
            d.eta_s,
            d.en_route_at,
            d.on_scene_at,
            d.cleared_at,
            d.cancelled_at,
        )
        for d in session.scalars(select(Dispatch).where(Dispatch.case_id == case_id).order_by(Dispatch.id))
    ]
    deps, towns = _assignee_names(session)
    assignments = [
        AssignmentView(
            a.id,
            a.assignee_kind.value,
            deps.get(a.department_id or -1, "")
            if a.assignee_kind == AssigneeKind.DEPARTMENT
            else towns.get(a.township_id or -1, ""),
            a.status.value,
            a.assigned_by,
            a.assigned_at,
            a.due_at,
            a.first_receiver,
            a.accepted_by,
            a.accepted_at,
            a.return_reason,
            a.resolved_at,
            a.result,
        )
        for a in session.scalars(select(Assignment).where(Assignment.case_id == case_id).order_by(Assignment.id))
    ]
    grid = session.get(Grid, case.grid_id) if case.grid_id else None
    town = session.get(Township, case.township_id) if case.township_id else None
    merged = session.get(Case, case.merged_into_id) if case.merged_into_id else None
    timeline = [
        EventRecord.from_row(e)
        for e in session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))
    ]
    return CaseDetail(
        case=view,
        grid_code=grid.code if grid else None,
        township_name=town.name if town else None,
        merged_into=merged.number if merged else None,
        invalid_reason=case.invalid_reason,
        resolution=case.resolution,
        dispatches=dispatches,
        assignments=assignments,
        timeline=timeline,
    )


@dataclass(frozen=True, slots=True)
class CountyView:
    townships: list[TownshipView]
    grids: list[GridView]
    boundary: dict[str, Any] | None


def county(session: Session) -> CountyView:
    towns = session.scalars(select(Township).order_by(Township.id)).all()
    names = {t.id: t.name for t in towns}
    grids = [
        GridView(g.id, g.code, g.name, g.township_id, names.get(g.township_id, ""), g.geometry)
        for g in session.scalars(select(Grid).order_by(Grid.id))
    ]
    boundary = None
    shapes = [t.geometry for t in towns if t.geometry]
    if shapes:
        from shapely import union_all
        from shapely.geometry import mapping, shape

        boundary = dict(mapping(union_all([shape(s) for s in shapes])))
    return CountyView([TownshipView(t.id, t.name, t.geometry) for t in towns], grids, boundary)


@dataclass(frozen=True, slots=True)
class PlaceName:
    name: str
    kind: str  # township, grid, village, landmark, ...
    lat: float
    lon: float


def place_names(session: Session) -> list[PlaceName]:
    """Names for address completion: places, grids and townships (grid/township at their centre)."""
    out = [PlaceName(p.name, p.kind, p.lat, p.lon) for p in session.scalars(select(Place).order_by(Place.name))]
    for g in session.scalars(select(Grid).order_by(Grid.code)):
        out.append(PlaceName(g.name, "grid", (g.min_lat + g.max_lat) / 2, (g.min_lon + g.max_lon) / 2))
    town_boxes: dict[int, list[float]] = {}
    for g in session.scalars(select(Grid)):
        box = town_boxes.setdefault(g.township_id, [g.min_lat, g.min_lon, g.max_lat, g.max_lon])
        box[0], box[1] = min(box[0], g.min_lat), min(box[1], g.min_lon)
        box[2], box[3] = max(box[2], g.max_lat), max(box[3], g.max_lon)
    for t in session.scalars(select(Township).order_by(Township.name)):
        if t.id in town_boxes:
            b = town_boxes[t.id]
            out.append(PlaceName(t.name, "township", (b[0] + b[2]) / 2, (b[1] + b[3]) / 2))
    return out


@dataclass(frozen=True, slots=True)
class Location:
    grid_id: int | None
    grid_code: str | None
    township_id: int | None
    township_name: str | None


def locate(session: Session, lat: float, lon: float) -> Location:
    hit = grid_index(session).locate(lat, lon)
    if hit is None:
        return Location(None, None, None, None)
    return Location(hit.grid_id, hit.grid_code, hit.township_id, hit.township_name)


@dataclass(frozen=True, slots=True)
class DepartmentView:
    id: int
    name: str
    categories: tuple[str, ...]


def departments(session: Session) -> list[DepartmentView]:
    return [
        DepartmentView(d.id, d.name, tuple(d.categories or ()))
        for d in session.scalars(select(Department).order_by(Department.name))
    ]


def database_is_empty(session: Session) -> bool:
    """No county, units, users or cases yet (a fresh schema)."""
    for model in (Township, Unit, Case):
        if session.scalars(select(model.id).limit(1)).first() is not None:
            return False
    return session.scalars(select(User.id).limit(1)).first() is None


def history_points(
    session: Session, *, days: int = 30, now: datetime | None = None, actor: Actor | None = None
) -> list[tuple[float, float, str]]:
    """(lat, lon, category) of every located case received in the last `days` days, for the map's history layer
    (within `actor`'s scope when given)."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    in_scope = [scope.case_filter(actor)] if actor is not None and actor.scoped else []
    rows = session.execute(
        select(Case.lat, Case.lon, Case.category)
        .where(Case.received_at >= since, Case.lat.is_not(None), Case.lon.is_not(None), *in_scope)
        .order_by(Case.received_at)
    ).tuples()
    return [
        (float(lat), float(lon), Category(cat).value) for lat, lon, cat in rows if lat is not None and lon is not None
    ]
