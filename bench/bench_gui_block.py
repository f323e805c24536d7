"""How long the interface thread is blocked while a console — with the live map — loads 10,000 open cases and then
follows another workstation's changes and 300 moving units: a 5 ms timer measures how late the event loop runs each
tick (budget: never > 50 ms). The naive way, loading the snapshot on the interface thread, is measured in the same
run on the same database. Each phase also reports the collector's runs (`gc.callbacks`): how many of each
generation, and the longest on each thread, by the clock and in that thread's processor time (a collection on any
thread holds the interpreter's lock, so the interface waits for it).

    QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 PYTHONPATH=. python bench/bench_gui_block.py \
        [--open 10000] [--units 300] [--changes 100] [--follow-s 20]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from ui.map.schemes import register_schemes

register_schemes()  # before the application exists

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bench.common import emit, percentile, progress, seed_cases  # noqa: E402
from console.db import Database, upgrade_to_head  # noqa: E402
from console.enums import Role, UnitKind, UnitStatus  # noqa: E402
from console.geo.basemap import BasemapConfig  # noqa: E402
from console.live import load_snapshot  # noqa: E402
from console.models import Unit  # noqa: E402
from console.services import queries  # noqa: E402
from console.timeutil import utcnow  # noqa: E402
from tests.county import build_mini_county  # noqa: E402
from ui.intake import DraftStore  # noqa: E402
from ui.layouts import Layout  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.map.widget import MapWidget  # noqa: E402
from ui.session import ConsoleSession  # noqa: E402
from ui.workers import DbWorker  # noqa: E402

BUDGET_MS = 50

#: The other workstation (appeals taken in) and the GPS feed (every unit reports each second), in another process.
OTHERS = """
import math, sys, threading, time
from console.db import Database, write_transaction
from console.services import intake as intake_service
from console.services.positions import Fix, ingest_positions
from console.services.users import actor_for_name
from console.timeutil import utcnow
db = Database(sys.argv[1])
with db.session() as s:
    actor = actor_for_name(s, sys.argv[2])
changes, unit_ids, follow_s = int(sys.argv[3]), [int(u) for u in sys.argv[4].split(",")], float(sys.argv[5])

def appeals():
    for i in range(changes):
        req = intake_service.parse_intake({"channel": "online", "category": "traffic", "priority": "red",
                                           "description": f"change {i}", "lat": 24.805, "lon": 113.605})
        write_transaction(db.sessions, lambda s, r=req: intake_service.create_case(s, r, actor=actor))
        time.sleep(follow_s / max(changes, 1))

writer = threading.Thread(target=appeals)
writer.start()
start = time.monotonic()
step = 0
while time.monotonic() - start < follow_s:
    step += 1
    now = utcnow()
    fixes = [Fix(fix_at=now, lat=24.80 + 0.02 * (0.5 + 0.45 * math.sin(step / 20 + k)),
                 lon=113.60 + 0.04 * (0.5 + 0.45 * math.cos(step / 20 + k)), unit_id=uid)
             for k, uid in enumerate(unit_ids)]
    ingest_positions(db, fixes, source="bench")
    time.sleep(max(0.0, start + step - time.monotonic()))
writer.join()
"""


class LoopProbe:
    """A 5 ms timer; every tick records how late it fired (the time the loop could not run), and how much CPU the
    interface thread itself used since the last tick (its own work, which a busy machine does not inflate: on a
    shared machine the lateness also counts the time the process waited for a core)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.busy: list[float] = []
        self.clock = QElapsedTimer()
        self.cpu = 0.0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.clock.start()
        self.cpu = time.thread_time()
        self.timer.start()

    def _tick(self) -> None:
        self.gaps.append(max(0.0, self.clock.restart() - 5.0))
        cpu = time.thread_time()
        self.busy.append((cpu - self.cpu) * 1000)
        self.cpu = cpu

    def stop(self) -> dict[str, Any]:
        self.timer.stop()
        worst = max(self.gaps, default=0.0)
        return {
            "ticks": len(self.gaps),
            "p99_late_ms": round(percentile(self.gaps, 99), 1),
            "max_late_ms": round(worst, 1),
            "over_budget_ticks": sum(1 for g in self.gaps if g > BUDGET_MS),
            "max_own_cpu_between_ticks_ms": round(max(self.busy, default=0.0), 1),
            "budget_max_ms": BUDGET_MS,
            "met": worst <= BUDGET_MS,
        }


class CollectorLog:
    """The collector's runs while `on`: generation, thread, duration by the clock and in the thread's CPU time."""

    def __init__(self) -> None:
        self.on = False
        self.runs: list[tuple[int, str, float, float]] = []
        self._started: dict[int, tuple[float, float]] = {}
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if not self.on:
            return
        ident = threading.get_ident()
        if phase == "start":
            self._started[ident] = (time.perf_counter(), time.thread_time())
            return
        started = self._started.pop(ident, None)
        if started is not None:
            wall, cpu = time.perf_counter() - started[0], time.thread_time() - started[1]
            name = "interface" if threading.current_thread() is threading.main_thread() else "database"
            self.runs.append((int(info["generation"]), name, wall * 1000, cpu * 1000))

    def start(self) -> None:
        self.runs.clear()
        self.on = True

    def stop(self) -> dict[str, Any]:
        self.on = False
        out: dict[str, Any] = {"by_generation": {g: sum(1 for r in self.runs if r[0] == g) for g in (0, 1, 2)}}
        for name in ("interface", "database"):
            mine = [r for r in self.runs if r[1] == name]
            out[f"{name}_thread"] = {
                "collections": len(mine),
                "full": sum(1 for r in mine if r[0] == 2),
                "longest_ms": round(max((r[2] for r in mine), default=0.0), 1),
                "longest_cpu_ms": round(max((r[3] for r in mine), default=0.0), 1),
            }
        return out


