"""Database outage: a banner, writes refused with a clear message (never queued), the draft kept, and recovery."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from console.ops import REGISTRY, Kind, Needs, OpContext, Operation, OpResult
from tests.county import build_mini_county

from .helpers import fill_form

pytestmark = pytest.mark.ui


def test_outage_banner_refused_write_and_recovery(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    path = Path(sqlite_db.engine.url.database or "")
    aside = path.with_suffix(".aside")

    # The database file disappears (a broken share, a disk gone) and a non-database file takes its place.
    os.replace(path, aside)
    path.write_bytes(b"this is not a database" * 100)
    sqlite_db.engine.dispose()
    qtbot.waitUntil(lambda: not window.banner.isHidden(), timeout=5_000)
    assert "unreachable" in window.banner.text()

    fill_form(window.intake, phone="13600001234", description="street light out on the bridge")
    window.intake.save()
    assert "nothing was saved" in window.intake.status.text()
    assert console.drafts.load() is not None  # the draft is kept
    assert window.intake.phone.text() == "13600001234"

    # The file comes back: the console notices on its own and the write goes through.
    path.unlink()
    os.replace(aside, path)
    sqlite_db.engine.dispose()
    qtbot.waitUntil(window.banner.isHidden, timeout=5_000)
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    assert console.drafts.load() is None  # the save's callback ran with the live state's update: the draft is gone


def test_a_database_that_does_not_answer_shows_the_banner(
    sqlite_db: Database, make_console: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    release = threading.Event()

    def hang(ctx: OpContext) -> OpResult[bool]:
        return OpResult(release.wait(10))

    # A read that hangs (as on a dead network link) holds the one database worker.
    monkeypatch.setitem(REGISTRY, "test.hang", Operation("test.hang", hang, None, Kind.READ, Needs.DATABASE, "hang"))
    console.session.run("test.hang")
    qtbot.waitUntil(lambda: not window.banner.isHidden(), timeout=5_000)
    window.intake.phone.setText("13600001234")
    window.intake.description.setPlainText("street light out")
    window.intake.save()
    assert "nothing was saved" in window.intake.status.text()
    release.set()
    qtbot.waitUntil(window.banner.isHidden, timeout=5_000)


def test_postgresql_connections_dropped_by_the_server_recover_by_themselves(
    pg_db: Database, make_console: Any, qtbot: Any
) -> None:
    from sqlalchemy import text

    from console.db import write_transaction
    from console.services import intake as intake_service

    county = build_mini_county(pg_db)
    console = make_console(pg_db, county.actors[Role.DISPATCHER])
    name = pg_db.engine.url.database
    # The server drops every connection to this database (a restart, a failover, an administrator).
    with pg_db.engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.commit()
    req = intake_service.parse_intake(
        {"channel": "online", "category": "other", "priority": "blue", "description": "after the drop"}
    )
    actor = county.actors[Role.SHIFT_LEADER]
    case_id = write_transaction(pg_db.sessions, lambda s: intake_service.create_case(s, req, actor=actor).case.id)
    qtbot.waitUntil(lambda: case_id in console.session.state.cases, timeout=10_000)
    assert console.window.banner.isHidden()
