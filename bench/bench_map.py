"""Live map benchmark: 5,000 units on the demo county, in a real QtWebEngine page (offscreen).

Measures, from `set_units()` to the page reporting the batch applied plus a requestAnimationFrame (drawn):
  - a full batch (every unit moved), p50/p95 over --runs runs (target p95 <= 100 ms),
  - 10 % of the units moved (target p95 <= 20 ms),
  - the naive way in the same run: re-render the folium page with 5,000 markers and reload it (a few runs),
    and the ratio naive / full batch p50 (target >= 30x),
and the memory of the page's processes (RSS from /proc) with 5,000 units and 20,000 historical cases on the heat
and cluster layers. Prints JSON.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 python bench/bench_map.py
    (--screenshot map.png also saves what the page looks like with the demo county)
"""

from __future__ import annotations

import argparse
import gc
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
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.common import emit, progress, summary_ms  # noqa: E402
from console.demo.county import County, generate_county  # noqa: E402
from console.enums import CaseStatus, Category, Channel, Priority, UnitKind, UnitStatus  # noqa: E402
from console.geo.basemap import BasemapConfig  # noqa: E402
from console.timeutil import utcnow  # noqa: E402
from console.views import CaseView, GridView, TownshipView, UnitView  # noqa: E402
from ui.map.page_builder import PageTexts, build_page  # noqa: E402
from ui.map.widget import MIN_BATCH_INTERVAL_MS, MapWidget  # noqa: E402

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


def moved(units: list[UnitView], share: float, rng: random.Random) -> list[UnitView]:
    out = list(units)
    count = round(len(units) * share)
    for i in rng.sample(range(len(units)), count):
        u = out[i]
        assert u.lat is not None and u.lon is not None
        out[i] = replace(u, lat=u.lat + rng.uniform(-0.002, 0.002), lon=u.lon + rng.uniform(-0.002, 0.002))
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


def push_units(
    widget: MapWidget,
    units: list[UnitView],
    python_s: list[float] | None = None,
    python_cpu_s: list[float] | None = None,
) -> float:
    """set_units → diff → JSON → channel → applied in the page → next frame drawn."""
    pump(MIN_GAP_MS)  # batches come at most ~4 a second: each one starts with the page idle, as in use
    start = time.perf_counter()
    cpu = time.thread_time()
    widget.set_units(units)
    widget.flush()  # send now instead of at the next coalescing tick (the tick is policy, not work)
    if python_s is not None and python_cpu_s is not None:
        python_s.append(time.perf_counter() - start)
        python_cpu_s.append(time.thread_time() - cpu)
    seq = widget.last_seq
    wait_for(widget.batchApplied, lambda s: s >= seq)
    return time.perf_counter() - start


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after start-up, as an application can do once loaded"
    )
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
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

    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    memory_empty = process_tree_rss()
    units = random_units(county, args.units, rng)
    first_s = push_units(widget, units)

    progress(f"full batches of {args.units} moved units")
    full: list[float] = []
    full_python: list[float] = []
    full_cpu: list[float] = []
    for _ in range(args.runs):
        units = moved(units, 1.0, rng)
        full.append(push_units(widget, units, full_python, full_cpu))

    progress("10 % moved")
    tenth: list[float] = []
    tenth_python: list[float] = []
    tenth_cpu: list[float] = []
    for _ in range(args.runs):
        units = moved(units, 0.1, rng)
        tenth.append(push_units(widget, units, tenth_python, tenth_cpu))

    memory_units = {**process_tree_rss(), "js_heap_mb": js_heap_mb(widget)}
    progress("memory with units and history")
    history = [(u.lat or 0.0, u.lon or 0.0, "dispute") for u in random_units(county, args.history, rng)]
    widget.set_history(history)
    widget.show_history_layer("heat")
    widget.show_history_layer("cluster")
    pump(3000)
    memory_loaded = {**process_tree_rss(), "history_points": args.history, "js_heap_mb": js_heap_mb(widget)}
    widget.show_history_layer("cluster", False)
    widget.show_history_layer("heat", False)

    progress("naive: re-render the folium page with every unit and reload it")
    # A second widget that only ever gets whole pages, so no live batch rides along with its reloads.
    naive_widget = MapWidget(BasemapConfig())
    naive_widget.resize(1600, 1000)
    naive_widget.show()
    naive = [naive_reload(naive_widget, views, units) for _ in range(args.naive_runs)]

    full_summary = summary_ms(full)
    naive_summary = summary_ms(naive)
    emit(
        {
            "bench": "map",
            "units": args.units,
            "townships": len(views[0]),
            "grids": len(views[1]),
            "page_load_ms": round(page_load_s * 1000, 1),
            "first_batch_all_new_ms": round(first_s * 1000, 1),
            "full_batch_moved": full_summary,
            "full_batch_python_part": summary_ms(full_python),
            "full_batch_python_cpu": summary_ms(full_cpu),
            "tenth_moved": summary_ms(tenth),
            "tenth_moved_python_part": summary_ms(tenth_python),
            "tenth_moved_python_cpu": summary_ms(tenth_cpu),
            "gc_frozen_after_start": args.gc_freeze,
            "load_average_1m_at_end": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "naive_rerender_reload": naive_summary,
            "ratio_naive_over_full_batch_p50": round(naive_summary["p50_ms"] / full_summary["p50_ms"], 1),
            "targets": {"full_batch_p95_ms": 100, "tenth_moved_p95_ms": 20, "ratio_min": 30},
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
