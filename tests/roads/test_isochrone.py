"""Reach outlines computed in the core: nested by time, following one-way streets, circles for drones."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, shape

from console.enums import UnitKind
from console.geo.isochrone import reach_outlines
from console.rules import default_rules

from .networks import E, W, graph_of, parse, river_network

RULES = default_rules()


@pytest.fixture(scope="module")
def graph():  # type: ignore[no-untyped-def]
    return graph_of(parse(river_network()))


def test_outlines_are_nested_and_follow_the_roads(graph) -> None:  # type: ignore[no-untyped-def]
    features = reach_outlines(graph, RULES, kind=UnitKind.PATROL_CAR, lat=24.80, lon=W, minutes=(5, 1, 3))
    assert [f["properties"]["minutes"] for f in features] == [1, 3, 5]
    shapes = [shape(f["geometry"]) for f in features]
    assert all(s.is_valid and not s.is_empty for s in shapes)
    assert shapes[0].area < shapes[1].area < shapes[2].area
    tolerance = 0.0002  # ≈ 20 m: outlines are simplified to 10 m
    assert shapes[2].buffer(tolerance).contains(shapes[1]) and shapes[1].buffer(tolerance).contains(shapes[0])
    # In one minute at 50 km/h (≈ 833 m) the car is still on its own road, not across the river.
    assert shapes[0].contains(Point(W, 24.805)) and not shapes[0].contains(Point(E, 24.80))
    assert not shapes[2].contains(Point((W + E) / 2, 24.80))  # the fields between the roads are not reached


def test_one_way_street_reached_only_its_way(graph) -> None:  # type: ignore[no-untyped-def]
    # From the middle of the one-way street (westwards) a car reaches its west end, not its east end.
    (outline,) = reach_outlines(graph, RULES, kind=UnitKind.PATROL_CAR, lat=24.78, lon=113.61, minutes=(2,))
    area = shape(outline["geometry"])
    assert area.contains(Point(W, 24.78)) and not area.contains(Point(E, 24.78))
    # Towards the same place: from where a car gets there — from the east end, not the west end.
    (towards,) = reach_outlines(
        graph, RULES, kind=UnitKind.PATROL_CAR, lat=24.78, lon=113.61, minutes=(2,), towards=True
    )
    area = shape(towards["geometry"])
    assert area.contains(Point(E, 24.78)) and not area.contains(Point(W, 24.78))
    # On foot both ways.
    (walk,) = reach_outlines(graph, RULES, kind=UnitKind.FOOT_PATROL, lat=24.78, lon=113.61, minutes=(8,))
    area = shape(walk["geometry"])
    assert area.contains(Point(113.6045, 24.78)) and area.contains(Point(113.6155, 24.78))


def test_drone_reach_is_a_circle(graph) -> None:  # type: ignore[no-untyped-def]
    (circle,) = reach_outlines(graph, RULES, kind=UnitKind.DRONE, lat=24.80, lon=W, minutes=(1,))
    assert circle["properties"]["route"] == "straight"
    area = shape(circle["geometry"])
    assert area.contains(Point(W + 0.005, 24.80))  # ≈ 506 m east, within 60 km/h × 1 min = 1 km
    assert not area.contains(Point(W + 0.011, 24.80))
