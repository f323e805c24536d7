"""Routed travel times on a hand-built network: one-way streets, the only bridge, an island, the ways off the road."""

from __future__ import annotations

import math

import numpy as np
import pytest

from console.enums import UnitKind
from console.geo.distance import haversine_m
from console.geo.travel import KIND_INDEX, RoadTravel
from console.rules import default_rules

from .networks import ISLAND, E, W, graph_of, parse, river_network

RULES = default_rules()
CAR_PRIMARY_MS = RULES.roads.profiles["car"].speed_kmh[next(iter(RULES.roads.profiles["car"].speed_kmh))] / 3.6


def car_ms(cls: str) -> float:
    from console.enums import RoadClass

    return RULES.roads.profiles["car"].speed_kmh[RoadClass(cls)] / 3.6


def ns(lat1: float, lat2: float, lon: float) -> float:
    return haversine_m(lat1, lon, lat2, lon)


BRIDGE = haversine_m(24.82, W, 24.82, E)
SOUTH = haversine_m(24.78, E, 24.78, W)


@pytest.fixture(scope="module")
def model() -> RoadTravel:
    return RoadTravel(graph_of(parse(river_network())), RULES)


def kinds(*names: UnitKind) -> np.ndarray:
    return np.array([KIND_INDEX[k] for k in names], dtype=np.int8)


def test_one_way_street_is_taken_only_its_way(model: RoadTravel) -> None:
    # West bank → case on the east bank at 24.79: the one-way street runs westwards, so the car goes round by the
    # bridge in the north; the other way round it takes the one-way street.
    there = model.to_point(kinds(UnitKind.PATROL_CAR), np.array([24.80]), np.array([W]), 24.79, E)
    north = ns(24.80, 24.82, W) + BRIDGE + ns(24.82, 24.79, E)
    assert there.eta_s[0] == pytest.approx(north / car_ms("primary"), rel=1e-6)
    assert there.distances_m([0])[0] == pytest.approx(north, rel=1e-6)
    assert there.route_of(0) == "road"
    back = model.to_point(kinds(UnitKind.PATROL_CAR), np.array([24.79]), np.array([E]), 24.80, W)
    south = ns(24.79, 24.78, E) + SOUTH + ns(24.78, 24.80, W)
    assert back.eta_s[0] == pytest.approx(south / car_ms("primary"), rel=1e-6)
    assert back.distances_m([0])[0] == pytest.approx(south, rel=1e-6)


def test_foot_patrol_walks_the_one_way_street_both_ways(model: RoadTravel) -> None:
    est = model.to_point(kinds(UnitKind.FOOT_PATROL), np.array([24.80]), np.array([W]), 24.79, E)
    walk = ns(24.80, 24.78, W) + SOUTH + ns(24.78, 24.79, E)
    assert est.eta_s[0] == pytest.approx(walk / (4.5 / 3.6), rel=1e-6)


def test_drone_flies_straight(model: RoadTravel) -> None:
    est = model.to_point(kinds(UnitKind.DRONE), np.array([24.80]), np.array([W]), 24.79, E)
    straight = haversine_m(24.80, W, 24.79, E)
    assert est.eta_s[0] == pytest.approx(straight / (RULES.speed_kmh[UnitKind.DRONE] / 3.6))
    assert est.route_of(0) == "straight"
    assert est.distances_m([0])[0] == pytest.approx(straight)


def test_island_is_unreachable_not_near(model: RoadTravel) -> None:
    est = model.to_point(kinds(UnitKind.PATROL_CAR), np.array([24.805]), np.array([ISLAND]), 24.79, E)
    assert math.isinf(est.eta_s[0])
    assert est.route_of(0) == "road"
    assert math.isnan(est.distances_m([0])[0])
    route = model.route(UnitKind.PATROL_CAR, 24.805, ISLAND, 24.79, E)
    assert not route.reachable


