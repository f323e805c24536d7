"""The patrol and key-site operations the console runs (through `execute`, as its database worker does): the
permission each needs, the values the panels and the map read, the review's guards, playback frames."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from console.db import Database
from console.enums import Role
from console.ops import REGISTRY, SYSTEM, InvalidTransition, Kind, PermissionDenied, ValidationError, execute
from console.services.positions import Fix, ingest_positions
from console.timeutil import utcnow
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, draft, east, feed, make_plan, north, point, route

PLANS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "plan": "北门护学岗",
                "team": "FP-01",
                "days": "mon;tue",
                "windows": "07:10-07:50",
                "name": "北门",
            },
            "geometry": {"type": "Point", "coordinates": [LON0, LAT0]},
        }
    ],
}


def test_every_patrol_operation_is_registered_with_its_permission() -> None:
    expected = {
        "patrol.import": "manage_patrol",
        "patrol.suspend": "manage_patrol",
        "patrol.resume": "manage_patrol",
        "patrol.approve": "review_patrol",
        "patrol.return": "review_patrol",
        "patrol.file": "intake",
        "sites.import": "manage_sites",
        "sites.relocate": "relocate",
    }
    for name, action in expected.items():
        assert REGISTRY[name].action is not None and REGISTRY[name].action.value == action, name
        assert REGISTRY[name].kind == Kind.WRITE
    for name in (
        "patrol.plans",
        "patrol.plan",
        "patrol.board",
        "patrol.shift",
        "patrol.layer",
        "patrol.track",
        "patrol.report",
        "patrol.suggest",
        "sites.readiness",
    ):
        assert REGISTRY[name].kind == Kind.READ and REGISTRY[name].action is None, name


def test_plans_are_imported_by_a_leader_only_and_drawn_on_the_layer(db: Database, county: MiniCounty) -> None:
    text = json.dumps(PLANS, ensure_ascii=False)
    with pytest.raises(PermissionDenied):
        execute(db, county.actors[Role.DISPATCHER], "patrol.import", text=text)
    out = execute(db, county.actors[Role.SHIFT_LEADER], "patrol.import", text=text).value
    assert out == {"plans": {"created": ["北门护学岗"], "updated": [], "targets": 1}}
    [plan] = execute(db, SYSTEM, "patrol.plans").value["plans"]
    assert plan["team"] == ["FP-01"] and plan["targets"] == 1
    shown = execute(db, SYSTEM, "patrol.plan", plan="北门护学岗").value
    assert shown["targets"][0]["geometry"] == {"type": "Point", "coordinates": [LON0, LAT0]}
    [target] = execute(db, SYSTEM, "patrol.layer").value
    assert target["plan"] == "北门护学岗" and target["kind"] == "point"
    assert target["state"] in {"done", "due_now", "missed", "planned", "none_today"}
    suspended = execute(db, county.actors[Role.SHIFT_LEADER], "patrol.suspend", plan="北门护学岗").value
    assert suspended["status"] == "suspended"
    assert execute(db, SYSTEM, "patrol.layer").value == []  # a suspended plan is not drawn
    with pytest.raises(ValidationError) as bad:
        execute(db, county.actors[Role.SHIFT_LEADER], "patrol.import", text="{}")
    assert bad.value.field


def test_board_review_and_playback(db: Database, county: MiniCounty) -> None:
    make_plan(db, county, draft(point(dwell_s=120), route(length_m=100)))
    feed(db, county.unit_ids["PC-01"], [(30 * k, LAT0, LON0) for k in range(6)] + [(300, north(500), east(500))])
    board = execute(db, SYSTEM, "patrol.board", at=(T0 + timedelta(hours=3)).isoformat()).value
    [shift] = board["today"]
    assert shift["targets_due"] == 2 and shift["targets_met"] == 1 and shift["state"] != "met"
    at_next_day = execute(db, SYSTEM, "patrol.board", at=(T0 + timedelta(days=1)).isoformat()).value
    assert [s["id"] for s in at_next_day["to_review"]] == [shift["id"]]
    detail = execute(db, SYSTEM, "patrol.shift", shift_id=shift["id"]).value
    assert [t["met"] for t in detail["targets"]] == [True, False]

    with pytest.raises(PermissionDenied):
        execute(db, county.actors[Role.DISPATCHER], "patrol.approve", shift_id=shift["id"])
    with pytest.raises(ValidationError) as no_remark:
        execute(db, county.actors[Role.SHIFT_LEADER], "patrol.return", shift_id=shift["id"], remark=" ")
    assert no_remark.value.field == "remark"
    returned = execute(db, county.actors[Role.SHIFT_LEADER], "patrol.return", shift_id=shift["id"], remark="路线未走完")
    assert returned.value["review_status"] == "returned" and returned.value["review_remark"] == "路线未走完"
    approved = execute(db, county.actors[Role.SHIFT_LEADER], "patrol.approve", shift_id=shift["id"]).value
    assert approved["review_status"] == "approved"
    with pytest.raises(InvalidTransition):
        execute(db, county.actors[Role.SHIFT_LEADER], "patrol.approve", shift_id=shift["id"])

    data = execute(db, SYSTEM, "patrol.track", shift_id=shift["id"]).value
    assert [len(t) for t in data.tracks.values()] == [7]
    assert {c["target"] for c in data.checkins} == {"gate", "street"}
    frame = json.loads(data.frames.frame_json(T0.timestamp() + 45))
    uid = county.unit_ids["PC-01"]
    assert frame["mv"][0] == uid and frame["mv"][1] == pytest.approx(LAT0)
    with pytest.raises(ValidationError) as too_long:
        execute(
            db,
            SYSTEM,
            "patrol.track",
            callsigns=["PC-01"],
            start=T0.isoformat(),
            end=(T0 + timedelta(days=8)).isoformat(),
        )
    assert too_long.value.field == "to"
    with pytest.raises(ValidationError) as nobody:
        execute(db, SYSTEM, "patrol.track", start=T0.isoformat())
    assert nobody.value.field == "units"


def test_readiness_and_the_relocation_order(db: Database, county: MiniCounty) -> None:
    sites = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "S1", "name": "东河小学", "kind": "school", "target_min": 3},
                "geometry": {"type": "Point", "coordinates": [LON0, LAT0]},
            },
            {
                "type": "Feature",
                "properties": {"code": "S2", "name": "远处银行", "kind": "bank", "target_min": 1},
                "geometry": {"type": "Point", "coordinates": [east(9000), north(9000)]},
            },
        ],
    }
    text = json.dumps(sites, ensure_ascii=False)
    with pytest.raises(PermissionDenied):
        execute(db, county.actors[Role.DISPATCHER], "sites.import", text=text)
    assert execute(db, county.actors[Role.ADMIN], "sites.import", text=text).value == {
        "sites": {"created": 2, "updated": 0}
    }
    fresh = utcnow()
    ingest_positions(
        db,
        [Fix(fix_at=fresh, lat=LAT0, lon=LON0, unit_id=county.unit_ids[c]) for c in ("PC-01", "PC-02")],
        source="t",
        now=fresh,
    )
    ready = execute(db, SYSTEM, "sites.readiness").value
    assert ready["readiness_rate"]["numerator"] == 1 and ready["readiness_rate"]["denominator"] == 2
    assert [s["code"] for s in ready["uncovered"]] == ["S2"]
    by_code = {s["code"]: s for s in ready["all_sites"]}
    assert by_code["S1"]["covered"] and by_code["S1"]["best_eta_s"] <= 180
    with pytest.raises(ValidationError):
        execute(db, SYSTEM, "sites.readiness", moves=99)
    with pytest.raises(PermissionDenied):
        execute(db, county.actors[Role.DISPATCHER], "sites.relocate", callsign="PC-02", site="S2")
    order = execute(db, county.actors[Role.SHIFT_LEADER], "sites.relocate", callsign="PC-02", site="S2", covers=["S2"])
    assert order.value["site"] == "S2" and order.value["covers"] == ["S2"]
    assert county.unit_ids["PC-02"] in order.changes.units
