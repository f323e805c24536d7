"""Live map benchmark: 5,000 units on the demo county, in a real QtWebEngine page (offscreen), through the console's
real path: a batch of changes from the feed (`Changes`) folded into the live state (`LiveState.apply`), its diff
handed by `MapLink` to the `MapWidget` (the one throttle), rows for the changed units only, JSON over the web channel,
applied in the page and drawn at once (the page answers when its canvas is drawn; the wait from there to the next
frame, the one that shows it, is reported beside: at 60 frames a second, up to 17 ms more).

Figures, each with its budget and whether it is met:
  - a full batch (every unit moved), p95 <= 100 ms, until the page has answered for the last message the change
    went out in (with `*_messages_max`, the most messages one change took),
  - 10 % of the units moved, p95 <= 20 ms,
  - beside each: the Python part (until the change is on the channel), the page part (its own parse, apply and
    draw), `*_to_next_frame` (plus the page's wait for the frame that shows it) and the collector's runs inside
    the measured batches,
  - the naive ways on the same data in the same run, interleaved with ours: (a) the full list through the channel,
    no diff (every unit's row in every batch, as a first version would send it), for the 10 % and the full batch;
    (b) re-render the folium page with 5,000 markers and reload it (a few runs); ratio (b) / full batch >= 30x,
and the memory of the page's processes (RSS from /proc) with 5,000 units and 20,000 historical cases on the heat
and cluster layers. Prints JSON.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 python bench/bench_map.py
    (--screenshot map.png also saves what the page looks like with the demo county)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui.map.schemes import register_schemes

register_schemes()

import folium  # noqa: E402
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.common import emit, progress, summary_ms  # noqa: E402
from console.demo.county import County, generate_county  # noqa: E402
from console.enums import CaseStatus, Category, Channel, Priority, UnitKind, UnitStatus  # noqa: E402
from console.geo.basemap import BasemapConfig  # noqa: E402
from console.geo.gcj02 import wgs84_to_gcj02  # noqa: E402
from console.live import Changes, LiveState, Snapshot  # noqa: E402
from console.timeutil import utcnow  # noqa: E402
from console.views import CaseView, GridView, TownshipView, UnitView  # noqa: E402
from ui.gc_tuning import freeze_long_lived  # noqa: E402
from ui.map.page_builder import PageTexts, build_page  # noqa: E402
from ui.map.page_state import KIND_INDEX, MICRO, STATUS_INDEX  # noqa: E402
from ui.map.widget import MIN_BATCH_INTERVAL_MS, MapWidget  # noqa: E402
from ui.map_link import MapLink  # noqa: E402
from ui.selection import Selection  # noqa: E402

TIMEOUT_MS = 60_000
MIN_GAP_MS = MIN_BATCH_INTERVAL_MS


def county_views(county: County) -> tuple[list[TownshipView], list[GridView], dict[str, Any]]:
    townships = [TownshipView(id=i + 1, name=t.name, geometry=t.geometry) for i, t in enumerate(county.townships)]
    by_code = {t.code: (i + 1, t.name) for i, t in enumerate(county.townships)}
    grids = [
        GridView(
            id=i + 1,
            code=g.code,
            name=g.name,
            township_id=by_code[g.township_code][0],
            township=by_code[g.township_code][1],
            geometry=g.geometry,
        )
        for i, g in enumerate(county.grids)
    ]
    return townships, grids, county.boundary


def random_units(county: County, n: int, rng: random.Random) -> list[UnitView]:
    now = utcnow()
    min_lon = min(g.bbox[0] for g in county.grids)
    min_lat = min(g.bbox[1] for g in county.grids)
    max_lon = max(g.bbox[2] for g in county.grids)
    max_lat = max(g.bbox[3] for g in county.grids)
    kinds = list(UnitKind)
    statuses = [s for s in UnitStatus if s is not UnitStatus.OFF_DUTY]
    return [
        UnitView(
            id=i + 1,
            callsign=f"U{i + 1:04d}",
            kind=kinds[i % len(kinds)],
            status=statuses[i % len(statuses)],
            status_since=now,
            lat=rng.uniform(min_lat, max_lat),
            lon=rng.uniform(min_lon, max_lon),
            fix_at=now,
            current_case_id=None,
            home_grid_id=None,
            township_id=None,
        )
        for i in range(n)
    ]


def moved(units: dict[int, UnitView], share: float, rng: random.Random) -> list[UnitView]:
    """Fresh fixes for a share of the units (new positions, fix time now): what one batch from the feed brings."""
    now = utcnow()
    out = []
    for uid in rng.sample(sorted(units), round(len(units) * share)):
        u = units[uid]
        assert u.lat is not None and u.lon is not None
        out.append(
            replace(u, lat=u.lat + rng.uniform(-0.002, 0.002), lon=u.lon + rng.uniform(-0.002, 0.002), fix_at=now)
        )
    return out


def wait_for(signal: Any, condition: Callable[..., bool] = lambda *a: True, timeout_ms: int = TIMEOUT_MS) -> None:
    loop = QEventLoop()
    hit = {"ok": False}

    def on(*args: Any) -> None:
        if condition(*args):
            hit["ok"] = True
            loop.quit()

    signal.connect(on)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(on)
    if not hit["ok"]:
        raise TimeoutError("the page did not answer in time")


def pump(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def js(widget: MapWidget, script: str) -> Any:
    loop = QEventLoop()
    box: dict[str, Any] = {}

    def done(value: Any) -> None:
        box["v"] = value
        loop.quit()

    widget.view.page().runJavaScript(script, 0, done)
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    loop.exec()
    return box.get("v")


class LiveConsole(QObject):
    """The part of a console the map follows: the live state and its two change signals, the shared selection."""

    casesChanged = Signal(object)
    unitsChanged = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.state = LiveState()
        self.selection = Selection(self)

    def read(self, _job: Any, _callback: Any) -> None:
        """No database here: the map's 30-day history is pushed by the bench itself."""

    def take(self, units: list[UnitView]) -> None:
        """Changes from the feed arrive: fold them into the live state and tell the views (what the console does)."""
        diff = self.state.apply(Changes(cases=[], units=units, closed_cases=[], events=[], last_event_id=0))
        if not diff.empty:
            self.unitsChanged.emit(diff)


