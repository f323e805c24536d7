"""The shift leader's layout leaves the map a usable part of the window at both screen sizes: on a 1280×720 screen
the board, the day's patrol and the follow-ups go in tabs beside the case (the map had 220 px between the columns),
and the queue keeps its share below."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from tests.ui.test_layouts_fit import SIZES, cut_widgets, settle
from ui.layouts import LEADER_BOARD_COLUMN_MIN_WIDTH, Dock, Layout

pytestmark = pytest.mark.ui


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_leaders_map_keeps_a_usable_width(
    sqlite_db: Database, make_console: Any, qtbot: Any, width: int, height: int
) -> None:
    county = build_mini_county(sqlite_db)
    window = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER]).window
    window.resize(width, height)
    qtbot.wait(200)
    assert window.layout_name == Layout.SHIFT_LEADER
    window.reset_layout()  # the default arrangement for this window's size, as on a first start on this screen
    settle(qtbot, window, width, height)
    # Between the board and the case columns at 1920; beside the one column of tabs on a narrow screen.
    share = 0.4 if width >= LEADER_BOARD_COLUMN_MIN_WIDTH else 0.6
    assert window.map.width() >= share * width, window.map.geometry()
    assert window.map.height() >= 0.4 * height, window.map.geometry()
    queue = window.docks[Dock.QUEUE]
    assert queue.isVisible() and queue.height() >= 0.25 * height
    for which in (Dock.CASE, Dock.SUPERVISION):  # the case and the leader's board are a click apart, never squeezed
        assert window.docks[which].isVisible() or window.tabifiedDockWidgets(window.docks[which])
    assert {
        d.value: cut_widgets(window.docks[d]) for d in (Dock.CASE, Dock.QUEUE) if cut_widgets(window.docks[d])
    } == {}
