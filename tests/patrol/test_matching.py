"""Hand-computed cases of each target kind, on the pure matcher (the definitions) and through the ingest service."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.db import Database
from console.enums import TargetKind
from console.models import PatrolCheckin, PatrolShiftTarget, PatrolShiftUnit
from console.patrol.matching import ShiftSpec, UnitTrack, advance, checkins, compute_shift
from console.patrol.targets import compile_target
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, area, draft, east, feed, make_plan, north, point, route, shift_of

START = T0.timestamp()
END = START + 3600  # 09:00–10:00
GRACE = END + 1800


def spec(*targets: object) -> ShiftSpec:
    compiled = []
    for n, t in enumerate(targets, start=1):
        compiled.append(
            compile_target(
                n,
                t.kind,
                t.geometry,
                radius_m=t.radius_m,
                dwell_s=t.dwell_s,
                buffer_m=t.buffer_m,
                min_share=t.min_share,
                min_minutes=t.min_minutes,
            )
        )
    return ShiftSpec.of(1, START, END, GRACE, compiled)


def at(seconds: float, lat: float = LAT0, lon: float = LON0) -> tuple[float, float, float, None]:
    return (START + seconds, lat, lon, None)


# -- points -----------------------------------------------------------------------------------------------------


def test_point_stay_of_exactly_the_dwell_is_a_visit() -> None:
    s = spec(point(dwell_s=300))
    out = compute_shift(s, {7: [at(60 * k) for k in range(6)]})  # 0 … 300 s
    r = out.results[1]
    assert r.met and not r.late and r.achieved == pytest.approx(300)
    [c] = out.checkins(s)[7]
    assert (c.arrived, c.left, c.dwell, c.late) == (START, START + 300, 300, False)


def test_point_stay_broken_by_a_gap_over_120_s() -> None:
    s = spec(point(dwell_s=300))
    # 0, 100, 200 | gap 121 s | 321, 421, 521: two stays of 200 s, neither reaches 300 s
    fixes = [at(0), at(100), at(200), at(321), at(421), at(521)]
    r = compute_shift(s, {7: fixes}).results[1]
    assert not r.met and r.achieved == pytest.approx(200) and r.visits == 0
    # a gap of exactly 120 s does not break it: 0 … 320 s is one stay
    joined = [at(0), at(100), at(200), at(320)]
    assert compute_shift(s, {7: joined}).results[1].met


def test_point_stay_broken_by_a_fix_outside_the_radius() -> None:
    s = spec(point(radius_m=50, dwell_s=300))
    fixes = [at(0), at(100), at(200, north(60)), at(300), at(400), at(500)]
    r = compute_shift(s, {7: fixes}).results[1]
    assert not r.met and r.achieved == pytest.approx(200)  # 300 … 500


def test_a_fix_exactly_on_the_radius_is_inside() -> None:
    s = spec(point(radius_m=50, dwell_s=120))
    on = [at(0, north(50)), at(60, north(50)), at(120, LAT0, east(50))]
    assert compute_shift(s, {7: on}).results[1].met
    off = [at(0, north(50.01)), at(60), at(120)]
    assert compute_shift(s, {7: off}).results[1].achieved == pytest.approx(60)


def test_point_met_only_after_the_window_is_late() -> None:
    s = spec(point(dwell_s=300))
    fixes = [at(3500 + 60 * k) for k in range(8)]  # 09:58:20 … 10:05:20
    out = compute_shift(s, {7: fixes})
    r = out.results[1]
    assert not r.met and r.late
    assert r.achieved == pytest.approx(60)  # inside the window: 3500 … 3560
    [c] = out.checkins(s)[7]
    assert c.late and c.dwell == pytest.approx(420)


def test_two_units_the_longest_stay_counts() -> None:
    s = spec(point(dwell_s=300))
    out = compute_shift(s, {1: [at(0), at(100), at(200)], 2: [at(1000 + 100 * k) for k in range(4)]})
    assert out.results[1].met and out.results[1].achieved == pytest.approx(300)
    assert out.checkins(s) == {1: [], 2: out.checkins(s)[2]} and len(out.checkins(s)[2]) == 1


# -- routes -----------------------------------------------------------------------------------------------------


def test_route_half_covered() -> None:
    s = spec(route(length_m=200, buffer_m=30, min_share=0.8))
    # samples every 10 m: 21 of them; a drive from 0 to 100 m covers 0 … 130 m (buffer 30 m): 14 samples
    fixes = [at(0, LAT0, east(0)), at(30, LAT0, east(50)), at(60, LAT0, east(100))]
    r = compute_shift(s, {7: fixes}).results[1]
    assert r.kind == TargetKind.ROUTE and not r.met
    assert r.achieved == pytest.approx(200 * 14 / 21)


def test_route_covered_when_the_share_is_reached_and_fixes_far_apart_are_not_joined() -> None:
    s = spec(route(length_m=200, buffer_m=30, min_share=0.8))
    ends = [at(0, LAT0, east(0)), at(60, LAT0, east(200))]
    assert compute_shift(s, {7: ends}).results[1].met  # one joined segment covers it all
    apart = [at(0, LAT0, east(0)), at(121, LAT0, east(200))]  # 121 s apart: two lone fixes, 4 + 4 samples
    r = compute_shift(s, {7: apart}).results[1]
    assert not r.met and r.achieved == pytest.approx(200 * 8 / 21)


def test_route_covered_by_two_units_together() -> None:
    s = spec(route(length_m=200, buffer_m=30, min_share=0.8))
    first = [at(0, LAT0, east(0)), at(30, LAT0, east(100))]  # 0 … 130 m: 14 samples
    second = [at(0, north(10), east(100)), at(30, north(10), east(200))]  # 70 … 200 m: 14 samples
    r = compute_shift(s, {1: first, 2: second}).results[1]
    assert r.met and r.achieved == pytest.approx(200) and r.visits == 2


# -- areas ------------------------------------------------------------------------------------------------------


def test_area_time_counts_pairs_both_inside_with_gaps_capped() -> None:
    s = spec(area(side_m=200, min_minutes=5))
    inside = (north(100), east(100))
    outside = (north(300), east(100))
    fixes = [
        at(0, *inside),
        at(100, *inside),  # +100
        at(400, *inside),  # gap 300 s: +120
        at(500, *outside),  # not both inside: +0
        at(600, *inside),
        at(660, *inside),  # +60
    ]
    out = compute_shift(s, {7: fixes})
    r = out.results[1]
    assert r.achieved == pytest.approx(280) and not r.met
    assert [(c.arrived - START, c.left - START) for c in out.checkins(s)[7]] == [(0, 220), (600, 660)]


def test_area_time_of_two_units_at_once_counts_once() -> None:
    s = spec(area(side_m=200, min_minutes=3))
    inside = (north(100), east(100))
    both = [at(60 * k, *inside) for k in range(4)]  # 180 s each, at the same time
    r = compute_shift(s, {1: both, 2: both}).results[1]
    assert r.achieved == pytest.approx(180) and r.met


def test_area_time_after_the_window_is_late() -> None:
    s = spec(area(side_m=200, min_minutes=5))
    inside = (north(100), east(100))
    r = compute_shift(s, {7: [at(3540 + 60 * k, *inside) for k in range(7)]}).results[1]  # 3540 … 3900
    assert r.achieved == pytest.approx(60) and not r.met and r.late


# -- incremental --------------------------------------------------------------------------------------------------


def test_a_track_fed_in_pieces_equals_one_fed_at_once() -> None:
    s = spec(point(dwell_s=120), route(), area(min_minutes=2))
    fixes = [at(20 * k, north(3 * k), east(7 * k)) for k in range(40)]
    whole = compute_shift(s, {7: fixes})
    track = UnitTrack()
    for n in range(0, len(fixes), 7):
        piece = UnitTrack.from_json(track.as_json())  # what the matcher stores between batches
        advance(piece, s, fixes[n : n + 7])
        track = piece
    assert track.as_json() == whole.tracks[7].as_json()
    assert checkins(s, track) == whole.checkins(s)[7]


# -- through the ingest service ------------------------------------------------------------------------------------


def _rows(db: Database, shift_id: int) -> tuple[list[PatrolShiftTarget], list[PatrolCheckin], list[PatrolShiftUnit]]:
    with db.session() as s:
        return (
            list(s.scalars(select(PatrolShiftTarget).where(PatrolShiftTarget.shift_id == shift_id))),
            list(
                s.scalars(
                    select(PatrolCheckin).where(PatrolCheckin.shift_id == shift_id).order_by(PatrolCheckin.arrived_at)
                )
            ),
            list(s.scalars(select(PatrolShiftUnit).where(PatrolShiftUnit.shift_id == shift_id))),
        )


def test_fixes_out_of_order_through_the_ingest(db: Database, county: MiniCounty) -> None:
    plan = make_plan(db, county, draft(point(dwell_s=300)))
    unit = county.unit_ids["PC-01"]
    feed(db, unit, [(60 * k, LAT0, LON0) for k in (0, 1, 2, 4, 5, 6)])  # 0 … 360 s but 180 s missing: gap 120 s
    shift = shift_of(db, plan)
    [target], [checkin], _ = _rows(db, shift.id)
    assert target.met and checkin.dwell_s == pytest.approx(360)
    # The feed catches up: the missing fix at 180 s was outside the radius. The stay is broken in two.
    report = feed(db, unit, [(180, north(80), LON0)])
    assert report.accepted == 1 and report.out_of_order == 1
    [target], checkins_now, [track] = _rows(db, shift.id)
    assert not target.met and target.achieved == pytest.approx(120)
    assert checkins_now == []
    assert track.fixes == 7
    with db.session() as s:  # the unit keeps its newest position
        from console.models import Unit

        assert s.get(Unit, unit).fix_at.timestamp() == pytest.approx(START + 360)


def test_a_shift_met_across_batches(db: Database, county: MiniCounty) -> None:
    plan = make_plan(db, county, draft(point(dwell_s=300), route(length_m=100), area(min_minutes=2)))
    unit = county.unit_ids["PC-01"]
    for k in range(0, 12, 3):
        feed(db, unit, [(30 * j, north(1), east(10 * j)) for j in range(k, k + 3)])
    feed(db, unit, [(30 * j, north(100), east(100)) for j in range(12, 20)])
    shift = shift_of(db, plan)
    targets, checkins_now, [track] = _rows(db, shift.id)
    assert {t.kind: t.met for t in targets} == {TargetKind.POINT: False, TargetKind.ROUTE: True, TargetKind.AREA: True}
    assert track.fixes == 20 and track.distance_m > 100
    with db.session() as s:
        from console.models import PatrolShift

        row = s.get(PatrolShift, shift.id)
        assert row is not None and row.targets_met == 2
