"""The shift leader's board: what needs the leader now.

Left, the assignments grouped by state — returned ones (退单) first and highlighted, then those running late, then
the rest — each with its deadline and the working time left (a countdown in working hours, from the calendar).
Right, deadline warnings, escalated cases (督办 levels) and the callbacks due (回访). The widget runs no SQL: it shows
the `SupervisionBoard` it is given; the console window runs the `stats.board` operation every so often and calls
`set_board`. Between refreshes the countdowns tick locally from the calendar.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.enums import AssignmentStatus
from console.stats.board import BoardAssignment, SupervisionBoard
from console.timeutil import CHINA_TZ, utcnow
from console.worktime import WorkCalendar, default_calendar

from ..dock_scroll import no_sideways
from ..i18n.formats import format_hours_minutes
from ..labels import label
from ..theme import OVERDUE_TEXT, PRIORITY_COLOURS

CaseIdRole = Qt.ItemDataRole.UserRole + 1
COL_CASE, COL_CATEGORY, COL_ASSIGNEE, COL_DUE, COL_LEFT, COL_LEVEL, COL_NOTE = range(7)
RETURNED_TINT = "#fde2c8"
LATE_TINT = "#fbe3e3"
TICK_MS = 30_000


def working_span(seconds: float) -> str:
    """Working time as `2d 3.5h` (days of the calendar's working day) or `3h 20m`."""
    return format_hours_minutes(seconds)  # Chinese forms under zh_CN


class SupervisionBoardWidget(QWidget):
    caseActivated = Signal(int)  # double click: open the case

    def __init__(
        self,
        board: SupervisionBoard | None = None,
        *,
        calendar: WorkCalendar | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.calendar = calendar or default_calendar()
        self._board: SupervisionBoard | None = None
        self._items: dict[int, tuple[QTreeWidgetItem, BoardAssignment]] = {}

        self.summary = QLabel("")
        f = QFont(self.summary.font())
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.summary.setFont(f)

        self.tree = QTreeWidget()
        no_sideways(self.tree)
        self.tree.setColumnCount(7)
        self.tree.setHeaderLabels(
            [
                self.tr("Case"),
                self.tr("Category"),
                self.tr("Handler"),
                self.tr("Deadline"),
                self.tr("Working time left"),
                self.tr("Level"),
                self.tr("Note"),
            ]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(False)
        self.tree.itemDoubleClicked.connect(self._activated)

        self.warnings = QListWidget()
        self.escalated = QListWidget()
        self.callbacks = QListWidget()
        for lst in (self.warnings, self.escalated, self.callbacks):
            lst.itemDoubleClicked.connect(lambda item: self.caseActivated.emit(int(item.data(CaseIdRole))))
        side = QWidget()
        side_layout = QHBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.warnings_title = QLabel(self.tr("Deadline warnings"))
        self.escalated_title = QLabel(self.tr("Escalated"))
        self.callbacks_title = QLabel(self.tr("Callbacks due"))
        for title, lst in (
            (self.warnings_title, self.warnings),
            (self.escalated_title, self.escalated),
            (self.callbacks_title, self.callbacks),
        ):
            column = QVBoxLayout()
            title.setProperty("role", "heading")
            column.addWidget(title)
            column.addWidget(lst, 1)
            side_layout.addLayout(column, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(self.tr("Assignments"))
        heading.setProperty("role", "heading")
        upper_layout.addWidget(heading)
        upper_layout.addWidget(self.tree, 1)
        split.addWidget(upper)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        if board is not None:
            self.set_board(board)

    # -- data -----------------------------------------------------------------------------------------------------

    def set_board(self, board: SupervisionBoard) -> None:
        self._board = board
        self._fill_tree(board)
        self._fill_side(board)
        self.tick(board.now)

    def _group_titles(self) -> dict[str, str]:
        return {
            "returned": self.tr("Returned — needs the shift leader"),
            "late": self.tr("Overdue"),
            "running": self.tr("With the handler"),
            "paused": self.tr("Paused (awaiting the citizen)"),
            "resolved": self.tr("Reported done — review and resolve"),
        }

    def _group_of(self, a: BoardAssignment) -> str:
        if a.status == AssignmentStatus.RETURNED:
            return "returned"
        if a.status == AssignmentStatus.RESOLVED:
            return "resolved"
        if a.paused:
            return "paused"
        return "late" if a.remaining_s < 0 else "running"

    def _fill_tree(self, board: SupervisionBoard) -> None:
        self.tree.clear()
        self._items.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        titles = self._group_titles()
        for key, title in titles.items():
            top = QTreeWidgetItem([title])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setFirstColumnSpanned(True)
            groups[key] = top
        for a in board.assignments:
            key = self._group_of(a)
            item = QTreeWidgetItem(groups[key])
            item.setData(0, CaseIdRole, a.case_id)
            item.setText(COL_CASE, a.number)
            item.setForeground(COL_CASE, QBrush(QColor(PRIORITY_COLOURS[a.priority])))
            item.setText(COL_CATEGORY, label(a.category))
            item.setText(COL_ASSIGNEE, a.assignee + (" ★" if a.first_receiver else ""))
            item.setToolTip(COL_ASSIGNEE, self.tr("★ first receiver (首接首办)") if a.first_receiver else "")
            item.setText(COL_DUE, a.due_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M"))
            item.setText(COL_LEVEL, self.tr("L%1").replace("%1", str(a.escalation)) if a.escalation else "")
            notes = []
            if a.status == AssignmentStatus.RETURNED and a.return_reason:
                notes.append(self.tr("Returned: %1").replace("%1", a.return_reason))
            if a.extended_count:
                notes.append(self.tr("extended ×%1").replace("%1", str(a.extended_count)))
            item.setText(COL_NOTE, "; ".join(notes))
            tint = RETURNED_TINT if key == "returned" else LATE_TINT if key == "late" else None
            if tint:
                for col in range(7):
                    item.setBackground(col, QBrush(QColor(tint)))
            self._items[a.assignment_id] = (item, a)
        for key in titles:
            top = groups[key]
            top.setText(0, f"{titles[key]} ({top.childCount()})")
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
            top.setFirstColumnSpanned(True)
        for col in range(6):
            self.tree.resizeColumnToContents(col)

    def _fill_side(self, board: SupervisionBoard) -> None:
        self.warnings.clear()
        for w in board.warnings:
            text = self.tr("%1 due %2 — %3 left").replace("%1", w.number)
            text = text.replace("%2", w.due_at.astimezone(CHINA_TZ).strftime("%H:%M"))
            text = text.replace("%3", working_span(w.remaining_s))
            self._add(self.warnings, text, w.case_id)
        self.escalated.clear()
        for e in board.escalated:
            text = self.tr("L%1  %2  %3").replace("%1", str(e.level)).replace("%2", e.number)
            text = text.replace("%3", label(e.category))
            if e.repeat_count:
                text += "  " + self.tr("repeats ×%1").replace("%1", str(e.repeat_count))
            item = self._add(self.escalated, text, e.case_id)
            if e.level >= 2:
                item.setForeground(QBrush(QColor(OVERDUE_TEXT)))
        self.callbacks.clear()
        for c in board.callbacks_due:
            text = self.tr("%1  %2  resolved %3").replace("%1", c.number).replace("%2", label(c.category))
            text = text.replace("%3", c.resolved_at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M"))
            if c.attempts:
                text += "  " + self.tr("not reached ×%1").replace("%1", str(c.attempts))
            self._add(self.callbacks, text, c.case_id)
        self.warnings_title.setText(self.tr("Deadline warnings (%1)").replace("%1", str(len(board.warnings))))
        self.escalated_title.setText(self.tr("Escalated (%1)").replace("%1", str(len(board.escalated))))
        self.callbacks_title.setText(self.tr("Callbacks due (%1)").replace("%1", str(len(board.callbacks_due))))

    @staticmethod
    def _add(lst: QListWidget, text: str, case_id: int) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(CaseIdRole, case_id)
        lst.addItem(item)
        return item

    # -- countdowns -----------------------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> None:
        """Repaint the working time left from the calendar (no database)."""
        if self._board is None:
            return
        now = now or utcnow()
        returned = late = 0
        for item, a in self._items.values():
            if a.status == AssignmentStatus.RETURNED:
                returned += 1
                item.setText(COL_LEFT, "")
                continue
            if a.status == AssignmentStatus.RESOLVED:
                item.setText(COL_LEFT, "")
                continue
            left = a.remaining_s if a.paused else self.calendar.working_seconds(now, a.due_at)
            if left < 0:
                late += 1
                item.setText(COL_LEFT, self.tr("overdue %1").replace("%1", working_span(left)))
                item.setForeground(COL_LEFT, QBrush(QColor(OVERDUE_TEXT)))
            else:
                item.setText(COL_LEFT, working_span(left) + (" ⏸" if a.paused else ""))
        self.summary.setText(
            self.tr("Returned %1 · Overdue %2 · Warnings %3 · Escalated %4 · Callbacks due %5")
            .replace("%1", str(returned))
            .replace("%2", str(late))
            .replace("%3", str(len(self._board.warnings)))
            .replace("%4", str(len(self._board.escalated)))
            .replace("%5", str(len(self._board.callbacks_due)))
        )

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        case_id = item.data(0, CaseIdRole)
        if case_id is not None:
            self.caseActivated.emit(int(case_id))

    def counts(self) -> dict[str, int]:
        """How many rows each group holds (for tests and the window's badges)."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            out[list(self._group_titles())[i]] = top.childCount() if top is not None else 0
        return out

    def row_background(self, assignment_id: int) -> str | None:
        item, _ = self._items[assignment_id]
        brush = item.background(0)
        return brush.color().name() if brush.style() != Qt.BrushStyle.NoBrush else None
