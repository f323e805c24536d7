"""The map page in a real QtWebEngine (offscreen): layers, live updates, clicks, escaping, offline, tiles."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from console.enums import Priority, UnitKind, UnitStatus
from console.geo.basemap import BasemapConfig
from console.geo.gcj02 import wgs84_to_gcj02
from console.views import Recommendation
from tests.map.conftest import make_case, make_unit
from tests.map.test_mbtiles import make_store

pytestmark = pytest.mark.ui

WAIT = 10_000
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"


def wait_js(qtbot: Any, js: Any, widget: Any, script: str, expected: Any) -> None:
    qtbot.waitUntil(lambda: js(widget, script) == expected, timeout=WAIT)


def test_page_loads_with_its_layers(make_map: Any, js: Any) -> None:
    widget = make_map()
    names = js(widget, "DispatchMap.layerNames()")
    for name in ("Townships", "Grids", "County boundary", "Units", "Open cases", "30-day heat map"):
        assert name in names
    assert js(widget, "document.querySelectorAll('.leaflet-control-scale').length") == 1
    assert js(widget, "document.querySelectorAll('.dm-township-label').length") == 4
    # Leaflet and the bridge came from the app's own scheme.
    assert js(widget, "typeof L.heatLayer + '/' + typeof L.markerClusterGroup + '/' + typeof qt") == (
        "function/function/object"
    )
    assert widget.blocked_requests == []


def test_units_move_and_change_in_the_page(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    units = [
        make_unit(i, 24.81 + i * 0.001, 113.61, kind=UnitKind.DRONE if i == 3 else UnitKind.PATROL_CAR)
        for i in range(1, 6)
    ]
    widget.set_units(units)
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 5)
    assert js(widget, "DispatchMap.unitStyle(3).shape") == "cross"

    moved = list(units)
    moved[1] = make_unit(2, 24.85, 113.65, status=UnitStatus.EN_ROUTE)
    with qtbot.waitSignal(widget.batchApplied, timeout=WAIT):
        widget.set_units(moved)
    assert js(widget, "DispatchMap.unitLatLng(2)") == pytest.approx([24.85, 113.65])
    assert js(widget, "DispatchMap.unitStyle(2).fill") == "#6a1b9a"  # en route colour

    with qtbot.waitSignal(widget.batchApplied, timeout=WAIT):
        widget.set_units(moved[:-1])
    assert js(widget, "DispatchMap.counts().units") == 4


def test_batches_are_coalesced(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    posted: list[str] = []
    widget._bridge.post.connect(posted.append)
    widget.set_units([make_unit(1, 24.81, 113.61)])
    widget.flush()
    posted.clear()
    for step in range(10):
        widget.set_units([make_unit(1, 24.81 + step * 0.001, 113.61)])
    assert posted == []  # the last batch went out just now: these wait for the next tick
    qtbot.waitUntil(lambda: len(posted) >= 1, timeout=WAIT)
    widget.flush()  # nothing is left pending after that one batch
    assert len(posted) == 1  # ten calls inside one interval: one batch, with the last position
    message = json.loads(posted[0])
    assert isinstance(posted[0], str)
    assert message["u"] == {"mv": [1, 24_819_000, 113_610_000]}  # positions in millionths of a degree


def test_a_big_change_goes_out_in_parts_and_all_of_it_arrives(
    make_map: Any, js: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.map import widget as widget_module

    widget = make_map()
    posted: list[dict[str, Any]] = []
    widget._bridge.post.connect(lambda text: posted.append(json.loads(text)))
    monkeypatch.setattr(widget_module, "SLICE_ROWS", 100)
    monkeypatch.setattr(widget_module, "BATCH_CPU_MS", 0.0)  # no time for a second slice: one slice a batch
    units = [make_unit(i, 24.81 + i * 1e-5, 113.61) for i in range(1, 451)]
    cases = [make_case(i, 24.82 + i * 1e-5, 113.62) for i in range(1, 251)]
    widget.set_units(units)
    widget.set_cases(cases)
    widget.flush()
    wait_js(qtbot, js, widget, "[DispatchMap.counts().units, DispatchMap.counts().cases]", [450, 250])
    batches = [m for m in posted if m["op"] == "batch"]
    # One slice of each kind a batch: 100+100+100+100+50 units, the last of them with the first 100 cases, then
    # 100 and 50 cases.
    assert [(len(m.get("u", {}).get("up", [])), len(m.get("c", {}).get("up", []))) for m in batches] == [
        (100, 0),
        (100, 0),
        (100, 0),
        (100, 0),
        (50, 100),
        (0, 100),
        (0, 50),
    ]
    assert [m["s"] for m in batches] == sorted(m["s"] for m in batches)
    assert js(widget, "DispatchMap.unitLatLng(450)") == pytest.approx([24.81 + 450e-5, 113.61])


def test_moves_of_many_units_go_out_as_one_batch(
    make_map: Any, js: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.map import widget as widget_module

    widget = make_map()
    units = [make_unit(i, 24.81 + i * 1e-5, 113.61) for i in range(1, 301)]
    widget.set_units(units)
    widget.flush()
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 300)
    posted: list[dict[str, Any]] = []
    widget._bridge.post.connect(lambda text: posted.append(json.loads(text)))
    monkeypatch.setattr(widget_module, "SLICE_ROWS", 100)
    monkeypatch.setattr(widget_module, "BATCH_CPU_MS", 60_000.0)  # time for every slice
    with qtbot.waitSignal(widget.batchApplied, timeout=WAIT):
        widget.set_units([make_unit(u.id, 24.9, 113.7 + u.id * 1e-5) for u in units])
        widget.flush()
    assert len(posted) == 1 and len(posted[0]["u"]["mv"]) == 3 * 300  # three slices joined: one message
    assert js(widget, "DispatchMap.unitLatLng(300)") == pytest.approx([24.9, 113.7 + 300e-5])


def test_click_in_the_page_emits_the_selection(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    widget.set_units([make_unit(7, 24.82, 113.62)])
    widget.set_cases([make_case(9, 24.83, 113.63)])
    wait_js(qtbot, js, widget, "DispatchMap.counts().units + DispatchMap.counts().cases", 2)
    with qtbot.waitSignal(widget.unitClicked, timeout=WAIT) as unit_signal:
        assert js(widget, "DispatchMap.clickUnit(7)") is True
    assert unit_signal.args == [7]
    with qtbot.waitSignal(widget.caseClicked, timeout=WAIT) as case_signal:
        js(widget, "DispatchMap.clickCase(9)")
    assert case_signal.args == [9]
    assert js(widget, "DispatchMap.selected()") == {"kind": "case", "id": 9}


def test_real_mouse_click_on_a_unit(make_map: Any, js: Any, qtbot: Any) -> None:
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    widget = make_map()
    widget.set_units([make_unit(4, 24.86, 113.66)])
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 1)
    x, y = js(
        widget, "(function(){var p=DispatchMap.map().latLngToContainerPoint([24.86,113.66]);return [p.x,p.y];})()"
    )
    target = widget.view.focusProxy() or widget.view
    with qtbot.waitSignal(widget.unitClicked, timeout=WAIT) as signal:
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(round(x), round(y)))
    assert signal.args == [4]


def test_select_from_python_highlights(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    widget.set_units([make_unit(5, 24.84, 113.64)])
    widget.select_unit(5)
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.selected()") == {"kind": "unit", "id": 5}, timeout=WAIT)


def test_overdue_case_stands_out(make_map: Any, js: Any, qtbot: Any) -> None:
    from datetime import timedelta

    from console.timeutil import utcnow

    widget = make_map()
    widget.set_cases(
        [
            make_case(1, 24.82, 113.62, priority=Priority.RED, due_at=utcnow() - timedelta(minutes=5)),
            make_case(2, 24.83, 113.63, priority=Priority.BLUE),
        ]
    )
    wait_js(qtbot, js, widget, "DispatchMap.counts().cases", 2)
    red = js(widget, "DispatchMap.caseStyle(1)")
    blue = js(widget, "DispatchMap.caseStyle(2)")
    assert red["overdue"] is True and red["weight"] > blue["weight"]
    assert red["fill"] != blue["fill"]


def test_citizen_text_never_runs(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    widget.set_units([make_unit(1, 24.82, 113.62, callsign=XSS_IMG)])
    widget.set_cases(
        [make_case(1, 24.83, 113.63, description=XSS_SCRIPT + " 求助 " + XSS_IMG, address=XSS_IMG, number=XSS_SCRIPT)]
    )
    widget.show_recommendations(1, [Recommendation(1, XSS_SCRIPT, UnitKind.PATROL_CAR, 800.0, 120.0, ())])
    widget.set_history([(24.84, 113.64, XSS_IMG)])
    wait_js(qtbot, js, widget, "DispatchMap.counts().units + DispatchMap.counts().cases", 2)
    case_tip = js(widget, "DispatchMap.openTooltip('case', 1)")
    unit_tip = js(widget, "DispatchMap.openTooltip('unit', 1)")
    # A broken image of our own, put in after the tooltips: once its error handler has run, the handlers of any
    # broken image the citizen's text could have made would have run too.
    js(
        widget,
        "var i = document.createElement('img'); i.onerror = function () { window.__sentinel = 1; }; i.src = 'x'; 1",
    )
    wait_js(qtbot, js, widget, "window.__sentinel === 1", True)
    assert XSS_SCRIPT in case_tip["text"] and XSS_IMG in case_tip["text"]
    assert case_tip["images"] == 0 and case_tip["scripts"] == 0
    assert XSS_IMG in unit_tip["text"] and unit_tip["images"] == 0
    assert js(widget, "document.querySelectorAll('.dm-rec-label').length") == 1
    assert js(widget, "document.querySelector('.dm-rec-label').textContent").startswith("1. <script>")
    assert (
        js(widget, "document.querySelectorAll('.leaflet-pane img:not(.leaflet-tile), .leaflet-pane script').length")
        == 0
    )
    assert js(widget, "typeof window.__xss") == "undefined"


def test_right_click_asks_for_a_new_appeal_in_wgs84(make_map: Any, js: Any, qtbot: Any, tmp_path: Path) -> None:
    store = make_store(tmp_path / "county.mbtiles", {})
    widget = make_map(BasemapConfig(mbtiles=store, datum="gcj02"))
    g_lat, g_lon = wgs84_to_gcj02(24.85, 113.65)
    with qtbot.waitSignal(widget.newAppealRequested, timeout=WAIT) as signal:
        assert js(widget, f"DispatchMap.contextMenuAt({g_lat}, {g_lon})") is True
    lat, lon = signal.args
    assert lat == pytest.approx(24.85, abs=1e-6) and lon == pytest.approx(113.65, abs=1e-6)


def test_f3_pick_mode_gives_the_next_click_as_the_place(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    assert js(widget, "DispatchMap.clickMap(24.85, 113.65)") is True  # an ordinary click: no new appeal
    assert js(widget, "DispatchMap.picking()") is False
    widget.pick_place(True)
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.picking()") is True, timeout=WAIT)
    with qtbot.waitSignal(widget.newAppealRequested, timeout=WAIT) as signal:
        js(widget, "DispatchMap.clickMap(24.85, 113.65)")
    assert signal.args == pytest.approx([24.85, 113.65], abs=1e-6)
    assert js(widget, "DispatchMap.picking()") is False  # one click, one place


def test_recommendations_and_history_layers(make_map: Any, js: Any, qtbot: Any) -> None:
    widget = make_map()
    widget.set_units([make_unit(1, 24.82, 113.62), make_unit(2, 24.86, 113.66)])
    widget.set_cases([make_case(3, 24.84, 113.64)])
    recs = [
        Recommendation(2, "巡002", UnitKind.PATROL_CAR, 1200.0, 180.0, ("own_grid_worker",)),
        Recommendation(1, "巡001", UnitKind.PATROL_CAR, 2500.0, 400.0, ()),
    ]
    widget.show_recommendations(3, recs)
    wait_js(qtbot, js, widget, "document.querySelectorAll('.dm-rec-label').length", 2)
    widget.set_history([(24.8 + i * 1e-4, 113.6 + i * 1e-4, "dispute") for i in range(500)])
    widget.show_history_layer("heat")
    widget.show_history_layer("cluster")
    wait_js(qtbot, js, widget, "DispatchMap.counts().history", 500)
    wait_js(qtbot, js, widget, "document.querySelectorAll('canvas.leaflet-heatmap-layer').length", 1)
    wait_js(qtbot, js, widget, "document.querySelectorAll('.marker-cluster').length > 0", True)


def test_no_request_leaves_the_app(make_map: Any, js: Any, qtbot: Any, tmp_path: Path) -> None:
    store = make_store(tmp_path / "county.mbtiles", {(12, 3388, 4095 - 1772): b"\x89PNG-ish"})
    widget = make_map(BasemapConfig(mbtiles=store))
    widget.set_units([make_unit(i, 24.81 + i * 1e-3, 113.61) for i in range(20)])
    widget.set_cases([make_case(1, 24.83, 113.63)])
    widget.set_history([(24.84, 113.64, "dispute")])
    widget.show_history_layer("heat")
    widget.show_history_layer("cluster")
    js(widget, "DispatchMap.map().setZoom(15); 1")
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 20)
    js(widget, "DispatchMap.openTooltip('case', 1)")
    qtbot.waitUntil(lambda: sum(widget.tile_stats) > 0, timeout=WAIT)
    served, missing = widget.tile_stats
    assert served + missing > 0  # the basemap asked for tiles, through tiles://
    assert widget.blocked_requests == []
    # The guard does see and block an outside request.
    js(widget, "var i = new Image(); i.src = 'https://tile.openstreetmap.org/1/1/1.png'; 1")
    qtbot.waitUntil(lambda: widget.blocked_requests != [], timeout=WAIT)
    assert widget.blocked_requests == ["https://tile.openstreetmap.org/1/1/1.png"]


def test_tile_scheme_serves_flipped_rows_and_fails_cleanly(make_map: Any, js: Any, qtbot: Any, tmp_path: Path) -> None:
    store = make_store(tmp_path / "county.mbtiles", {(3, 5, 7 - 2): b"tile z3 x5 y2", (3, 5, 2): b"wrong row"})
    widget = make_map(BasemapConfig(mbtiles=store))
    js(
        widget,
        """window.__tiles = {};
        ['3/5/2', '3/5/4', '9/0/0', 'junk'].forEach(function (k) {
          fetch('tiles://basemap/' + k).then(function (r) { return r.ok ? r.arrayBuffer() : Promise.reject(r.status); })
            .then(function (b) { window.__tiles[k] = btoa(String.fromCharCode.apply(null, new Uint8Array(b))); })
            .catch(function () { window.__tiles[k] = 'failed'; });
        }); 1""",
    )
    wait_js(qtbot, js, widget, "Object.keys(window.__tiles).length", 4)
    result = js(widget, "window.__tiles")
    assert base64.b64decode(result["3/5/2"]) == b"tile z3 x5 y2"
    assert result["3/5/4"] == result["9/0/0"] == result["junk"] == "failed"
    assert js(widget, "typeof DispatchMap.counts") == "function"  # the page carries on


def test_old_fixes_turn_grey_as_time_passes(make_map: Any, qtbot: Any, js: Any) -> None:
    from datetime import timedelta

    from console.timeutil import utcnow

    clock = {"now": utcnow()}
    widget = make_map(BasemapConfig(stale_fix_s=60), clock=lambda: clock["now"])
    widget.set_units([make_unit(1, 24.82, 113.62, fix_at=clock["now"])])
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 1)
    assert js(widget, "DispatchMap.unitStyle(1).stale") is False
    clock["now"] += timedelta(seconds=61)
    with qtbot.waitSignal(widget.batchApplied, timeout=WAIT):
        widget._recheck_stale()  # what the widget's timer does every few seconds
    assert js(widget, "DispatchMap.unitStyle(1)") == {"fill": "#bdbdbd", "shape": "square", "stale": True}


def test_gcj02_basemap_draws_units_shifted(make_map: Any, js: Any, qtbot: Any, tmp_path: Path) -> None:
    widget = make_map(BasemapConfig(mbtiles=make_store(tmp_path / "c.mbtiles", {}), datum="gcj02"))
    widget.set_units([make_unit(1, 24.82, 113.62)])
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 1)
    assert js(widget, "DispatchMap.unitLatLng(1)") == pytest.approx(list(wgs84_to_gcj02(24.82, 113.62)), abs=1e-6)


def test_a_new_county_page_gets_the_units_again(make_map: Any, js: Any, qtbot: Any, county: Any) -> None:
    widget = make_map()
    widget.set_units([make_unit(1, 24.82, 113.62), make_unit(2, 24.83, 113.63)])
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 2)
    with qtbot.waitSignal(widget.pageReady, timeout=WAIT * 3):
        widget.set_county(*county)
    wait_js(qtbot, js, widget, "DispatchMap.counts().units", 2)


def test_the_bridge_offers_only_narrow_methods() -> None:
    from PySide6.QtCore import QMetaMethod

    from ui.map.bridge import MapBridge

    meta = MapBridge.staticMetaObject
    callable_from_page = {
        bytes(meta.method(i).name().data()).decode()
        for i in range(meta.methodOffset(), meta.methodCount())
        if meta.method(i).methodType() == QMetaMethod.MethodType.Slot
    }
    assert callable_from_page == {"ready", "select", "contextMenu", "applied"}


def test_bridge_ignores_bad_input(qtbot: Any) -> None:
    from ui.map.bridge import MapBridge

    bridge = MapBridge()
    got: list[Any] = []
    bridge.selected.connect(lambda *a: got.append(a))
    bridge.context_menu.connect(lambda *a: got.append(a))
    bridge.select("window", 1)
    bridge.contextMenu(123.0, 500.0)
    assert got == []
    bridge.select("unit", 3)
    assert got == [("unit", 3)]


def test_a_look_at_the_fixes_that_sends_nothing_does_not_hold_the_next_batch(make_map: Any, qtbot: Any) -> None:
    # Every few seconds the widget looks at the fixes' age; when no unit turned stale nothing goes out, and the next
    # change must go out at once, not wait out an interval nobody's batch started (it held a move for up to 250 ms).
    widget = make_map()
    posted: list[str] = []
    widget._bridge.post.connect(posted.append)
    widget.set_units([make_unit(1, 24.81, 113.61)])
    widget.flush()
    widget._last_flush -= 1.0  # that batch's interval is over (as a second later)
    posted.clear()
    widget._recheck_stale()
    widget.flush()  # the look: nothing turned stale, nothing posted
    assert posted == []
    widget.set_units([make_unit(1, 24.82, 113.61)])
    assert widget._flush_timer.isActive() and widget._flush_timer.interval() == 0
    qtbot.waitUntil(lambda: len(posted) == 1, timeout=WAIT)


# How many recommendation labels overlap the layer list, in the map's container pixels. A label's place is where
# Leaflet put it (its top-left in the map pane, plus the pane's offset): the offscreen page does not apply 3D
# transforms to getBoundingClientRect.
LABELS_UNDER_LAYER_LIST = """(function () {
  var map = DispatchMap.map(), box = map.getContainer().getBoundingClientRect();
  var c = document.querySelector('.leaflet-control-layers').getBoundingClientRect(), hit = 0;
  var pane = L.DomUtil.getPosition(map.getPane('mapPane'));
  document.querySelectorAll('.dm-rec-label').forEach(function (el) {
    var at = L.DomUtil.getPosition(el), x = at.x + pane.x + box.left, y = at.y + pane.y + box.top;
    if (x < c.right && x + el.offsetWidth > c.left && y < c.bottom && y + el.offsetHeight > c.top) hit++;
  });
  return hit;
})()"""


def test_recommendation_labels_keep_clear_of_the_layer_list(make_map: Any, js: Any, qtbot: Any) -> None:
    """A case just left of the layer list: its labels' column goes left of it instead of under the list."""
    widget = make_map()
    where = js(
        widget,
        """(function () {
          var box = DispatchMap.map().getContainer().getBoundingClientRect();
          var c = document.querySelector('.leaflet-control-layers').getBoundingClientRect();
          var p = [c.left - box.left - 120, (c.top + c.bottom) / 2 - box.top];
          var ll = DispatchMap.map().containerPointToLatLng(p);
          return [ll.lat, ll.lng, p[0], box.width];
        })()""",
    )
    lat, lon, x, width = where
    assert width - x > 260  # the column (260 px) is not cut by the map's edge on the right: only the list is in its way
    widget.set_units([make_unit(1, lat - 0.01, lon - 0.01), make_unit(2, lat + 0.01, lon - 0.02)])
    widget.set_cases([make_case(3, lat, lon)])
    recs = [
        Recommendation(1, "巡001", UnitKind.PATROL_CAR, 1200.0, 180.0, ()),
        Recommendation(2, "巡002", UnitKind.PATROL_CAR, 2500.0, 400.0, ()),
    ]
    widget.show_recommendations(3, recs)
    wait_js(qtbot, js, widget, "document.querySelectorAll('.dm-rec-label').length", 2)
    assert js(widget, LABELS_UNDER_LAYER_LIST) == 0


