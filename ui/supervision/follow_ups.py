"""Follow-ups on the board and the wall: leader-owned cases (领导包案) with their next due step, disputes flagged for
violence risk (民转刑) awaiting their visit, and the screening campaigns' progress per township (排查).

It reads through operations only (`leadership.board`, `leadership.risk_wall`, `campaign.list`), at start, every
minute and when an event that changes them arrives; a double click selects the case everywhere."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from console.enums import EventKind
from console.ops import CAMPAIGN_VISIT_ACTIONS

from ..case_detail.follow_up import due_text
from ..dock_scroll import no_sideways
from ..session import ConsoleSession
from ..theme import OVERDUE_TEXT
from ..workers import JobResult
from .campaign_visit import CampaignVisitDialog

#: Written changes arrive by the change feed (`KINDS`); this timer is for what the clock changes with nothing written:
#: a follow-up step or a campaign task falling due.
REFRESH_MS = 60_000
#: A campaign with at most this many grids shows them without unfolding its townships.
GRIDS_SHOWN = 12
CaseIdRole = Qt.ItemDataRole.UserRole + 1
#: On a campaign's rows: (campaign name, the grid code on a grid's row, else None).
CampaignRole = Qt.ItemDataRole.UserRole + 2
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


def _tree(headers: list[str], first_chars: str = "2026-000000") -> QTreeWidget:
    """A list whose first column holds `first_chars` whole (a case number, a campaign's name) when there is room."""
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setMinimumHeight(tree.fontMetrics().height() * 4)
    tree.header().resizeSection(0, tree.fontMetrics().horizontalAdvance(first_chars) + 28)
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
                QCoreApplication.translate("FollowUpBoard", "Campaign / township / grid"),
                QCoreApplication.translate("FollowUpBoard", "Grids visited"),
                QCoreApplication.translate("FollowUpBoard", "Visits"),
                QCoreApplication.translate("FollowUpBoard", "Findings"),
                QCoreApplication.translate("FollowUpBoard", "Cases resolved"),
            ],
            first_chars="2026 夏季邻里纠纷排查",
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
        # 排查: a household or venue visited is recorded on the campaign's grid (Enter or a double click on it).
        self.record_visit_button = QPushButton(QCoreApplication.translate("FollowUpBoard", "Record visit…"))
        self.record_visit_button.setToolTip(
            QCoreApplication.translate(
                "FollowUpBoard", "Record a household or venue visited for the selected campaign grid (Enter)"
            )
        )
        #: Whether this role records visits at all (the core's table); shown while there is a campaign.
        self.records_visits = any(session.may(a) for a in CAMPAIGN_VISIT_ACTIONS.values())
        self.record_visit_button.clicked.connect(lambda _checked=False: self.record_visit())
        layout.addWidget(self.record_visit_button)
        session.dbStatusChanged.connect(lambda *_a: self._show_sections())
        self.campaigns.itemActivated.connect(lambda *_a: self.record_visit())
        self.visit_dialog: CampaignVisitDialog | None = None
        self._campaigns: dict[str, Any] = {}
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
        campaigns = self.campaigns.topLevelItemCount() > 0
        self.record_visit_button.setVisible(self.records_visits and campaigns)
        self.record_visit_button.setEnabled(self.session.online)

    def _chosen(self) -> tuple[str, str | None] | None:
        item = self.campaigns.currentItem() or self.campaigns.topLevelItem(0)
        value = item.data(0, CampaignRole) if item is not None else None
        return (str(value[0]), value[1]) if value else None

    def record_visit(self) -> CampaignVisitDialog | None:
        """The visit dialog for the chosen campaign (its grid preselected when a grid's row is chosen)."""
        chosen = self._chosen()
        if chosen is None or not self.records_visits:
            return None
        name, grid = chosen
        progress = self._campaigns.get(name)
        if progress is None:
            return None
        dialog = CampaignVisitDialog(
            self.session, name, [g.grid for g in progress.grids], grid=grid, focus=progress.focus, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.succeeded.connect(self._visited)
        self.visit_dialog = dialog
        dialog.open()
        return dialog

    def _visited(self, visit: Any) -> None:
        self._soon.start()
        if visit.case_id:  # the finding became a case: show it
            self.session.notice.emit(
                "info",
                QCoreApplication.translate("FollowUpBoard", "Finding filed as case %1").replace(
                    "%1", visit.case_number
                ),
            )
            self.session.selection.select_case(int(visit.case_id))

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
                [row.number, row.leader, self._step_text(step), due_text(step.due_at) if step else ""]
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
            item = QTreeWidgetItem([row.number, row.violence_risk or "", due_text(step.due_at) if step else waiting])
            item.setData(0, CaseIdRole, row.case_id)
            if row.overdue:
                for col in range(3):
                    item.setForeground(col, QBrush(QColor(OVERDUE_TEXT)))
            self.risks.addTopLevelItem(item)
        self._show_sections()

    def _got_campaigns(self, result: JobResult) -> None:
        if not result.ok:
            return
        chosen = self._chosen()
        again: QTreeWidgetItem | None = None
        self.campaigns.clear()
        self._campaigns = {c.name: c for c in result.value}
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
            top.setData(0, CampaignRole, (c.name, None))
            towns: list[QTreeWidgetItem] = []
            for town, n in data["townships"].items():
                town_item = QTreeWidgetItem(
                    [
                        town,
                        f"{n['grids_visited']}/{n['grids']}",
                        str(n["visits"]),
                        str(n["findings"]),
                        f"{n['resolved']}/{n['cases']}",
                    ]
                )
                town_item.setData(0, CampaignRole, (c.name, None))
                for g in c.grids:
                    if g.township != town:
                        continue
                    name = f"{g.grid} · {g.worker}" if g.worker else g.grid
                    grid_item = QTreeWidgetItem(
                        [name, f"{int(g.visits > 0)}/1", str(g.visits), str(g.findings), f"{g.resolved}/{g.cases}"]
                    )
                    grid_item.setToolTip(
                        0,
                        QCoreApplication.translate("FollowUpBoard", "due %1").replace("%1", due_text(g.due_at)),
                    )
                    grid_item.setData(0, CampaignRole, (c.name, g.grid))
                    town_item.addChild(grid_item)
                    if chosen == (c.name, g.grid):
                        again = grid_item
                top.addChild(town_item)
                towns.append(town_item)
            self.campaigns.addTopLevelItem(top)
            top.setExpanded(True)
            for town_item in towns:  # a small campaign shows its grids at once
                town_item.setExpanded(len(c.grids) <= GRIDS_SHOWN)
        if again is not None:
            self.campaigns.setCurrentItem(again)
        self._show_sections()
