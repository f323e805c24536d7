"""Palettes and the colours that carry meaning (priority, unit status), shared by the queue, the board and the map.

Calm, low-contrast light palettes for the dispatcher and the shift leader, a dark one with large type for the wall.
Priority colours are the same everywhere so that a red case looks the same in the queue and on the map.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from console.enums import Priority, UnitStatus

#: Priority colours (also used by the map widget's markers).
PRIORITY_COLOURS: dict[Priority, str] = {
    Priority.RED: "#d64545",
    Priority.ORANGE: "#e8883a",
    Priority.YELLOW: "#d9b526",
    Priority.BLUE: "#3f7fc6",
}

#: Soft row tints for the queue (light palette).
PRIORITY_TINTS: dict[Priority, str] = {
    Priority.RED: "#fbe3e3",
    Priority.ORANGE: "#fcecdf",
    Priority.YELLOW: "#faf4d9",
    Priority.BLUE: "#e4eef9",
}

UNIT_STATUS_COLOURS: dict[UnitStatus, str] = {
    UnitStatus.AVAILABLE: "#3c9a5f",
    UnitStatus.DISPATCHED: "#e8883a",
    UnitStatus.EN_ROUTE: "#d9b526",
    UnitStatus.ON_SCENE: "#d64545",
    UnitStatus.OFF_DUTY: "#9aa0a6",
}

#: Darker tints for the dark (wall) palette.
PRIORITY_TINTS_DARK: dict[Priority, str] = {
    Priority.RED: "#4a2326",
    Priority.ORANGE: "#4a3322",
    Priority.YELLOW: "#433c1f",
    Priority.BLUE: "#1f3047",
}

OVERDUE_TEXT = "#b3261e"
STALE_TEXT = "#8a8f95"


class ThemeName(StrEnum):
    LIGHT = "light"
    DARK = "dark"


_LIGHT = {
    "window": "#f3f4f6",
    "base": "#ffffff",
    "alt": "#f7f8fa",
    "text": "#1f2328",
    "muted": "#5f6670",
    "button": "#e9ebef",
    "highlight": "#2f6fb3",
    "highlight_text": "#ffffff",
    "border": "#d4d8de",
    "banner": "#b3261e",
}
_DARK = {
    "window": "#15181d",
    "base": "#1c2027",
    "alt": "#20252d",
    "text": "#e6e8eb",
    "muted": "#9aa3ad",
    "button": "#2a3039",
    "highlight": "#3d7cc9",
    "highlight_text": "#ffffff",
    "border": "#333a44",
    "banner": "#c2352b",
}


_current = {"dark": False}


def row_tints() -> dict[Priority, str]:
    """Overdue row tints of the palette in use."""
    return PRIORITY_TINTS_DARK if _current["dark"] else PRIORITY_TINTS


def overdue_text() -> str:
    return "#ff8a80" if _current["dark"] else OVERDUE_TEXT


def colours(name: ThemeName) -> dict[str, str]:
    return _DARK if name == ThemeName.DARK else _LIGHT


def apply_theme(app: QApplication, name: ThemeName, *, point_size: float = 10.5) -> None:
    c = colours(name)
    _current["dark"] = name == ThemeName.DARK
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor(c["window"]))
    pal.setColor(QPalette.ColorRole.WindowText, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.Base, QColor(c["base"]))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor(c["alt"]))
    pal.setColor(QPalette.ColorRole.Text, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.Button, QColor(c["button"]))
    pal.setColor(QPalette.ColorRole.ButtonText, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.Highlight, QColor(c["highlight"]))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor(c["highlight_text"]))
    pal.setColor(QPalette.ColorRole.ToolTipBase, QColor(c["base"]))
    pal.setColor(QPalette.ColorRole.ToolTipText, QColor(c["text"]))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(c["muted"]))
    app.setPalette(pal)
    font = QFont(app.font())
    from .fonts import ui_families  # the Chinese families this system has, first

    families = ui_families(font.family())
    if families:
        font.setFamilies(families)
    font.setPointSizeF(point_size)
    app.setFont(font)
    app.setStyleSheet(
        f"""
        QDockWidget::title {{ background: {c["button"]}; padding: 5px 8px; font-weight: 600; }}
        QDockWidget {{ titlebar-close-icon: none; }}
        QTableView, QTreeView, QListView {{ gridline-color: {c["border"]}; border: 1px solid {c["border"]};
            selection-background-color: {c["highlight"]}; }}
        QHeaderView::section {{ background: {c["button"]}; border: 0; border-right: 1px solid {c["border"]};
            padding: 4px 6px; font-weight: 600; }}
        QLineEdit, QPlainTextEdit, QComboBox {{ border: 1px solid {c["border"]}; border-radius: 3px; padding: 3px 5px;
            background: {c["base"]}; }}
        QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus {{ border: 1px solid {c["highlight"]}; }}
        QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"], QComboBox[invalid="true"] {{
            border: 1px solid {OVERDUE_TEXT}; background: #fff4f3; }}
        QLabel[role="error"] {{ color: {OVERDUE_TEXT}; }}
        QLabel[role="muted"] {{ color: {c["muted"]}; }}
        QLabel[role="heading"] {{ font-size: {point_size * 1.3:.1f}pt; font-weight: 600; }}
        QPushButton {{ padding: 5px 12px; border: 1px solid {c["border"]}; border-radius: 3px; background: {c["button"]}; }}
        QPushButton:default, QPushButton[primary="true"] {{ background: {c["highlight"]}; color: {c["highlight_text"]};
            border-color: {c["highlight"]}; font-weight: 600; }}
        QPushButton:disabled {{ color: {c["muted"]}; }}
        #outageBanner {{ background: {c["banner"]}; color: white; font-weight: 600; padding: 6px 10px; }}
        QStatusBar {{ color: {c["muted"]}; }}
        """
    )
