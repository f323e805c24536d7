"""The shift leader's patrol panel (巡防): today's shifts with their progress, yesterday's awaiting review (审核,
approve or return with a remark), and key-site readiness (1/3/5 minutes) with the suggested relocations (力量前置).

The widget runs no SQL and holds no rule: it shows the values of `patrol.board` and `sites.readiness` it is given
and asks for the review, the relocation order, a playback or a site's reach by signal; the operations decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.enums import ReviewStatus, ShiftState
from console.timeutil import CHINA_TZ

from ..labels import label
from .readiness import ReadinessFigure
from .suggestions import SuggestionsPage

IdRole = Qt.ItemDataRole.UserRole + 1
TINT_TEXT = "#263238"
STATE_TINTS = {
    ShiftState.MISSED: "#fbe3e3",
    ShiftState.LATE: "#fff3d6",
    ShiftState.MET: "#e3f4e4",
    ShiftState.IN_PROGRESS: "#e3eefb",
}


def _clock(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(CHINA_TZ).strftime("%H:%M")


def _tint(item: QTreeWidgetItem, column: int, colour: str) -> None:
    """A light background with dark text, readable in the light and the dark theme alike."""
    item.setBackground(column, QBrush(QColor(colour)))
    item.setForeground(column, QBrush(QColor(TINT_TEXT)))


def window_text(shift: dict[str, Any]) -> str:
    return f"{_clock(shift['starts_at'])}–{_clock(shift['ends_at'])}"


def _state(value: str, enum: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        return None


class PatrolPanel(QWidget):
    approveRequested = Signal(int, int)  # shift id, version seen
    returnRequested = Signal(int, int, str)  # shift id, version seen, remark
    relocateRequested = Signal(dict)  # a suggested move (`sites.readiness` suggested_moves row)
    playbackRequested = Signal(int)  # shift id
    siteReachRequested = Signal(float, float, str)  # lat, lon, site name
    refreshRequested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        may_review: bool = False,
        may_relocate: bool = False,
        may_plan: bool = False,
    ):
        super().__init__(parent)
        self.may_review = may_review
        self.may_relocate = may_relocate
        self.board: dict[str, Any] | None = None
        self.readiness: dict[str, Any] | None = None
        self._moves: list[dict[str, Any]] = []

        self.figure = ReadinessFigure(compact=True)
        self.tabs = QTabWidget()
        self.today = self._tree([self.tr("Plan"), self.tr("Window"), self.tr("Progress"), self.tr("State")])
        self.review = self._tree(
            [self.tr("Plan"), self.tr("Day"), self.tr("Window"), self.tr("Done"), self.tr("Review")]
        )
        self.sites = self._tree([self.tr("Site"), self.tr("Target"), self.tr("Best arrival"), self.tr("Margin")])
        self.moves = self._tree([self.tr("Unit"), self.tr("To"), self.tr("Covers")])

        today_page = QWidget()
        box = QVBoxLayout(today_page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.today)
        self.play_button = QPushButton(self.tr("Play track"))
        self.play_button.clicked.connect(self._play)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.play_button)
        box.addLayout(row)

        review_page = QWidget()
        box = QVBoxLayout(review_page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.review)
        self.approve_button = QPushButton(self.tr("Approve"))
        self.return_button = QPushButton(self.tr("Return…"))
        self.approve_button.clicked.connect(self._approve)
        self.return_button.clicked.connect(self._return)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.approve_button)
        row.addWidget(self.return_button)
        box.addLayout(row)

        sites_page = QWidget()
        box = QVBoxLayout(sites_page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.sites, 3)
        self.moves_title = QLabel(self.tr("Suggested moves (力量前置)"))
        box.addWidget(self.moves_title)
        box.addWidget(self.moves, 1)
        self.order_button = QPushButton(self.tr("Send move order"))
        self.order_button.clicked.connect(self._order)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.order_button)
        box.addLayout(row)

        self.tabs.addTab(today_page, self.tr("Today"))
        self.tabs.addTab(review_page, self.tr("To review"))
        self.tabs.addTab(sites_page, self.tr("Key sites"))
        self.suggestions: SuggestionsPage | None = None
        if may_plan:  # 研判 → 巡防规划, for those who may make plans
            self.suggestions = SuggestionsPage()
            self.tabs.addTab(self.suggestions, self.tr("Suggested plans"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.figure)
        layout.addWidget(self.tabs, 1)

        self.review.itemSelectionChanged.connect(self._update_buttons)
        self.today.itemSelectionChanged.connect(self._update_buttons)
        self.moves.itemSelectionChanged.connect(self._update_buttons)
        self.today.itemDoubleClicked.connect(lambda *_: self._play())
        self.sites.itemDoubleClicked.connect(self._site_reach)
        self._update_buttons()

    @staticmethod
    def _tree(headers: list[str]) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setHeaderLabels(headers)
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(headers)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        return tree

    # -- data ------------------------------------------------------------------------------------------------------

    def set_board(self, board: dict[str, Any]) -> None:
        """`patrol.board`'s value: today's shifts, yesterday's to review."""
        self.board = board
        selected = self._selected_id(self.today), self._selected_id(self.review)
        self.today.clear()
        for shift in board.get("today", []):
            state = _state(shift["state"], ShiftState)
            item = QTreeWidgetItem([shift["plan"], window_text(shift), "", label(state) if state else shift["state"]])
            item.setData(0, IdRole, shift["id"])
            item.setToolTip(0, " · ".join(shift.get("team", [])))
            self.today.addTopLevelItem(item)
            bar = QProgressBar()
            bar.setRange(0, max(1, shift["targets_due"]))
            bar.setValue(shift["targets_met"])
            bar.setFormat(f"{shift['targets_met']}/{shift['targets_due']}")
            bar.setMaximumHeight(16)
            self.today.setItemWidget(item, 2, bar)
            if state in STATE_TINTS:
                _tint(item, 3, STATE_TINTS[state])
        self.review.clear()
        for shift in board.get("to_review", []):
            status = _state(shift["review_status"], ReviewStatus)
            state = _state(shift["state"], ShiftState)
            item = QTreeWidgetItem(
                [
                    shift["plan"],
                    shift["day"][5:],
                    window_text(shift),
                    f"{shift['targets_met']}/{shift['targets_due']}",
                    label(status) if status else shift["review_status"],
                ]
            )
            item.setData(0, IdRole, shift["id"])
            item.setData(1, IdRole, shift["version"])
            if shift.get("review_remark"):
                item.setToolTip(4, shift["review_remark"])
            if state in STATE_TINTS:
                _tint(item, 3, STATE_TINTS[state])
            self.review.addTopLevelItem(item)
        self.tabs.setTabText(1, self.tr("To review (%1)").replace("%1", str(len(board.get("to_review", [])))))
        self._reselect(self.today, selected[0])
        self._reselect(self.review, selected[1])
        self._update_buttons()

    def set_readiness(self, value: dict[str, Any]) -> None:
        """`sites.readiness`'s value: the figure, every site (uncovered first), the suggested moves."""
        self.readiness = value
        self.figure.set_readiness(value)
        self.sites.clear()
        rows = sorted(value.get("all_sites", []), key=lambda site: (bool(site["covered"]), site["code"]))
        for site in rows:
            target_s = float(site["target_min"]) * 60
            eta = site.get("best_eta_s")
            margin = "—" if eta is None else f"{(target_s - eta) / 60:+.1f} " + self.tr("min")
            item = QTreeWidgetItem(
                [
                    site["name"],
                    f"{float(site['target_min']):g} " + self.tr("min"),
                    "—" if eta is None else f"{eta / 60:.1f} " + self.tr("min") + f" · {site.get('best_unit') or ''}",
                    margin,
                ]
            )
            item.setData(0, IdRole, site["code"])
            item.setData(1, IdRole, (float(site["lat"]), float(site["lon"])))
            colour = "#e3f4e4" if site["covered"] else "#fbe3e3"
            for col in range(4):
                _tint(item, col, colour)
            self.sites.addTopLevelItem(item)
        self._moves = list(value.get("suggested_moves", []))
        names = {s["code"]: s["name"] for s in value.get("all_sites", [])}
        self.moves.clear()
        for move in self._moves:
            item = QTreeWidgetItem(
                [
                    move["unit"],
                    names.get(move["to_site"], move["to_site"]),
                    "、".join(names.get(c, c) for c in move["covers"]),
                ]
            )
            self.moves.addTopLevelItem(item)
        self.tabs.setTabText(
            2, self.tr("Key sites (%1 not covered)").replace("%1", str(len(value.get("uncovered", []))))
        )
        self._update_buttons()

    # -- actions ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _selected_id(tree: QTreeWidget) -> Any:
        items = tree.selectedItems()
        return items[0].data(0, IdRole) if items else None

    @staticmethod
    def _reselect(tree: QTreeWidget, item_id: Any) -> None:
        if item_id is None:
            return
        for i in range(tree.topLevelItemCount()):
            item = tree.topLevelItem(i)
            if item is not None and item.data(0, IdRole) == item_id:
                tree.setCurrentItem(item)
                return

    def _update_buttons(self) -> None:
        reviewing = bool(self.review.selectedItems())
        self.approve_button.setEnabled(self.may_review and reviewing)
        self.return_button.setEnabled(self.may_review and reviewing)
        self.play_button.setEnabled(bool(self.today.selectedItems()))
        self.order_button.setEnabled(self.may_relocate and bool(self.moves.selectedItems()))
        self.approve_button.setVisible(self.may_review)
        self.return_button.setVisible(self.may_review)
        self.order_button.setVisible(self.may_relocate)

    def _review_item(self) -> QTreeWidgetItem | None:
        items = self.review.selectedItems()
        return items[0] if items else None

    def _approve(self) -> None:
        item = self._review_item()
        if item is not None:
            self.approveRequested.emit(int(item.data(0, IdRole)), int(item.data(1, IdRole)))

    def _return(self) -> None:
        item = self._review_item()
        if item is None:
            return
        remark, ok = QInputDialog.getText(
            self, self.tr("Return shift"), self.tr("Remark for the team (why it is returned):")
        )
        if ok and remark.strip():
            self.return_with_remark(remark.strip())

    def return_with_remark(self, remark: str) -> None:
        """Return the selected shift with this remark (what the dialog does; tests call it directly)."""
        item = self._review_item()
        if item is not None:
            self.returnRequested.emit(int(item.data(0, IdRole)), int(item.data(1, IdRole)), remark)

    def _play(self) -> None:
        shift_id = self._selected_id(self.today)
        if shift_id is not None:
            self.playbackRequested.emit(int(shift_id))

    def _order(self) -> None:
        items = self.moves.selectedItems()
        if items:
            self.relocateRequested.emit(self._moves[self.moves.indexOfTopLevelItem(items[0])])

    def _site_reach(self, item: QTreeWidgetItem, _column: int) -> None:
        lat, lon = item.data(1, IdRole)
        self.siteReachRequested.emit(lat, lon, item.text(0))
