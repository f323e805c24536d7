"""Routed ranking through the services and the command line, on both databases: the unit on the case's bank wins
over the nearer one across the river, an island unit is reported unreachable, the dispatch stores the same ETA."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import select

from console.cli.main import main
from console.db import Database, write_transaction
from console.geo.distance import haversine_m
from console.models import Dispatch, Unit
from console.rules import default_rules
from console.services import county_import, dispatch, intake, routing
from console.services.actor import SYSTEM
from console.services.errors import InvalidTransition

from .networks import E, W, river_network, store

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
UNITS = """callsign,kind,tracker_id,lat,lon,home_grid,capabilities
PC-W,patrol_car,,24.80,113.60,,patrol
PC-E,patrol_car,,24.82,113.62,,patrol
PC-I,patrol_car,,24.805,113.70,,patrol
"""
CASE = {
    "channel": "police_110",
    "category": "public_order",
    "priority": "red",
    "description": "河东村口有人打架",
    "lat": 24.79,
    "lon": E,
}


def setup(db: Database, units: str = UNITS) -> int:
    records = county_import.parse_units_csv(units)
    write_transaction(db.sessions, lambda s: county_import.import_units(s, records, actor=SYSTEM, now=NOW))
    req = intake.parse_intake(CASE)
    return write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=SYSTEM, now=NOW)).case.id


def test_without_a_network_the_straight_line_estimate_stays_and_says_so(db: Database) -> None:
    case_id = setup(db)
    with db.session() as s:
        recs = dispatch.recommend(s, case_id, now=NOW)
    assert [r.callsign for r in recs][:2] == ["PC-W", "PC-E"]
    assert all(r.route == "straight" and "straight_line" in r.reasons for r in recs)


def test_routed_ranking_picks_the_unit_on_the_case_s_bank(db: Database) -> None:
    store(db, river_network())
    case_id = setup(db)
    with db.session() as s:
        recs = dispatch.recommend(s, case_id, now=NOW)
    assert [r.callsign for r in recs] == ["PC-E", "PC-W", "PC-I"]
    first, across, island = recs
    speed = default_rules().roads.profiles["car"].speed_kmh
    primary_ms = next(v for k, v in speed.items() if k.value == "primary") / 3.6
    down_east = haversine_m(24.82, E, 24.79, E)
    assert first.route == "road" and "road" in first.reasons
    assert first.eta_s == pytest.approx(down_east / primary_ms, rel=1e-4)
    assert first.distance_m == pytest.approx(down_east, rel=1e-4)
    assert across.distance_m > 3 * haversine_m(24.80, W, 24.79, E)  # round by the bridge
    assert island.route == "road" and "unreachable" in island.reasons
    assert math.isinf(island.eta_s) and math.isnan(island.distance_m)
    actor = SYSTEM
    d = write_transaction(db.sessions, lambda s: dispatch.dispatch_nearest(s, case_id=case_id, actor=actor, now=NOW))
    with db.session() as s:
        stored = s.get(Dispatch, d.id)
        assert stored is not None and s.get(Unit, stored.unit_id).callsign == "PC-E"  # type: ignore[union-attr]
        assert stored.eta_s == pytest.approx(first.eta_s, rel=1e-9)


def test_the_route_of_a_unit_to_a_case_for_the_map(db: Database) -> None:
    store(db, river_network())
    case_id = setup(db)
    with db.session() as s:
        unit_id = s.scalars(select(Unit.id).where(Unit.callsign == "PC-W")).one()
    with db.session() as s:
        route = routing.unit_route(s, unit_id=unit_id, case_id=case_id)
    assert route.route == "road" and [E, 24.82] in route.coordinates and [W, 24.82] in route.coordinates


def test_dispatch_nearest_refuses_when_no_unit_can_get_there(db: Database) -> None:
    store(db, river_network())
    case_id = setup(
        db, "callsign,kind,tracker_id,lat,lon,home_grid,capabilities\nPC-I,patrol_car,,24.805,113.70,,patrol\n"
    )
    with pytest.raises(InvalidTransition) as err:
        write_transaction(db.sessions, lambda s: dispatch.dispatch_nearest(s, case_id=case_id, actor=SYSTEM, now=NOW))
    assert "reach" in err.value.message


def test_cli_recommend_route_and_reach(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    store(db, river_network())
    case_id = setup(db)
    with db.session() as s:
        from console.models import Case

        number = s.get(Case, case_id).number  # type: ignore[union-attr]
    url = db.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "recommend", number]) == 0
    recs = json.loads(capsys.readouterr().out)["recommendations"]
    assert [r["callsign"] for r in recs] == ["PC-E", "PC-W", "PC-I"]
    assert recs[0]["route"] == "road" and isinstance(recs[0]["eta_s"], int) and recs[0]["distance_m"] > 3000
    assert recs[2]["eta_s"] is None and recs[2]["reachable"] is False and recs[2]["distance_m"] is None
    assert main(["--db", url, "route", number, "--unit", "PC-W"]) == 0
    feature = json.loads(capsys.readouterr().out)
    assert feature["geometry"]["type"] == "LineString" and feature["properties"]["route"] == "road"
    assert main(["--db", url, "reach", "--unit", "PC-E", "--minutes", "1,2"]) == 0
    fc = json.loads(capsys.readouterr().out)
    one, two = (shape(f["geometry"]) for f in fc["features"])
    assert one.area < two.area and two.contains(Point(E, 24.815))
    assert main(["--db", url, "reach", "--at", "24.79,113.62", "--towards", "--minutes", "0"]) == 2
    assert json.loads(capsys.readouterr().err)["field"] == "minutes"
    assert main(["--db", url, "route", number, "--unit", "NOPE"]) == 2
    capsys.readouterr()
