"""Record a household or venue visited in a screening campaign (排查): nothing found, or a finding that becomes a
case in the same step (channel `grid_report`, linked to the campaign) — the `campaign.record` operation. Which
results this role may record is the core's table (`CAMPAIGN_VISIT_ACTIONS`: a finding is an intake)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLineEdit, QRadioButton, QWidget

from console.enums import Category, Priority
from console.ops import CAMPAIGN_VISIT_ACTIONS

from ..labels import label
from ..op_dialog import OpDialog, text_box
from ..session import ConsoleSession


class CampaignVisitDialog(OpDialog):
    def __init__(
        self,
        session: ConsoleSession,
        campaign: str,
        grids: list[str],
        *,
        grid: str | None = None,
        focus: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, "campaign.record", self.tr("Screening visit: %1").replace("%1", campaign), parent)
        self.campaign = campaign
        self.grid = QComboBox()
        self.grid.addItems(grids)
        if grid in grids:
            self.grid.setCurrentIndex(grids.index(grid))
        self.add_field("grid", self.tr("Grid:"), self.grid)
        self.place = QLineEdit()
        self.place.setPlaceholderText(self.tr("Household or venue, e.g. 3组 王家 / 东街小超市"))
        self.add_field("place", self.tr("Place visited:"), self.place)
        self.nothing = QRadioButton(self.tr("Nothing found"))
        self.finding_found = QRadioButton(self.tr("Finding: file a case"))
        self.results = QButtonGroup(self)
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        for code, button in (("nothing", self.nothing), ("finding", self.finding_found)):
            self.results.addButton(button)
            button.setProperty("code", code)
            button.setEnabled(session.may(CAMPAIGN_VISIT_ACTIONS[code]))
            box.addWidget(button)
        box.addStretch(1)
        self.add_field("result", self.tr("Result:"), row)
        self.nothing.setChecked(self.nothing.isEnabled())
        self.finding = text_box(3)
        self.finding.setPlaceholderText(self.tr("What was found (becomes the case's description)"))
        self.add_field("finding", self.tr("Finding:"), self.finding)
        self.category = QComboBox()
        for cat in Category:
            self.category.addItem(label(cat), cat.value)
        if focus is not None and (i := self.category.findData(focus)) >= 0:
            self.category.setCurrentIndex(i)
        self.add_field("category", self.tr("Category:"), self.category)
        self.priority = QComboBox()
        for prio in Priority:
            self.priority.addItem(label(prio), prio.value)
        self.priority.setCurrentIndex(max(0, self.priority.findData(Priority.YELLOW.value)))
        self.add_field("priority", self.tr("Priority:"), self.priority)
        self.note = QLineEdit()
        self.add_field("note", self.tr("Note:"), self.note)
        self.results.buttonToggled.connect(lambda *_a: self._finding_fields())
        self._finding_fields()
        self.resize(520, self.sizeHint().height())

    def result_code(self) -> str:
        checked = self.results.checkedButton()
        return str(checked.property("code")) if checked is not None else "nothing"

    def _finding_fields(self) -> None:
        on = self.result_code() == "finding"
        for widget in (self.finding, self.category, self.priority):
            widget.setEnabled(on)

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "campaign": self.campaign,
            "grid": self.grid.currentText(),
            "place": self.place.text(),
            "result": self.result_code(),
            "note": self.note.text().strip() or None,
        }
        if arguments["result"] == "finding":
            arguments |= {
                "finding": self.finding.toPlainText(),
                "category": self.category.currentData(),
                "priority": self.priority.currentData(),
            }
        return arguments
