"""Unit board: one group per unit status, a row per unit with its time in status, filters by kind and township.

The committed units come first (dispatched, en route, on scene): they are what a dispatcher follows. The available
group starts collapsed with its count in its title (hundreds of rows would push the committed ones out of sight), and
off-duty units too; the dispatcher opens them when needed.

Rows move between groups as the live state changes (never rebuilt for one change). Time in status is painted from
the stored start time by the delegate, so the clock only repaints the visible rows. Dropping a case dragged from
the queue onto a unit asks to dispatch that unit to that case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.enums import UnitKind, UnitStatus
from console.live import LiveDiff
from console.timeutil import utcnow
from console.views import UnitView

from ..dock_scroll import no_sideways
from ..i18n.formats import format_span
from ..labels import label
from ..queue.model import CASE_MIME
from ..selection import Selection
from ..theme import STALE_TEXT, UNIT_STATUS_COLOURS

UnitIdRole = Qt.ItemDataRole.UserRole + 1
SinceRole = Qt.ItemDataRole.UserRole + 2
GROUP_ORDER = (
    UnitStatus.DISPATCHED,
    UnitStatus.EN_ROUTE,
    UnitStatus.ON_SCENE,
    UnitStatus.AVAILABLE,
    UnitStatus.OFF_DUTY,
)
#: Groups shown collapsed when the board is built (their count is in the group's title).
COLLAPSED_AT_START = frozenset({UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY})
COL_UNIT, COL_KIND, COL_TIME, COL_CASE, COL_TOWN = range(5)
STALE_FIX_S = 300


class _SinceDelegate(QStyledItemDelegate):
    """Paints "time in status" from the stored start, so nothing is rewritten every second."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        since = index.data(SinceRole)
        if since is not None:
            option.text = format_span(utcnow() - since)


class _DropTree(QTreeWidget):
    caseDropped = Signal(int, int)  # case id, unit id

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CASE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if event.mimeData().hasFormat(CASE_MIME) and item is not None and item.data(0, UnitIdRole):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if not event.mimeData().hasFormat(CASE_MIME) or item is None or not item.data(0, UnitIdRole):
            event.ignore()
            return
        case_id = int(bytes(event.mimeData().data(CASE_MIME).data()).decode() or 0)
        event.acceptProposedAction()
        if case_id:
            self.caseDropped.emit(case_id, int(item.data(0, UnitIdRole)))


