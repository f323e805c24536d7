"""The queue dock: a filter bar over the open-cases table. Selecting a row selects the case everywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.enums import CaseStatus, Category, Channel
from console.live import LiveDiff

from ..labels import label
from ..selection import Selection
from .filters import Column, QueueFilter, parse_time
from .model import QueueModel


class QueueWidget(QWidget):
    openCaseRequested = Signal(int)  # Enter / double click

    def __init__(self, model: QueueModel, selection: Selection, *, actor_name: str = "", parent: QWidget | None = None):  # noqa: PLR0915
        super().__init__(parent)
        self.model = model
        self.selection = selection
        self.actor_name = actor_name

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search number, phone, words…  (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.addItem(self.tr("All open"), None)
        for st in (CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE):
            self.status.addItem(label(st), st)
        self.category = QComboBox()
        self.category.addItem(self.tr("All categories"), None)
        for cat in Category:
            self.category.addItem(label(cat), cat)
        self.township = QComboBox()
        self.township.addItem(self.tr("All townships"), None)
        self.channel = QComboBox()
        self.channel.addItem(self.tr("All channels"), None)
        for ch in Channel:
            self.channel.addItem(label(ch), ch)
        self.mine = QCheckBox(self.tr("Mine"))
        self.overdue = QCheckBox(self.tr("Overdue"))
        self._period: tuple[datetime | None, datetime | None] = (None, None)
        self.period_note = QPushButton(self.tr("Time filter ✕"))
        self.period_note.setToolTip(self.tr("Cases received in the period clicked on the dashboard; click to clear"))
        self.period_note.hide()
        self.period_note.clicked.connect(self.clear_period)
        self.count = QLabel()
        self.count.setProperty("role", "muted")

        # Search and count on the first row, the filters on the second: the bar fits the queue under a 1280 px map.
        bar = QVBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(4)
        first, second = QHBoxLayout(), QHBoxLayout()
        self.search.setMinimumWidth(160)
        first.addWidget(self.search, 1)
        first.addWidget(self.period_note)
        first.addWidget(self.count)
        for w in (self.status, self.category, self.township, self.channel):
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(4)
            second.addWidget(w, 1)
        second.addWidget(self.mine)
        second.addWidget(self.overdue)
        bar.addLayout(first)
        bar.addLayout(second)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.PRIORITY, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights: inserting a row into 10,000 does not make the header measure anything.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.PLACE, QHeaderView.ResizeMode.Stretch)
        fm = self.table.fontMetrics()
        samples = {
            Column.PRIORITY: "Orange",
            Column.NUMBER: "2026-000000 ▲▲▲",
            Column.AGE: "23小时59分",
            Column.DEADLINE: "−23小时59分",
            Column.CATEGORY: "Safety hazard",
            Column.STATUS: "已受理 · 已签收",
            Column.TOWNSHIP: "城关街道街",
            Column.UNITS: "Units",
        }
        for col, sample in samples.items():
            self.table.setColumnWidth(col, fm.horizontalAdvance(sample) + 18)
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + 8)
        # Never sideways: the place column takes the room left and elides; in a narrow queue the columns a
        # dispatcher needs least are given up first (see `_fit_columns`).
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._column_widths = {col: self.table.columnWidth(col) for col in samples}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(120)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._filter_timer.start())
        self.search.returnPressed.connect(self.take_first_match)
        for combo in (self.status, self.category, self.township, self.channel):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.mine.toggled.connect(lambda _b: self.apply_filter())
        self.overdue.toggled.connect(lambda _b: self.apply_filter())
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.doubleClicked.connect(lambda idx: self.openCaseRequested.emit(self._id_at(idx.row())))
        self.table.activated.connect(lambda idx: self.openCaseRequested.emit(self._id_at(idx.row())))
        model.modelReset.connect(self._after_reset)
        selection.caseChanged.connect(self.show_case)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(300)
        self._count_timer.timeout.connect(self._update_count)
        self._clock = QTimer(self)
        self._clock.setInterval(15_000)
        self._clock.timeout.connect(model.refresh_times)
        self._clock.start()
        self._update_count()

    def set_townships(self, names: dict[int, str]) -> None:
        self.model.townships = names
        current = self.township.currentData()
        self.township.blockSignals(True)
        self.township.clear()
        self.township.addItem(self.tr("All townships"), None)
        for tid, name in sorted(names.items(), key=lambda kv: kv[1]):
            self.township.addItem(name, tid)
        idx = self.township.findData(current)
        self.township.setCurrentIndex(max(idx, 0))
        self.township.blockSignals(False)
        self.model.rebuild()

    def set_filter_fields(self, fields: dict[str, Any]) -> None:
        """A filter asked for elsewhere (a click on the dashboard): the queue's own controls take it, so the
        dispatcher sees why the queue is filtered and can clear it there. Unknown keys are ignored."""
        self._period = (parse_time(fields.get("received_from")), parse_time(fields.get("received_to")))
        for combo, key in ((self.category, "category"), (self.township, "township_id"), (self.channel, "channel")):
            value = fields.get(key)
            index = combo.findData(value) if value is not None else 0
            combo.blockSignals(True)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self.overdue.blockSignals(True)
        self.overdue.setChecked(bool(fields.get("overdue_only")))
        self.overdue.blockSignals(False)
        self.period_note.setVisible(any(self._period))
        self.apply_filter()

    def clear_period(self) -> None:
        self._period = (None, None)
        self.period_note.hide()
        self.apply_filter()

    def current_filter(self) -> QueueFilter:
        status, category, channel = self.status.currentData(), self.category.currentData(), self.channel.currentData()
        return QueueFilter(
            statuses=frozenset({CaseStatus(status)}) if status else frozenset(),
            category=Category(category) if category else None,
            township_id=self.township.currentData(),
            channel=Channel(channel) if channel else None,
            mine=self.actor_name if self.mine.isChecked() else None,
            overdue_only=self.overdue.isChecked(),
            received_from=self._period[0],
            received_to=self._period[1],
            search=self.search.text().strip(),
        )

    def apply_filter(self) -> None:
        self.model.set_filter(self.current_filter())

    #: Columns given up, in this order, when the queue is too narrow; the place keeps at least PLACE_MIN px.
    OPTIONAL_COLUMNS = (Column.TOWNSHIP, Column.UNITS, Column.STATUS, Column.AGE)
    PLACE_MIN = 120

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        room = self.table.viewport().width() - self.PLACE_MIN
        optional = set(self.OPTIONAL_COLUMNS)
        needed = sum(w for col, w in self._column_widths.items() if col not in optional)
        for col in reversed(self.OPTIONAL_COLUMNS):  # the most useful of them first, while they fit
            show = needed + self._column_widths[col] <= room
            self.table.setColumnHidden(col, not show)
            if show:
                needed += self._column_widths[col]

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def take_first_match(self) -> None:
        """Enter in the search field: the filter now (not after the typing pause), the first case it shows
        selected and the keyboard in the table, so a number typed and Enter opens that case."""
        self._filter_timer.stop()
        self.apply_filter()
        if self.model.rowCount() > 0:
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def apply_diff(self, diff: LiveDiff) -> None:
        self.model.apply(diff)
        if not self._count_timer.isActive():
            self._count_timer.start()

    def _id_at(self, row: int) -> int:
        case = self.model.case_at(row)
        return case.id if case else 0

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.selection.select_case(self._id_at(current.row()))

    def show_case(self, case_id: int) -> None:
        row = self.model.row_of(case_id) if case_id else -1
        if row < 0:
            return
        current = self.table.currentIndex()
        if current.isValid() and current.row() == row:
            return
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, Column.NUMBER),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(self.model.index(row, 0))

    def _after_reset(self) -> None:
        self._update_count()
        if self.selection.case_id:
            self.show_case(self.selection.case_id)

    def _update_count(self) -> None:
        shown = self.model.rowCount()
        total, overdue = self.model.totals()
        self.count.setText(
            self.tr("%1 of %2 · %3 overdue")
            .replace("%1", str(shown))
            .replace("%2", str(total))
            .replace("%3", str(overdue))
        )
