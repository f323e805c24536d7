"""The dashboard and the board as widgets: click-to-filter, period/dimension requests, rotation, highlights."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from console.periods import Period
from console.stats.board import supervision_board
from console.stats.dashboard import dashboard_data
from ui.dashboard import KpiDashboard
from ui.supervision import SupervisionBoardWidget

from .conftest import World
from .dataset import NOW, build_dataset

pytestmark = pytest.mark.ui


@pytest.fixture
def data_world(sqlite_world: World) -> tuple[World, dict[str, int]]:
    return sqlite_world, build_dataset(sqlite_world)


def _click_view_point(qtbot, chart, view_point) -> None:  # type: ignore[no-untyped-def]
    scene = chart.scene_point(view_point)
    pos = chart.mapFromScene(scene)
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(pos.x()), int(pos.y())))


def test_clicking_a_township_bar_filters_the_queue(qtbot, data_world) -> None:  # type: ignore[no-untyped-def]
    world, _ = data_world
    with world.db.session() as s:
        data = dashboard_data(s, period=Period.DAY, by="township", now=NOW)
    dash = KpiDashboard(data)
    qtbot.addWidget(dash)
    dash.resize(1600, 1000)
    dash.show()
    qtbot.waitExposed(dash)
    labels = [r.label for r in dash._rows]
    west = labels.index("西岭镇")
    with qtbot.waitSignal(dash.filterRequested, timeout=2000) as blocker:
        _click_view_point(qtbot, dash.groups_chart, dash.groups_chart.bar_centre(west))
    got = blocker.args[0]
    assert got["township_id"] == world.county.township_ids["西岭镇"]
    assert got["received_from"] < got["received_to"]
    # a click beside the bars filters nothing
    with qtbot.assertNotEmitted(dash.filterRequested):  # the click is handled at once: nothing to wait for
        empty = dash.groups_chart.bar_centre(west)
        empty.setX(dash._rows[west].counts["received"] * 1.1)
        _click_view_point(qtbot, dash.groups_chart, empty)
    # the hour chart: 09:00 today
    with qtbot.waitSignal(dash.filterRequested, timeout=2000) as blocker:
        _click_view_point(qtbot, dash.hourly_chart, dash.hourly_chart.point_centre(9))
    hour = blocker.args[0]
    assert hour["received_from"].startswith("2026-11-16T01:00") and hour["received_to"].startswith("2026-11-16T02:00")
    # the overdue tile
    with qtbot.waitSignal(dash.filterRequested, timeout=2000) as blocker:
        qtbot.mouseClick(dash.tiles.tiles["overdue"], Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"overdue_only": True}


def test_tiles_show_numerators_and_selectors_request_data(qtbot, data_world) -> None:  # type: ignore[no-untyped-def]
    world, _ = data_world
    with world.db.session() as s:
        data = dashboard_data(s, period="day", by="category", now=NOW)
    dash = KpiDashboard(data)
    qtbot.addWidget(dash)
    assert dash.tiles.tiles["resolution"].value.text() == "40.0%"
    assert dash.tiles.tiles["resolution"].detail.text() == "2 / 5"
    assert dash.dimension().value == "category"
    with qtbot.waitSignal(dash.dataRequested, timeout=1000) as blocker:
        dash.period_box.setCurrentIndex(dash.period_box.findData("week"))
    assert blocker.args == ["week", "category"]
    # What the console runs for the new selection: the `stats.dashboard` operation with these arguments.
    assert dash.selection() == {"period": "week", "by": "category"}
    with world.db.session() as s:
        week = dashboard_data(s, **dash.selection(), now=NOW)
    assert week.period == Period.WEEK and week.report.total.counts["received"] >= 6


def test_rotating_mode_cycles_panels(qtbot, data_world) -> None:  # type: ignore[no-untyped-def]
    world, _ = data_world
    with world.db.session() as s:
        data = dashboard_data(s, period="day", by="township", now=NOW)
    dash = KpiDashboard(data, rotating=True)
    qtbot.addWidget(dash)
    assert dash.is_rotating()
    first = dash.current_panel()
    dash.next_panel()
    assert dash.current_panel() is not first
    dash.set_rotating(False)
    assert not dash.is_rotating() and all(p.parent() is not None for p in dash.panels)


def test_board_highlights_returns_and_counts_down(qtbot, data_world) -> None:  # type: ignore[no-untyped-def]
    world, ids = data_world
    with world.db.session() as s:
        board = supervision_board(s, now=NOW)
    widget = SupervisionBoardWidget(board)
    qtbot.addWidget(widget)
    counts = widget.counts()
    assert counts["returned"] == 1 and counts["resolved"] == 0
    assert widget.row_background(ids["a6"]) is not None
    assert "Returned 1" in widget.summary.text()
    assert widget.escalated.count() == 1
    widget.tick(NOW + timedelta(days=1))  # the countdown moves with the calendar, without the database
    with qtbot.waitSignal(widget.caseActivated, timeout=1000) as blocker:
        item = widget.escalated.item(0)
        widget.escalated.itemDoubleClicked.emit(item)
    assert blocker.args == [ids["c5"]]