COLLECTOR = CollectorLog()


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition: Any, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the console did not get there in time")
        spin(20)


def add_units(db: Database, n: int) -> list[int]:
    """`n` patrol units with a fresh fix inside the county, as the administrator's import would make them."""
    now = utcnow()
    rows = [
        {
            "callsign": f"B{i:03d}",
            "kind": UnitKind.PATROL_CAR,
            "tracker_id": f"T-B{i:03d}",
            "capabilities": [],
            "status": UnitStatus.AVAILABLE,
            "status_since": now,
            "lat": 24.80 + 0.02 * (i % 17) / 17,
            "lon": 113.60 + 0.04 * (i % 23) / 23,
            "fix_at": now,
            "version": 1,
            "updated_at": now,
        }
        for i in range(n)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(Unit), rows)
    with db.session() as s:
        return list(s.scalars(text("SELECT id FROM units WHERE callsign LIKE 'B%' ORDER BY id")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--follow-s", type=float, default=20.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    result: dict[str, Any] = {
        "bench": "gui_block",
        "open_cases": args.open,
        "moving_units": args.units,
        "load_average_1m_start": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLE_DATA_DIR"] = tmp
        db = Database(f"sqlite:///{Path(tmp) / 'block.sqlite3'}")
        upgrade_to_head(db.engine)
        county = build_mini_county(db)
        unit_ids = add_units(db, args.units)
        seed_cases(db, args.open)
        with db.engine.begin() as conn:  # make them open cases inside the county
            conn.execute(
                text("UPDATE cases SET status='received', closed_at=NULL, resolved_at=NULL, lat=24.805, lon=113.605")
            )

        worker = DbWorker(db)
        worker.start()
        session = ConsoleSession(worker, county.actors[Role.DISPATCHER])
        map_widget = MapWidget(BasemapConfig())
        window = MainWindow(session, DraftStore(Path(tmp) / "d.json"), layout=Layout.DISPATCHER, map_widget=map_widget)
        window.resize(1920, 1080)
        window.show()
        with db.session() as s:  # what the console reads at start (the county's layers, the place names)
            window.set_reference(queries.county(s), queries.place_names(s))
        applied: list[int] = []
        map_widget.batchApplied.connect(applied.append)
        progress("waiting for the map page")
        wait_until(lambda: map_widget.is_ready)

        progress(f"loading {args.open} open cases and {args.units + 4} units")
        probe = LoopProbe()
        probe.start()
        COLLECTOR.start()
        t0 = time.perf_counter()
        session.start()
        wait_until(lambda: session.is_loaded)
        loaded_s = time.perf_counter() - t0
        wait_until(lambda: bool(applied) and applied[-1] >= map_widget.last_seq)  # units and cases drawn
        spin(2500)  # the dashboard and the boards get their first data too
        result["load"] = {
            **probe.stop(),
            "collector": COLLECTOR.stop(),
            "seconds_to_loaded": round(loaded_s, 2),
            "queue_rows": window.queue.model.rowCount(),
        }

        progress(f"following {args.changes} appeals and {args.units} units moving every second")
        probe = LoopProbe()
        probe.start()
        COLLECTOR.start()
        actor = county.actors[Role.SHIFT_LEADER]
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        batches_before = map_widget.last_seq
        # The other workstation and the GPS feed are another process, as in a command center.
        others = subprocess.Popen(
            [
                sys.executable,
                "-c",
                OTHERS,
                db.url,
                actor.name,
                str(args.changes),
                ",".join(map(str, unit_ids)),
                str(args.follow_s),
            ]
        )
        while others.poll() is None:
            spin(50)
        spin(1000)
        result["follow"] = {
            **probe.stop(),
            "collector": COLLECTOR.stop(),
            "queue_rows": window.queue.model.rowCount(),
            "map_batches": map_widget.last_seq - batches_before,
            "seconds": args.follow_s,
        }
        window.close()
        app.processEvents()
        worker.stop()

        # The naive way: read the snapshot on the interface thread.
        probe = LoopProbe()
        probe.start()
        QTimer.singleShot(20, lambda: _naive_load(db, county.actors[Role.DISPATCHER]))
        spin(1500)
        result["naive_load_on_gui_thread"] = probe.stop()
        db.dispose()
    result["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    emit(result)
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects owned by finished threads


def _naive_load(db: Database, actor: Any) -> None:
    with db.session() as s:
        load_snapshot(s, actor=actor, last_event_id=0)


if __name__ == "__main__":
    main()
