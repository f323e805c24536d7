"""The KPI dashboard: headline tiles and four charts, a period and a dimension selector, click-to-filter, and a
rotating-panels mode for the wall.

The widget runs no SQL. It shows the `DashboardData` it is given (`set_data`); when the period or the dimension
changes it emits `dataRequested(period, dimension)`, and the console window runs the `stats.dashboard` operation
with its `selection()` and hands the result back. Clicking a bar, a point or a tile emits `filterRequested(dict)`:
the queue filter for those cases, with keys `township_id`, `category`, `channel`, `unit_kind`, `assignee_kind` +
`assignee_id`, `overdue_only`, and `received_from` / `received_to` (ISO 8601, UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.enums import Category, Channel, UnitKind
from console.periods import Period, local_midnight, period_bounds
from console.stats.dashboard import DashboardData
from console.stats.kpi import NONE_KEY, Dimension, KpiRow
from console.timeutil import CHINA_TZ

from ..i18n.formats import format_seconds
from ..labels import label
from .charts import GroupBars, SeriesBars
from .levels import LevelFigures
from .style import ALERT, PRIMARY, SECOND, percent
from .tiles import TileGrid

#: How long each panel stays on the wall in rotating mode.
ROTATE_MS = 12_000
#: At most this many groups are drawn (the largest); the rest stay in the report.
MAX_GROUPS = 12

_ENUMS: dict[Dimension, type[Enum]] = {
    Dimension.CATEGORY: Category,
    Dimension.CHANNEL: Channel,
    Dimension.UNIT_KIND: UnitKind,
}


class KpiDashboard(QWidget):
    filterRequested = Signal(dict)
    dataRequested = Signal(str, str)  # period, dimension

    def __init__(
        self,
        data: DashboardData | None = None,
        *,
        rotating: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._data: DashboardData | None = None
        self._rows: list[KpiRow] = []
        self._hour_starts: list[datetime] = []
        self._day_starts: list[datetime] = []

        self.period_box = QComboBox()
        for p, text in (
            (Period.DAY, self.tr("Today")),
            (Period.WEEK, self.tr("7 days")),
            (Period.MONTH, self.tr("30 days")),
        ):
            self.period_box.addItem(text, p.value)
        self.dimension_box = QComboBox()
        for d, text in (
            (Dimension.TOWNSHIP, self.tr("By township")),
            (Dimension.CATEGORY, self.tr("By category")),
            (Dimension.CHANNEL, self.tr("By channel")),
            (Dimension.HANDLER, self.tr("By handler")),
            (Dimension.UNIT_KIND, self.tr("By unit kind")),
        ):
            self.dimension_box.addItem(text, d.value)
        self.rotate_button = QPushButton(self.tr("Rotate panels"))
        self.rotate_button.setCheckable(True)
        self.as_of = QLabel("")
        self.as_of.setProperty("role", "muted")
        controls = QHBoxLayout()
        for w in (self.period_box, self.dimension_box, self.rotate_button):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.as_of)

        self.tiles = TileGrid(
            {
                "received": self.tr("Received"),
                "open": self.tr("Open now"),
                "overdue": self.tr("Overdue now"),
                "resolution": self.tr("Resolution rate"),
                "on_time": self.tr("On-time rate"),
                "satisfaction": self.tr("Satisfaction"),
                "repeat": self.tr("Repeat rate"),
                "return": self.tr("Return rate"),
                "dispatch60": self.tr("Dispatched ≤ 60 s"),
                "dispatch_p90": self.tr("Dispatch time p90"),
            },
            columns=5,
        )
        self.levels = LevelFigures()
        self.tiles.tiles["overdue"].setToolTip(self.tr("Click to show the overdue cases"))
        self.tiles.tiles["overdue"].clicked.connect(lambda: self.filterRequested.emit({"overdue_only": True}))

        self.groups_chart = GroupBars(self.tr("Received and still open"))
        self.rates_chart = GroupBars(self.tr("Resolution rate (closed loops)"))
        self.hourly_chart = SeriesBars(self.tr("Received per hour: today and 7-day average"))
        self.daily_chart = SeriesBars(self.tr("Received and closed per day"))
        self.intervals_chart = GroupBars(self.tr("Emergency clock, 90th percentile (minutes)"))
        self.groups_chart.barClicked.connect(self._group_clicked)
        self.rates_chart.barClicked.connect(self._group_clicked)
        self.hourly_chart.pointClicked.connect(self._hour_clicked)
        self.daily_chart.pointClicked.connect(self._day_clicked)
        self.panels: list[QWidget] = [
            self.groups_chart,
            self.rates_chart,
            self.hourly_chart,
            self.daily_chart,
            self.intervals_chart,
        ]

        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._rotation = QStackedWidget()
        self._modes = QStackedWidget()
        self._modes.addWidget(self._grid_host)
        self._modes.addWidget(self._rotation)
        self._place_in_grid()

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.levels)  # one line, above the tiles: seen without scrolling the dock
        layout.addWidget(self.tiles)
        layout.addWidget(self._modes, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(ROTATE_MS)
        self._timer.timeout.connect(self.next_panel)
        self.period_box.currentIndexChanged.connect(self._request)
        self.dimension_box.currentIndexChanged.connect(self._request)
        self.rotate_button.toggled.connect(self.set_rotating)
        if data is not None:
            self.set_data(data)
        if rotating:
            self.rotate_button.setChecked(True)

    # -- selection ------------------------------------------------------------------------------------------------

    def period(self) -> Period:
        return Period(self.period_box.currentData())

    def dimension(self) -> Dimension:
        return Dimension(self.dimension_box.currentData())

    def selection(self) -> dict[str, str]:
        """The arguments of the `stats.dashboard` operation for what is selected."""
        return {"period": self.period().value, "by": self.dimension().value}

    def _request(self) -> None:
        self.dataRequested.emit(self.period().value, self.dimension().value)

    # -- layout modes ---------------------------------------------------------------------------------------------

    def _place_in_grid(self) -> None:
        for i, panel in enumerate(self.panels[:4]):
            self._grid.addWidget(panel, i // 2, i % 2)
        self._grid.addWidget(self.panels[4], 2, 0, 1, 2)
        self._grid.setRowStretch(0, 3)
        self._grid.setRowStretch(1, 3)
        self._grid.setRowStretch(2, 2)

    def set_rotating(self, on: bool) -> None:
        """Wall mode: one panel at a time, full size, the next every ROTATE_MS."""
        if on == (self._modes.currentWidget() is self._rotation):
            return
        if on:
            for panel in self.panels:
                self._grid.removeWidget(panel)
                self._rotation.addWidget(panel)
            self._modes.setCurrentWidget(self._rotation)
            self._timer.start()
        else:
            self._timer.stop()
            for panel in self.panels:
                self._rotation.removeWidget(panel)
            self._place_in_grid()
            self._modes.setCurrentWidget(self._grid_host)
        if self.rotate_button.isChecked() != on:
            self.rotate_button.setChecked(on)

    def is_rotating(self) -> bool:
        return self._modes.currentWidget() is self._rotation

    def current_panel(self) -> QWidget:
        shown = self._rotation.currentWidget() if self.is_rotating() else None
        return shown if shown is not None else self._grid_host

    def next_panel(self) -> None:
        if self._rotation.count():
            self._rotation.setCurrentIndex((self._rotation.currentIndex() + 1) % self._rotation.count())

    # -- data -----------------------------------------------------------------------------------------------------

    def _group_label(self, row: KpiRow) -> str:
        if row.key == NONE_KEY:
            return self.tr("(none)")
        enum_cls = _ENUMS.get(self._data.by) if self._data else None
        if enum_cls is not None:
            try:
                return label(enum_cls(row.key))
            except ValueError:
                return row.key
        return row.label

    def set_data(self, data: DashboardData) -> None:
        self._data = data
        for box, value in ((self.period_box, data.period.value), (self.dimension_box, data.by.value)):
            index = box.findData(value)
            if index >= 0 and index != box.currentIndex():
                box.blockSignals(True)
                box.setCurrentIndex(index)
                box.blockSignals(False)
        local_now = data.now.astimezone(CHINA_TZ)
        self.as_of.setText(self.tr("as of %1").replace("%1", local_now.strftime("%H:%M")))
        self._show_tiles(data)
        self._show_groups(data)
        self._show_hourly(data)
        self._show_daily(data)
        self._show_intervals(data)

    def _show_tiles(self, data: DashboardData) -> None:
        total = data.report.total
        c = total.counts
        t = self.tiles.tiles

        def ratio(key: str, rate: str, colour: str | None = None) -> None:
            r = total.rate(rate)
            t[key].show_value(percent(r.value), f"{r.numerator} / {r.denominator}", colour)

        t["received"].show_value(str(c["received"]), self.tr("valid %1").replace("%1", str(c["valid"])))
        t["open"].show_value(str(c["open"]))
        t["overdue"].show_value(str(c["overdue"]), "", ALERT if c["overdue"] else None)
        ratio("resolution", "resolution_rate")
        ratio("on_time", "on_time_rate")
        ratio("satisfaction", "satisfaction_rate")
        ratio("repeat", "repeat_rate")
        ratio("return", "return_rate", ALERT if c["returns"] else None)
        ratio("dispatch60", "dispatch_60s_rate")
        p90 = data.intervals["dispatch"].percentiles.get(90)
        shown = "—" if p90 is None else format_seconds(p90)
        t["dispatch_p90"].show_value(
            shown,
            self.tr("%1 dispatched").replace("%1", str(data.intervals["dispatch"].count)),
        )
        self.levels.show_data(data)

    def _show_groups(self, data: DashboardData) -> None:
        self._rows = data.report.groups[:MAX_GROUPS]
        labels = [self._group_label(r) for r in self._rows]
        self.groups_chart.set_bars(
            labels,
            [r.counts["received"] for r in self._rows],
            marks=[r.counts["open"] for r in self._rows],
            texts=[
                self.tr("%1 · open %2").replace("%1", str(r.counts["received"])).replace("%2", str(r.counts["open"]))
                for r in self._rows
            ],
        )
        rates = [r.rate("resolution_rate") for r in self._rows]
        self.rates_chart.set_bars(
            labels,
            [100 * (x.value or 0) for x in rates],
            colour=SECOND,
            texts=[f"{percent(x.value)}  {x.numerator}/{x.denominator}" for x in rates],
            max_value=100,
        )

    def _show_hourly(self, data: DashboardData) -> None:
        h = data.hourly
        midnight = local_midnight(data.now.astimezone(CHINA_TZ).date())
        self._hour_starts = [midnight + timedelta(hours=i) for i in range(24)]
        self.hourly_chart.set_series(
            [f"{i:02d}" for i in range(24)], list(h.today), reference=list(h.week_average), tick_every=3
        )

    def _show_daily(self, data: DashboardData) -> None:
        points = data.series
        self._day_starts = [local_midnight(p.day) for p in points]
        self.daily_chart.set_series(
            [p.day.strftime("%m-%d") for p in points],
            [p.received for p in points],
            second=[p.closed for p in points],
            colour=PRIMARY,
            second_colour=SECOND,
            tick_every=max(1, len(points) // 8),
        )

    def _show_intervals(self, data: DashboardData) -> None:
        names = {
            "dispatch": self.tr("Received → dispatched"),
            "travel": self.tr("Dispatched → on scene"),
            "on_scene": self.tr("On scene → cleared"),
            "total": self.tr("Received → cleared"),
        }
        figs = [data.intervals[k] for k in names]
        p90 = [(f.percentiles.get(90) or 0) / 60 for f in figs]
        texts = []
        for f in figs:
            p50 = f.percentiles.get(50)
            share = percent(f.within / f.count if f.count else None)
            limit = f"{f.threshold_s / 60:g}"
            texts.append(
                self.tr("p50 %1 min · ≤ %2 min: %3")
                .replace("%1", "—" if p50 is None else f"{p50 / 60:.1f}")
                .replace("%2", limit)
                .replace("%3", share)
            )
        self.intervals_chart.set_bars(list(names.values()), p90, colour=PRIMARY, texts=texts)

    # -- clicks → queue filters -----------------------------------------------------------------------------------

    def _period_range(self) -> dict[str, str]:
        if self._data is None:
            return {}
        start, end = period_bounds(self._data.period, self._data.now)
        return {"received_from": start.isoformat(), "received_to": end.isoformat()}

    def _group_clicked(self, index: int) -> None:
        if 0 <= index < len(self._rows):
            self.filterRequested.emit({**self._rows[index].filter, **self._period_range()})

    def _hour_clicked(self, index: int) -> None:
        if 0 <= index < len(self._hour_starts):
            start = self._hour_starts[index]
            self.filterRequested.emit(
                {"received_from": start.isoformat(), "received_to": (start + timedelta(hours=1)).isoformat()}
            )

    def _day_clicked(self, index: int) -> None:
        if 0 <= index < len(self._day_starts):
            start = self._day_starts[index]
            self.filterRequested.emit(
                {"received_from": start.isoformat(), "received_to": (start + timedelta(days=1)).isoformat()}
            )
