"""The alarm for new urgent cases: a red case taken in elsewhere raises it (signal, flashing row, map to the case when
idle), the key acknowledges it; a yellow case, or one this console's user took in, does not; the wall flashes only."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.config.alarm import AlarmSection, RoleAlarm
from console.db import Database
from console.enums import Priority, Role
from console.ops import execute
from tests.county import build_mini_county
from ui.queue.model import ALARM_FLASH

from .helpers import LAT, LON

pytestmark = pytest.mark.ui

APPEAL = {"channel": "police_110", "description": "man collapsed not breathing", "lat": LAT, "lon": LON}


def _row_colour(model: Any, case_id: int) -> str | None:
    for row in range(model.rowCount()):
        index = model.index(row, 1)
        if model.data(index, Qt.ItemDataRole.UserRole + 1) == case_id or model._rows[row].id == case_id:
            brush = model.data(index, Qt.ItemDataRole.BackgroundRole)
            return brush.color().name() if brush is not None else None
    return None


def test_red_case_from_elsewhere_raises_the_alarm_until_acknowledged(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    alarm = window.alarm
    alarm.settings = RoleAlarm(sound=False, idle_s=1)  # no sound in the test; idle after a second
    alarm._last_input -= 5  # the dispatcher has not touched anything for a while
    leader = county.actors[Role.SHIFT_LEADER]  # another user, as at another console or a feed
    with qtbot.waitSignal(alarm.alarmRaised, timeout=5_000) as raised:
        red = execute(sqlite_db, leader, "intake.create", data={**APPEAL, "category": "assistance", "priority": "red"})
    case_id = red.value.case.id
    assert raised.args == [case_id]
    assert alarm.unacknowledged() == [case_id]
    qtbot.waitUntil(lambda: session.selection.case_id == case_id, timeout=2_000)  # idle: the map goes to it
    qtbot.waitUntil(lambda: _row_colour(window.queue.model, case_id) == ALARM_FLASH.lower(), timeout=2_000)
    qtbot.waitUntil(lambda: _row_colour(window.queue.model, case_id) != ALARM_FLASH.lower(), timeout=2_000)  # flashes
    # A yellow case raises nothing.
    execute(sqlite_db, leader, "intake.create", data={**APPEAL, "category": "other", "priority": "yellow"})
    qtbot.waitUntil(lambda: len(session.state.cases) == 2, timeout=5_000)
    assert alarm.unacknowledged() == [case_id]
    # The key acknowledges it: the flashing stops.
    window.activateWindow()
    with qtbot.waitSignal(alarm.acknowledged, timeout=2_000) as acked:
        qtbot.keyClick(window, Qt.Key.Key_F4)
    assert acked.args == [[case_id]]
    assert alarm.unacknowledged() == [] and window.queue.model.flashing == frozenset()


def test_own_case_and_busy_dispatcher(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    dispatcher = county.actors[Role.DISPATCHER]
    console = make_console(sqlite_db, dispatcher)
    window, session = console.window, console.session
    alarm = window.alarm
    alarm.settings = RoleAlarm(sound=False, priorities=(Priority.RED, Priority.ORANGE), idle_s=3600)
    execute(sqlite_db, dispatcher, "intake.create", data={**APPEAL, "category": "assistance", "priority": "red"})
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    assert alarm.unacknowledged() == []  # taken in by this console's own user
    with qtbot.waitSignal(alarm.alarmRaised, timeout=5_000):
        execute(
            sqlite_db,
            county.actors[Role.SHIFT_LEADER],
            "intake.create",
            data={**APPEAL, "category": "traffic", "priority": "orange"},
        )
    assert session.selection.case_id is None or session.selection.case_id == 0  # busy: the map stays where it is


def test_wall_flashes_only() -> None:
    wall = AlarmSection().for_role(Role.WALL)
    assert (wall.sound, wall.taskbar, wall.follow_map, wall.flash) == (False, False, False, True)
    assert AlarmSection().for_role(Role.SHIFT_LEADER).priorities == (Priority.RED, Priority.ORANGE)
    assert AlarmSection().for_role(Role.DISPATCHER).priorities == (Priority.RED,)