def test_fitting_the_map_does_not_leave_the_selected_case_under_the_layer_list(
    make_map: Any, js: Any, qtbot: Any, county: Any
) -> None:
    """The console fits the county when it starts, after the queue's first case is selected: a case in the county's
    north-east corner would sit under the layer list; the map moves sideways to show it."""
    widget = make_map()
    ring = county[2]["coordinates"][0]
    lats, lons = [p[1] for p in ring], [p[0] for p in ring]
    lat, lon = max(lats) - 0.05 * (max(lats) - min(lats)), max(lons) - 0.05 * (max(lons) - min(lons))
    widget.set_cases([make_case(7, lat, lon)])
    widget.flush()
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.counts().cases") == 1, timeout=WAIT)
    widget.set_follow(False)  # as at start: the selection does not move the map by itself here
    widget.select_case(7)
    widget.fit()
    qtbot.waitUntil(lambda: not js(widget, "DispatchMap.map()._animatingZoom"), timeout=WAIT)
    zoom = js(widget, "DispatchMap.map().getZoom()")
    under = f"""(function () {{
      var map = DispatchMap.map(), box = map.getContainer().getBoundingClientRect();
      var r = document.querySelector('.leaflet-control-layers').getBoundingClientRect();
      var p = map.latLngToContainerPoint([{lat}, {lon}]);
      var size = map.getSize();
      return [p.x >= r.left - box.left && p.x <= r.right - box.left && p.y >= r.top - box.top
              && p.y <= r.bottom - box.top, p.x > 0 && p.x < size.x && p.y > 0 && p.y < size.y];
    }})()"""
    qtbot.waitUntil(lambda: js(widget, under) == [False, True], timeout=WAIT)  # clear of the list, on the map
    assert js(widget, "DispatchMap.map().getZoom()") == zoom  # moved sideways, not zoomed


