"""The case panel's units: who to send (the top recommendations with arrival, distance and reasons, and the two
dispatch buttons) and who was sent (each dispatch with its unit's times, and the unit status buttons).

The widgets only show and ask: `dispatchNearest`, `dispatchUnit(unit_id)` and `statusRequested(unit_id, status)`
go to the panel, which runs the operations."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.enums import UnitStatus
from console.ops import DispatchView
from console.views import Recommendation

from ..dock_scroll import no_sideways
from ..i18n.formats import format_distance, format_eta
from ..labels import label, reason_label
from .header import local_time, short_time


def _row(widget: QWidget, buttons: list[QPushButton]) -> QVBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    box = QVBoxLayout()
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(4)
    box.addWidget(widget)
    box.addLayout(row)
    return box


class RecommendationList(QWidget):
    """The top units for the case. F5 and the first button mean the same: the unit ranked first *now*."""

    dispatchNearest = Signal()
    dispatchUnit = Signal(int)  # unit id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [
                QCoreApplication.translate("CaseDetailPanel", "Recommended unit"),
                QCoreApplication.translate("CaseDetailPanel", "ETA"),
                QCoreApplication.translate("CaseDetailPanel", "Distance"),
                QCoreApplication.translate("CaseDetailPanel", "Why"),
            ]
        )
        self.tree.setRootIsDecorated(False)
        self._fitter = no_sideways(self.tree)
        self.tree.setFixedHeight(self.fontMetrics().height() * 4 + 22)
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        # The unit, its arrival and distance as wide as their longest text (or their heading); the reasons take the
        # rest and elide (whole in their tooltip).
        fm, header = self.tree.fontMetrics(), self.tree.headerItem()
        for col, sample in ((0, "GW-G0000-00  网格员"), (1, "1小时05分钟"), (2, "12.5 km")):
            heading = self.tree.header().fontMetrics().horizontalAdvance(header.text(col))
            self.tree.setColumnWidth(col, max(fm.horizontalAdvance(sample), heading) + 16)
        self.tree.itemActivated.connect(self._activated)
        self.nearest_button = QPushButton(QCoreApplication.translate("Actions", "Dispatch nearest unit") + "  (F5)")
        self.nearest_button.setProperty("primary", True)
        self.nearest_button.clicked.connect(self.dispatchNearest)
        self.selected_button = QPushButton(QCoreApplication.translate("CaseDetailPanel", "Dispatch selected"))
        self.selected_button.clicked.connect(self._dispatch_selected)
        self.setLayout(_row(self.tree, [self.nearest_button, self.selected_button]))

    def show_recommendations(self, recommendations: list[Recommendation]) -> None:
        self.tree.clear()
        for r in recommendations:
            item = QTreeWidgetItem(
                [
                    f"{r.callsign}  {label(r.kind)}",
                    format_eta(r.eta_s),  # the map shows the same text ("—": unreachable by road)
                    format_distance(r.distance_m),
                    ", ".join(reason_label(x) for x in r.reasons) or reason_label("nearest"),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, r.unit_id)
            item.setToolTip(3, item.text(3))
            self.tree.addTopLevelItem(item)
        self._size_columns()
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _size_columns(self) -> None:
        """The unit, arrival and distance columns as wide as what they show now (in the interface's language), with some
        air before the next column."""
        header = self.tree.header()
        widths = [
            max(self.tree.sizeHintForColumn(col) + 8, header.sectionSizeHint(col), self.tree.columnWidth(col))
            for col in (0, 1, 2)
        ]
        self._fitter.prefer([*widths, 0])

    def show_buttons(self, shown: bool) -> None:
        self.nearest_button.setVisible(shown)
        self.selected_button.setVisible(shown)

    def set_enabled(self, enabled: bool) -> None:
        shown = enabled and self.tree.topLevelItemCount() > 0
        self.nearest_button.setEnabled(shown)
        self.selected_button.setEnabled(shown)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.dispatchUnit.emit(int(item.data(0, Qt.ItemDataRole.UserRole)))

    def _dispatch_selected(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self._activated(item, 0)


class DispatchList(QWidget):
    """The units sent to the case, each with when it was dispatched, en route, on scene and cleared."""

    statusRequested = Signal(int, object)  # unit id, UnitStatus

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [
                QCoreApplication.translate("CaseDetailPanel", "Unit"),
                QCoreApplication.translate("CaseDetailPanel", "Dispatched"),
                QCoreApplication.translate("CaseDetailPanel", "En route"),
                QCoreApplication.translate("CaseDetailPanel", "On scene"),
                QCoreApplication.translate("CaseDetailPanel", "Cleared"),
                QCoreApplication.translate("CaseDetailPanel", "By"),
            ]
        )
        self.tree.setRootIsDecorated(False)
        self._fitter = no_sideways(self.tree)
        self.tree.setFixedHeight(self.fontMetrics().height() * 3 + 16)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.en_route = QPushButton(QCoreApplication.translate("CaseDetailPanel", "En route"))
        self.on_scene = QPushButton(QCoreApplication.translate("CaseDetailPanel", "On scene"))
        self.clear_button = QPushButton(QCoreApplication.translate("CaseDetailPanel", "Clear"))
        self.buttons = {
            UnitStatus.EN_ROUTE: self.en_route,
            UnitStatus.ON_SCENE: self.on_scene,
            UnitStatus.AVAILABLE: self.clear_button,
        }
        for status, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, s=status: self._request(s))
        self.setLayout(_row(self.tree, list(self.buttons.values())))

    def show_dispatches(self, dispatches: list[DispatchView]) -> None:
        self.tree.clear()
        active: QTreeWidgetItem | None = None
        for d in dispatches:
            ended = d.cleared_at or d.cancelled_at
            moments = (d.dispatched_at, d.en_route_at, d.on_scene_at, ended)
            item = QTreeWidgetItem([d.callsign, *(short_time(t) for t in moments), d.dispatched_by])
            for col, moment in enumerate(moments, start=1):
                item.setToolTip(col, local_time(moment))
            item.setData(0, Qt.ItemDataRole.UserRole, d.unit_id)
            self.tree.addTopLevelItem(item)
            if not ended:
                active = item
        if active is not None:
            self.tree.setCurrentItem(active)
        header = self.tree.header()  # every column as wide as what it shows; the last (who) takes the rest
        self._fitter.prefer(
            [max(self.tree.sizeHintForColumn(c) + 8, header.sectionSizeHint(c)) for c in range(self.tree.columnCount())]
        )

    def current_unit(self) -> int:
        item = self.tree.currentItem()
        return int(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else 0

    def show_buttons(self, shown: bool) -> None:
        for button in self.buttons.values():
            button.setVisible(shown)

    def set_allowed(self, allowed: set[UnitStatus]) -> None:
        """Enable the buttons of the statuses the selected dispatch's unit may move to now."""
        for status, button in self.buttons.items():
            button.setEnabled(status in allowed)

    def _request(self, status: UnitStatus) -> None:
        unit_id = self.current_unit()
        if unit_id:
            self.statusRequested.emit(unit_id, status)
