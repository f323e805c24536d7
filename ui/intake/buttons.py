"""The intake form's buttons, in two rows so that the form fits a narrow dock with every button whole: the main
action (save and dispatch) alone on top; new, merge and save below."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget


class IntakeButtons(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.save = QPushButton(QCoreApplication.translate("IntakeForm", "Save  (Ctrl+S)"))
        self.save_dispatch = QPushButton(
            QCoreApplication.translate("IntakeForm", "Save and dispatch nearest  (Ctrl+Enter)")
        )
        self.save_dispatch.setProperty("primary", True)
        self.merge = QPushButton(QCoreApplication.translate("IntakeForm", "Merge  (Ctrl+M)"))
        self.merge.setEnabled(False)
        self.clear = QPushButton(QCoreApplication.translate("IntakeForm", "New"))
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addWidget(self.save_dispatch)
        second = QHBoxLayout()
        second.addWidget(self.clear)
        second.addStretch(1)
        second.addWidget(self.merge)
        second.addWidget(self.save)
        rows.addLayout(second)
