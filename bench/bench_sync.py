"""Live sync between two workstations: a change committed by one console's worker, seen in another console's
live state (through its database worker and the change feed), p50/p95 over many changes. SQLite file, and
PostgreSQL when CONSOLE_BENCH_PG_URL (or CONSOLE_TEST_PG_URL) is set; a fresh database each.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/bench_sync.py [--changes 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import emit, summary_ms
from console.db import Database, upgrade_to_head, write_transaction
from console.db.engine import normalise_url
from console.enums import Role
from console.services import intake as intake_service
from tests.county import build_mini_county
from ui.session import ConsoleSession
from ui.workers import DbWorker


def run(db: Database, changes: int, budget_ms: float) -> dict[str, Any]:
    county = build_mini_county(db)
    writer_actor = county.actors[Role.DISPATCHER]
    watcher = DbWorker(db)
    watcher.start()
    session = ConsoleSession(watcher, county.actors[Role.SHIFT_LEADER])
    session.start()
    loop = QEventLoop()
    session.loaded.connect(loop.quit)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    seen: dict[int, float] = {}

    def on_cases(diff: Any) -> None:
        for cid in diff.cases_inserted:
            seen.setdefault(cid, time.perf_counter())

    session.casesChanged.connect(on_cases)
    samples: list[float] = []
    from_start: list[float] = []
    for i in range(changes):
        req = intake_service.parse_intake(
            {
                "channel": "online",
                "category": "other",
                "priority": "blue",
                "description": f"bench change {i}",
                "lat": 24.805,
                "lon": 113.605,
            }
        )
        t0 = time.perf_counter()
        case_id = write_transaction(
            db.sessions, lambda s, r=req: intake_service.create_case(s, r, actor=writer_actor).case.id
        )
        committed = time.perf_counter()
        wait = QEventLoop()
        timer = QTimer()
        timer.setInterval(1)
        timer.timeout.connect(lambda w=wait, c=case_id: w.quit() if c in seen else None)
        timer.start()
        QTimer.singleShot(5000, wait.quit)
        wait.exec()
        timer.stop()
        if case_id in seen:
            samples.append(seen[case_id] - committed)
            from_start.append(seen[case_id] - t0)
        pause = QEventLoop()
        QTimer.singleShot(37, pause.quit)  # changes arrive at random points of the poll cycle
        pause.exec()
    watcher.stop()
    latency = summary_ms(samples)  # from the writer's commit to the change applied in the other console
    return {
        "seen": len(samples),
        "of": changes,
        "latency": {
            **latency,
            "budget_p95_ms": budget_ms,
            "met": len(samples) == changes and latency["p95_ms"] <= budget_ms,
        },
        "write_and_latency": summary_ms(from_start),  # the same, plus the writing transaction itself
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=60)
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication([])
    result: dict[str, Any] = {"bench": "sync", "load_average_1m_start": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'sync.sqlite3'}")
        upgrade_to_head(db.engine)
        result["sqlite"] = run(db, args.changes, 250)
        db.dispose()
    pg = os.environ.get("CONSOLE_BENCH_PG_URL") or os.environ.get("CONSOLE_TEST_PG_URL")
    if pg:
        admin = create_engine(normalise_url(pg), isolation_level="AUTOCOMMIT")
        name = f"console_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            db = Database(make_url(normalise_url(pg)).set(database=name).render_as_string(hide_password=False))
            upgrade_to_head(db.engine)
            result["postgresql"] = run(db, args.changes, 100)
            db.dispose()
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    result["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    emit(result)
    del app
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects owned by finished threads


if __name__ == "__main__":
    main()
