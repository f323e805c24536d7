"""Layouts fit the screens of a command center: every layout at 1920×1080 and 1280×720 shows its docks whole (each
widget at least its minimum size hint, no horizontal scroll bar), brings its own look, and a window squeezed and
made big again gets its docks back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QHeaderView, QTreeView, QWidget

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui.layouts import LOOKS, VISIBLE, WALL_SIDE, WALL_SIDE_MIN_WIDTH, Dock, Layout, apply_look
from ui.theme import ThemeName, colours
from ui.units.board import COL_CASE, COL_UNIT

pytestmark = pytest.mark.ui

SIZES = ((1920, 1080), (1280, 720))


@pytest.fixture(autouse=True)
def dispatcher_look_after() -> Iterator[None]:
    """The look is the application's: the next test starts from the dispatcher's, whatever this one showed."""
    yield
    apply_look(Layout.DISPATCHER)


def cut_widgets(dock: QWidget) -> list[str]:
    """What is cut in a dock: visible widgets smaller than their minimum size hint, visible horizontal bars."""
    cut: list[str] = []
    for child in [dock.widget(), *dock.widget().findChildren(QWidget)]:
        if not child.isVisible() or child.parentWidget() is None and child is not dock.widget():
            continue
        hint = child.minimumSizeHint()
        # A list or a table scrolls its rows by design (its hint is a scroll area's): only sideways counts there.
        if (
            not isinstance(child, (QAbstractScrollArea, QHeaderView))
            and hint.isValid()
            and (child.width() < hint.width() or child.height() < hint.height())
        ):
            cut.append(
                f"{type(child).__name__} {child.objectName() or ''} {child.width()}x{child.height()} "
                f"< {hint.width()}x{hint.height()}"
            )
        if isinstance(child, QAbstractScrollArea) and child.horizontalScrollBar().isVisible():
            cut.append(f"{type(child).__name__} {child.objectName() or ''} scrolls sideways")
        header = child.header() if isinstance(child, QTreeView) else None
        if header is not None and header.isVisible() and header.length() > child.viewport().width() + 1:
            cut.append(f"{type(child).__name__} columns {header.length()} > {child.viewport().width()} px")
    return cut


def elided_unit_texts(window: Any) -> list[str]:
    """Callsigns and case numbers that do not fit their column in the units dock (every group opened), and columns
    narrower than the demo county's longest callsign and a case number."""
    tree = window.units.tree
    elided: list[str] = []
    fm = tree.fontMetrics()
    for col, sample, indent in ((COL_UNIT, "GW-G0105-02", tree.indentation()), (COL_CASE, "2026-012345", 0)):
        if fm.horizontalAdvance(sample) + indent + 8 > tree.columnWidth(col):
            elided.append(f"column {col} {tree.columnWidth(col)} px < {sample}")
    for g in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(g)
        group.setExpanded(True)
        for i in range(group.childCount()):
            item = group.child(i)
            for col, indent in ((COL_UNIT, tree.indentation()), (COL_CASE, 0)):
                text = item.text(col)
                if text and fm.horizontalAdvance(text) + indent + 8 > tree.columnWidth(col):
                    elided.append(f"{text} in {tree.columnWidth(col)} px")
    return elided


