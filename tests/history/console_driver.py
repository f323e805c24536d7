"""A console without its window: the real database worker (`ui/workers.py DbWorker`) under a Qt event loop, synced
as a dispatcher, taking in an appeal and dispatching the nearest unit every `every_s` — what a busy workstation does.
It records what it was told: acknowledged dispatches, the events that reached it, the outage signals.

Used in process by the standby test, and as its own process by the soak
(`python -m tests.history.console_driver --db URL --seconds S --report FILE`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Slot

from console.db import Database
from console.enums import Role
from console.ops import Actor, ServiceError
from ui.workers import OpCall

DISPATCHER = Actor(name="soak_dispatcher", role=Role.DISPATCHER)


@dataclass
class DriverLog:
    acked: list[tuple[int, int]] = field(default_factory=list)  # (case id, dispatch id) the database confirmed
    refused: int = 0  # refused by a service (no unit free, a unit taken by another console)
    failed: int = 0  # the database was not there (outage): nothing was stored, the console said so
    event_ids: set[int] = field(default_factory=set)  # every event id delivered as a change
    snapshot_heads: list[int] = field(default_factory=list)  # feed head of each (re)loaded snapshot
    status: list[bool] = field(default_factory=list)  # dbStatusChanged values, in order
    errors: list[str] = field(default_factory=list)  # anything unexpected (non-service, non-outage failures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "acked": self.acked,
            "refused": self.refused,
            "failed": self.failed,
            "event_ids": sorted(self.event_ids),
            "snapshot_heads": self.snapshot_heads,
            "status": self.status,
            "errors": self.errors,
        }


def appeal(place: tuple[float, float], n: int) -> dict[str, Any]:
    """The n-th appeal a driven console takes in (its caller's phone varies, so it is never a repeat)."""
    return {
        "channel": "hotline_12345",
        "category": "public_order",
        "priority": "orange",
        "description": f"值守测试诉求 {n}",
        "caller_phone": f"1390000{n % 10000:04d}",
        "lat": place[0],
        "lon": place[1],
    }


class ConsoleDriver(QObject):
    """The receiver of the worker's signals (a QObject, so that signals still queued when it goes are dropped)."""

    def __init__(self, url: str, places: list[tuple[float, float]], *, every_s: float = 0.4, seed: int = 1) -> None:
        from ui.workers import DbWorker

        super().__init__()
        self.db = Database(url)
        self.worker = DbWorker(self.db, poll_interval=0.05, retry_interval=0.2)
        self.places = places
        self.every_s = every_s
        self.rng = random.Random(seed)
        self.log = DriverLog()
        self._n = 0
        self._pending = 0
        self._lock = threading.Lock()
        self.worker.snapshotReady.connect(self._on_snapshot)
        self.worker.changesReady.connect(self._on_changes)
        self.worker.dbStatusChanged.connect(self._on_status)
        self._timer: Any = None

    # The worker's signals, queued to this object's (the interface) thread.
    @Slot(object)
    def _on_snapshot(self, snapshot: Any) -> None:
        with self._lock:
            self.log.snapshot_heads.append(int(snapshot.last_event_id))

    @Slot(object)
    def _on_changes(self, changes: Any) -> None:
        with self._lock:
            self.log.event_ids.update(e.id for e in changes.events)

    @Slot(bool, str)
    def _on_status(self, reachable: bool, _message: str) -> None:
        with self._lock:
            self.log.status.append(bool(reachable))

    def start(self) -> None:
        from PySide6.QtCore import QTimer

        self.worker.start()
        self.worker.start_sync(DISPATCHER)
        self._timer = QTimer()
        self._timer.setInterval(int(self.every_s * 1000))
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    def tick(self) -> None:
        if self._pending > 2:  # a console does not pile up work while the database is slow
            return
        self._n += 1
        self._pending += 1
        place = self.rng.choice(self.places)
        n = self._n
        # What a dispatcher's "save and dispatch nearest" runs: intake, then F5 (two operations, two transactions).
        self.worker.run(OpCall("intake.create", DISPATCHER, {"data": appeal(place, n)}), self._on_saved)

    def _on_saved(self, result: Any) -> None:
        if not result.ok:
            self._on_result(result)
            return
        case_id = result.value.case.id
        self.worker.run(OpCall("dispatch.nearest", DISPATCHER, {"case_id": case_id}), self._on_result)

    def _on_result(self, result: Any) -> None:
        self._pending -= 1  # on the interface thread, like tick()
        with self._lock:
            if result.ok:
                self.log.acked.append((result.value.case_id, result.value.id))
            elif isinstance(result.error, ServiceError):
                self.log.refused += 1
            elif result.db_unreachable:
                self.log.failed += 1
            else:
                self.log.errors.append(f"{type(result.error).__name__}: {result.error} ({where(result.error)})")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.worker.stop()
        for signal in (self.worker.snapshotReady, self.worker.changesReady, self.worker.dbStatusChanged):
            signal.disconnect()
        self.db.dispose()


def where(error: BaseException) -> str:
    """The innermost frame an unexpected error came from, so the soak's report says where to look."""
    frames = traceback.extract_tb(error.__traceback__)
    return (
        f"{frames[-1].filename.rsplit('/', 2)[-1]}:{frames[-1].lineno} in {frames[-1].name}"
        if frames
        else "no traceback"
    )


def places_of(db: Database, limit: int = 200) -> list[tuple[float, float]]:
    from sqlalchemy import select

    from console.models import Place

    with db.session() as s:
        return [(lat, lon) for lat, lon in s.execute(select(Place.lat, Place.lon).limit(limit)).tuples()]


def main(argv: list[str] | None = None) -> int:
    """A console as its own process: runs `--seconds`, then writes its log as JSON to `--report`."""
    from PySide6.QtCore import QCoreApplication, QTimer

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args(argv)
    app = QCoreApplication(sys.argv[:1])
    unhandled: list[str] = []
    sys.excepthook = lambda kind, value, _tb: unhandled.append(f"{kind.__name__}: {value}")
    threading.excepthook = lambda info: unhandled.append(f"{info.exc_type.__name__}: {info.exc_value}")
    db = Database(args.db)
    places = places_of(db)
    db.dispose()
    driver = ConsoleDriver(args.db, places, every_s=args.every, seed=args.seed)
    driver.start()
    QTimer.singleShot(int(args.seconds * 1000), app.quit)
    app.exec()
    driver.stop()
    driver.log.errors.extend(unhandled)
    args.report.write_text(json.dumps(driver.log.as_dict()), encoding="utf-8")
    # Leave without the interpreter's teardown once Qt has run (tests/conftest.py says why): the report is written,
    # and destroying the Qt wrappers in an arbitrary order can crash a process whose work is done.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
