"""A scripted typical call, keyboard only: counts the key presses beyond the caller's words from opening the
intake to a unit dispatched (goal: at most 10) and prints the count."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from console.db import Database
from console.enums import CaseStatus, Category, Role
from console.services.queries import PlaceName
from tests.county import build_mini_county

from .helpers import LAT, LON

pytestmark = pytest.mark.ui

PLACES = [PlaceName("东河镇卫生院", "landmark", LAT, LON), PlaceName("西岭镇中学", "landmark", 24.815, 113.635)]


class Keys:
    """Sends keys to whatever has the focus, counting the ones that are not the caller's words."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.count = 0

    def _target(self) -> Any:
        return QApplication.focusWidget() or QApplication.activeWindow()

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.count += 1
        popup = QApplication.activePopupWidget()
        self.qtbot.keyClick(popup or self._target(), key, modifier)
        QApplication.processEvents()  # what the key posted (focus changes, popups) is handled before the next key

    def words(self, text: str) -> None:
        """The caller's words: typed (any script, as an input method delivers them), not counted."""
        target = self._target()
        for ch in text:
            QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch))
            QApplication.sendEvent(target, QKeyEvent(QEvent.Type.KeyRelease, 0, Qt.KeyboardModifier.NoModifier, ch))
        QApplication.processEvents()


def test_typical_call_key_presses(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    window.intake.set_places(PLACES)
    window.activateWindow()
    window.queue.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2_000)
    keys = Keys(qtbot)

    keys.press(Qt.Key.Key_F2)  # open the intake: the phone field has the focus
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.intake.phone, timeout=2_000)
    keys.words("13812345678")
    keys.press(Qt.Key.Key_Tab)
    keys.words("李女士")
    keys.press(Qt.Key.Key_Tab)
    keys.words("邻居两家因为宅基地吵架, 快打起来了")
    keys.press(Qt.Key.Key_Tab)
    keys.words("东河镇卫")  # the start of the landmark the caller names
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=2_000)  # the completions
    keys.press(Qt.Key.Key_Down)  # pick the completion
    keys.press(Qt.Key.Key_Return)
    assert window.intake.lat is not None
    keys.press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # save and dispatch the nearest unit

    qtbot.waitUntil(
        lambda: any(c.status == CaseStatus.DISPATCHED for c in session.state.cases.values()), timeout=10_000
    )
    case = next(iter(session.state.cases.values()))
    assert case.category == Category.DISPUTE  # suggested from the words, no key needed
    assert case.caller_name == "李女士"
    assert case.unit_ids
    print(f"\ntypical call: {keys.count} key presses beyond the caller's words (goal <= 10)")
    assert keys.count <= 10
