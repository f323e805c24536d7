"""The demo county's routable network: one connected network, the river crossed only at its two bridges, one-way
streets in the seat, a hill road; and a case across the river goes to a unit on its own bank, by road."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, shape
from sqlalchemy import select

from console.db import Database, write_transaction
from console.demo import build_demo
from console.demo.county import DEFAULT_SEED, generate_county
from console.demo.roads import BRIDGES, DemoRoads, demo_roads
from console.enums import Category, EventKind, UnitKind, UnitStatus
from console.geo.ranking import rank
from console.models import Event, Unit
from console.rules import default_rules
from console.services import dispatch, intake
from console.services.actor import SYSTEM
from console.services.positions import Fix, ingest_positions

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=30)  # after the demo's last fixes


@pytest.fixture(scope="module")
def roads() -> DemoRoads:
    return demo_roads(generate_county(DEFAULT_SEED))


def test_one_network_crossing_the_river_only_at_the_bridges(roads: DemoRoads) -> None:
    data = roads.data()
    n = data.node_count
    count, _ = connected_components(coo_matrix((np.ones(data.edge_count), (data.source, data.target)), shape=(n, n)))
    assert count == 1
    river = shape(roads.river)
    crossing = {
        data.names[j]
        for j in range(data.edge_count)
        if LineString(
            [
                (data.lons[data.source[j]], data.lats[data.source[j]]),
                (data.lons[data.target[j]], data.lats[data.target[j]]),
            ]
        ).intersects(river)
    }
    assert crossing == {name for _, name in BRIDGES}
    names = set(data.names)
    assert "盘山路" in names  # the hill road
    hill = [j for j in range(data.edge_count) if data.names[j] == "盘山路"]
    assert {data.road_class[j].value for j in hill} == {"track"} and len(hill) >= 10
    oneway = [j for j in range(data.edge_count) if data.oneway[j]]
    assert len(oneway) >= 16 and {data.road_class[j].value for j in oneway} == {"residential"}
    assert roads.east_of_river(*roads.by_the_river(0, 0.5)) and not roads.east_of_river(*roads.by_the_river(0, -0.5))


def test_demo_case_across_the_river_goes_to_a_unit_on_its_bank_by_road(db: Database, roads: DemoRoads) -> None:
    build_demo(db, days=1, per_day=10, now=NOW)
    with db.session() as s:
        event = s.scalars(select(Event).where(Event.kind == EventKind.ROADS_IMPORTED)).one()
        assert event.payload["source"] == "demo" and event.payload["edges"] == roads.data().edge_count
        car = s.scalars(
            select(Unit).where(Unit.kind == UnitKind.PATROL_CAR, Unit.status == UnitStatus.AVAILABLE).order_by(Unit.id)
        ).first()
        assert car is not None
        car_id = car.id
    # Drones fly over rivers: grounded for this test, which is about the roads.
    with db.session() as s:
        drones = s.scalars(
            select(Unit.id).where(Unit.kind == UnitKind.DRONE, Unit.status == UnitStatus.AVAILABLE)
        ).all()
    for drone in drones:
        write_transaction(
            db.sessions,
            lambda s, d=drone: dispatch.set_unit_status(
                s, unit_id=d, status=UnitStatus.OFF_DUTY, actor=SYSTEM, now=NOW
            ),
        )
    # The case: just east of the river, halfway between the bridges; a patrol car just across the water from it.
    case_at = roads.by_the_river(-4.0, 0.15)
    across = roads.by_the_river(-4.0, -0.15)
    ingest_positions(
        db, [Fix(fix_at=LATER, lat=across[0], lon=across[1], unit_id=car_id)], source="test", actor=SYSTEM, now=LATER
    )
    req = intake.parse_intake(
        {
            "channel": "police_110",
            "category": "public_order",
            "priority": "red",
            "description": "河东岸村口有人打架",
            "lat": case_at[0],
            "lon": case_at[1],
        }
    )
    case = write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=SYSTEM, now=LATER)).case
    with db.session() as s:
        recs = dispatch.recommend(s, case.id, now=LATER, limit=5)
        units = dispatch.available_units(s)
        lat_of = dict(zip(units.ids.tolist(), units.lats.tolist(), strict=True))
        lon_of = dict(zip(units.ids.tolist(), units.lons.tolist(), strict=True))
    straight = rank(
        units,
        lat=case.lat,
        lon=case.lon,
        category=Category.PUBLIC_ORDER,
        grid_id=case.grid_id,
        now=LATER,
        rules=default_rules(),
    )
    assert straight[0].unit_id == car_id  # straight-line, the car across the water would be sent
    first = recs[0]
    assert first.route == "road" and "road" in first.reasons and np.isfinite(first.eta_s) and first.eta_s > 0, recs
    assert roads.east_of_river(lat_of[first.unit_id], lon_of[first.unit_id])  # on the case's bank
    assert first.unit_id != car_id
    with db.session() as s:
        from console.geo.travel import travel_model

        model = travel_model(s, default_rules())
        way = model.route(UnitKind.PATROL_CAR, across[0], across[1], case_at[0], case_at[1])
    assert way.route == "road" and way.eta_s > first.eta_s  # round by a bridge
    assert way.distance_m > 8000  # the nearest bridge is 5 km away either way


def test_simulator_drives_a_dispatched_car_along_its_routed_way(sqlite_db: Database) -> None:
    from console.demo.simulator import Simulator
    from console.geo.travel import RoadTravel, travel_model

    build_demo(sqlite_db, days=1, per_day=10, now=NOW)
    sim = Simulator(sqlite_db, DEFAULT_SEED, clock=lambda: LATER)
    assert isinstance(sim.travel, RoadTravel) and sim.roads is not None
    assert len(sim.roads.nodes) == sim.travel.graph.node_count  # patrols roam the stored network
    sim._sync_units()
    with sqlite_db.session() as s:
        car = s.scalars(
            select(Unit).where(Unit.kind == UnitKind.PATROL_CAR, Unit.status == UnitStatus.AVAILABLE).order_by(Unit.id)
        ).first()
        assert car is not None
        car_id = car.id
    target = demo_roads(generate_county(DEFAULT_SEED)).by_the_river(-4.0, 0.5)
    req = intake.parse_intake(
        {
            "channel": "walk_in",
            "category": "traffic",
            "priority": "orange",
            "description": "路口车辆剐蹭",
            "lat": target[0],
            "lon": target[1],
        }
    )
    case = write_transaction(sqlite_db.sessions, lambda s: intake.create_case(s, req, actor=SYSTEM, now=LATER)).case
    write_transaction(
        sqlite_db.sessions,
        lambda s: dispatch.dispatch_unit(s, case_id=case.id, unit_id=car_id, actor=SYSTEM, now=LATER),
    )
    mover = sim.movers[car_id]
    start = mover.position
    sim._sync_units()
    with sqlite_db.session() as s:
        way = travel_model(s, default_rules()).route(UnitKind.PATROL_CAR, start[0], start[1], target[0], target[1])
    assert way.route == "road"
    assert mover.path.points == [(round(c[1], 6), round(c[0], 6)) for c in way.coordinates[1:]]
