"""The wall on another screen: a second view of the same session (its own map, the band of figures and urgent
cases) in the wall's dark look, while the main window keeps the dispatcher's layout and light look."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui.actions import ActionId
from ui.layouts import Dock, Layout
from ui.theme import ThemeName, colours

from .conftest import FakeMap
from .helpers import fill_form

pytestmark = pytest.mark.ui


def test_wall_window_beside_the_dispatcher_layout(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    maps: list[FakeMap] = []

    def make_map() -> FakeMap:
        maps.append(FakeMap())
        return maps[-1]

    window.map_factory = make_map
    window.actions_[ActionId.WALL_WINDOW].trigger()
    wall = window.wall_window
    assert wall is not None
    qtbot.waitUntil(wall.isVisible, timeout=5_000)
    # The main window keeps its layout and look; the wall window has the dark one.
    assert window.layout_name == Layout.DISPATCHER and window.docks[Dock.INTAKE].isVisible()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.palette().base().color().name() == colours(ThemeName.LIGHT)["base"]
    assert colours(ThemeName.DARK)["window"] in wall.styleSheet()
    # A case taken in at the dispatcher's window reaches the wall's map and, urgent, its ticker.
    fill_form(window.intake)  # an orange appeal
    window.intake.save(dispatch=False)
    qtbot.waitUntil(lambda: bool(console.session.state.cases), timeout=10_000)
    qtbot.waitUntil(lambda: bool(maps[0].cases), timeout=5_000)
    qtbot.waitUntil(lambda: wall.band.ticker_rows[0].full_text().startswith("●"), timeout=5_000)
    window.close()
    assert not wall.isVisible()