def test_the_way_off_the_road_is_covered_at_the_profile_speed(model: RoadTravel) -> None:
    # 0.002° west of the west road (≈ 202 m) and a case 0.001° east of the east road, straight across from it.
    est = model.to_point(kinds(UnitKind.PATROL_CAR), np.array([24.80]), np.array([W - 0.002]), 24.79, E + 0.001)
    off = haversine_m(24.80, W - 0.002, 24.80, W) + haversine_m(24.79, E + 0.001, 24.79, E)
    north = ns(24.80, 24.82, W) + BRIDGE + ns(24.82, 24.79, E)
    expected = north / car_ms("primary") + off / (RULES.roads.profiles["car"].off_road_kmh / 3.6)
    assert est.eta_s[0] == pytest.approx(expected, rel=1e-4)
    assert est.distances_m([0])[0] == pytest.approx(north + off, rel=1e-4)


def test_unit_on_the_case_s_own_edge_goes_straight_along_it(model: RoadTravel) -> None:
    est = model.to_point(kinds(UnitKind.PATROL_CAR), np.array([24.795]), np.array([E]), 24.793, E)
    assert est.eta_s[0] == pytest.approx(ns(24.795, 24.793, E) / car_ms("primary"), rel=1e-4)


def test_bounded_search_gives_a_lower_bound_beyond_it() -> None:
    model = RoadTravel(graph_of(parse(river_network())), RULES)  # fresh: no wider search of the same place kept
    # From the middle of the one-way street the car must go round by the west road and the bridge: a search
    # through the junctions, which a one-minute bound stops short of.
    est = model.to_point(kinds(UnitKind.PATROL_CAR), np.array([24.78]), np.array([113.61]), 24.79, E, limit_s=60)
    assert math.isinf(est.eta_s[0])
    assert est.lower_bound_s[0] >= 60


def test_route_follows_the_bridge_and_is_geojson(model: RoadTravel) -> None:
    route = model.route(UnitKind.PATROL_CAR, 24.80, W, 24.79, E)
    assert route.route == "road"
    coords = route.coordinates
    assert coords[0] == [W, 24.80] and coords[-1] == [E, 24.79]
    assert [W, 24.82] in coords and [E, 24.82] in coords  # over the bridge
    assert [E, 24.78] not in coords  # not against the one-way street
    feature = route.as_geojson()
    assert feature["geometry"] == {"type": "LineString", "coordinates": coords}
    length = sum(haversine_m(a[1], a[0], b[1], b[0]) for a, b in zip(coords, coords[1:], strict=False))
    assert length == pytest.approx(route.distance_m, rel=1e-6)


def test_nearest_and_matrix_agree_with_one_place_estimates(model: RoadTravel) -> None:
    k = kinds(UnitKind.PATROL_CAR, UnitKind.FOOT_PATROL, UnitKind.DRONE, UnitKind.PATROL_CAR, UnitKind.GRID_WORKER)
    lats = np.array([24.80, 24.81, 24.70, 24.805, 24.795])
    lons = np.array([W, E, W, ISLAND, E + 0.0005])
    sites_lat = np.array([24.79, 24.815, 24.80])
    sites_lon = np.array([E, W, ISLAND])
    limit = 1800.0
    matrix = model.matrix(k, lats, lons, sites_lat, sites_lon, limit_s=limit)
    for i in range(3):
        one = model.to_point(k, lats, lons, float(sites_lat[i]), float(sites_lon[i]), limit_s=limit)
        expected = np.where(one.eta_s <= limit, one.eta_s, np.inf)
        np.testing.assert_allclose(matrix[i], expected, rtol=1e-9, atol=1e-5)
    eta, who = model.nearest(k, lats, lons, sites_lat, sites_lon, limit_s=limit)
    best = np.min(matrix, axis=1)
    np.testing.assert_allclose(eta, best, rtol=1e-9, atol=1e-5)
    for i in range(3):
        if np.isfinite(best[i]):
            assert matrix[i, who[i]] == pytest.approx(best[i])
        else:
            assert who[i] == -1
