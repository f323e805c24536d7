"""Shift change: quitting with a half-typed call asks first; Ctrl+L writes the handover note (open cases,
unacknowledged alarms, the shift's notes, the user's words) as an event and asks to switch user; the next user sees
the note at login."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from console.db import Database
from console.enums import EventKind, Role
from console.models import Event
from console.ops import execute
from tests.county import build_mini_county
from ui import shift
from ui.actions import ActionId

from .helpers import LAT, LON, fill_form

pytestmark = pytest.mark.ui


def test_quit_during_a_half_typed_call_asks_first(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    fill_form(window.intake, description="half typed")
    window.actions_[ActionId.QUIT].trigger()
    box = window.quit_box
    assert box is not None and box.isVisible() and window.isVisible()
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=2_000)
    assert window.isVisible()  # still there, the call still in the form
    assert window.intake.description.toPlainText() == "half typed"
    window.actions_[ActionId.QUIT].trigger()
    window.quit_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2_000)
    assert console.drafts.load() is not None  # the draft is kept for the next start


def test_empty_form_quits_at_once(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    window = make_console(sqlite_db, county.actors[Role.DISPATCHER]).window
    window.intake.new_appeal()
    window.actions_[ActionId.QUIT].trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2_000)
    assert window.quit_box is None


def test_handover_note_is_kept_and_shown_to_the_next_user(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    dispatcher, leader = county.actors[Role.DISPATCHER], county.actors[Role.SHIFT_LEADER]
    console = make_console(sqlite_db, dispatcher)
    window = console.window
    window.alarm.settings = window.alarm.settings.model_copy(update={"sound": False, "taskbar": False})
    appeal = {
        "channel": "police_110",
        "category": "traffic",
        "priority": "red",
        "description": "crash",
        "lat": LAT,
        "lon": LON,
    }
    with qtbot.waitSignal(window.alarm.alarmRaised, timeout=5_000):
        red = execute(sqlite_db, leader, "intake.create", data=appeal).value.case
    execute(sqlite_db, dispatcher, "case.note", case_id=red.id, text="driver taken to hospital")
    window.actions_[ActionId.LOCK].trigger()
    dialog = window.handover_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: "Open cases: 1" in dialog.summary.text(), timeout=5_000)
    assert red.number in dialog.summary.text() and "driver taken to hospital" in dialog.summary.text()
    dialog.note.setPlainText("国道路口信号灯仍坏")
    with qtbot.waitSignal(window.switchUserRequested, timeout=5_000):
        dialog.hand_over_button.click()
    with sqlite_db.session() as s:
        event = s.scalars(select(Event).where(Event.kind == EventKind.SHIFT_HANDOVER)).one()
    assert event.actor == dispatcher.name and event.payload["note"] == "国道路口信号灯仍坏"
    assert event.payload["alarms"] == [red.number]  # the alarm was never acknowledged
    # The next user, at login.
    nxt = make_console(sqlite_db, leader, name="next")
    shift.show_last_handover(nxt.window)
    qtbot.waitUntil(
        lambda: nxt.window.last_handover is not None and nxt.window.last_handover.isVisible(), timeout=5_000
    )
    assert nxt.window.last_handover.note.text() == "国道路口信号灯仍坏"
