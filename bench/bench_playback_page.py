"""Track playback in the real map page (QtWebEngine, offscreen): a day of `--units` units at one fix every 10 s
(8,640 fixes each, built in memory: the loading from the database is `bench_patrol.py --only playback`).

Figures:
  - load: the playback layer (faint tracks, at most 600 points each, stops, check-ins, cases) built in Python,
    sent and applied in the page (until the page reports every unit), once;
  - frame_in_page: the page's own work for a frame (parse, apply, draw the units' canvas), from its timings;
  - frame, p95: one moment end to end — `Frames.frame` for every unit, the datum, JSON over the channel through the
    map's throttle (`show_playback_frame` + `flush`), applied in the page and drawn (the page answers after the next
    requestAnimationFrame); budget 20 ms, the issue's "a frame of 300 units";
  - the naive way in the same run: the whole playback layer sent again for each moment (what a page reload per
    moment of the slider would cost, without the page's reload), a few times.
Prints JSON.

    PYTHONPATH=. QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 python bench/bench_playback_page.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui.map.schemes import register_schemes

register_schemes()

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.common import emit, progress, summary_ms  # noqa: E402
from console.geo.basemap import BasemapConfig  # noqa: E402
from console.patrol.playback import Frames, Stop, Track  # noqa: E402
from ui.map.widget import MapWidget  # noqa: E402

LAT, LON = 24.8, 113.6
T0 = 1_795_000_000.0
DAY_S = 86_400


def day_of_tracks(units: int, seed: int = 7) -> Any:
    rng = np.random.default_rng(seed)
    t = T0 + np.arange(0, DAY_S, 10, dtype=np.float64)
    tracks = {}
    for uid in range(1, units + 1):
        lat = LAT + rng.uniform(0, 0.2) + np.cumsum(rng.normal(0, 2e-5, len(t)))
        lon = LON + rng.uniform(0, 0.2) + np.cumsum(rng.normal(0, 2e-5, len(t)))
        tracks[uid] = Track(uid, t, lat, lon, np.full(len(t), np.nan))
    return SimpleNamespace(
        tracks=tracks,
        callsigns={u: f"U{u:03d}" for u in tracks},
        stops=[Stop(u, T0 + 3600, T0 + 4200, LAT + 0.05, LON + 0.05) for u in range(1, units + 1, 10)],
        checkins=[
            {"unit_id": u, "lat": LAT + 0.1, "lon": LON + 0.1, "arrived": T0 + 600 * u, "target": "gate", "late": False}
            for u in range(1, units + 1, 5)
        ],
        cases=[
            {"received": T0 + 900 * i, "lat": LAT + 0.1, "lon": LON + 0.1, "priority": "red", "number": f"C{i}"}
            for i in range(60)
        ],
        frames=Frames(tracks),
    )


def wait(app: QApplication, done: Any, timeout_s: float = 60.0) -> None:
    """Run the event loop until `done()` (looked at every millisecond); `processEvents` in a busy loop upsets
    PySide's reference counts of None."""
    if done():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(1)
    end = time.monotonic() + timeout_s

    def check() -> None:
        if done() or time.monotonic() > end:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    if not done():
        raise TimeoutError("the page did not answer")


def page_value(app: QApplication, widget: MapWidget, script: str) -> Any:
    box: dict[str, Any] = {}

    def done(value: Any) -> None:
        box["v"] = value

    widget.view.page().runJavaScript(script, 0, done)
    wait(app, lambda: "v" in box)
    return box["v"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--naive", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    widget = MapWidget(BasemapConfig())
    widget.resize(1280, 900)
    widget.show()
    ready: list[bool] = []

    def on_ready() -> None:
        ready.append(True)

    widget.pageReady.connect(on_ready)
    widget.set_county([], [], None)
    wait(app, lambda: bool(ready))
    applied: list[int] = []

    def on_applied(seq: int) -> None:  # a Python function: a builtin bound method as a slot upsets PySide's refcounts
        applied.append(seq)

    widget.batchApplied.connect(on_applied)

    progress(f"playback: {args.units} units × {DAY_S // 10} fixes in memory ...")
    data = day_of_tracks(args.units)
    fixes = sum(len(t) for t in data.tracks.values())

    # The channel keeps the order: the first frame's batch is answered once the layer before it is applied.
    sent: list[bool] = []

    def on_sent() -> None:
        sent.append(True)

    widget.playbackSent.connect(on_sent)
    t = time.perf_counter()
    widget.load_playback(data)  # built in a thread of its own
    wait(app, lambda: bool(sent))
    built_ms = (time.perf_counter() - t) * 1000
    widget.show_playback_frame(data.frames.frame(T0))
    widget.flush()
    seq = widget.last_seq
    wait(app, lambda: seq in applied)
    load_ms = (time.perf_counter() - t) * 1000
    playing = page_value(app, widget, "DispatchMap.overlays().playing")
    if playing != args.units:
        raise SystemExit(f"the page plays {playing} units, not {args.units}")

    rng = np.random.default_rng(1)
    moments = np.sort(rng.uniform(T0, T0 + DAY_S, args.frames))
    samples, build, in_page = [], [], []
    for moment in moments:
        t = time.perf_counter()
        frame = data.frames.frame(float(moment))
        build.append(time.perf_counter() - t)
        widget.show_playback_frame(frame)
        widget.flush()
        seq = widget.last_seq
        wait(app, lambda s=seq: s in applied)  # type: ignore[misc]
        samples.append(time.perf_counter() - t)
        timing = json.loads(page_value(app, widget, "JSON.stringify(DispatchMap.timing())"))
        in_page.append((timing["parseMs"] + timing["applyMs"] + timing.get("playDrawMs", 0.0)) / 1000.0)

    naive = []
    for moment in moments[: args.naive]:
        t = time.perf_counter()
        sent.clear()
        widget.load_playback(data)
        wait(app, lambda: bool(sent))
        widget.show_playback_frame(data.frames.frame(float(moment)))
        widget.flush()
        seq = widget.last_seq
        wait(app, lambda s=seq: s in applied)  # type: ignore[misc]
        naive.append(time.perf_counter() - t)

    frame_p95 = sorted(samples)[int(0.95 * (len(samples) - 1))] * 1000
    naive_ms = float(np.median(naive)) * 1000
    emit(
        {
            "bench": "playback_page",
            "units": args.units,
            "fixes": fixes,
            "load_ms": round(load_ms, 1),
            "load_built_off_thread_ms": round(built_ms, 1),
            "frame_end_to_end_p95_ms": round(frame_p95, 2),
            "frame_budget_ms": 20.0,
            "frame_within_budget": frame_p95 <= 20.0,
            "frame": summary_ms(samples),
            "frame_build": summary_ms(build),
            "frame_in_page": summary_ms(in_page),
            "naive_reload_per_moment_ms": round(naive_ms, 1),
            "ratio_naive_over_frame": round(naive_ms / frame_p95, 1) if frame_p95 else None,
        }
    )
    # Leave without the interpreter's final garbage collection: tearing QtWebEngine down from there can crash
    # PySide at exit, after the results are out (as bench_map does).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
