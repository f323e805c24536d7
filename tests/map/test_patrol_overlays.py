"""The patrol and routing overlays in the real page: plans coloured by today's state, key sites by readiness, a
route, reach outlines, and a playback whose frames go through the map's one throttle (only the latest is drawn)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from console.geo.gcj02 import wgs84_to_gcj02
from console.patrol.playback import Frames, Stop, Track
from ui.map.overlays import Datum, target_rows

pytestmark = pytest.mark.ui

WAIT = 10_000
LAT, LON = 24.83, 113.63

TARGETS = [
    {
        "target_id": 1,
        "plan": "北门护学岗",
        "name": "北门",
        "kind": "point",
        "state": "done",
        "geometry": {"type": "Point", "coordinates": [LON, LAT]},
    },
    {
        "target_id": 2,
        "plan": "沿河巡线",
        "name": "河堤",
        "kind": "route",
        "state": "due_now",
        "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT + 0.005]]},
    },
    {
        "target_id": 3,
        "plan": "集市",
        "name": "集市广场",
        "kind": "area",
        "state": "missed",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[LON, LAT], [LON + 0.004, LAT], [LON + 0.004, LAT + 0.004], [LON, LAT]]],
        },
    },
]
SITES = [
    {
        "code": "S1",
        "name": "第一小学",
        "kind": "school",
        "lat": LAT,
        "lon": LON,
        "target_min": 3,
        "covered": True,
        "best_unit": "巡001",
        "best_eta_s": 95,
        "units_within": 2,
    },
    {
        "code": "S2",
        "name": "<img src=x onerror=window.__xss=1>",
        "kind": "bank",
        "lat": LAT + 0.02,
        "lon": LON + 0.02,
        "target_min": 1,
        "covered": False,
        "best_unit": None,
        "best_eta_s": None,
        "units_within": 0,
    },
]


def wait_js(qtbot: Any, js: Any, widget: Any, script: str, check: Any) -> None:
    qtbot.waitUntil(lambda: check(js(widget, script)), timeout=WAIT)


def test_plans_sites_route_and_reach_are_drawn(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    for name in ("Patrol plans", "Key sites", "Route", "Reach (1/3/5 min)", "Track playback"):
        assert name in js(widget, "DispatchMap.layerNames()")
    widget.set_patrol_targets(TARGETS)
    widget.set_key_sites(SITES)
    wait_js(qtbot, js, widget, "DispatchMap.overlays()", lambda o: o["targets"] == 3 and o["sites"] == 2)
    overlays = js(widget, "DispatchMap.overlays()")
    assert overlays["byState"] == {"done": 1, "due_now": 1, "missed": 1}
    assert overlays["uncovered"] == 1 and overlays["patrolShown"] is True
    widget.show_history_layer("patrol", False)  # a switchable layer
    wait_js(qtbot, js, widget, "DispatchMap.overlays().patrolShown", lambda v: v is False)
    assert js(widget, "DispatchMap.siteTip('S1')")[1].startswith("covered")
    assert js(widget, "window.__xss === undefined") is True  # a site's name is text

    route = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT], [LON + 0.01, LAT + 0.01]]},
        "properties": {"route": "road", "eta_s": 240.0, "distance_m": 2100.0},
    }
    widget.show_route(route, "巡001", label=False)  # a recommended unit's way: its recommendation label says it
    wait_js(qtbot, js, widget, "DispatchMap.overlays()", lambda o: o["route"] == 3 and o["routeLabel"] is False)
    widget.show_route(route, "巡001")  # the dispatched unit's way carries its label (the case panel's words)
    wait_js(qtbot, js, widget, "DispatchMap.overlays()", lambda o: o["route"] == 3 and o["routeLabel"] is True)
    ring = [[LON - 0.01, LAT - 0.01], [LON + 0.01, LAT - 0.01], [LON + 0.01, LAT + 0.01], [LON - 0.01, LAT - 0.01]]
    reach = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"minutes": m, "route": "road"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x * m / 5 + LON * (1 - m / 5), y * m / 5 + LAT * (1 - m / 5)] for x, y in ring]],
                },
            }
            for m in (1, 3, 5)
        ],
    }
    widget.show_reach(reach, "巡001")
    wait_js(qtbot, js, widget, "DispatchMap.overlays().reach", lambda r: r == [5, 3, 1])
    widget.show_route(None)
    widget.show_reach(None)
    wait_js(qtbot, js, widget, "DispatchMap.overlays()", lambda o: o["route"] == 0 and o["reach"] == [])


def _playback(units: int, t0: float) -> Any:
    tracks = {}
    for uid in range(1, units + 1):
        t = t0 + np.arange(0, 600, 10, dtype=np.float64)
        lat = LAT + uid * 0.001 + np.linspace(0, 0.01, len(t))
        lon = np.full(len(t), LON)
        tracks[uid] = Track(uid, t, lat, lon, np.full(len(t), np.nan))
    return SimpleNamespace(
        tracks=tracks,
        callsigns={u: f"巡{u:03d}" for u in tracks},
        stops=[Stop(1, t0, t0 + 200, LAT, LON)],
        checkins=[{"unit_id": 1, "lat": LAT, "lon": LON, "arrived": t0 + 100, "target": "北门", "late": False}],
        cases=[{"received": t0 + 300, "lat": LAT, "lon": LON + 0.002, "priority": "red", "number": "2026-000001"}],
        frames=Frames(tracks),
    )


def test_playback_frames_are_coalesced_into_the_next_batch(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    t0 = 1_795_000_000.0
    data = _playback(60, t0)  # more than a few dozen: the one full redraw path
    widget.load_playback(data)
    wait_js(qtbot, js, widget, "DispatchMap.overlays().playing", lambda n: n == 60)
    posted: list[str] = []
    widget._bridge.post.connect(posted.append)
    widget.flush()
    posted.clear()
    for step in range(20):  # a fast playback asks for many frames within one interval
        widget.show_playback_frame(data.frames.frame(t0 + 15 * step))
    qtbot.waitUntil(lambda: any('"p"' in m for m in posted), timeout=WAIT)
    widget.flush()
    frames = [json.loads(m)["p"] for m in posted if '"p"' in m]
    assert frames[-1]["t"] == t0 + 15 * 19  # the latest moment wins; none queue up behind it
    assert len(frames) <= 2
    wait_js(qtbot, js, widget, "DispatchMap.overlays().t", lambda t: t == t0 + 285)
    lat = js(widget, "DispatchMap.playMarker(2)")[0]
    assert lat == pytest.approx(LAT + 0.002 + 0.01 * 28.5 / 59, abs=1e-5)
    counts = js(widget, "DispatchMap.overlays()")
    assert counts["checkinsShown"] == 1 and counts["casesShown"] == 0  # the case came in at t0 + 300
    widget.show_playback_frame(data.frames.frame(t0 + 400))
    wait_js(qtbot, js, widget, "DispatchMap.overlays().casesShown", lambda n: n == 1)
    widget.load_playback(None)
    wait_js(qtbot, js, widget, "DispatchMap.overlays().playing", lambda n: n == 0)


def test_overlays_follow_the_basemap_datum() -> None:
    rows = target_rows(Datum(True), TARGETS[:1])
    assert rows[0][5] == pytest.approx(list(wgs84_to_gcj02(LAT, LON)), abs=1e-6)
    assert target_rows(Datum(False), TARGETS[:1])[0][5] == [LAT, LON]


def test_the_layer_list_folds_on_a_short_map(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()  # 900 × 700
    assert js(widget, "DispatchMap.controlFolded()") is False
    widget.resize(900, 420)
    wait_js(qtbot, js, widget, "DispatchMap.controlFolded()", lambda v: v is True)
    assert "Patrol plans" in js(widget, "DispatchMap.layerNames()")  # still there, behind its button
    widget.resize(900, 800)
    wait_js(qtbot, js, widget, "DispatchMap.controlFolded()", lambda v: v is False)


def test_the_walls_map_has_no_layer_list_and_no_zoom_buttons(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    assert js(widget, "DispatchMap.controlShown()") is True and js(widget, "DispatchMap.zoomShown()") is True
    widget.set_wall(True)
    wait_js(qtbot, js, widget, "DispatchMap.controlShown()", lambda v: v is False)
    assert js(widget, "DispatchMap.zoomShown()") is False
    widget.resize(900, 420)  # a resize does not bring the list back on the wall
    widget.resize(900, 800)
    qtbot.waitUntil(lambda: widget.width() == 900 and widget.height() == 800)
    assert js(widget, "DispatchMap.controlShown()") is False
    widget.set_wall(False)  # back to a work layout: both again
    wait_js(qtbot, js, widget, "DispatchMap.controlShown()", lambda v: v is True)
    assert js(widget, "DispatchMap.zoomShown()") is True
    assert "Patrol plans" in js(widget, "DispatchMap.layerNames()")


VISIBLE_REACH_LABELS = (
    "Array.from(document.querySelectorAll('.dm-reach-label')).filter(function (el) {"
    " return el.style.display !== 'none'; }).length"
)


def test_reach_captions_do_not_pile_up_when_zoomed_out(make_map: Any, js: Any, qtbot: Any) -> None:
    """Zoomed out, the 1/3/5-minute rings are a few pixels apart and only the outermost caption is shown; zoomed in,
    all three."""
    widget = make_map()
    ring = [[LON - 0.01, LAT - 0.01], [LON + 0.01, LAT - 0.01], [LON + 0.01, LAT + 0.01], [LON - 0.01, LAT - 0.01]]
    reach = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"minutes": m, "route": "road"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x * m / 5 + LON * (1 - m / 5), y * m / 5 + LAT * (1 - m / 5)] for x, y in ring]],
                },
            }
            for m in (1, 3, 5)
        ],
    }
    js(widget, f"DispatchMap.map().setView([{LAT}, {LON}], 9, {{animate: false}}); 1")
    widget.show_reach(reach, "巡001")
    wait_js(qtbot, js, widget, "document.querySelectorAll('.dm-reach-label').length", lambda n: n == 3)
    assert js(widget, VISIBLE_REACH_LABELS) == 1
    js(widget, f"DispatchMap.map().setView([{LAT}, {LON}], 16, {{animate: false}}); 1")
    wait_js(qtbot, js, widget, VISIBLE_REACH_LABELS, lambda n: n == 3)
