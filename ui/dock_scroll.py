"""A scroll area for tall dock contents that scrolls only up and down.

A plain `QScrollArea` lets its dock be squeezed to any width and then shows a horizontal scroll bar with the form's
buttons and labels cut. This one turns the horizontal bar off and asks for the width its contents need (their
minimum size hint, plus the vertical bar), so the main window never makes the dock narrower than its contents.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QTreeView, QWidget


class VerticalScroll(QScrollArea):
    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        need = inner.minimumSizeHint().width() if inner is not None else 0
        bar = self.verticalScrollBar().sizeHint().width()
        margins = self.contentsMargins()
        return QSize(need + bar + margins.left() + margins.right(), super().minimumSizeHint().height())


def no_sideways(view: QTreeView, *, wrap: bool = False) -> None:
    """A list in a dock never scrolls sideways: its last column takes the room left and elides (the full text is in
    the item's tooltip where it matters), or with `wrap` its rows grow to show long text on several lines."""
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = view.header()
    header.setStretchLastSection(True)
    header.setMinimumSectionSize(24)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    if wrap:
        view.setWordWrap(True)
        view.setUniformRowHeights(False)
