"""A scroll area for tall dock contents that scrolls only up and down.

A plain `QScrollArea` lets its dock be squeezed to any width and then shows a horizontal scroll bar with the form's
buttons and labels cut. This one turns the horizontal bar off and asks for the width its contents need (their
minimum size hint, plus the vertical bar), so the main window never makes the dock narrower than its contents.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
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


def no_sideways(view: QTreeView, *, wrap: bool = False) -> _ColumnFitter:
    """A list in a dock never scrolls sideways: its last column takes the room left and elides (the full text is in
    the item's tooltip where it matters), or with `wrap` its rows grow to show long text on several lines. Returns
    the fitter, for a list that hides columns of its own when narrow (it fits again after hiding them)."""
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = view.header()
    header.setStretchLastSection(True)
    header.setMinimumSectionSize(24)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    fitter = _ColumnFitter(view)
    if wrap:
        view.setWordWrap(True)
        view.setUniformRowHeights(False)
    return fitter


class _ColumnFitter(QObject):
    """Keeps a list's columns inside its width: the last column takes the room the others leave; when the others (at
    their widths when the list was first shown, or as the list set them) leave it less than a minimum, each of them
    is narrowed in proportion (never below a minimum) so that every column stays in view, elided rather than cut off
    at the edge."""

    MIN_PX = 36
    LAST_MIN_PX = 60

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view
        self.preferred: list[int] = []
        view.viewport().installEventFilter(self)

    def prefer(self, widths: list[int]) -> None:
        """The columns' own widths, set by a list that sizes them itself (taken before the last one is stretched)."""
        self.preferred = list(widths)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        header = self.view.header()
        count = header.count()
        if len(self.preferred) != count:
            self.preferred = [header.sectionSize(i) for i in range(count)]
        shown = [i for i in range(count) if not header.isSectionHidden(i)]
        if not shown:
            return
        room = self.view.viewport().width()
        last = shown[-1]
        # The last column takes what is left and elides (its preferred width is often just its stretched one): the
        # others keep their own widths while the last keeps at least a minimum, and give way in proportion after.
        want = sum(self.preferred[i] for i in shown[:-1])
        scale = min(1.0, max(0, room - self.LAST_MIN_PX) / want) if want else 1.0
        used = 0
        for i in shown[:-1]:
            width = max(self.MIN_PX, int(self.preferred[i] * scale))
            header.resizeSection(i, width)
            used += width
        header.resizeSection(last, max(self.MIN_PX, room - used))  # the rest; stretched further if there is room