# The recommendation labels' font size (px) and the smallest vertical distance between two of them (px, map pane).
REC_LABELS_SIZE_AND_SPACING = """(function () {
  var labels = Array.from(document.querySelectorAll('.dm-rec-label'));
  var ys = labels.map(function (el) { return L.DomUtil.getPosition(el).y; }).sort(function (a, b) { return a - b; });
  var gap = Infinity;
  for (var i = 1; i < ys.length; i++) gap = Math.min(gap, ys[i] - ys[i - 1]);
  return [parseFloat(getComputedStyle(labels[0]).fontSize), gap, labels[0].offsetHeight];
})()"""


def test_the_walls_recommendation_labels_are_larger_and_spaced_to_match(make_map: Any, js: Any, qtbot: Any) -> None:
    """Read from across the room: on the wall the labels are half as large again, and still do not overlap."""
    widget = make_map()
    widget.set_units([make_unit(i, 24.82 + i * 0.004, 113.62) for i in range(1, 4)])
    widget.set_cases([make_case(9, 24.84, 113.60)])
    recs = [Recommendation(i, f"巡{i:03d}", UnitKind.PATROL_CAR, 1000.0 * i, 120.0 * i, ()) for i in range(1, 4)]
    widget.show_recommendations(9, recs)
    wait_js(qtbot, js, widget, "document.querySelectorAll('.dm-rec-label').length", 3)
    size, gap, height = js(widget, REC_LABELS_SIZE_AND_SPACING)
    assert size == 12 and gap >= height
    widget.set_wall(True)

    def larger_and_apart() -> bool:
        size, gap, height = js(widget, REC_LABELS_SIZE_AND_SPACING)
        return bool(size == 18 and gap >= height)  # the column laid out again for the larger labels

    qtbot.waitUntil(larger_and_apart, timeout=WAIT)
