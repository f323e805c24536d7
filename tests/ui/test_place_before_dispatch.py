"""Save-and-dispatch without a place keeps the call in the form, says so under the address and puts the cursor there
(the completion list open: Enter picks the first match); an error is shown with the case it belongs to, never under
the case that happens to be selected."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.db import Database
from console.enums import Role
from console.services.queries import PlaceName
from tests.county import build_mini_county

from .helpers import LAT, LON, fill_form, stored_cases, wait_worker_done

pytestmark = pytest.mark.ui


def test_ctrl_enter_without_a_place_keeps_the_call(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    form = window.intake
    form.set_places([PlaceName("东河镇卫生院", "landmark", LAT, LON)])
    fill_form(form, description="man collapsed not breathing", with_place=False)
    form.address.setText("卫生院")
    form.activateWindow()
    form.description.setFocus()
    qtbot.keyClick(form.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_worker_done(qtbot, console.worker)
    assert stored_cases(sqlite_db) == 0
    assert form.description.toPlainText() == "man collapsed not breathing"  # the call stays in the form
    error = form.errors["address"]
    assert not error.isHidden() and "No place yet" in error.text()
    assert form.address.property("invalid") is True
    qtbot.waitUntil(form.address.hasFocus, timeout=2_000)
    popup = form.fields.completer.popup()
    assert popup.isVisible() and popup.currentIndex().data() == "东河镇卫生院"
    # One key picks the first match; Ctrl+Enter then saves and dispatches.
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.lat is not None, timeout=2_000)
    assert form.address.text() == "东河镇卫生院"
    form.save(dispatch=True)
    qtbot.waitUntil(lambda: stored_cases(sqlite_db) == 1, timeout=5_000)


def test_f3_picks_the_place_on_the_map_and_keeps_the_call(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    form = window.intake
    fill_form(form, description="老人倒地昏迷", with_place=False)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: window.map.picking, timeout=2_000)  # the map waits for the click
    window.map.newAppealRequested.emit(LAT, LON)  # the click on the map, as the page reports it
    qtbot.waitUntil(lambda: form.lat is not None, timeout=2_000)
    assert (form.lat, form.lon) == pytest.approx((LAT, LON))
    assert form.description.toPlainText() == "老人倒地昏迷"  # the call being typed stays


def test_error_of_a_new_call_is_not_shown_under_the_selected_case(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    fill_form(window.intake, phone="13800002222", description="first call")
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    first = next(iter(session.state.cases))
    session.selection.select_case(first)
    # Every unit is off: the new call's dispatch fails, and says so on the intake's line only.
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE units SET status = 'off_duty'")
    fill_form(window.intake, phone="13800003333", description="second call")
    window.intake.save(dispatch=True)
    qtbot.waitUntil(lambda: "not dispatched" in window.intake.status.text(), timeout=5_000)
    second = max(session.state.cases)
    # Under the case panel only if the panel shows the new case (saving selects it), never under the first.
    assert window.case.message.text() == "" or session.selection.case_id == second
    session.selection.select_case(first)
    window.case.message.clear()
    session.caseError.emit(second, "an error of the second case")
    assert window.case.message.text() == ""
    session.caseError.emit(first, "an error of the first case")
    assert window.case.message.text() == "an error of the first case"
