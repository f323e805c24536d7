"""A dialog that asks for an operation's arguments and runs it: OK runs the operation through the session (on the
database worker) and closes the dialog only when the core accepted it; a refusal stays in the dialog, with the
field the core named (`plan[1].due`, `reason`) shown by its label in the dialog and given the focus, so the operator
corrects it without typing everything again."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.ops import ValidationError

from .messages import describe_error
from .session import ConsoleSession
from .workers import JobResult


def text_box(lines: int = 3) -> QPlainTextEdit:
    """A few lines of text; Tab moves on (the dialogs are keyboard-first)."""
    edit = QPlainTextEdit()
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


class OpDialog(QDialog):
    #: The operation's value, once the core accepted it (the dialog then closes).
    succeeded = Signal(object)

    def __init__(self, session: ConsoleSession, operation: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.operation = operation
        self.setWindowTitle(title)
        self.value: Any = None
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setProperty("role", "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addStretch(1)  # a taller dialog grows below the fields, not between them
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)
        #: The core's field names → (the label shown, the widget to focus).
        self.fields: dict[str, tuple[str, QWidget]] = {}

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def add_field(self, key: str, label: str, widget: QWidget) -> QWidget:
        self.form.addRow(label, widget)
        self.fields[key] = (label, widget)
        return widget

    def arguments(self) -> dict[str, Any]:
        """The operation's arguments from what was typed (the core checks them)."""
        raise NotImplementedError

    def field_widget(self, field: str) -> tuple[str, QWidget] | None:
        """The label and widget of a field the core named: exactly, or its first part (`plan[1].due` → `plan`)."""
        if field in self.fields:
            return self.fields[field]
        head = re.split(r"[\[.]", field, maxsplit=1)[0]
        return self.fields.get(head)

    def submit(self) -> None:
        self.error.clear()
        self.ok_button.setEnabled(False)
        # The refusal is shown here, beside its field, not a second time in the window's notices.
        self.session.run(self.operation, callback=self._after, report_errors=False, **self.arguments())

    def _after(self, result: JobResult) -> None:
        self.ok_button.setEnabled(True)
        if result.ok:
            self.value = result.value
            self.succeeded.emit(result.value)
            self.accept()
            return
        self.show_error(result.error)

    def show_error(self, exc: BaseException | None) -> None:
        if isinstance(exc, ValidationError) and (found := self.field_widget(exc.field)) is not None:
            label, widget = found
            self.error.setText(
                QCoreApplication.translate("OpDialog", "%1: %2")
                .replace("%1", label.rstrip(":"))
                .replace("%2", exc.reason)
            )
            widget.setFocus()
            return
        self.error.setText(describe_error(exc))
