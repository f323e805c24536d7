"""Table model of the open cases, fed by the live state's diffs.

The model keeps its own list of visible rows, filtered and sorted in Python (a proxy model is far slower at this
size). A diff from the change feed becomes `beginInsertRows` / `dataChanged` / `beginMoveRows` /
`beginRemoveRows` on the touched rows only (a case whose sort position changed is moved, so views keep their
selection and scroll position); a change of filter or sort order by the user resets the model at once, a snapshot
or a mass change (thousands of cases) in turns of the event loop (`rebuild_in_turns`), so the interface is never
held for long.
`data()` reads the row's plain view and never touches the database.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont

from console.live import LiveDiff
from console.timeutil import utcnow
from console.views import CaseView

from ..i18n.formats import format_span, tooltip_text
from ..labels import label
from ..theme import PRIORITY_COLOURS, overdue_text, row_tints
from .filters import Column, QueueFilter, haystack, sort_key

#: Background of a row whose alarm is unacknowledged, in the bright phase of its flash.
ALARM_FLASH = "#ffd400"

CaseIdRole = Qt.ItemDataRole.UserRole + 1
CASE_MIME = "application/x-console-case-id"

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class QueueModel(QAbstractTableModel):
    def __init__(self, cases: Mapping[int, CaseView], townships: Mapping[int, str] | None = None, parent: Any = None):
        super().__init__(parent)
        self._cases = cases  # the live state's dict: read only here
        self.townships: Mapping[int, str] = townships if townships is not None else {}
        self._filter = QueueFilter()
        self._column = Column.PRIORITY
        self._order = Qt.SortOrder.AscendingOrder
        self._rows: list[CaseView] = []
        self.flashing: frozenset[int] = frozenset()
        self._keys: list[Any] = []  # sort key of each row, for bisect
        self._shown: dict[int, CaseView] = {}  # the version of each case as its row shows it
        self._hay: dict[int, str] = {}
        self._now = utcnow()
        self._generation = 0  # a rebuild in turns of the event loop goes on while this stays its own
        self._stale = False  # a diff came in while a rebuild in turns was under way
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = [
            self.tr("Pri."),
            self.tr("Number"),
            self.tr("Age"),
            self.tr("Deadline"),
            self.tr("Category"),
            self.tr("Status"),
            self.tr("Township"),
            self.tr("Place / description"),
            self.tr("Units"),
        ]

    # -- the rows ------------------------------------------------------------------------------------------------

    def _key(self, case: CaseView) -> Any:
        key = sort_key(self._column, self.townships)(case)
        return (key, case.id)

    def _haystack(self, case: CaseView) -> str:
        hay = self._hay.get(case.id)
        if hay is None:
            hay = self._hay[case.id] = haystack(case, self.townships.get(case.township_id or 0, ""))
        return hay

    def _accepts(self, case: CaseView) -> bool:
        return self._filter.accepts(case, self._haystack, self._now)

    def rebuild(self) -> None:
        """Filter and sort every case again, now (a user's change of filter or sort)."""
        self._generation += 1  # a rebuild in turns still under way is superseded
        self._now = utcnow()
        key = sort_key(self._column, self.townships)
        flt, hay, now = self._filter, self._haystack, self._now
        self._install([((key(c), c.id), c) for c in self._cases.values() if flt.accepts(c, hay, now)])

    def rebuild_in_turns(self, changed: Iterable[int] = (), *, attempt: int = 1) -> None:
        """Filter and sort every case again without holding the interface (the first snapshot, a reconnect's
        catch-up, a mass escalation by the sweep): `CHUNK` cases a turn of the event loop, then one sort and one
        reset. The rows shown meanwhile are the old ones, and diffs still fold into them; a diff that came in during
        the rebuild starts it again when it ends, so what it installs is never older than the live state."""
        for case_id in changed:
            self._hay.pop(case_id, None)
        self._generation += 1
        generation, self._stale = self._generation, False
        now = utcnow()
        key = sort_key(self._column, self.townships)
        flt, hay, cases = self._filter, self._haystack, list(self._cases.values())
        keyed: list[tuple[Any, CaseView]] = []

        def step(start: int) -> None:
            if generation != self._generation:
                return  # a newer rebuild took over
            keyed.extend(((key(c), c.id), c) for c in cases[start : start + self.CHUNK] if flt.accepts(c, hay, now))
            if start + self.CHUNK < len(cases):
                QTimer.singleShot(0, lambda: step(start + self.CHUNK))
            elif self._stale and attempt < 3:
                self.rebuild_in_turns(attempt=attempt + 1)
            elif self._stale:
                self.rebuild()  # changes keep coming in: once, at once, from the live state as it is
            else:
                self._now = now
                self._install(keyed)

        step(0)

    #: Cases filtered and keyed in one turn of the event loop by `rebuild_in_turns` (~10 ms of the interface).
    CHUNK = 2000

    def _install(self, keyed: list[tuple[Any, CaseView]]) -> None:
        self.beginResetModel()
        descending = self._order == Qt.SortOrder.DescendingOrder
        keyed.sort(key=lambda kc: kc[0], reverse=descending)
        self._rows = [c for _k, c in keyed]
        self._shown = {c.id: c for c in self._rows}
        self._keys = [] if descending else [k for k, _c in keyed]
        self.endResetModel()

    def set_filter(self, flt: QueueFilter) -> None:
        if flt != self._filter:
            self._filter = flt
            self.rebuild()

    @property
    def filter(self) -> QueueFilter:
        return self._filter

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._column = Column(column)
        self._order = order
        self.rebuild()

    def _position(self, case: CaseView) -> int:
        if self._order == Qt.SortOrder.AscendingOrder:
            return bisect.bisect_left(self._keys, self._key(case))
        key = self._key(case)
        # Descending: rows are in reverse key order; find the first row whose key is smaller.
        lo, hi = 0, len(self._rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key(self._rows[mid]) > key:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def row_of(self, case_id: int) -> int:
        """The row showing the case, or -1: found by its sort key in O(log n), never by a scan of every row."""
        shown = self._shown.get(case_id)
        if shown is None:
            return -1
        pos = self._position(shown)
        for row in (pos, pos - 1, pos + 1):
            if 0 <= row < len(self._rows) and self._rows[row].id == case_id:
                return row
        return next((i for i, c in enumerate(self._rows) if c.id == case_id), -1)  # not reached while sorted

    def _insert(self, case: CaseView) -> None:
        pos = self._position(case)
        self.beginInsertRows(QModelIndex(), pos, pos)
        self._rows.insert(pos, case)
        self._shown[case.id] = case
        if self._order == Qt.SortOrder.AscendingOrder:
            self._keys.insert(pos, self._key(case))
        self.endInsertRows()

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        case = self._rows.pop(row)
        self._shown.pop(case.id, None)
        if self._order == Qt.SortOrder.AscendingOrder:
            del self._keys[row]
        self.endRemoveRows()

    def _update(self, row: int, case: CaseView) -> None:
        """A shown case changed: in place if its sort position is the same, else moved to its new row."""
        # Where the new key goes among the current rows (the old row included) is the row to move before.
        target = row if self._key(self._rows[row]) == self._key(case) else self._position(case)
        if target not in (row, row + 1):
            self.beginMoveRows(_ROOT, row, row, _ROOT, target)
            self._rows.pop(row)
            ascending = self._order == Qt.SortOrder.AscendingOrder
            if ascending:
                del self._keys[row]
            row = target if target < row else target - 1
            self._rows.insert(row, case)
            if ascending:
                self._keys.insert(row, self._key(case))
            self._shown[case.id] = case
            self.endMoveRows()
        else:
            self._rows[row] = case
            self._shown[case.id] = case
            if self._order == Qt.SortOrder.AscendingOrder:
                self._keys[row] = self._key(case)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def apply(self, diff: LiveDiff) -> None:
        """Fold a live-state diff into the visible rows with the smallest model signals."""
        self._now = utcnow()
        self._stale = True  # seen by a rebuild in turns under way: it starts again when it ends
        for case_id in diff.cases_removed:
            self._hay.pop(case_id, None)
            row = self.row_of(case_id)
            if row >= 0:
                self._remove(row)
        for case_id in [*diff.cases_updated, *diff.cases_inserted]:
            self._hay.pop(case_id, None)
            case = self._cases.get(case_id)
            row = self.row_of(case_id)
            if case is None or not self._accepts(case):
                if row >= 0:
                    self._remove(row)
                continue
            if row < 0:
                self._insert(case)
            else:
                self._update(row, case)

    def refresh_times(self) -> None:
        """Ages and countdowns move with the clock: repaint those two columns (only visible rows are drawn)."""
        self._now = utcnow()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.AGE),
                self.index(len(self._rows) - 1, Column.DEADLINE),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )

    def totals(self) -> tuple[int, int]:
        """Open cases in all, and how many of them are overdue (whatever the filter)."""
        now = self._now
        return len(self._cases), sum(1 for c in self._cases.values() if c.due_at <= now)

    def case_at(self, row: int) -> CaseView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def case_ids(self) -> list[int]:
        return [c.id for c in self._rows]

    # -- Qt model API -------------------------------------------------------------------------------------------

    def set_flashing(self, case_ids: frozenset[int]) -> None:
        """Rows drawn in the alarm's flash colour (the alarm toggles this while a case is unacknowledged)."""
        if case_ids == self.flashing:
            return
        self.flashing = case_ids
        if self._rows:
            last = self.index(len(self._rows) - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.BackgroundRole])

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [CASE_MIME]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        ids = sorted({self._rows[i.row()].id for i in indexes if i.isValid()})
        if ids:
            mime.setData(CASE_MIME, str(ids[0]).encode())
            mime.setText(self._rows[indexes[0].row()].number if isinstance(indexes, list) else "")
        return mime

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        case = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(case, col)
        if role == CaseIdRole:
            return case.id
        if role == Qt.ItemDataRole.BackgroundRole:
            if col == Column.PRIORITY:
                return QBrush(QColor(PRIORITY_COLOURS[case.priority]))
            if case.id in self.flashing:  # an unacknowledged alarm (ui/alarm.py), in its bright phase
                return QBrush(QColor(ALARM_FLASH))
            if case.due_at <= self._now:
                return QBrush(QColor(row_tints()[case.priority]))
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == Column.PRIORITY:
                return QBrush(QColor("#ffffff"))
            if col == Column.DEADLINE and case.due_at <= self._now:
                return QBrush(QColor(overdue_text()))
            return None
        if role == Qt.ItemDataRole.FontRole:
            if col in (Column.PRIORITY, Column.NUMBER) or (col == Column.DEADLINE and case.due_at <= self._now):
                return self._bold
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (Column.PRIORITY, Column.AGE, Column.DEADLINE):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == Column.PLACE:
            return tooltip_text(case.description)
        return None

    def _display(self, case: CaseView, col: int) -> str:
        if col == Column.PRIORITY:
            return label(case.priority)
        if col == Column.NUMBER:
            return case.number + (" ▲" * min(case.escalation, 3) if case.escalation else "")
        if col == Column.AGE:
            return format_span(self._now - case.received_at)
        if col == Column.DEADLINE:
            left = case.due_at - self._now
            return ("−" + format_span(left)) if left.total_seconds() < 0 else format_span(left)
        if col == Column.CATEGORY:
            return label(case.category)
        if col == Column.STATUS:
            text = label(case.status)
            return text + (" · " + case.assignee if case.assignee else "")
        if col == Column.TOWNSHIP:
            return self.townships.get(case.township_id or 0, "")
        if col == Column.PLACE:
            first = case.description.splitlines()[0] if case.description else ""
            return f"{case.address} — {first}" if case.address else first
        if col == Column.UNITS:
            return str(len(case.unit_ids)) if case.unit_ids else ""
        return ""
