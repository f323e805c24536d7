"""The shift leader's assignment dialog (派单): a department or township, and a deadline in working hours (empty:
the calendar's default for the case's priority). The assignments service checks the role and computes the due time."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console.enums import AssigneeKind


class AssignDialog(QDialog):
    def __init__(
        self,
        case_number: str,
        departments: list[tuple[int, str]],
        townships: list[tuple[int, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assign %1").replace("%1", case_number))
        self.target = QComboBox()
        for dep_id, name in departments:
            self.target.addItem(self.tr("Department: %1").replace("%1", name), (AssigneeKind.DEPARTMENT.value, dep_id))
        for town_id, name in townships:
            self.target.addItem(self.tr("Township: %1").replace("%1", name), (AssigneeKind.TOWNSHIP.value, town_id))
        self.hours = QLineEdit()
        self.hours.setPlaceholderText(self.tr("default for the priority"))
        self.error = QLabel()
        self.error.setProperty("role", "error")
        form = QFormLayout()
        form.addRow(self.tr("Assign to"), self.target)
        form.addRow(self.tr("Deadline (working hours)"), self.hours)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        text = self.hours.text().strip()
        if text:
            try:
                float(text)
            except ValueError:
                self.error.setText(self.tr("Deadline: a number of hours, or empty."))
                return
        self.accept()

    def choice(self) -> tuple[str, int, float | None]:
        kind, target_id = self.target.currentData()
        text = self.hours.text().strip()
        return str(kind), int(target_id), float(text) if text else None
