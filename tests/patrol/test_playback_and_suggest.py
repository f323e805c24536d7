"""Track playback (tracks, frames, stops, check-ins and cases of a range) and plans suggested from the appeals."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from console.db import Database, write_transaction
from console.enums import Category, Channel, Priority, Role, TargetKind
from console.patrol.plan_geojson import parse_plans_geojson, plans_geojson
from console.patrol.playback import Frames, Track, playback, shift_track, stops
from console.patrol.suggest import suggest_plans
from console.services.intake import IntakeRequest, create_case
from console.services.patrol_plans import create_plan
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, draft, east, feed, make_plan, north, point, shift_of

START = T0.timestamp()


def _track(unit: int, times: list[float], lats: list[float], lons: list[float]) -> Track:
    return Track(unit, np.array(times), np.array(lats), np.array(lons), np.full(len(times), np.nan))


def test_frames_interpolate_hold_and_leave_out() -> None:
    frames = Frames(
        {
            1: _track(1, [0, 60, 300], [0.0, 0.6, 0.6], [0.0, 0.0, 1.0]),
            2: _track(2, [100, 110], [5.0, 5.0], [5.0, 6.0]),
        }
    )
    assert frames.frame(30) == {"t": 30, "mv": [1, 0.3, 0.0]}  # unit 2 has not reported yet
    assert frames.frame(105)["mv"] == [1, 0.6, 0.0, 2, 5.0, 5.5]
    # Between fixes 240 s apart the unit is held at the earlier one (no line through a gap).
    assert frames.frame(200)["mv"] == [1, 0.6, 0.0, 2, 5.0, 6.0]
    assert frames.frame(10_000)["mv"] == [1, 0.6, 1.0, 2, 5.0, 6.0]
    assert json.loads(frames.frame_json(105)) == frames.frame(105)


def test_stops_are_where_the_unit_stood_two_minutes() -> None:
    times = [0, 30, 60, 90, 120, 150, 180, 200]
    lats = [LAT0] * 6 + [north(200), north(400)]
    found = stops(_track(1, times, lats, [LON0] * 8))
    assert [(s.start, s.end) for s in found] == [(0, 150)]


def test_playback_of_a_range(db: Database, county: MiniCounty) -> None:
    make_plan(db, county, draft(point(dwell_s=60)))
    pc = county.unit_ids["PC-01"]
    feed(db, pc, [(30 * k, LAT0, LON0) for k in range(6)] + [(200, north(300), east(300))])
    feed(db, county.unit_ids["PC-02"], [(50, north(10), east(10))])
    write_transaction(
        db.sessions,
        lambda s: create_case(
            s,
            IntakeRequest(
                Channel.WALK_IN,
                Category.DISPUTE,
                Priority.YELLOW,
                "吵架",
                lat=LAT0,
                lon=LON0,
                received_at=T0 + timedelta(seconds=90),
            ),
            actor=county.actors[Role.DISPATCHER],
            now=T0 + timedelta(seconds=95),
        ),
    )
    with db.session() as s:
        data = playback(s, [pc, county.unit_ids["PC-02"]], T0, T0 + timedelta(minutes=10))
    assert len(data.tracks[pc]) == 7 and data.tracks[pc].t[0] == pytest.approx(START, abs=1e-3)
    assert [(c["target"], c["arrived"] - START) for c in data.checkins] == [("gate", pytest.approx(0, abs=1e-3))]
    assert [c["received"] - START for c in data.cases] == [pytest.approx(90, abs=1e-3)]
    assert len(data.stops) == 1
    frame = data.frames.frame(START + 60)
    assert frame["mv"][0::3] == [pc, county.unit_ids["PC-02"]]
    body = data.as_dict()
    assert [u["callsign"] for u in body["units"]] == ["PC-01", "PC-02"]


def test_clusters_of_appeals_become_draft_plans_with_the_cases_behind_them(db: Database, county: MiniCounty) -> None:
    dispatcher = county.actors[Role.DISPATCHER]

    def appeals(s: Any) -> None:
        for k in range(6):  # a brawl corner at night: 6 public-order appeals within 60 m, 21:00–22:00
            create_case(
                s,
                IntakeRequest(
                    Channel.HOTLINE_12345,
                    Category.PUBLIC_ORDER,
                    Priority.ORANGE,
                    f"夜间喧哗打架 {k}",
                    lat=north(10 * k),
                    lon=east(5 * k),
                    received_at=T0 - timedelta(days=k + 1) + timedelta(hours=12, minutes=10 * k),
                ),
                actor=dispatcher,
                now=T0,
            )
        create_case(  # a lone appeal elsewhere is no cluster; a consultation is not patrol work
            s,
            IntakeRequest(Channel.ONLINE, Category.CONSULTATION, Priority.BLUE, "咨询", lat=LAT0, lon=LON0),
            actor=dispatcher,
            now=T0,
        )

    write_transaction(db.sessions, appeals)
    with db.session() as s:
        [suggestion] = suggest_plans(s, now=T0, days=30)
    d = suggestion.draft
    assert len(suggestion.cases) == 6 and suggestion.categories == {"public_order": 6}
    assert d.windows == ("20:00-22:00",)  # the earlier of the two equally busy blocks
    [target] = d.targets
    assert target.kind == TargetKind.POINT and target.radius_m is not None and target.radius_m >= 50
    assert "GW-G100" in d.team  # the grid's own grid worker
    # The shift leader saves it (as the import would read it back from the written file).
    [again] = parse_plans_geojson(json.dumps(plans_geojson([d])))
    plan = write_transaction(
        db.sessions,
        lambda s: create_plan(s, again, actor=county.actors[Role.SHIFT_LEADER], now=T0, source="suggestion"),
    )
    assert plan.source == "suggestion"


def test_a_units_track_for_a_shift(db: Database, county: MiniCounty) -> None:
    plan = make_plan(db, county, draft(point(dwell_s=60)))
    pc = county.unit_ids["PC-01"]
    feed(
        db,
        pc,
        [(-600, LAT0, LON0)] + [(60 * k, LAT0, LON0) for k in range(3)] + [(5400, LAT0, LON0), (5460, LAT0, LON0)],
    )
    with db.session() as s:
        track = shift_track(s, shift_of(db, plan).id, pc)
    # 09:00–10:00 and its 30 min of grace: the fix before and the one after are left out.
    assert (track.t - START).tolist() == pytest.approx([0, 60, 120, 5400], abs=1e-3)
