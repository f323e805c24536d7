"""Scope of patrol and key sites: a township's or village's user reaches only the plans, shifts, units and key sites
of its scope — every patrol and site operation tried with an object outside it (table-driven, like `test_scope`),
the lists and figures of each scope, and the command line's refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import TargetKind
from console.models import PatrolShift
from console.ops import execute
from console.patrol.drafts import PlanDraft, TargetDraft
from console.patrol.plan_geojson import plans_geojson
from console.patrol.schedule import local_day
from console.services.actor import Actor
from console.services.errors import OutOfScope
from console.services.key_sites import SiteRecord, import_sites
from console.services.patrol_plans import create_plan
from console.services.patrol_shifts import ensure_days
from console.timeutil import utcnow

from .conftest import LevelsCounty
from .refusals import assert_refused_by_scope, event_count
from .test_cli_levels import run

# (lat, lon) inside the mini county's grids: 东河镇 G100 and G101, 西岭镇 G200.
G100 = (24.805, 113.605)
G101 = (24.815, 113.605)
WEST = (24.805, 113.625)


def plan_draft(name: str, where: tuple[float, float], team: tuple[str, ...]) -> PlanDraft:
    lat, lon = where
    target = TargetDraft(
        TargetKind.POINT, {"type": "Point", "coordinates": [lon, lat]}, "gate", radius_m=50.0, dwell_s=300.0
    )
    return PlanDraft(
        name=name,
        team=team,
        days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        windows=("00:00-23:59",),
        targets=(target,),
        valid_from=local_day(utcnow()) - timedelta(days=3),
    )


def site(code: str, where: tuple[float, float]) -> SiteRecord:
    return SiteRecord(code, f"学校{code}", "school", where[0], where[1], 3.0)


def sites_geojson(*records: SiteRecord) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                    "properties": {"code": r.code, "name": r.name, "kind": r.kind, "target_min": r.target_min},
                }
                for r in records
            ],
        }
    )


@dataclass
class PatrolWorld:
    actor: Actor
    plan_out: str  # a plan outside the actor's scope
    shift_out: int  # one of its shifts
    site_out: str  # a key site outside the scope
    where_out: tuple[float, float]  # a place outside the scope
    plans: dict[str, int]


PLANS = {"东河 G100": (G100, ("PC-01",)), "东河 G101": (G101, ("PC-01",)), "西岭 G200": (WEST, ("PC-02",))}
SITES = {"S100": G100, "S101": G101, "S200": WEST}


def make_plan(db: Database, actor: Actor, draft: PlanDraft, now: datetime) -> int:
    return write_transaction(db.sessions, lambda s: create_plan(s, draft, actor=actor, now=now).id)


def patrol_world(db: Database, lc: LevelsCounty, who: str) -> PatrolWorld:
    county = lc.county
    now = utcnow()
    plans = {name: make_plan(db, county, plan_draft(name, where, team), now) for name, (where, team) in PLANS.items()}
    write_transaction(
        db.sessions, lambda s: ensure_days(s, [local_day(now) - timedelta(days=1), local_day(now)], now=now)
    )
    write_transaction(db.sessions, lambda s: import_sites(s, [site(c, w) for c, w in SITES.items()], actor=county))
    out = "西岭 G200" if who == "township" else "东河 G101"
    with db.session() as s:
        shift = s.scalars(
            select(PatrolShift.id).where(PatrolShift.plan_id == plans[out]).order_by(PatrolShift.id)
        ).first()
    assert shift is not None
    return PatrolWorld(
        actor=lc.town_lead if who == "township" else lc.village_lead,
        plan_out=out,
        shift_out=int(shift),
        site_out="S200" if who == "township" else "S101",
        where_out=WEST if who == "township" else G101,
        plans=plans,
    )


Op = Callable[[PatrolWorld], tuple[str, dict[str, Any]]]

#: Every patrol and key-site operation that names a plan, a shift, a unit or a site, given one outside the scope.
OPERATIONS: dict[str, Op] = {
    "patrol.plan": lambda w: ("patrol.plan", {"plan": w.plan_out}),
    "patrol.suspend": lambda w: ("patrol.suspend", {"plan": w.plan_out}),
    "patrol.resume": lambda w: ("patrol.resume", {"plan": w.plan_out}),
    "patrol.shift": lambda w: ("patrol.shift", {"shift_id": w.shift_out}),
    "patrol.approve": lambda w: ("patrol.approve", {"shift_id": w.shift_out}),
    "patrol.return": lambda w: ("patrol.return", {"shift_id": w.shift_out, "remark": "再巡一次"}),
    "patrol.track (unit)": lambda w: ("patrol.track", {"callsigns": ["PC-02"]}),
    "patrol.track (shift)": lambda w: ("patrol.track", {"shift_id": w.shift_out, "callsigns": ["PC-01"]}),
    "patrol.file (unit)": lambda w: (
        "patrol.file",
        {"callsign": "PC-02", "category": "public_order", "description": "巡逻发现"},
    ),
    "patrol.import (location)": lambda w: (
        "patrol.import",
        {"text": json.dumps(plans_geojson([plan_draft("新计划", w.where_out, ("PC-01",))]))},
    ),
    "patrol.import (another's plan)": lambda w: (
        "patrol.import",
        {"text": json.dumps(plans_geojson([plan_draft(w.plan_out, G100, ("PC-01",))]))},
    ),
    "patrol.import (team)": lambda w: (
        "patrol.import",
        {"text": json.dumps(plans_geojson([plan_draft("新计划", G100, ("PC-02",))]))},
    ),
    "sites.import (location)": lambda w: ("sites.import", {"text": sites_geojson(site("S999", w.where_out))}),
    "sites.import (another's site)": lambda w: ("sites.import", {"text": sites_geojson(site(w.site_out, G100))}),
    "sites.relocate (site)": lambda w: ("sites.relocate", {"site": w.site_out, "callsign": "PC-01"}),
    "sites.relocate (unit)": lambda w: ("sites.relocate", {"site": "S100", "callsign": "PC-02"}),
    "sites.relocate (covers)": lambda w: (
        "sites.relocate",
        {"site": "S100", "callsign": "PC-01", "covers": [w.site_out]},
    ),
}

LEVELS = ["township", "village"]


@pytest.mark.parametrize("who", LEVELS)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_patrol_operation_refuses_outside_the_scope(
    db: Database, levels_county: LevelsCounty, who: str, name: str
) -> None:
    w = patrol_world(db, levels_county, who)
    op, args = OPERATIONS[name](w)
    assert_refused_by_scope(db, w.actor, levels_county.county, op, args)


#: Which plans and sites each scope sees: the township 东河镇 both of its grids', the village G100 its own grid's.
SEES = {
    "township": ({"东河 G100", "东河 G101"}, {"S100", "S101"}),
    "village": ({"东河 G100"}, {"S100"}),
    "county": (set(PLANS), set(SITES)),
}


@pytest.mark.parametrize("who", [*LEVELS, "county"])
def test_each_scope_sees_exactly_its_plans_sites_and_shifts(
    db: Database, levels_county: LevelsCounty, who: str
) -> None:
    w = patrol_world(db, levels_county, "township")
    actor = {"township": levels_county.town_lead, "village": levels_county.village_lead}.get(who, levels_county.county)
    plans, sites = SEES[who]
    listed = execute(db, actor, "patrol.plans").value["plans"]
    assert {p["name"] for p in listed} == plans
    board = execute(db, actor, "patrol.board").value
    assert {s["plan"] for s in board["today"]} == plans
    layer = execute(db, actor, "patrol.layer").value
    assert {t["plan"] for t in layer} == plans
    ready = execute(db, actor, "sites.readiness").value
    assert ready["sites"] == len(sites) and {s["code"] for s in ready["all_sites"]} == sites
    assert ready["readiness_rate"]["denominator"] == len(sites)
    # Its own units only cover its sites: the township's PC-01 covers 东河's sites; no unit of a village reaches S101.
    for move in ready["suggested_moves"]:
        assert move["unit"] != "PC-02" or who == "county"
    today = local_day(utcnow()).isoformat()
    report = execute(db, actor, "patrol.report", first=today, last=today, shifts=True, stale_days=1).value
    assert {s["plan"] for s in report["shifts"]} == plans
    assert {r["plan"] for r in report["stale_targets"]} == plans  # never visited: every plan of the scope
    inside = next(iter(plans))
    assert execute(db, actor, "patrol.plan", plan=inside).value["name"] == inside
    shift_in = next(s["id"] for s in board["today"] if s["plan"] == inside)
    assert execute(db, actor, "patrol.shift", shift_id=shift_in).value["plan"] == inside
    assert w.plans  # the county's world made every plan


def test_a_township_imports_and_manages_its_own_plans_and_sites(db: Database, levels_county: LevelsCounty) -> None:
    patrol_world(db, levels_county, "township")
    town = levels_county.town_lead
    made = execute(
        db, town, "patrol.import", text=json.dumps(plans_geojson([plan_draft("东河 夜巡", G101, ("PC-01",))]))
    ).value
    assert made["plans"]["created"] == ["东河 夜巡"]
    assert execute(db, town, "patrol.suspend", plan="东河 夜巡").value["status"] == "suspended"
    assert execute(db, town, "sites.import", text=sites_geojson(site("S102", G101))).value["sites"]["created"] == 1
    order = execute(db, town, "sites.relocate", site="S102", callsign="PC-01", covers=["S101"]).value
    assert order["site"] == "S102"


def test_command_line_refuses_another_townships_plan(
    sqlite_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.enums import Level, Role
    from tests.county import build_mini_county
    from tests.users import scoped_user

    base = build_mini_county(sqlite_db)
    east = base.township_ids["东河镇"]
    scoped_user(sqlite_db, "dh", Role.SHIFT_LEADER, Level.TOWNSHIP, password="long-enough-1", township_id=east)
    leader = base.actors[Role.SHIFT_LEADER]
    now = utcnow()
    for name, (where, team) in PLANS.items():
        make_plan(sqlite_db, leader, plan_draft(name, where, team), now)
    monkeypatch.setenv("CONSOLE_PASSWORD", "long-enough-1")
    as_dh = ["--db", sqlite_db.url, "--user", "dh"]
    code, _, err = run(capsys, monkeypatch, *as_dh, "patrol", "show", "西岭 G200")
    assert code == 2 and err["error"] == "out_of_scope" and err["key"] == "西岭 G200"
    assert err["scope"] == f"township {base.township_ids['东河镇']}"
    code, out, _ = run(capsys, monkeypatch, *as_dh, "patrol", "show", "东河 G100")
    assert code == 0 and out["name"] == "东河 G100"
    code, out, _ = run(capsys, monkeypatch, *as_dh, "patrol", "list")
    assert code == 0 and {p["name"] for p in out["plans"]} == {"东河 G100", "东河 G101"}
    code, out, _ = run(capsys, monkeypatch, "--db", sqlite_db.url, "patrol", "list")  # the county sees all
    assert code == 0 and {p["name"] for p in out["plans"]} == set(PLANS)


def test_a_township_administrator_imports_only_its_own_units_tracks(db: Database, levels_county: LevelsCounty) -> None:
    from console.enums import Level, Role
    from tests.users import scoped_user

    east = levels_county.base.township_ids["东河镇"]
    admin = scoped_user(db, "dh-adm", Role.ADMIN, Level.TOWNSHIP, township_id=east)
    at = (utcnow() - timedelta(minutes=5)).isoformat()
    theirs = f"callsign,fix_at,lat,lon\nPC-01,{at},24.805,113.605\nPC-02,{at},24.805,113.625\n"
    before = event_count(db)
    with pytest.raises(OutOfScope) as refused:
        execute(db, admin, "positions.import", text=theirs)
    assert refused.value.details["key"] == "PC-02" and event_count(db) == before
    mine = f"callsign,fix_at,lat,lon\nPC-01,{at},24.805,113.605\n"
    assert execute(db, admin, "positions.import", text=mine).value["positions"]["rows"] == 1


def test_a_shifts_playback_shows_the_team_members_of_the_scope(db: Database, levels_county: LevelsCounty) -> None:
    """A plan of the township whose team also has another township's unit: its shift plays back the township's own
    unit only (naming the other unit is refused, as every test above shows)."""
    county, now = levels_county.county, utcnow()
    plan = make_plan(db, county, plan_draft("东河 混编", G100, ("PC-01", "PC-02")), now)
    write_transaction(db.sessions, lambda s: ensure_days(s, [local_day(now)], now=now))
    with db.session() as s:
        shift = s.scalars(select(PatrolShift.id).where(PatrolShift.plan_id == plan)).first()
    data = execute(db, levels_county.town_lead, "patrol.track", shift_id=shift).value
    assert set(data.callsigns.values()) == {"PC-01"}
    assert set(execute(db, county, "patrol.track", shift_id=shift).value.callsigns.values()) == {"PC-01", "PC-02"}