class Collections:
    """The collector's runs while a batch is measured (`gc.callbacks`): how many, and the longest."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []  # generation, ms
        self.on = False
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if not self.on:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((int(info["generation"]), (time.perf_counter() - self._start) * 1000))

    def summary(self) -> dict[str, Any]:
        return {
            "collections": len(self.pauses),
            "by_generation": {g: sum(1 for gen, _ in self.pauses if gen == g) for g in (0, 1, 2)},
            "longest_ms": round(max((ms for _, ms in self.pauses), default=0.0), 2),
        }


COLLECTIONS = Collections()


class Timing:
    def __init__(self) -> None:
        self.total: list[float] = []
        self.python: list[float] = []  # until the whole change is on the channel (the interface thread's share)
        self.page: list[float] = []  # parse + apply + draw in the page, by the page's own clock (its last batch)
        self.batches: list[int] = []  # messages the change went out in
        self.frame_wait: list[float] = []  # from the page's answer to the start of the frame that shows the batch

    def to_next_frame(self) -> dict[str, float]:
        return summary_ms([t + w for t, w in zip(self.total, self.frame_wait, strict=True)])

    def page_side(self, widget: MapWidget) -> None:
        timing = json.loads(js(widget, "JSON.stringify(DispatchMap.timing())") or "{}")
        self.page.append(sum(float(timing.get(k, 0.0)) for k in ("parseMs", "applyMs", "drawMs")) / 1000)
        self.frame_wait.append(float(timing.get("frameWaitMs", 0.0)) / 1000)


def push_units(widget: MapWidget, console: LiveConsole, changed: list[UnitView], timing: Timing) -> None:
    """Changes → live state → diff → MapLink → MapWidget → rows → JSON → channel → page → canvas drawn."""
    pump(MIN_GAP_MS)  # batches come at most ~4 a second: each one starts with the page idle, as in use
    posted: list[float] = []

    def on_post(_text: str) -> None:
        posted.append(time.perf_counter())

    widget._bridge.post.connect(on_post)
    seq = widget.last_seq
    COLLECTIONS.on = True
    start = time.perf_counter()
    console.take(changed)
    # Drawn when the page has answered for the last batch the change went out in (a big change may take several).
    wait_for(widget.batchApplied, lambda s: s > seq and s >= widget.last_seq and not widget._units_pending)
    timing.total.append(time.perf_counter() - start)
    COLLECTIONS.on = False
    timing.python.append(posted[-1] - start)
    timing.batches.append(widget.last_seq - seq)
    widget._bridge.post.disconnect(on_post)
    timing.page_side(widget)


def push_full_list(widget: MapWidget, console: LiveConsole, changed: list[UnitView], timing: Timing) -> None:
    """The naive way: the live state is kept the same way, but every batch sends every unit's row (no diff)."""
    pump(MIN_GAP_MS)
    gcj = widget.basemap.datum == "gcj02"
    start = time.perf_counter()
    console.state.apply(Changes(cases=[], units=changed, closed_cases=[], events=[], last_event_id=0))
    threshold = widget._clock() - timedelta(seconds=widget.basemap.stale_fix_s)
    rows = []
    for u in console.state.units.values():
        if u.lat is None or u.lon is None or u.status is UnitStatus.OFF_DUTY:
            continue
        lat, lon = wgs84_to_gcj02(u.lat, u.lon) if gcj else (u.lat, u.lon)
        stale = 1 if u.fix_at is None or u.fix_at < threshold else 0
        kind, status = KIND_INDEX[u.kind], STATUS_INDEX[u.status]
        rows.append([u.id, round(lat * MICRO), round(lon * MICRO), kind, status, stale, u.callsign])
    seq = widget.last_seq + 1
    widget._seq = seq
    widget._post({"op": "batch", "u": {"up": rows}, "s": seq})
    timing.python.append(time.perf_counter() - start)
    wait_for(widget.batchApplied, lambda s: s >= seq)
    timing.total.append(time.perf_counter() - start)
    timing.page_side(widget)


