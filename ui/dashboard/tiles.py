"""Headline tiles: one big figure each, with its numerator / denominator underneath."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from .style import TILE_LABEL_PT, TILE_VALUE_PT, font


class Tile(QFrame):
    clicked = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.title = QLabel(title)
        self.title.setFont(font(TILE_LABEL_PT))
        self.value = QLabel("—")
        self.value.setFont(font(TILE_VALUE_PT, bold=True))
        self.detail = QLabel("")
        self.detail.setFont(font(TILE_LABEL_PT))
        self.detail.setProperty("role", "muted")
        for w in (self.title, self.value, self.detail):
            w.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(w)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def show_value(self, value: str, detail: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"color: {colour};" if colour else "")
        self.detail.setText(detail)


class TileGrid(QWidget):
    """Tiles in a grid of `columns`; keyed so that updates name the tile."""

    def __init__(self, titles: dict[str, str], columns: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        self.tiles: dict[str, Tile] = {}
        for i, (key, title) in enumerate(titles.items()):
            tile = Tile(title)
            self.tiles[key] = tile
            grid.addWidget(tile, i // columns, i % columns)
