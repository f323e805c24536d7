"""Few colours, large type: what the dashboard is painted with."""

from __future__ import annotations

from PySide6.QtGui import QFont

PRIMARY = "#2f6fb3"  # the main series (received, resolution rate)
SECOND = "#3c9a5f"  # closed loops, satisfaction
ALERT = "#d64545"  # overdue, returns
MUTED = "#8a8f95"  # averages, reference lines

TILE_VALUE_PT = 30
TILE_LABEL_PT = 13
AXIS_PT = 13
TITLE_PT = 16


def font(points: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(points)
    f.setBold(bold)
    return f


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
