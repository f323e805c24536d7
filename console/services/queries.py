"""Read side: the plain views every front end shows. No writes here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import DateTime, String, select, type_coerce
from sqlalchemy.orm import Session

from ..enums import OPEN_CASE_STATUSES, AssigneeKind, AssignmentStatus, CaseStatus, Category, Channel, Priority
from ..events.feed import EventRecord
from ..geo.gridindex import grid_index
from ..models import Assignment, Case, Department, Dispatch, Event, Grid, Place, Township, Unit, User
from ..models.cases import dispatch_is_active
from ..views import CaseView, GridView, TownshipView, UnitView
from . import scope
from .actor import Action, Actor
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


# -- the open cases, lean ---------------------------------------------------------------------------------------------
#
# A console's snapshot reads every open case of its scope (10,000 and more) at start. Loading them as ORM entities
# and copying each into a view took ~60 µs of CPU a case (`bench/bench_scope.py`: 565–766 ms for 10,000, against
# 109–152 ms this way), most of it in the ORM and the column types; here the view's columns come straight from one
# Core SELECT (enums and timestamps as stored, turned into values through lookup tables and one parse), and each row
# becomes its view in one pass. The views equal `case_view`'s of the same cases: a test holds both paths to the same
# answer for every role and scope.

_STORED: dict[str, dict[str, Any]] = {
    "channel": Channel._value2member_map_,
    "category": Category._value2member_map_,
    "priority": Priority._value2member_map_,
    "status": CaseStatus._value2member_map_,
}
# The order of `CaseView`'s fields, which the lean rows fill by position.
_VIEW_FIELDS = (
    ("id", "number", "channel", "category", "priority", "status", "received_at", "due_at", "description", "lat")
    + ("lon", "address", "grid_id", "township_id", "caller_phone", "caller_name", "created_by", "escalation")
    + ("repeat_count", "version", "assignment_status", "assignee", "unit_ids")
)
if tuple(f.name for f in fields(CaseView)) != _VIEW_FIELDS:
    raise RuntimeError("CaseView's fields changed: update open_case_views, which fills them by position")


def _utc_reader(dialect: str) -> tuple[Callable[[Any], Any], Callable[[Any], datetime]]:
    """How a timestamp column is selected and turned into an aware UTC datetime, without the column type's
    per-value conversion: SQLite stores the UTC time as text (parsed once, zone appended); PostgreSQL's driver
    already returns an aware datetime."""
    if dialect == "sqlite":
        parse = datetime.fromisoformat
        return (lambda col: type_coerce(col, String()) + "+00:00"), parse
    return (lambda col: type_coerce(col, DateTime(timezone=True))), lambda v: v.astimezone(UTC)


def open_case_views(
    session: Session,
    *,
    actor: Actor,
    chunk: int = 500,
    between_chunks: Callable[[], None] | None = None,
) -> list[CaseView]:
    """Every open case in `actor`'s scope as its view, in id order (the live snapshot's cases).

    Five statements whatever the count: the cases' columns (through the status index, the scope filtered from the
    open rows, as `scope.figures_filter` says), the assignees' names (departments, townships), the cases' live
    assignments and their active dispatches (the open cases as a subquery: no list of ids bound in).
    `between_chunks` is called every `chunk` views built (and every four chunks read), so that a worker thread lets
    the interface thread run."""
    open_ = Case.status.in_(sorted(OPEN_CASE_STATUSES))
    where = scope.figures_filter(actor)
    in_scope = [open_] if where is None else [open_, where]
    return _lean_views(session, in_scope, actor=actor, chunk=chunk, between_chunks=between_chunks)


def _lean_views(
    session: Session,
    where: list[Any],
    *,
    actor: Actor,
    chunk: int = 500,
    between_chunks: Callable[[], None] | None = None,
) -> list[CaseView]:
    """The views of the cases `where` selects, in id order, read lean (see above)."""
    tick = between_chunks or (lambda: None)
    utc_column, utc = _utc_reader(session.get_bind().dialect.name)
    raw = {name: type_coerce(getattr(Case, name), String()) for name in _STORED}
    q = select(
        Case.id,
        Case.number,
        raw["channel"],
        raw["category"],
        raw["priority"],
        raw["status"],
        utc_column(Case.received_at),
        utc_column(Case.due_at),
        Case.description,
        Case.lat,
        Case.lon,
        Case.address,
        Case.grid_id,
        Case.township_id,
        Case.caller_phone,
        Case.caller_name,
        Case.created_by,
        Case.escalation,
        Case.repeat_count,
        Case.version,
    ).where(*where)
    rows: list[Any] = []
    # Fetched four chunks at a time: reading rows is mostly the driver's C code, building views is Python.
    for part in session.connection().execute(q).partitions(chunk * 4):
        rows.extend(part)
        tick()
    rows.sort(key=itemgetter(0))  # by id; an ORDER BY would walk the primary key instead of the status index
    assignments, units = _open_case_extras(session, select(Case.id).where(*where))
    channels, categories, priorities, statuses = (_STORED[k] for k in ("channel", "category", "priority", "status"))
    masked = not actor.may(Action.VIEW_PHONE)
    no_assignment = (None, None)
    out: list[CaseView] = []
    append = out.append
    for n, (
        cid,
        number,
        ch,
        cat,
        pri,
        st,
        rec,
        due,
        desc,
        lat,
        lon,
        addr,
        grid,
        town,
        stored_phone,
        stored_name,
        by,
        esc,
        rep,
        ver,
    ) in enumerate(rows):
        if n and not n % chunk:
            tick()
        phone, name = (mask_phone(stored_phone), mask_name(stored_name)) if masked else (stored_phone, stored_name)
        a_status, assignee = assignments.get(cid, no_assignment)
        append(
            CaseView(
                cid,
                number,
                channels[ch],
                categories[cat],
                priorities[pri],
                statuses[st],
                utc(rec),
                utc(due),
                desc,
                lat,
                lon,
                addr,
                grid,
                town,
                phone,
                name,
                by,
                esc,
                rep,
                ver,
                a_status,
                assignee,
                units.get(cid, ()),
            )
        )
    tick()
    return out


def _open_case_extras(session: Session, case_ids: Any) -> tuple[dict[int, tuple[str, str]], dict[int, tuple[int, ...]]]:
    """`_case_extras` for the cases a subquery selects (no list of ids bound into the statement)."""
    deps, towns = _assignee_names(session)
    assignments: dict[int, tuple[str, str]] = {}
    department = AssigneeKind.DEPARTMENT.value
    for case_id, status, kind, dep_id, town_id in session.execute(
        select(
            Assignment.case_id,
            type_coerce(Assignment.status, String()),
            type_coerce(Assignment.assignee_kind, String()),
            Assignment.department_id,
            Assignment.township_id,
        )
        .where(Assignment.case_id.in_(case_ids), Assignment.status != AssignmentStatus.TRANSFERRED)
        .order_by(Assignment.id)
    ):
        name = deps.get(dep_id or -1, "") if kind == department else towns.get(town_id or -1, "")
        assignments[case_id] = (AssignmentStatus(status).value, name)
    units: dict[int, list[int]] = defaultdict(list)
    for case_id, unit_id in session.execute(
        select(Dispatch.case_id, Dispatch.unit_id)
        .where(Dispatch.case_id.in_(case_ids), dispatch_is_active())
        .order_by(Dispatch.id)
    ):
        units[case_id].append(unit_id)
    return assignments, {case_id: tuple(ids) for case_id, ids in units.items()}


#: From this many ids on, `cases_by_ids` reads lean (a mass escalation by the sweep, a reconnect's catch-up): ten
#: thousand cases as entities cost the database thread ~60 µs each and leave the collector a heap to walk while the
#: interface waits on the interpreter's lock. Fewer go the entity way, which the planner finds by primary key.
LEAN_FROM = 200
#: Ids bound into one statement at most (SQLite's limit on bound variables is 32,766).
IDS_PER_STATEMENT = 5000


def cases_by_ids(session: Session, ids: Iterable[int], *, actor: Actor) -> list[CaseView]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    if len(wanted) >= LEAN_FROM:
        views: list[CaseView] = []
        for start in range(0, len(wanted), IDS_PER_STATEMENT):
            part = wanted[start : start + IDS_PER_STATEMENT]
            views.extend(_lean_views(session, [Case.id.in_(part)], actor=actor))
        return [v for v in views if scope.case_in_scope(actor, v)] if actor.scoped else views
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