def settle(qtbot: Any, window: Any, width: int, height: int) -> None:
    qtbot.wait(100)  # the layout's docks are laid out before the window is resized
    window.resize(width, height)
    qtbot.wait(200)  # the window takes its size on the platform's next turn
    assert (window.width(), window.height()) == (width, height), f"minimum {window.minimumSizeHint()}, " + ", ".join(
        f"{w}: {d.minimumSizeHint()}" for w, d in window.docks.items() if d.isVisible()
    )
    window.dock_fitter.fit()
    qtbot.wait(50)  # the dock layout is applied in the next turns of the event loop


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("layout", list(Layout))
def test_each_layout_fits_without_anything_cut(
    sqlite_db: Database, make_console: Any, qtbot: Any, layout: Layout, width: int, height: int
) -> None:
    county = build_mini_county(sqlite_db)
    role = Role.SHIFT_LEADER if layout == Layout.SHIFT_LEADER else Role.DISPATCHER
    console = make_console(sqlite_db, county.actors[role])
    window = console.window
    window.switch_layout(layout)
    settle(qtbot, window, width, height)
    problems: dict[str, list[str]] = {}
    narrow_wall = layout == Layout.WALL and width < WALL_SIDE_MIN_WIDTH
    for which in VISIBLE[layout]:
        dock = window.docks.get(which)
        if dock is None:
            continue
        if narrow_wall and which in WALL_SIDE:  # a small wall shows the band and the map only
            assert not dock.isVisible(), which
            continue
        assert dock.isVisible(), which
        cut = cut_widgets(dock)
        if which == Dock.UNITS:  # a dispatcher reads the callsigns whole, in every layout's type size
            cut += elided_unit_texts(window)
        if cut:
            problems[which.value] = cut
    assert problems == {}
    # The map keeps the larger part of the window in the wall layout.
    if layout == Layout.WALL:
        assert window.map.width() * window.map.height() > 0.6 * width * height
        # The band's ticker ends inside the window, its text whole glyphs within its line.
        band = window.wall_band
        band.ticker_rows[0].set_line(
            "● 11-30 13:58  橙色  安全隐患  黄坑镇鹤排村东头第三户门前的水泥路面塌陷，车辆无法通行"
        )
        band.ticker_rows[0].setStyleSheet("color: #e08030;")
        for line in band.ticker_rows:
            right = line.mapTo(window, line.rect().topRight()).x()
            assert right < width, (right, band.geometry(), band.minimumSizeHint())
            assert line.fontMetrics().horizontalAdvance(line.text()) <= line.width(), line.text()


def test_each_layout_brings_its_own_look(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    window = make_console(sqlite_db, county.actors[Role.DISPATCHER]).window
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.switch_layout(Layout.WALL)
    assert app.palette().base().color().name() == colours(ThemeName.DARK)["base"]
    assert app.font().pointSizeF() == LOOKS[Layout.WALL].point_size
    window.switch_layout(Layout.DISPATCHER)
    assert app.palette().base().color().name() == colours(ThemeName.LIGHT)["base"]
    assert app.font().pointSizeF() == LOOKS[Layout.DISPATCHER].point_size
    assert window.menuBar().isVisibleTo(window)


def test_a_window_made_big_again_gets_its_docks_back(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    window = make_console(sqlite_db, county.actors[Role.DISPATCHER]).window
    settle(qtbot, window, 1920, 1080)
    wide = window.docks[Dock.UNITS].width()
    window.resize(900, 700)
    qtbot.waitUntil(lambda: window.docks[Dock.UNITS].width() < wide, timeout=5_000)
    window.resize(1920, 1080)
    # No call here: the window's own resize brings the docks back to their share.
    qtbot.waitUntil(lambda: window.docks[Dock.UNITS].width() >= 0.9 * wide, timeout=5_000)


@pytest.mark.parametrize("layout", [Layout.WALL, Layout.SHIFT_LEADER])
def test_switching_layouts_keeps_the_window_on_its_screen(
    sqlite_db: Database, make_console: Any, qtbot: Any, layout: Layout
) -> None:
    # The wall's larger type reaches the dispatcher's docks before they give way: the window must not keep the size
    # their minimum asked for in that moment (a 1280-pixel wall came out 1419 wide, its band cut at the screen's edge).
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    window = console.window
    window.switch_layout(Layout.DISPATCHER)
    settle(qtbot, window, 1280, 720)
    window.switch_layout(layout)
    qtbot.wait(300)  # the platform's next turns, where a grown window would show its new size
    assert (window.width(), window.height()) == (1280, 720)
