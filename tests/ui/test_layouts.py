"""Layouts: each role opens in its own; a user's arrangement of a layout is saved and restored."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui.layouts import Dock, Layout, last_layout

pytestmark = pytest.mark.ui


def test_layout_saved_and_restored_per_user(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    actor = county.actors[Role.DISPATCHER]
    console = make_console(sqlite_db, actor)
    window = console.window
    assert window.docks[Dock.INTAKE].isVisible() and window.docks[Dock.QUEUE].isVisible()
    # The dispatcher hides the unit board in the dispatcher layout, then looks at the wall layout and back.
    window.docks[Dock.UNITS].hide()
    window.switch_layout(Layout.WALL)
    assert not window.docks[Dock.INTAKE].isVisible()
    assert window.docks[Dock.WALL_BAND].isVisible()  # the wall: the map with its band of figures, nothing else
    window.switch_layout(Layout.DISPATCHER)
    assert not window.docks[Dock.UNITS].isVisible()  # their own arrangement came back
    window.close()
    assert last_layout(actor.name, Layout.SHIFT_LEADER) == Layout.DISPATCHER
    # Another user starts from the default arrangement.
    other = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER], name="lead")
    assert other.window.docks[Dock.UNITS].isVisible()
    # Resetting forgets the saved arrangement.
    again = make_console(sqlite_db, actor, name="again")
    assert not again.window.docks[Dock.UNITS].isVisible()
    again.window.reset_layout()
    assert again.window.docks[Dock.UNITS].isVisible()


def test_unit_status_keys_act_on_the_selected_unit(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    from .helpers import fill_form

    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    session, window = console.session, console.window
    fill_form(window.intake)
    window.intake.save(dispatch=True)
    qtbot.waitUntil(lambda: any(c.unit_ids for c in session.state.cases.values()), timeout=10_000)
    unit_id = next(iter(session.state.cases.values())).unit_ids[0]
    session.selection.select_unit(unit_id)  # as a click on the board or the map does
    assert window.units.tree.currentItem() is window.units.unit_item(unit_id)
    from ui.actions import ActionId

    window.actions_[ActionId.UNIT_EN_ROUTE].trigger()  # F6
    qtbot.waitUntil(lambda: str(session.state.units[unit_id].status) == "en_route", timeout=5_000)
    window.actions_[ActionId.UNIT_ON_SCENE].trigger()  # F7
    qtbot.waitUntil(lambda: str(session.state.units[unit_id].status) == "on_scene", timeout=5_000)
    window.actions_[ActionId.UNIT_CLEAR].trigger()  # F8
    qtbot.waitUntil(lambda: str(session.state.units[unit_id].status) == "available", timeout=5_000)


def test_an_arrangement_saved_on_a_wide_screen_is_not_forced_on_a_narrow_one(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    actor = county.actors[Role.DISPATCHER]
    window = make_console(sqlite_db, actor).window
    window.resize(1920, 1080)
    window.reset_layout()
    window.docks[Dock.UNITS].hide()  # arranged on the wide screen
    window.switch_layout(Layout.WALL)
    window.resize(1280, 720)
    window.switch_layout(Layout.DISPATCHER)  # the same user on a narrow screen: the default for it
    assert window.docks[Dock.UNITS].isVisible()
    window.switch_layout(Layout.WALL)
    window.resize(1920, 1080)
    window.switch_layout(Layout.DISPATCHER)  # back on the wide screen: the wide arrangement again
    assert not window.docks[Dock.UNITS].isVisible()
