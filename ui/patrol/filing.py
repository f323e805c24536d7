"""Filing from patrol in one key (F9 on the selected unit): what the unit found — category, priority, a description
and an optional address. The case is made by `patrol.file`: channel `patrol`, the unit's last position with its grid
and township, and the shift the unit is on remembered; the dialog only collects the words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from console.enums import Category, Priority

from ..labels import label


class PatrolFilingDialog(QDialog):
    def __init__(self, callsign: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("File from patrol — %1").replace("%1", callsign))
        self.category = QComboBox()
        for c in Category:
            self.category.addItem(label(c), c.value)
        self.category.setCurrentIndex(list(Category).index(Category.SAFETY_HAZARD))
        self.priority = QComboBox()
        for p in Priority:
            self.priority.addItem(label(p), p.value)
        self.priority.setCurrentIndex(list(Priority).index(Priority.YELLOW))
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(self.tr("What the unit found"))
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("optional; the unit's position is used"))
        note = QLabel(self.tr("Channel: patrol · at the unit's last position, with its grid and shift"))
        note.setProperty("role", "muted")
        form = QFormLayout(self)
        form.addRow(note)
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Priority"), self.priority)
        form.addRow(self.tr("Description"), self.description)
        form.addRow(self.tr("Address"), self.address)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.description.setFocus()

    def values(self) -> dict[str, Any]:
        """The arguments of `patrol.file` besides the unit."""
        address = self.address.text().strip()
        return {
            "category": str(self.category.currentData()),
            "priority": str(self.priority.currentData()),
            "description": self.description.toPlainText().strip(),
            "address": address or None,
        }
