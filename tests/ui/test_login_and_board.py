"""The login dialog (password checked in the worker) and the unit board's filters and grouping."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import Role, UnitKind, UnitStatus
from tests.core.county import build_mini_county
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
