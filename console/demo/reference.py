"""Loading the generated county into the database: the administrator's import of geography and reference data.

Townships, grids, places, departments and units are inserted in bulk, one transaction per group, each with one
event that summarises it (as `import grids` / `import units` would). Users go through the users service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import EventKind, Role, UnitKind
from ..events import record_event
from ..models import Department, Grid, Place, Township, Unit
from ..services.actor import SYSTEM, Actor
from ..services.users import actor_of, add_user, hash_password
from . import names
from .county import County

DEMO_PASSWORDS_NOTE = "demo users: password = user name"

#: The fixed users of the demo: (name, role, display name).
STAFF: tuple[tuple[str, Role, str], ...] = (
    ("demo", Role.DISPATCHER, "值班调度员"),
    ("leader", Role.SHIFT_LEADER, "带班领导"),
    ("admin", Role.ADMIN, "系统管理员"),
    ("wall", Role.WALL, "指挥大厅大屏"),
)


@dataclass(frozen=True)
class CountyIds:
    """Database ids of what was loaded, by the generator's codes."""

    townships: dict[str, int]
    township_names: dict[str, str]
    grids: dict[str, int]
    departments: dict[str, int]
    units: dict[str, int]


@dataclass(frozen=True)
class DemoActors:
    dispatcher: Actor
    leader: Actor
    admin: Actor
    handlers_by_department: dict[int, Actor]
    handlers_by_township: dict[int, Actor]


def load_roads(db: Database, county: County, *, now: datetime, actor: Actor = SYSTEM) -> int:
    """The county's road network (with its river, bridges, hill road and one-way streets) as the routable
    network, through the roads import service. Returns the network's id."""
    from ..services.road_import import import_roads
    from .roads import demo_roads

    data = demo_roads(county).data()
    report = write_transaction(db.sessions, lambda s: import_roads(s, data, actor=actor, source="demo", now=now))
    return report.network_id


def load_geography(db: Database, county: County, *, now: datetime, actor: Actor = SYSTEM) -> CountyIds:
    def geography(s: Session) -> tuple[dict[str, int], dict[str, int]]:
        towns = [Township(name=t.name, code=t.code, geometry=t.geometry) for t in county.townships]
        s.add_all(towns)
        s.flush()
        town_ids = {t.code: town.id for t, town in zip(county.townships, towns, strict=True)}
        grids = [
            Grid(
                code=g.code,
                name=g.name,
                township_id=town_ids[g.township_code],
                geometry=g.geometry,
                min_lon=g.bbox[0],
                min_lat=g.bbox[1],
                max_lon=g.bbox[2],
                max_lat=g.bbox[3],
            )
            for g in county.grids
        ]
        s.add_all(grids)
        s.flush()
        grid_ids = {g.code: grid.id for g, grid in zip(county.grids, grids, strict=True)}
        s.add_all(
            Place(name=p.name, kind=p.kind, lat=p.lat, lon=p.lon, grid_id=grid_ids[p.grid_code]) for p in county.places
        )
        s.flush()
        record_event(
            s,
            EventKind.GRIDS_IMPORTED,
            actor=actor.name,
            ts=now,
            payload={
                "created": len(grids),
                "updated": 0,
                "townships_created": len(towns),
                "places": len(county.places),
                "source": "demo",
            },
        )
        return town_ids, grid_ids

    town_ids, grid_ids = write_transaction(db.sessions, geography)

    def organisation(s: Session) -> tuple[dict[str, int], dict[str, int]]:
        depts = [Department(name=d.name, code=d.code, categories=list(d.categories)) for d in county.departments]
        s.add_all(depts)
        units = [
            Unit(
                callsign=u.callsign,
                kind=u.kind,
                tracker_id=u.tracker_id,
                capabilities=list(u.capabilities),
                status=u.status,
                status_since=now,
                version=1,
                lat=u.lat,
                lon=u.lon,
                fix_at=now,
                speed_kmh=0.0,
                home_grid_id=grid_ids[u.home_grid_code],
                township_id=town_ids[u.township_code],
                updated_at=now,
            )
            for u in county.units
        ]
        s.add_all(units)
        s.flush()
        by_kind: dict[str, int] = {}
        for u in county.units:
            by_kind[u.kind.value] = by_kind.get(u.kind.value, 0) + 1
        record_event(
            s,
            EventKind.UNIT_CREATED,
            actor=actor.name,
            ts=now,
            payload={
                "created": len(units),
                "updated": 0,
                "source": "demo",
                "kinds": by_kind,
                "departments": len(depts),
            },
        )
        return (
            {d.code: dept.id for d, dept in zip(county.departments, depts, strict=True)},
            {u.callsign: unit.id for u, unit in zip(county.units, units, strict=True)},
        )

    dept_ids, unit_ids = write_transaction(db.sessions, organisation)
    return CountyIds(
        townships=town_ids,
        township_names={t.code: t.name for t in county.townships},
        grids=grid_ids,
        departments=dept_ids,
        units=unit_ids,
    )


def create_users(db: Database, ids: CountyIds, *, now: datetime, actor: Actor = SYSTEM) -> DemoActors:
    """The demo users through the users service, in one transaction. Their passwords are their names, as the README
    documents: made here, not through the password policy, which new users of a real county meet."""
    town_by_name = {name: ids.townships[code] for code, name in ids.township_names.items()}

    def work(s: Session) -> DemoActors:
        staff = {
            role: add_user(
                s, name=name, role=role, password_hash=hash_password(name), display_name=display, actor=actor, now=now
            )
            for name, role, display in STAFF
        }
        by_dept: dict[int, Actor] = {}
        by_town: dict[int, Actor] = {}
        for name, dept_code, town_name, display in names.HANDLERS:
            dept_id = ids.departments[dept_code] if dept_code else None
            town_id = town_by_name[town_name] if town_name else None
            user = add_user(
                s,
                name=name,
                role=Role.HANDLER,
                password_hash=hash_password(name),
                display_name=display,
                department_id=dept_id,
                township_id=town_id,
                actor=actor,
                now=now,
            )
            if dept_id is not None:
                by_dept[dept_id] = actor_of(user)
            if town_id is not None:
                by_town[town_id] = actor_of(user)
        return DemoActors(
            dispatcher=actor_of(staff[Role.DISPATCHER]),
            leader=actor_of(staff[Role.SHIFT_LEADER]),
            admin=actor_of(staff[Role.ADMIN]),
            handlers_by_department=by_dept,
            handlers_by_township=by_town,
        )

    return write_transaction(db.sessions, work)


def unit_kind_counts(county: County) -> dict[UnitKind, int]:
    out: dict[UnitKind, int] = {}
    for u in county.units:
        out[u.kind] = out.get(u.kind, 0) + 1
    return out
