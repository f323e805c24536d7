"""Made-up appeals are valid intake input; simulated paths move the distance asked, on roads that connect."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from console.demo.appeals import AppealMaker
from console.demo.county import DEFAULT_SEED, County, generate_county
from console.demo.motion import Path, RoadGraph, bearing_deg, detour
from console.demo.texts import TEMPLATES
from console.enums import Category, Channel, Priority
from console.geo.distance import haversine_m
from console.services.intake import parse_intake


@pytest.fixture(scope="module")
def county() -> County:
    return generate_county(DEFAULT_SEED)


def test_every_made_up_appeal_passes_intake_validation(county: County) -> None:
    rng = random.Random(1)
    maker = AppealMaker(county, rng)
    appeals = [maker.make(rng) for _ in range(1500)]
    for appeal in appeals:
        req = parse_intake(appeal.data)
        assert req.category == appeal.category and req.priority == appeal.priority
        assert "{" not in req.description and "}" not in req.description
    assert {a.data["channel"] for a in appeals} == {c.value for c in Channel}
    assert {a.category for a in appeals} == set(Category)
    priorities = Counter(a.priority for a in appeals)
    assert priorities.most_common(1)[0][0] == Priority.YELLOW
    assert 0 < priorities[Priority.RED] < priorities[Priority.ORANGE]
    # Citizens' channels carry a phone number; patrol and video reports do not.
    for a in appeals:
        if a.data["channel"] in ("patrol", "video", "grid_report"):
            assert "caller_phone" not in a.data
        elif a.data["channel"] in ("hotline_12345", "police_110"):
            assert a.data["caller_phone"].isdigit() and len(a.data["caller_phone"]) == 11
    # A repeat keeps the caller, the category and (about) the place.
    first = next(a for a in appeals if a.phone and a.lat is not None)
    again = maker.repeat_of(rng, first)
    assert again.phone == first.phone and again.category == first.category
    assert first.lat is not None and first.lon is not None and again.lat is not None and again.lon is not None
    assert haversine_m(first.lat, first.lon, again.lat, again.lon) < 300
    parse_intake(again.data)


def test_every_template_names_a_known_department() -> None:
    from console.demo.names import DEPARTMENTS

    codes = {code for code, _, _ in DEPARTMENTS}
    assert set(TEMPLATES) == set(Category)
    for templates in TEMPLATES.values():
        assert len(templates) >= 4
        for t in templates:
            assert t.department is None or t.department in codes


def test_path_advances_the_distance_asked() -> None:
    start = (24.80, 113.60)
    path = Path([(24.81, 113.60), (24.81, 113.61)])  # ~1.1 km north, then ~1.0 km east
    pos, course = path.advance(start, 500)
    assert haversine_m(*start, *pos) == pytest.approx(500, rel=0.01)
    assert course == pytest.approx(0, abs=0.5)
    pos, course = path.advance(pos, 1000)  # past the corner, turning east
    assert pos[0] == pytest.approx(24.81)
    assert course == pytest.approx(90, abs=0.5)
    pos, _ = path.advance(pos, 10_000)
    assert pos == (24.81, 113.61)
    assert path.done


def test_bearings() -> None:
    assert bearing_deg((24.8, 113.6), (24.9, 113.6)) == pytest.approx(0, abs=0.1)
    assert bearing_deg((24.8, 113.6), (24.8, 113.7)) == pytest.approx(90, abs=0.1)
    assert bearing_deg((24.8, 113.6), (24.7, 113.6)) == pytest.approx(180, abs=0.1)
    assert bearing_deg((24.8, 113.6), (24.8, 113.5)) == pytest.approx(270, abs=0.1)


def test_detour_ends_at_the_target_and_stays_near_the_line() -> None:
    rng = random.Random(3)
    start, end = (24.80, 113.60), (24.85, 113.65)
    points = detour(rng, start, end, bends=3, wiggle=0.1)
    assert points[-1] == end
    straight = haversine_m(*start, *end)
    for p in points:
        assert haversine_m(*start, *p) <= straight * 1.2


def test_road_graph_walk_follows_roads_without_turning_back(county: County) -> None:
    graph = RoadGraph(county)
    rng = random.Random(5)
    node, previous = "T01", None
    for _ in range(30):
        nxt, points = graph.next_leg(rng, node, previous)
        assert points[-1] == graph.nodes[nxt]
        if len(graph.edges[node]) > 1:
            assert nxt != previous
        node, previous = nxt, node
    assert graph.nearest(graph.nodes["T05"]) == "T05"
