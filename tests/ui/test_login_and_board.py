"""The login dialog (password checked in the worker) and the unit board's filters and grouping."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from console.db import Database, write_transaction
from console.enums import Role, UnitKind, UnitStatus
from console.services.login_policy import LoginSettings
from console.services.users import add_user
from tests.county import build_mini_county, cached_hash
from ui.login import LoginDialog
from ui.workers import DbWorker

pytestmark = pytest.mark.ui


def test_login_refuses_a_wrong_password_then_accepts(sqlite_db: Database, qtbot: Any) -> None:
    build_mini_county(sqlite_db)
    worker = DbWorker(sqlite_db)
    worker.start()
    try:
        dialog = LoginDialog(worker, user="lead")
        qtbot.addWidget(dialog)
        dialog.password.setText("wrong")
        dialog.try_login()
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5_000)
        assert dialog.actor is None
        assert "Wrong user name or password" in dialog.error.text()
        dialog.password.setText("lead")
        with qtbot.waitSignal(dialog.accepted, timeout=5_000):
            dialog.try_login()
        assert dialog.actor is not None and dialog.actor.role == Role.SHIFT_LEADER
    finally:
        worker.stop()


def test_login_says_how_long_to_wait_after_failures(sqlite_db: Database, qtbot: Any) -> None:
    """Failed logins are counted in the database: after one (with these settings) the next attempt, even with the
    right password, is refused until the delay has passed, and the dialog says so."""
    build_mini_county(sqlite_db)
    worker = DbWorker(sqlite_db)
    worker.start()
    try:
        dialog = LoginDialog(worker, user="lead", settings=LoginSettings(free_failures=0, delay_s=600, max_delay_s=600))
        qtbot.addWidget(dialog)
        dialog.password.setText("wrong")
        dialog.try_login()
        qtbot.waitUntil(lambda: "Wrong user name or password" in dialog.error.text(), timeout=5_000)
        dialog.error.clear()
        dialog.password.setText("lead")
        dialog.try_login()
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5_000)
        assert dialog.actor is None
        assert re.search(r"Too many failed logins\. Try again in [0-9]+ second\(s\)\.", dialog.error.text())
    finally:
        worker.stop()


def test_the_console_logs_in_by_itself_only_on_the_demo(
    sqlite_db: Database, qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Any database holding a `demo` user used to open logged in as it. Now only the demo does (built by this start,
    or chosen at first run); any other database shows the login dialog, `--user NAME` or not."""
    import ui.app
    from ui.app import _log_in

    county = build_mini_county(sqlite_db)
    write_transaction(
        sqlite_db.sessions,
        lambda s: add_user(
            s, name="demo", role=Role.DISPATCHER, password_hash=cached_hash("demo"), actor=county.actors[Role.ADMIN]
        ),
    )
    monkeypatch.setenv("CONSOLE_CONFIG_DIR", str(tmp_path))
    asked: list[str] = []

    class Dialog:  # the login dialog, answered "cancel"
        def __init__(self, worker: DbWorker, *, user: str = "", settings: Any = None) -> None:
            asked.append(user)
            self.actor = None

        def exec(self) -> int:
            return 0

    monkeypatch.setattr(ui.app, "LoginDialog", Dialog)
    worker = DbWorker(sqlite_db)
    worker.start()
    try:
        args = argparse.Namespace(user=None, config=None, demo_start=False)
        assert _log_in(worker, args, demo_built=False) is None and asked == [""]
        args.user = "lead"
        assert _log_in(worker, args, demo_built=True) is None and asked == ["", "lead"]  # --user is asked for
        args.user = None
        built = _log_in(worker, args, demo_built=True)
        assert built is not None and built.name == "demo"
        args.demo_start = True
        chosen = _log_in(worker, args, demo_built=False)
        assert chosen is not None and chosen.name == "demo" and asked == ["", "lead"]
    finally:
        worker.stop()


def test_unit_board_groups_by_status_and_filters_by_kind(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    board = console.window.units
    qtbot.waitUntil(lambda: board.unit_item(county.unit_ids["PC-01"]) is not None, timeout=5_000)
    assert board.group_of(county.unit_ids["PC-01"]) == UnitStatus.AVAILABLE
    assert board.group_of(county.unit_ids["DR-01"]) == UnitStatus.OFF_DUTY
    board.kind.setCurrentIndex(board.kind.findData(UnitKind.PATROL_CAR))
    assert sorted(board.visible_unit_ids()) == sorted([county.unit_ids["PC-01"], county.unit_ids["PC-02"]])
    assert "2 available" in board.summary.text()
