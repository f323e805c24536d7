"""The wall on a screen of its own: the map under the band of figures and urgent cases, in the wall's dark look,
beside a main window that keeps the dispatcher's layout and light look on the first screen.

It is a second view of the same console session (same live state, same selection): its own map widget fed by its own
`MapLink`, its band fed with the same dashboard figures as the main window's. Opened from View → "Wall on another
screen"; it goes full screen on a screen other than the main window's, or opens as a window when there is only one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from console.live import LiveDiff

from ..map_link import MapLink
from ..session import ConsoleSession
from ..theme import ThemeName, colours
from .band import WallBand


def dark_sheet() -> str:
    """The wall's colours for this window only (the application keeps the main window's look)."""
    c = colours(ThemeName.DARK)
    return (
        f"QWidget {{ background: {c['window']}; color: {c['text']}; }}"
        f"QLabel[role='muted'] {{ color: {c['muted']}; }}"
        f"QFrame#wallFigure, QFrame#wallTicker {{ background: {c['base']}; border-radius: 4px; }}"
    )


class WallWindow(QMainWindow):
    def __init__(self, session: ConsoleSession, map_widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallWindow")
        self.setWindowTitle(self.tr("Wall"))
        self.session = session
        self.band = WallBand()
        self.map = map_widget
        set_wall = getattr(map_widget, "set_wall", None)  # the wall's map: no layer list, no zoom buttons
        if set_wall is not None:
            set_wall(True)
        self.map_link = MapLink(session, map_widget, self)
        centre = QWidget()
        box = QVBoxLayout(centre)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.band)
        box.addWidget(map_widget, 1)
        self.setCentralWidget(centre)
        self.setStyleSheet(dark_sheet())
        session.casesChanged.connect(self._on_cases)
        self.band.set_cases(session.state.cases)

    def _on_cases(self, _diff: LiveDiff) -> None:
        self.band.set_cases(self.session.state.cases)

    def set_county(self, county: Any) -> None:
        if county is not None:
            self.map_link.set_county(county)

    def show_on_other_screen(self, main: QWidget) -> None:
        """Full screen on a screen other than `main`'s; a window of its own when there is only one screen."""
        here = main.screen()
        others = [s for s in QGuiApplication.screens() if s is not here]
        if others:
            self.setScreen(others[0])
            self.move(others[0].geometry().topLeft())
            self.band.fit_to_height(others[0].geometry().height())
            self.showFullScreen()
        else:
            self.resize(1280, 720)
            self.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.casesChanged.disconnect(self._on_cases)
        super().closeEvent(event)


def open_wall_window(
    session: ConsoleSession, make_map: Callable[[], QWidget | None], county: Any, main: QWidget
) -> WallWindow | None:
    map_widget = make_map()
    if map_widget is None:
        return None
    window = WallWindow(session, map_widget)
    window.set_county(county)
    window.show_on_other_screen(main)
    return window