class UnitBoard(QWidget):
    dispatchRequested = Signal(int, int)  # case id, unit id

    def __init__(
        self,
        units: Mapping[int, UnitView],
        selection: Selection,
        *,
        case_number: Callable[[int], str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._units = units
        self._case_number = case_number
        self.selection = selection
        self.townships: Mapping[int, str] = {}
        self._items: dict[int, QTreeWidgetItem] = {}
        self._syncing = False

        self.kind = QComboBox()
        self.kind.addItem(self.tr("All kinds"), None)
        for k in UnitKind:
            self.kind.addItem(label(k), k)
        self.township = QComboBox()
        self.township.addItem(self.tr("All townships"), None)
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for combo in (self.kind, self.township):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(5)
        bar.addWidget(self.kind, 1)
        bar.addWidget(self.township, 1)
        bar.addWidget(self.summary, 2)

        self.tree = _DropTree()
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(
            [self.tr("Unit"), self.tr("Kind"), self.tr("In status"), self.tr("Case"), self.tr("Township")]
        )
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAcceptDrops(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setItemDelegateForColumn(COL_TIME, _SinceDelegate(self.tree))
        self._fitter = no_sideways(self.tree)
        self._column_widths: dict[int, int] = {}
        self._size_columns()
        self._groups: dict[UnitStatus, QTreeWidgetItem] = {}
        bold = QFont()
        bold.setBold(True)
        for status in GROUP_ORDER:
            group = QTreeWidgetItem([label(status)])
            group.setFont(0, bold)
            group.setForeground(0, QBrush(QColor(UNIT_STATUS_COLOURS[status])))
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(group)
            group.setExpanded(status not in COLLAPSED_AT_START)
            self._groups[status] = group
        for group in self._groups.values():
            group.setFirstColumnSpanned(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.tree)

        self.kind.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.township.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.caseDropped.connect(self.dispatchRequested)
        selection.unitChanged.connect(self.show_unit)
        self._clock = QTimer(self)
        self._clock.setInterval(5000)
        self._clock.timeout.connect(self.tree.viewport().update)
        self._clock.start()

    # -- width ------------------------------------------------------------------------------------------------------

    def _size_columns(self) -> None:
        """Each column as wide as its longest usual text in the list's font (again when the font changes: the wall's
        larger type needs wider columns)."""
        fm = self.tree.fontMetrics()
        for col, sample in (
            (COL_UNIT, "GW-G0000-00"),
            (COL_KIND, "Volunteer team"),
            (COL_TIME, "30天00小时"),
            (COL_CASE, "2026-000000"),
        ):
            self.tree.setColumnWidth(col, fm.horizontalAdvance(sample) + 16)
        # The unit column is indented by the group level: it gets the indentation on top of its text.
        self.tree.setColumnWidth(COL_UNIT, self.tree.columnWidth(COL_UNIT) + self.tree.indentation())
        self.tree.setColumnWidth(COL_TOWN, fm.horizontalAdvance("某某镇街道") + 24)
        self._column_widths = {c: self.tree.columnWidth(c) for c in range(5)}
        # Unit, time in status and case always whole: the board is never narrower than those three columns.
        self.tree.setMinimumWidth(
            sum(self._column_widths[c] for c in (COL_UNIT, COL_TIME, COL_CASE))
            + self.tree.verticalScrollBar().sizeHint().width()
            + 2 * self.tree.frameWidth()
        )
        self._fitter.prefer([self._column_widths[c] for c in range(5)])

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self._column_widths:
            self._size_columns()
            self._fit_columns()

    #: Columns given up, in this order, when the board is too narrow to show every column whole.
    OPTIONAL_COLUMNS = (COL_TOWN, COL_KIND)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Unit, time in status and case stay whole; township, then kind, are hidden when there is no room."""
        # Room for the columns, keeping the vertical scroll bar's width in hand (it appears when a group is opened).
        room = self.tree.viewport().width() - (
            0 if self.tree.verticalScrollBar().isVisible() else self.tree.verticalScrollBar().sizeHint().width()
        )
        # Judged by the columns' own widths: the list's fitter may have narrowed them all already, before the
        # optional ones were hidden.
        needed = sum(self._column_widths[c] for c in (COL_UNIT, COL_TIME, COL_CASE))
        for col in reversed(self.OPTIONAL_COLUMNS):  # kind first, then township, while they fit
            width = self._column_widths.get(col, 0)
            show = needed + width <= room
            self.tree.setColumnHidden(col, not show)
            if show:
                needed += width
        self._fitter.fit()  # the columns left shown at their own widths again, when they fit

    # -- content --------------------------------------------------------------------------------------------------

    def set_townships(self, names: Mapping[int, str]) -> None:
        self.townships = names
        self.township.blockSignals(True)
        self.township.clear()
        self.township.addItem(self.tr("All townships"), None)
        for tid, name in sorted(names.items(), key=lambda kv: kv[1]):
            self.township.addItem(name, tid)
        self.township.blockSignals(False)
        for unit_id in list(self._items):
            self._fill(self._items[unit_id], self._units[unit_id])

    def reload(self) -> None:
        for group in self._groups.values():
            group.takeChildren()
        self._items.clear()
        for unit in sorted(self._units.values(), key=lambda u: u.callsign):
            self._place(unit)
        self._apply_filter()
        self._fit_columns()

    def apply_diff(self, diff: LiveDiff) -> None:
        for unit_id in diff.units_removed:
            item = self._items.pop(unit_id, None)
            if item is not None and (parent := item.parent()) is not None:
                parent.removeChild(item)
        for unit_id in [*diff.units_inserted, *diff.units_updated]:
            unit = self._units.get(unit_id)
            if unit is not None:
                self._place(unit)
        # A case number shown on the board may have changed (a case got merged or closed).
        self._update_summary()

    def _place(self, unit: UnitView) -> None:
        group = self._groups[unit.status]
        item = self._items.get(unit.id)
        if item is None:
            item = QTreeWidgetItem()
            item.setData(0, UnitIdRole, unit.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled)
            self._items[unit.id] = item
            self._insert_sorted(group, item, unit.callsign)
        elif item.parent() is not group:
            self._syncing = True
            was_current = self.tree.currentItem() is item
            old_group = item.parent()
            if old_group is not None:
                old_group.removeChild(item)
            self._insert_sorted(group, item, unit.callsign)
            if was_current:
                self.tree.setCurrentItem(item)
            self._syncing = False
        self._fill(item, unit)
        item.setHidden(not self._accepts(unit))

    @staticmethod
    def _insert_sorted(group: QTreeWidgetItem, item: QTreeWidgetItem, callsign: str) -> None:
        lo, hi = 0, group.childCount()
        while lo < hi:
            mid = (lo + hi) // 2
            child = group.child(mid)
            if child is not None and child.text(COL_UNIT) < callsign:
                lo = mid + 1
            else:
                hi = mid
        group.insertChild(lo, item)

    def _fill(self, item: QTreeWidgetItem, unit: UnitView) -> None:
        item.setText(COL_UNIT, unit.callsign)
        item.setText(COL_KIND, label(unit.kind))
        item.setData(COL_TIME, SinceRole, unit.status_since)
        item.setText(COL_CASE, self._case_number(unit.current_case_id) if unit.current_case_id else "")
        item.setText(COL_TOWN, self.townships.get(unit.township_id or 0, ""))
        stale = unit.fix_at is None or (utcnow() - unit.fix_at).total_seconds() > STALE_FIX_S
        colour = QBrush(QColor(STALE_TEXT)) if stale and unit.status != UnitStatus.OFF_DUTY else QBrush()
        item.setForeground(COL_UNIT, colour)
        item.setToolTip(COL_UNIT, self.tr("Position is stale") if stale else "")

    def _accepts(self, unit: UnitView) -> bool:
        kind, town = self.kind.currentData(), self.township.currentData()
        return (kind is None or unit.kind == kind) and (town is None or unit.township_id == town)

    def _apply_filter(self) -> None:
        for unit_id, item in self._items.items():
            item.setHidden(not self._accepts(self._units[unit_id]))
        self._update_summary()

    def _update_summary(self) -> None:
        counts = {s: 0 for s in GROUP_ORDER}
        for unit in self._units.values():
            if self._accepts(unit):
                counts[unit.status] += 1
        for status, group in self._groups.items():
            group.setText(0, f"{label(status)}  ({counts[status]})")
        self.summary.setText(
            self.tr("%1 available of %2 on duty")
            .replace("%1", str(counts[UnitStatus.AVAILABLE]))
            .replace("%2", str(sum(counts.values()) - counts[UnitStatus.OFF_DUTY]))
        )

    # -- selection --------------------------------------------------------------------------------------------------

    def _on_current(self, current: QTreeWidgetItem | None, _prev: QTreeWidgetItem | None) -> None:
        if self._syncing or current is None:
            return
        unit_id = current.data(0, UnitIdRole)
        if unit_id:
            self.selection.select_unit(int(unit_id))

    def show_unit(self, unit_id: int) -> None:
        item = self._items.get(unit_id)
        if item is None or self.tree.currentItem() is item:
            return
        self._syncing = True
        group = item.parent()
        if group is not None:
            group.setExpanded(True)
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        self._syncing = False

    def visible_unit_ids(self) -> list[int]:
        return [unit_id for unit_id, item in self._items.items() if not item.isHidden()]

    def unit_item(self, unit_id: int) -> QTreeWidgetItem | None:
        return self._items.get(unit_id)

    def group_of(self, unit_id: int) -> UnitStatus | None:
        item = self._items.get(unit_id)
        if item is None:
            return None
        for status, group in self._groups.items():
            if item.parent() is group:
                return status
        return None