def naive_reload(widget: MapWidget, views: tuple[Any, ...], units: list[UnitView]) -> float:
    """The naive way: draw every unit as a folium marker, render the whole page again and reload it."""
    start = time.perf_counter()

    def add_markers(m: folium.Map) -> None:
        group = folium.FeatureGroup(name="units").add_to(m)
        for u in units:
            folium.CircleMarker(
                location=(u.lat, u.lon),
                radius=6,
                color="#ffffff",
                weight=1.5,
                fill=True,
                fill_color="#2e7d32",
                fill_opacity=0.95,
                tooltip=u.callsign,
            ).add_to(group)

    html = build_page(widget.basemap, *views, PageTexts(), extra=add_markers)
    widget._load(html)
    wait_for(widget.pageReady)
    js(widget, "1")  # one more round trip: the frame with the markers has been scheduled
    return time.perf_counter() - start


def process_tree_rss() -> dict[str, Any]:
    """RSS of the QtWebEngine processes under this one, from /proc (no psutil)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    types: dict[int, str] = {}
    rss: dict[int, float] = {}
    parent: dict[int, int] = {pid: ppid for ppid, kids in children.items() for pid in kids}
    for pid in found:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        types[pid] = next((c.decode().split("=", 1)[1] for c in cmd if c.startswith(b"--type=")), "other")
        rss[pid] = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0) / 1024
    by_type: dict[str, float] = {}
    for pid, given in types.items():
        # renderers are forked from the zygote and keep its command line
        kind = "renderer" if given == "zygote" and types.get(parent.get(pid, 0)) == "zygote" else given
        by_type[kind] = by_type.get(kind, 0.0) + rss[pid]
    own = Path("/proc/self/status").read_text()
    own_kb = next(int(line.split()[1]) for line in own.splitlines() if line.startswith("VmRSS:"))
    return {
        "renderer_rss_mb": round(by_type.get("renderer", 0.0), 1),
        "webengine_processes_rss_mb": {k: round(v, 1) for k, v in sorted(by_type.items())},
        "browser_process_rss_mb": round(own_kb / 1024, 1),
    }


def js_heap_mb(widget: MapWidget) -> float | None:
    js(widget, "window.gc && window.gc(); 1")
    heap = js(widget, "performance.memory ? performance.memory.usedJSHeapSize : null")
    return round(heap / 2**20, 1) if isinstance(heap, (int, float)) else None


def demo_cases(county: County, rng: random.Random, n: int = 40) -> list[CaseView]:
    now = utcnow()
    priorities = [Priority.RED, Priority.ORANGE, Priority.ORANGE, Priority.YELLOW, Priority.YELLOW, Priority.BLUE]
    texts = [
        "邻里因噪音发生纠纷",
        "路口车辆剐蹭，双方争执",
        "老人走失，家属求助",
        "小区垃圾堆放未清运",
        "工地夜间施工扰民",
    ]
    out = []
    for i in range(n):
        grid = rng.choice(county.grids)
        lat, lon = grid.centre
        out.append(
            CaseView(
                id=i + 1,
                number=f"2026{i + 1:06d}",
                channel=Channel.HOTLINE_12345,
                category=rng.choice(list(Category)),
                priority=rng.choice(priorities),
                status=CaseStatus.RECEIVED,
                received_at=now - timedelta(hours=1),
                due_at=now + timedelta(minutes=rng.choice([-30, 20, 60, 120, 240])),
                description=rng.choice(texts),
                lat=lat + rng.uniform(-0.004, 0.004),
                lon=lon + rng.uniform(-0.004, 0.004),
                address=grid.name,
            )
        )
    return out


def screenshot(widget: MapWidget, county: County, path: Path, rng: random.Random) -> None:
    now = utcnow()
    units = [
        UnitView(
            id=i + 1,
            callsign=u.callsign,
            kind=u.kind,
            status=u.status,
            status_since=now,
            lat=u.lat,
            lon=u.lon,
            fix_at=now if i % 17 else now - timedelta(hours=1),
            current_case_id=None,
            home_grid_id=None,
            township_id=None,
        )
        for i, u in enumerate(county.units)
    ]
    widget.set_units(units)
    widget.set_cases(demo_cases(county, rng))
    widget.flush()
    widget.fit()
    pump(1500)
    widget.grab().save(str(path))
    js(widget, "DispatchMap.map().setView([{:f}, {:f}], 14); 1".format(*county.townships[0].seat))
    pump(1500)
    zoomed = path.with_name(path.stem + "-zoomed" + path.suffix)
    widget.grab().save(str(zoomed))
    heat = path.with_name(path.stem + "-heat" + path.suffix)
    widget.set_history(
        [
            (lat, lon, c.category.value)
            for c in demo_cases(county, rng, 3000)
            for lat, lon in [(c.lat or 0.0, c.lon or 0.0)]
        ]
    )
    widget.show_history_layer("heat")
    widget.fit()
    pump(2000)
    widget.grab().save(str(heat))
    widget.show_history_layer("heat", False)
    progress(f"screenshots: {path.name}, {zoomed.name}, {heat.name}")


def memory_with_history(
    widget: MapWidget, county: County, rng: random.Random, points: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Memory with the units shown, then with `points` historical cases on the heat and cluster layers too."""
    memory_units = {**process_tree_rss(), "js_heap_mb": js_heap_mb(widget)}
    progress("memory with units and history")
    history = [(u.lat or 0.0, u.lon or 0.0, "dispute") for u in random_units(county, points, rng)]
    widget.set_history(history)
    widget.show_history_layer("heat")
    widget.show_history_layer("cluster")
    pump(3000)
    memory_loaded = {**process_tree_rss(), "history_points": points, "js_heap_mb": js_heap_mb(widget)}
    widget.show_history_layer("cluster", False)
    widget.show_history_layer("heat", False)
    return memory_units, memory_loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    load_start = round(os.getloadavg()[0], 2)
    rng = random.Random(20261123)
    progress("generating the demo county")
    county = generate_county()
    views = county_views(county)

    widget = MapWidget(BasemapConfig())
    widget.resize(1600, 1000)
    widget.show()
    start = time.perf_counter()
    widget.set_county(*views)
    wait_for(widget.pageReady)
    page_load_s = time.perf_counter() - start

    if args.screenshot:
        screenshot(widget, county, args.screenshot, rng)
        widget.set_units([])
        widget.set_cases([])
        widget.flush()

    memory_empty = process_tree_rss()
    console = LiveConsole()
    MapLink(console, widget, console)  # owned by its parent, so it lives as long as the console
    freeze_long_lived()  # as the console does when it starts
    # The console's first snapshot: every unit new.
    seq = widget.last_seq
    start = time.perf_counter()
    console.unitsChanged.emit(
        console.state.reset(Snapshot(cases=[], units=random_units(county, args.units, rng), last_event_id=0))
    )
    wait_for(widget.batchApplied, lambda s: s > seq)
    first_s = time.perf_counter() - start
    freeze_long_lived()  # as the console does once its first snapshot is in

    # Ours and the naive full list, interleaved on the same data: each run takes a fresh batch of moves.
    progress(f"full batches of {args.units} moved units, ours and the full list")
    full, full_naive = Timing(), Timing()
    for _ in range(args.runs):
        push_units(widget, console, moved(console.state.units, 1.0, rng), full)
        push_full_list(widget, console, moved(console.state.units, 1.0, rng), full_naive)
    progress("10 % moved, ours and the full list")
    tenth, tenth_naive = Timing(), Timing()
    for _ in range(args.runs):
        push_units(widget, console, moved(console.state.units, 0.1, rng), tenth)
        push_full_list(widget, console, moved(console.state.units, 0.1, rng), tenth_naive)
    units = list(console.state.units.values())

    memory_units, memory_loaded = memory_with_history(widget, county, rng, args.history)

    progress("naive: re-render the folium page with every unit and reload it")
    # A second widget that only ever gets whole pages, so no live batch rides along with its reloads.
    naive_widget = MapWidget(BasemapConfig())
    naive_widget.resize(1600, 1000)
    naive_widget.show()
    naive = [naive_reload(naive_widget, views, units) for _ in range(args.naive_runs)]

    full_summary, tenth_summary = summary_ms(full.total), summary_ms(tenth.total)
    full_list_full, full_list_tenth = summary_ms(full_naive.total), summary_ms(tenth_naive.total)
    naive_summary = summary_ms(naive)
    ratio_reload = round(naive_summary["p50_ms"] / full_summary["p50_ms"], 1)
    emit(
        {
            "bench": "map",
            "units": args.units,
            "townships": len(views[0]),
            "grids": len(views[1]),
            "page_load_ms": round(page_load_s * 1000, 1),
            "first_batch_all_new_ms": round(first_s * 1000, 1),
            "full_batch_moved": {**full_summary, "budget_p95_ms": 100, "met": full_summary["p95_ms"] <= 100},
            "full_batch_python_part": summary_ms(full.python),
            "full_batch_page_part": summary_ms(full.page),
            "full_batch_messages_max": max(full.batches),
            "full_batch_to_next_frame": full.to_next_frame(),
            "tenth_moved": {**tenth_summary, "budget_p95_ms": 20, "met": tenth_summary["p95_ms"] <= 20},
            "tenth_moved_python_part": summary_ms(tenth.python),
            "tenth_moved_page_part": summary_ms(tenth.page),
            "tenth_moved_messages_max": max(tenth.batches),
            "tenth_moved_to_next_frame": tenth.to_next_frame(),
            "collector_during_our_batches": COLLECTIONS.summary(),
            "naive_full_list_no_diff": {
                "full_batch_moved": full_list_full,
                "full_batch_python_part": summary_ms(full_naive.python),
                "full_batch_page_part": summary_ms(full_naive.page),
                "tenth_moved": full_list_tenth,
                "tenth_moved_python_part": summary_ms(tenth_naive.python),
                "tenth_moved_page_part": summary_ms(tenth_naive.page),
                "ratio_over_ours_tenth_p50": round(full_list_tenth["p50_ms"] / tenth_summary["p50_ms"], 1),
                "ratio_over_ours_full_p50": round(full_list_full["p50_ms"] / full_summary["p50_ms"], 1),
            },
            "naive_rerender_reload": {
                **naive_summary,
                "ratio_over_full_batch_p50": ratio_reload,
                "budget_ratio_min": 30,
                "met": ratio_reload >= 30,
            },
            "collector": "frozen at start and after the first snapshot, as the console does (ui/gc_tuning.py)",
            "load_average_1m": {"start": load_start, "end": round(os.getloadavg()[0], 2)},
            "cpus": os.cpu_count(),
            "memory_county_only": memory_empty,
            "memory_units": memory_units,
            "memory_units_and_history": memory_loaded,
            "outside_requests_blocked": widget.blocked_requests,
        }
    )
    widget.close()
    naive_widget.close()
    app.processEvents()
    # Leave without the interpreter's final garbage collection: tearing QtWebEngine down from there can crash
    # PySide at exit, after the results are out.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
