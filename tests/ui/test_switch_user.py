"""Switching user at shift change without restarting: after the handover note the window goes, the login asks for
the next user, and a window of their own opens on the same database worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui import app as app_module
from ui.intake import DraftStore
from ui.layouts import Layout
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.session import ConsoleSession
from ui.workers import DbWorker

from .conftest import FakeMap

pytestmark = pytest.mark.ui


def test_switch_user_opens_the_next_users_window(
    sqlite_db: Database, qtbot: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    county = build_mini_county(sqlite_db)
    config = tmp_path / "console.toml"
    config.write_text("", encoding="utf-8")  # every value a default
    monkeypatch.setenv("CONSOLE_CONFIG", str(config))
    monkeypatch.setattr(app_module, "_make_map", lambda _config: FakeMap())
    worker = DbWorker(sqlite_db, poll_interval=0.02, retry_interval=0.2)
    worker.start()
    session = ConsoleSession(worker, county.actors[Role.DISPATCHER])
    first = MainWindow(session, DraftStore(data_dir / "d.json"), layout=Layout.DISPATCHER, map_widget=FakeMap())
    first.show()
    session.start()
    opened: list[MainWindow] = []
    real_open = app_module._open_window
    monkeypatch.setattr(app_module, "_open_window", lambda *a, **k: opened.append(real_open(*a, **k)) or opened[-1])

    def log_in_as_leader() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, LoginDialog):
            QTimer.singleShot(50, log_in_as_leader)
            return
        dialog.name.setText("lead")
        dialog.password.setText("lead")
        dialog.try_login()

    QTimer.singleShot(50, log_in_as_leader)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        first.switchUserRequested.connect(lambda: app_module._switch_user(app, worker, first, config=None))
        first.switchUserRequested.emit()
        assert len(opened) == 1
        window = opened[0]
        assert window.session.actor.name == "lead"
        qtbot.waitUntil(lambda: window.session.is_loaded, timeout=10_000)
        window.quit_confirmed = True
        window.close()
    finally:
        worker.stop()
