"""The generated demo county as pure data: deterministic, tiled without gaps or overlaps, plausible in size."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from shapely import union_all
from shapely.geometry import Point, shape

from console.demo.county import DEFAULT_SEED, County, generate_county
from console.enums import UnitKind
from console.geo.distance import haversine_m
from console.services.county_import import parse_grids_geojson

#: Relative area tolerance for tiling checks (coordinates are rounded to 1e-6°, about 0.1 m).
AREA_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def county() -> County:
    return generate_county(DEFAULT_SEED)


def test_same_seed_same_county_other_seed_other_county(county: County) -> None:
    again = generate_county(DEFAULT_SEED)
    assert again == county
    assert again.digest() == county.digest()
    other = generate_county(DEFAULT_SEED + 1)
    assert other.digest() != county.digest()
    assert other.grids[0].geometry != county.grids[0].geometry


def test_county_is_about_40_by_30_km_in_southern_china(county: County) -> None:
    min_lon, min_lat, max_lon, max_lat = shape(county.boundary).bounds
    width = haversine_m(24.8, min_lon, 24.8, max_lon) / 1000
    height = haversine_m(min_lat, 113.6, max_lat, 113.6) / 1000
    assert 32 < width < 48
    assert 24 < height < 36
    assert 24.5 < (min_lat + max_lat) / 2 < 25.1
    assert 113.3 < (min_lon + max_lon) / 2 < 113.9


def test_townships_tile_the_county(county: County) -> None:
    boundary = shape(county.boundary)
    towns = [shape(t.geometry) for t in county.townships]
    assert len(towns) == 12
    assert len({t.name for t in county.townships}) == 12
    assert county.townships[0].name == "城关街道"
    assert all(t.name.endswith(("镇", "街道")) for t in county.townships)
    assert all(t.is_valid and not t.is_empty for t in towns)
    total = sum(t.area for t in towns)
    union = union_all(towns)
    assert abs(total - union.area) / boundary.area < AREA_TOLERANCE  # no overlaps
    assert abs(union.area - boundary.area) / boundary.area < AREA_TOLERANCE  # no gaps


def test_grids_tile_each_township_and_stay_inside_the_county(county: County) -> None:
    boundary = shape(county.boundary)
    assert 140 <= len(county.grids) <= 160
    for town in county.townships:
        outline = shape(town.geometry)
        grids = [shape(g.geometry) for g in county.grids if g.township_code == town.code]
        assert len(grids) >= 6, town.name
        union = union_all(grids)
        assert abs(union.area - outline.area) / outline.area < AREA_TOLERANCE, town.name
        assert abs(sum(g.area for g in grids) - union.area) / outline.area < AREA_TOLERANCE, town.name
        for g in grids:
            assert g.is_valid
            assert g.difference(boundary).area / g.area < AREA_TOLERANCE  # inside the county
            assert g.difference(outline).area / g.area < AREA_TOLERANCE  # inside its township


def test_grid_codes_and_names(county: County) -> None:
    codes = [g.code for g in county.grids]
    assert len(set(codes)) == len(codes)
    names = {t.code: t.name for t in county.townships}
    for g in county.grids:
        assert g.code[0] == "G" and len(g.code) == 5 and g.code[1:].isdigit()
        assert g.name.startswith(names[g.township_code]) and g.name.endswith("网格")
        min_lon, min_lat, max_lon, max_lat = shape(g.geometry).bounds
        assert g.bbox == pytest.approx((min_lon, min_lat, max_lon, max_lat))


def test_grids_geojson_is_accepted_by_the_grid_import(county: County) -> None:
    records = parse_grids_geojson(json.dumps(county.grids_geojson(), ensure_ascii=False))
    assert [r.code for r in records] == [g.code for g in county.grids]
    assert {r.township for r in records} == {t.name for t in county.townships}


def test_places_lie_in_their_grid_with_villages_and_landmarks(county: County) -> None:
    grids = {g.code: shape(g.geometry) for g in county.grids}
    kinds = Counter(p.kind for p in county.places)
    assert kinds["village"] >= 100
    assert kinds["community"] >= 10
    for kind in ("school", "market", "hospital", "police_station"):
        assert kinds[kind] >= 10, kind
    for p in county.places:
        assert grids[p.grid_code].buffer(1e-6).contains(Point(p.lon, p.lat)), p.name
    villages = [p.name for p in county.places if p.kind == "village"]
    assert len(set(villages)) == len(villages)
    assert all(v.endswith("村") for v in villages)


def test_units_of_every_kind_one_grid_worker_per_grid(county: County) -> None:
    kinds = Counter(u.kind for u in county.units)
    assert set(kinds) == set(UnitKind)
    assert 270 <= len(county.units) <= 330
    assert kinds[UnitKind.GRID_WORKER] == len(county.grids)
    workers = {u.home_grid_code for u in county.units if u.kind == UnitKind.GRID_WORKER}
    assert workers == {g.code for g in county.grids}
    callsigns = [u.callsign for u in county.units]
    trackers = [u.tracker_id for u in county.units]
    assert len(set(callsigns)) == len(callsigns)
    assert len(set(trackers)) == len(trackers)
    assert all(c.isascii() and "-" in c for c in callsigns)
    grids = {g.code: shape(g.geometry) for g in county.grids}
    for u in county.units:
        assert u.capabilities
        assert grids[u.home_grid_code].buffer(1e-6).contains(Point(u.lon, u.lat)), u.callsign
    # Every township has patrol cars and a foot patrol of its own.
    for kind in (UnitKind.PATROL_CAR, UnitKind.FOOT_PATROL):
        assert {u.township_code for u in county.units if u.kind == kind} == {t.code for t in county.townships}


def test_departments_cover_every_category(county: County) -> None:
    from console.enums import Category

    assert len(county.departments) >= 12
    handled = {c for d in county.departments for c in d.categories}
    assert handled == {c.value for c in Category}
    assert len({d.name for d in county.departments}) == len(county.departments)


def test_roads_join_the_township_seats(county: County) -> None:
    trunk = [r for r in county.roads if r.kind == "trunk"]
    assert len(trunk) >= len(county.townships) - 1
    for r in county.roads:
        assert r.points[0] == county.nodes[r.start]
        assert r.points[-1] == county.nodes[r.end]
    # Every seat is reachable from the county seat along trunk roads.
    reach = {"T01"}
    frontier = ["T01"]
    while frontier:
        node = frontier.pop()
        for r in trunk:
            for a, b in ((r.start, r.end), (r.end, r.start)):
                if a == node and b not in reach:
                    reach.add(b)
                    frontier.append(b)
    assert reach == {t.code for t in county.townships}
