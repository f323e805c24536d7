"""How long the interface thread is blocked while a console loads 10,000 open cases and then follows changes made
at another workstation: a 5 ms timer measures the event loop's lateness (budget: never > 50 ms). The naive way,
loading the snapshot on the interface thread, is measured in the same run.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/bench_gui_block.py [--open 10000] [--changes 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from bench.common import emit, percentile, seed_cases
from console.db import Database, upgrade_to_head
from console.enums import Role
from console.live import load_snapshot
from tests.core.county import build_mini_county
from ui.intake import DraftStore
from ui.layouts import Layout
from ui.main_window import MainWindow
from ui.session import ConsoleSession
from ui.workers import DbWorker

WRITER = """
import sys, time
from console.db import Database, write_transaction
from console.services import intake as intake_service
from console.services.users import actor_for_name
db = Database(sys.argv[1])
with db.session() as s:
    actor = actor_for_name(s, sys.argv[2])
for i in range(int(sys.argv[3])):
    req = intake_service.parse_intake({"channel": "online", "category": "traffic", "priority": "red",
                                       "description": f"change {i}", "lat": 24.805, "lon": 113.605})
    write_transaction(db.sessions, lambda s, r=req: intake_service.create_case(s, r, actor=actor))
    time.sleep(0.02)
"""


class LoopProbe:
    """A 5 ms timer; every tick records how late it fired (the time the loop could not run)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        self.gaps.append(max(0.0, self.clock.restart() - 5.0))

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        return {
            "ticks": len(self.gaps),
            "p99_late_ms": round(percentile(self.gaps, 99), 1),
            "max_late_ms": round(max(self.gaps, default=0.0), 1),
        }


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    result: dict[str, Any] = {"bench": "gui_block", "open_cases": args.open, "budget_max_ms": 50}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLE_DATA_DIR"] = tmp
        db = Database(f"sqlite:///{Path(tmp) / 'block.sqlite3'}")
        upgrade_to_head(db.engine)
        county = build_mini_county(db)
        seed_cases(db, args.open)
        with db.engine.begin() as conn:  # make them open cases inside the county
            conn.execute(
                text("UPDATE cases SET status='received', closed_at=NULL, resolved_at=NULL, lat=24.805, lon=113.605")
            )

        worker = DbWorker(db)
        worker.start()
        session = ConsoleSession(worker, county.actors[Role.DISPATCHER])
        window = MainWindow(session, DraftStore(Path(tmp) / "d.json"), layout=Layout.DISPATCHER)
        window.resize(1920, 1080)
        window.show()
        probe = LoopProbe()
        probe.start()
        t0 = time.perf_counter()
        session.start()
        loop = QEventLoop()
        session.loaded.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
        loaded_s = time.perf_counter() - t0
        spin(2500)  # the dashboard and the boards get their first data too
        result["load"] = {
            **probe.stop(),
            "seconds_to_loaded": round(loaded_s, 2),
            "queue_rows": window.queue.model.rowCount(),
        }

        probe = LoopProbe()
        probe.start()
        actor = county.actors[Role.SHIFT_LEADER]
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)

        # The other workstation is another process, as in a command center.
        writer = subprocess.Popen([sys.executable, "-c", WRITER, db.url, actor.name, str(args.changes)])
        while writer.poll() is None:
            spin(50)
        spin(500)
        result["sync"] = {**probe.stop(), "queue_rows": window.queue.model.rowCount()}
        window.close()
        worker.stop()

        # The naive way: read the snapshot on the interface thread.
        probe = LoopProbe()
        probe.start()
        QTimer.singleShot(20, lambda: _naive_load(db, county.actors[Role.DISPATCHER]))
        spin(1500)
        result["naive_load_on_gui_thread"] = probe.stop()
        db.dispose()
    emit(result)
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects owned by finished threads
    del app


def _naive_load(db: Database, actor: Any) -> None:
    with db.session() as s:
        load_snapshot(s, actor=actor, last_event_id=0)


if __name__ == "__main__":
    main()
