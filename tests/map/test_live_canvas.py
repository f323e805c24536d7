"""The live canvas writes its units' pixels itself and draws the rest above them: after a batch of moves what it
shows must be, pixel for pixel, what a fresh redraw of every marker gives (no trail where a unit was, neighbours,
cases and the selection intact), and the units must look as their sprites do."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from console.enums import UnitKind, UnitStatus
from tests.map.conftest import make_case, make_unit

pytestmark = pytest.mark.ui

WAIT = 10_000
SIDE = 12  # units in a SIDE × SIDE block, close enough that their sprites overlap
STEP = 0.003
FAR = 0.004  # how far the lone unit goes: well clear of its old place, still on the canvas when zoomed in
LAT0, LON0 = 24.83, 113.63

# Skia anti-aliases a path's edge differently when it is clipped: a few edge pixels of a case, a ring or an outline
# cut by a redrawn rectangle come out up to about a fifth lighter or darker than in a full redraw (seen: alpha 172
# against 119 on a white outline). A real fault differs by more than this: a trail or a missing marker by the
# sprite's whole alpha (255 for a live unit), a unit drawn over a case by the colours' difference.
SHADE = 96

# The live canvas, its pixels now (with what its next frame would draw) and after a fresh redraw of every marker.
COMPARE = """(function (SHADE) {
  var r = null;
  DispatchMap.map().eachLayer(function (l) { if (l.options && l.options.uid !== undefined) r = l._renderer; });
  if (r._redrawRequest) {  // what the next frame draws (a selection just made), drawn now
    L.Util.cancelAnimFrame(r._redrawRequest);
    r._redraw();
  }
  var c = r._container, ctx = r._ctx;
  var shown = ctx.getImageData(0, 0, c.width, c.height).data;
  r._redraw();
  var full = ctx.getImageData(0, 0, c.width, c.height).data, differ = 0, painted = 0, shade = 0;
  for (var i = 0; i < full.length; i += 4) {
    if (full[i + 3]) painted++;
    var most = Math.max(Math.abs(shown[i] - full[i]), Math.abs(shown[i + 1] - full[i + 1]),
                        Math.abs(shown[i + 2] - full[i + 2]), Math.abs(shown[i + 3] - full[i + 3]));
    if (most > SHADE) differ++;
    else if (most) shade++;
  }
  return {differ: differ, shade: shade, painted: painted};
})"""

# The canvas pixel (r, g, b, a) at a position: the unit's old place after it moved away, its new place.
PIXEL_AT = """(function (lat, lon) {
  var r = null, map = DispatchMap.map();
  map.eachLayer(function (l) { if (l.options && l.options.uid !== undefined) r = l._renderer; });
  var p = map.latLngToLayerPoint([lat, lon]).subtract(r._bounds.min), s = L.Browser.retina ? 2 : 1;
  var x = Math.round(p.x * s), y = Math.round(p.y * s);
  if (x < 0 || y < 0 || x >= r._container.width || y >= r._container.height) return null;  // off the canvas
  return Array.from(r._ctx.getImageData(x, y, 1, 1).data);
})"""
EN_ROUTE_RGB = (0x6A, 0x1B, 0x9A)


def block() -> list[Any]:
    kinds = list(UnitKind)
    statuses = [s for s in UnitStatus if s is not UnitStatus.OFF_DUTY]
    return [
        make_unit(
            i * SIDE + j + 1,
            LAT0 + i * STEP,
            LON0 + j * STEP,
            kind=kinds[(i + j) % len(kinds)],
            status=statuses[(i * j) % len(statuses)],
        )
        for i in range(SIDE)
        for j in range(SIDE)
    ]


def move(units: list[Any], ids: list[int], dlat: float, dlon: float) -> list[Any]:
    return [replace(u, lat=u.lat + dlat, lon=u.lon + dlon) if u.id in ids else u for u in units]


@pytest.mark.parametrize("zoom", [None, 14], ids=["fitted", "zoomed-in-with-callsigns"])
def test_a_batch_of_moves_draws_what_a_full_redraw_draws(make_map: Any, js: Any, qtbot: Any, zoom: int | None) -> None:
    widget = make_map()
    # and one unit on its own two rows above the block (no neighbour, no neighbour's callsign near it)
    lone = make_unit(1000, LAT0 + (SIDE + 1) * STEP, LON0 + 2 * STEP)
    units = [*block(), lone]
    widget.set_units(units)
    widget.set_cases([make_case(1, LAT0 + 2.5 * STEP, LON0 + 2.5 * STEP), make_case(2, LAT0 + 6 * STEP, LON0)])
    widget.flush()
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.counts().units") == SIDE * SIDE + 1, timeout=WAIT)
    widget.set_follow(False)  # no pan to the selection: the batch below must not meet a moving map
    qtbot.waitUntil(
        lambda: js(widget, "DispatchMap.map()._animatingZoom") in (False, None), timeout=WAIT
    )  # the first fit
    if zoom is not None:
        middle = (SIDE - 1) * STEP / 2  # the whole block and where its corner unit goes stay on the canvas
        js(widget, f"DispatchMap.map().setView([{LAT0 + middle}, {LON0 + middle}], {zoom}, {{animate: false}}); 1")
        assert js(widget, "DispatchMap.map().getZoom()") == zoom
    widget.select_unit(SIDE + 2)  # the selection ring moves with it, and is drawn above everything
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.selected()") == {"kind": "unit", "id": SIDE + 2}, timeout=WAIT)
    assert js(widget, f"{COMPARE}({SHADE})")["differ"] == 0  # the starting point is a full redraw

    # A few units move, some under a case, one selected; the lone one moves away and sets off (its old place must
    # come clear, its new one show its new colour).
    moving = [2, 3, SIDE + 2, 2 * SIDE + 3, 3 * SIDE + 3, 5 * SIDE + 1, SIDE * SIDE]
    units = move(units, moving, 0.0007, -0.0005)
    units = [replace(u, status=UnitStatus.EN_ROUTE) if u.id == lone.id else u for u in move(units, [lone.id], 0, FAR)]
    with qtbot.waitSignal(widget.batchApplied, timeout=WAIT):
        widget.set_units(units)
        widget.flush()
    result = js(widget, f"{COMPARE}({SHADE})")
    assert result["painted"] > 0
    assert result["differ"] == 0
    assert js(widget, f"{PIXEL_AT}({lone.lat}, {lone.lon})")[3] == 0  # no trail where the lone unit was
    # ... and it is drawn where it went in its new state's colour (its sprite was made again, not reused).
    now = js(widget, f"{PIXEL_AT}({lone.lat}, {lone.lon + FAR})")
    assert all(abs(got - want) <= 8 for got, want in zip(now[:3], EN_ROUTE_RGB, strict=True)), now


# The units' pixels as the live canvas writes them (its ImageData, before anything is drawn above them) against the
# same sprites drawn by the canvas itself (drawImage, source-over) at the same places, in the same order: the largest
# difference of a premultiplied channel, so a faint edge pixel's colour does not count for more than it shows.
UNITS_AS_DRAWN = """(function () {
  var r = null;
  DispatchMap.map().eachLayer(function (l) { if (l.options && l.options.uid !== undefined) r = l._renderer; });
  r._redraw();
  var img = r._image, W = img.width, H = img.height, min = r._bounds.min, S = L.Browser.retina ? 2 : 1;
  var c = document.createElement('canvas'), x, n = 0;
  c.width = W; c.height = H; x = c.getContext('2d');
  for (var o = r._drawFirst; o; o = o.next) {
    var l = o.layer, s = l._sprite;
    if (!s) continue;
    x.drawImage(s.canvas, Math.round((l._point.x - s.half - min.x) * S), Math.round((l._point.y - s.half - min.y) * S));
    n++;
  }
  var want = x.getImageData(0, 0, W, H).data, got = img.data, worst = 0, painted = 0;
  for (var i = 0; i < want.length; i += 4) {
    if (want[i + 3]) painted++;
    worst = Math.max(worst, Math.abs(got[i + 3] - want[i + 3]));
    for (var k = 0; k < 3; k++) {
      worst = Math.max(worst, Math.abs(got[i + k] * got[i + 3] - want[i + k] * want[i + 3]) / 255);
    }
  }
  return {units: n, painted: painted, worst: worst};
})()"""


@pytest.mark.parametrize("zoom", [None, 14], ids=["fitted", "zoomed-in"])
def test_units_look_as_the_canvas_would_draw_their_sprites(
    make_map: Any, js: Any, qtbot: Any, zoom: int | None
) -> None:
    widget = make_map()
    widget.set_units(block())  # neighbours' sprites overlap: their pixels are blended, not just copied
    widget.flush()
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.counts().units") == SIDE * SIDE, timeout=WAIT)
    qtbot.waitUntil(lambda: js(widget, "DispatchMap.map()._animatingZoom") in (False, None), timeout=WAIT)
    if zoom is not None:
        middle = (SIDE - 1) * STEP / 2
        js(widget, f"DispatchMap.map().setView([{LAT0 + middle}, {LON0 + middle}], {zoom}, {{animate: false}}); 1")
    result = js(widget, UNITS_AS_DRAWN)
    assert result["units"] == SIDE * SIDE
    assert result["painted"] > SIDE * SIDE * 100  # every sprite painted (each covers well over 100 pixels)
    assert result["worst"] <= 3, result  # rounding only: a missing or misplaced sprite differs by its whole alpha
