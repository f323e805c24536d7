"""A wall reads from the standby: the worker's READ jobs and live sync use the read database, writes the primary.

(Here two SQLite files stand for the primary and its standby; the real streaming standby is in test_standby.py.)
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui.workers import DbWorker, OpCall

from .work import take_in

pytestmark = pytest.mark.ui


def test_reads_and_sync_go_to_the_read_database(sqlite_db: Database, qtbot: Any, tmp_path: Path) -> None:
    county = build_mini_county(sqlite_db)
    take_in(sqlite_db, county)
    sqlite_db.engine.dispose()
    copy = tmp_path / "standby.sqlite3"
    shutil.copy(Path(sqlite_db.engine.url.database or ""), copy)
    standby = Database(f"sqlite:///{copy}")
    take_in(sqlite_db, county, "只在主库")  # the standby copy is one appeal behind
    worker = DbWorker(sqlite_db, poll_interval=0.02)
    worker.read_from(standby)
    snapshots: list[Any] = []
    worker.snapshotReady.connect(snapshots.append)
    results: list[Any] = []
    worker.start()
    try:
        worker.run(OpCall("live.snapshot", county.actors[Role.WALL], {"last_event_id": 0}), results.append)
        worker.start_sync(county.actors[Role.WALL])
        qtbot.waitUntil(lambda: len(results) == 1 and len(snapshots) == 1, timeout=5_000)
    finally:
        worker.stop()
        standby.dispose()
    assert len(results[0].value.cases) == 1  # read from the standby copy, not the primary's two
    assert len(snapshots[0].cases) == 1
