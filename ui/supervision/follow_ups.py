"""Follow-ups on the board and the wall: leader-owned cases (领导包案) with their next due step, disputes flagged for
violence risk (民转刑) awaiting their visit, and the screening campaigns' progress per township (排查).

It reads through operations only (`leadership.board`, `leadership.risk_wall`, `campaign.list`), at start, every
minute and when an event that changes them arrives; a double click selects the case everywhere."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from console.enums import EventKind

from ..case_detail.header import local_time
from ..dock_scroll import no_sideways
from ..session import ConsoleSession
from ..theme import OVERDUE_TEXT
from ..workers import JobResult

#: Written changes arrive by the change feed (`KINDS`); this timer is for what the clock changes with nothing written:
#: a follow-up step or a campaign task falling due.
REFRESH_MS = 60_000
CaseIdRole = Qt.ItemDataRole.UserRole + 1
#: Events after which the lists are read again.
KINDS = frozenset(
    {
        EventKind.CASE_OWNED,
        EventKind.FOLLOW_UP_PLANNED,
        EventKind.FOLLOW_UP_DONE,
        EventKind.VIOLENCE_RISK_FLAGGED,
        EventKind.CAMPAIGN_CREATED,
        EventKind.CAMPAIGN_VISIT,
        EventKind.CASE_RESOLVED,
        EventKind.CASE_ESCALATED,
    }
)


def _tree(headers: list[str]) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setMinimumHeight(tree.fontMetrics().height() * 4)
    no_sideways(tree)
    return tree


class FollowUpBoard(QWidget):
    def __init__(self, session: ConsoleSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        step = QCoreApplication.translate("FollowUpBoard", "Next step")
        due = QCoreApplication.translate("FollowUpBoard", "Due")
        case = QCoreApplication.translate("FollowUpBoard", "Case")
        self.owned = _tree([case, QCoreApplication.translate("FollowUpBoard", "Leader"), step, due])
        self.risks = _tree([case, QCoreApplication.translate("FollowUpBoard", "Risk"), due])
        self.campaigns = _tree(
            [
                QCoreApplication.translate("FollowUpBoard", "Campaign / township"),
                QCoreApplication.translate("FollowUpBoard", "Grids visited"),
                QCoreApplication.translate("FollowUpBoard", "Visits"),
                QCoreApplication.translate("FollowUpBoard", "Findings"),
                QCoreApplication.translate("FollowUpBoard", "Cases resolved"),
            ]
        )
        self.campaigns.setRootIsDecorated(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        # A section shows only while it has something to follow up (the wall shows no empty lists).
        self.nothing = QLabel(QCoreApplication.translate("FollowUpBoard", "Nothing to follow up"))
        layout.addWidget(self.nothing)
        self.sections: list[tuple[QLabel, QTreeWidget]] = []
        for title, tree in (
            (QCoreApplication.translate("FollowUpBoard", "Leader-owned cases"), self.owned),
            (QCoreApplication.translate("FollowUpBoard", "Violence risk: visit not yet recorded"), self.risks),
            (QCoreApplication.translate("FollowUpBoard", "Screening campaigns"), self.campaigns),
        ):
            label = QLabel(title)
            layout.addWidget(label)
            layout.addWidget(tree, 1)
            self.sections.append((label, tree))
        layout.addStretch(0)
        self._show_sections()
        for tree in (self.owned, self.risks):
            tree.itemDoubleClicked.connect(self._select)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(300)
        self._soon.timeout.connect(self.refresh)
        session.eventsArrived.connect(self._on_events)
        session.loaded.connect(self.refresh)
        self._timer.start()

    def _show_sections(self) -> None:
        shown = 0
        for label, tree in self.sections:
            has_rows = tree.topLevelItemCount() > 0
            label.setVisible(has_rows)
            tree.setVisible(has_rows)
            shown += has_rows
        self.nothing.setVisible(shown == 0)

    def _on_events(self, events: list[Any]) -> None:
        if any(e.kind in KINDS for e in events):
            self._soon.start()

    def refresh(self) -> None:
        self.session.run("leadership.board", callback=self._got_owned)
        self.session.run("leadership.risk_wall", callback=self._got_risks)
        self.session.run("campaign.list", callback=self._got_campaigns)

    def _select(self, item: QTreeWidgetItem, _column: int) -> None:
        case_id = item.data(0, CaseIdRole)
        if case_id:
            self.session.selection.select_case(int(case_id))

    @staticmethod
    def _step_text(step: Any) -> str:
        kinds = {
            "visit": QCoreApplication.translate("FollowUpBoard", "visit"),
            "callback": QCoreApplication.translate("FollowUpBoard", "callback"),
        }
        return kinds.get(step.kind, step.kind) if step else ""

    def _got_owned(self, result: JobResult) -> None:
        if not result.ok:
            return
        self.owned.clear()
        for row in result.value:
            if row.leader is None:
                continue
            step = row.next_step
            item = QTreeWidgetItem(
                [row.number, row.leader, self._step_text(step), local_time(step.due_at) if step else ""]
            )
            item.setData(0, CaseIdRole, row.case_id)
            if row.overdue:
                for col in range(4):
                    item.setForeground(col, QBrush(QColor(OVERDUE_TEXT)))
            self.owned.addTopLevelItem(item)
        self._show_sections()

    def _got_risks(self, result: JobResult) -> None:
        if not result.ok:
            return
        self.risks.clear()
        for row in result.value:
            step = row.next_step
            waiting = QCoreApplication.translate("FollowUpBoard", "after resolution")
            item = QTreeWidgetItem([row.number, row.violence_risk or "", local_time(step.due_at) if step else waiting])
            item.setData(0, CaseIdRole, row.case_id)
            if row.overdue:
                for col in range(3):
                    item.setForeground(col, QBrush(QColor(OVERDUE_TEXT)))
            self.risks.addTopLevelItem(item)
        self._show_sections()

    def _got_campaigns(self, result: JobResult) -> None:
        if not result.ok:
            return
        self.campaigns.clear()
        for c in result.value:
            data = c.as_dict()
            t = data["totals"]
            top = QTreeWidgetItem(
                [
                    c.name,
                    f"{t['grids_visited']}/{t['grids']}",
                    str(t["visits"]),
                    str(t["findings"]),
                    f"{t['resolved']}/{t['cases']}",
                ]
            )
            for town, n in data["townships"].items():
                top.addChild(
                    QTreeWidgetItem(
                        [
                            town,
                            f"{n['grids_visited']}/{n['grids']}",
                            str(n["visits"]),
                            str(n["findings"]),
                            f"{n['resolved']}/{n['cases']}",
                        ]
                    )
                )
            self.campaigns.addTopLevelItem(top)
            top.setExpanded(True)
        self._show_sections()
