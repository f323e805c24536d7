"""Two chart kinds for the dashboard, each with a click signal: horizontal bars (one per group) and a day/hour
series (bars and a reference line). Large tick labels; the click is resolved from the view coordinates."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import QWidget

from .style import AXIS_PT, MUTED, PRIMARY, TITLE_PT, font


def _style_axes(plot: pg.PlotItem) -> None:
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(font(AXIS_PT))
        axis.setTextPen(pg.mkPen("#1f2328"))
        axis.setPen(pg.mkPen("#9aa0a6"))


class _ClickablePlot(pg.PlotWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        item = self.getPlotItem()
        item.setTitle(f"<span style='font-size:{TITLE_PT}pt; color:#1f2328'>{title}</span>")
        _style_axes(item)
        self.scene().sigMouseClicked.connect(self._scene_clicked)

    def set_title(self, title: str) -> None:
        self.getPlotItem().setTitle(f"<span style='font-size:{TITLE_PT}pt; color:#1f2328'>{title}</span>")

    def view_point(self, scene_pos: QPointF) -> QPointF:
        point: QPointF = self.getPlotItem().vb.mapSceneToView(scene_pos)
        return point

    def scene_point(self, view_pos: QPointF) -> QPointF:
        point: QPointF = self.getPlotItem().vb.mapViewToScene(view_pos)
        return point

    def _scene_clicked(self, event: object) -> None:
        pos = event.scenePos()  # type: ignore[attr-defined]
        if not self.getPlotItem().vb.sceneBoundingRect().contains(pos):
            return
        self.clicked_at(self.view_point(pos))

    def clicked_at(self, point: QPointF) -> None:
        raise NotImplementedError


class GroupBars(_ClickablePlot):
    """Horizontal bars, the largest on top; `barClicked(index)` with the index into the values given."""

    barClicked = Signal(int)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._values: list[float] = []
        self._items: list[pg.GraphicsObject] = []
        self.getPlotItem().showGrid(x=True, y=False, alpha=0.25)

    def set_bars(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        *,
        colour: str = PRIMARY,
        marks: Sequence[float] | None = None,
        texts: Sequence[str] | None = None,
        max_value: float | None = None,
    ) -> None:
        plot = self.getPlotItem()
        for it in self._items:
            plot.removeItem(it)
        self._items = []
        self._values = [float(v) for v in values]
        n = len(self._values)
        # row 0 at the top: y = n - 1 - i
        ys = [n - 1 - i for i in range(n)]
        if n:
            bars = pg.BarGraphItem(x0=0, y=ys, height=0.7, width=self._values, brush=colour, pen=pg.mkPen(None))
            plot.addItem(bars)
            self._items.append(bars)
        if marks is not None and n:
            ref = pg.ScatterPlotItem(x=list(marks), y=ys, symbol="|", size=28, pen=pg.mkPen(MUTED, width=3))
            plot.addItem(ref)
            self._items.append(ref)
        top = max_value if max_value is not None else max([*self._values, *(marks or []), 1.0])
        for i, text in enumerate(texts or []):
            label = pg.TextItem(text, color="#1f2328", anchor=(0, 0.5))
            label.setFont(font(AXIS_PT))
            label.setPos(self._values[i] + top * 0.01, ys[i])
            plot.addItem(label)
            self._items.append(label)
        plot.getAxis("left").setTicks([[(ys[i], labels[i]) for i in range(n)]])
        plot.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        plot.setXRange(0, top * (1.45 if texts else 1.1), padding=0)

    def bar_centre(self, index: int) -> QPointF:
        """Where bar `index` is, in view coordinates (for tests and keyboard access)."""
        n = len(self._values)
        return QPointF(self._values[index] / 2, n - 1 - index)

    def clicked_at(self, point: QPointF) -> None:
        n = len(self._values)
        i = n - 1 - round(point.y())
        if 0 <= i < n and 0 <= point.x() <= max(self._values[i], 0):
            self.barClicked.emit(i)


class SeriesBars(_ClickablePlot):
    """Bars along x (hours or days) with an optional reference line; `pointClicked(index)`."""

    pointClicked = Signal(int)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._n = 0
        self._items: list[pg.GraphicsObject] = []
        self.getPlotItem().showGrid(x=False, y=True, alpha=0.25)

    def set_series(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        *,
        reference: Sequence[float] | None = None,
        second: Sequence[float] | None = None,
        colour: str = PRIMARY,
        second_colour: str = "#3c9a5f",
        tick_every: int = 1,
    ) -> None:
        plot = self.getPlotItem()
        for it in self._items:
            plot.removeItem(it)
        self._items = []
        self._n = len(values)
        xs = list(range(self._n))
        width = 0.4 if second is not None else 0.75
        if self._n:
            bars = pg.BarGraphItem(
                x=[x - (width / 2 if second is not None else 0) for x in xs],
                height=list(values),
                width=width,
                brush=colour,
                pen=pg.mkPen(None),
            )
            plot.addItem(bars)
            self._items.append(bars)
        if second is not None and self._n:
            bars2 = pg.BarGraphItem(
                x=[x + width / 2 for x in xs], height=list(second), width=width, brush=second_colour, pen=pg.mkPen(None)
            )
            plot.addItem(bars2)
            self._items.append(bars2)
        if reference is not None and self._n:
            line = pg.PlotDataItem(
                xs, list(reference), pen=pg.mkPen(MUTED, width=4, style=pg.QtCore.Qt.PenStyle.DashLine)
            )
            plot.addItem(line)
            self._items.append(line)
        plot.getAxis("bottom").setTicks([[(x, labels[x]) for x in xs if x % max(1, tick_every) == 0]])
        top = max([*values, *(reference or []), *(second or []), 1.0])
        plot.setXRange(-0.6, max(self._n, 1) - 0.4, padding=0)
        plot.setYRange(0, top * 1.15, padding=0)

    def point_centre(self, index: int) -> QPointF:
        return QPointF(index, 0.05)

    def clicked_at(self, point: QPointF) -> None:
        i = round(point.x())
        if 0 <= i < self._n and point.y() >= 0:
            self.pointClicked.emit(i)
