"""The intake form's fields: the inputs of an appeal, the hints under them (caller history, suggested category,
location, deadline), the duplicate candidates, and the inline error of each field.

`data()` is the appeal as intake input (the core validates it); `show_error` outlines the field a validation error
names and shows its message under it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.enums import Category, Channel, Priority
from console.ops import ValidationError

from ..labels import label
from ..messages import describe_error

#: The fields an error can name, in the order of the form.
FIELDS = ("channel", "caller_phone", "caller_name", "description", "address", "category", "priority")


class NoteLabel(QLabel):
    """A hint under a field that takes no room while it has nothing to say."""

    def __init__(self) -> None:
        super().__init__()
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


def restyle(widget: QWidget) -> None:
    """Apply a changed dynamic property (`invalid`, `role`) to the widget's style."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _combo(codes: type[Enum]) -> QComboBox:
    combo = QComboBox()
    for code in codes:
        combo.addItem(label(code), code)
    return combo


class IntakeFields(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lat: float | None = None
        self.lon: float | None = None
        self.channel = _combo(Channel)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(QCoreApplication.translate("IntakeForm", "Caller's phone"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(QCoreApplication.translate("IntakeForm", "Caller's name (optional)"))
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(
            QCoreApplication.translate("IntakeForm", "What happened, in the caller's words")
        )
        self.description.setFixedHeight(self.fontMetrics().height() * 3 + 12)
        self.address = QLineEdit()
        self.address.setPlaceholderText(
            QCoreApplication.translate("IntakeForm", "Address or landmark (type to complete; or click the map)")
        )
        self.completion = QStringListModel(self)
        self.completer = QCompleter(self.completion, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(10)
        self.address.setCompleter(self.completer)
        self.category = _combo(Category)
        self.priority = _combo(Priority)
        self.priority.setCurrentIndex(self.priority.findData(Priority.YELLOW))

        self.history = NoteLabel()
        self.history.setProperty("role", "muted")
        self.history.setWordWrap(True)
        self.suggestion = NoteLabel()
        self.suggestion.setProperty("role", "muted")
        self.location = QLabel(QCoreApplication.translate("IntakeForm", "No location yet"))
        self.location.setProperty("role", "muted")
        self.deadline = NoteLabel()
        self.duplicates = QListWidget()
        self.duplicates.setMaximumHeight(self.fontMetrics().height() * 2 + 10)
        self.duplicates.setToolTip(
            QCoreApplication.translate(
                "IntakeForm", "Possible duplicates. Ctrl+M saves this appeal merged into the selected one."
            )
        )
        self.errors: dict[str, QLabel] = {}
        self.inputs: dict[str, QWidget] = {
            "channel": self.channel,
            "caller_phone": self.phone,
            "caller_name": self.name,
            "description": self.description,
            "address": self.address,
            "category": self.category,
            "priority": self.priority,
            "lat": self.address,
            "lon": self.address,
        }
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(3)

        def row(text: str, widget: QWidget, field: str, extra: QWidget | None = None) -> None:
            error = QLabel()
            error.setProperty("role", "error")
            error.setWordWrap(True)  # a long message (no place yet: how to pick one) wraps in a narrow dock
            error.hide()
            self.errors[field] = error
            box = QVBoxLayout()
            box.setSpacing(1)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(widget)
            if extra is not None:
                box.addWidget(extra)
            box.addWidget(error)
            form.addRow(text, box)

        row(QCoreApplication.translate("IntakeForm", "Channel"), self.channel, "channel")
        row(QCoreApplication.translate("IntakeForm", "Phone"), self.phone, "caller_phone", self.history)
        row(QCoreApplication.translate("IntakeForm", "Caller"), self.name, "caller_name")
        row(QCoreApplication.translate("IntakeForm", "Description"), self.description, "description", self.suggestion)
        row(QCoreApplication.translate("IntakeForm", "Address"), self.address, "address", self.location)
        pair = QHBoxLayout()
        pair.setContentsMargins(0, 0, 0, 0)
        pair.addWidget(self.category, 1)
        pair.addWidget(self.priority, 1)
        holder = QWidget()
        holder.setLayout(pair)
        row(QCoreApplication.translate("IntakeForm", "Category / priority"), holder, "category", self.deadline)
        self.errors["priority"] = self.errors["category"]
        self.duplicates_label = QLabel(QCoreApplication.translate("IntakeForm", "Duplicates?"))
        form.addRow(self.duplicates_label, self.duplicates)
        self.show_duplicates(False)
        QWidget.setTabOrder(self.phone, self.name)
        QWidget.setTabOrder(self.name, self.description)
        QWidget.setTabOrder(self.description, self.address)
        QWidget.setTabOrder(self.address, self.category)
        QWidget.setTabOrder(self.category, self.priority)
        QWidget.setTabOrder(self.priority, self.channel)

    # -- the appeal ---------------------------------------------------------------------------------------------------

    def data(self) -> dict[str, Any]:
        """The form as intake input (the core validates it)."""
        return {
            "channel": str(self.channel.currentData()),
            "category": str(self.category.currentData()),
            "priority": str(self.priority.currentData()),
            "description": self.description.toPlainText(),
            "caller_phone": self.phone.text().strip() or None,
            "caller_name": self.name.text().strip() or None,
            "address": self.address.text().strip() or None,
            "lat": self.lat,
            "lon": self.lon,
        }

    def fill(self, draft: dict[str, Any]) -> None:
        """Put a saved draft back into the fields."""
        _select(self.channel, draft.get("channel"), Channel)
        _select(self.category, draft.get("category"), Category)
        _select(self.priority, draft.get("priority"), Priority)
        self.phone.setText(str(draft.get("caller_phone") or ""))
        self.name.setText(str(draft.get("caller_name") or ""))
        self.description.setPlainText(str(draft.get("description") or ""))
        self.address.setText(str(draft.get("address") or ""))
        lat, lon = draft.get("lat"), draft.get("lon")
        self.lat = float(lat) if isinstance(lat, int | float) else None
        self.lon = float(lon) if isinstance(lon, int | float) else None

    def clear_inputs(self) -> None:
        """Empty the fields for the next call (the channel is kept: the operator usually stays on one line)."""
        for edit in (self.phone, self.name, self.address):
            edit.clear()
        self.description.clear()
        self.category.setCurrentIndex(self.category.findData(Category.OTHER))
        self.priority.setCurrentIndex(self.priority.findData(Priority.YELLOW))
        self.lat = self.lon = None
        for note in (self.history, self.suggestion, self.deadline):
            note.clear()
        self.location.setText(QCoreApplication.translate("IntakeForm", "No location yet"))
        self.duplicates.clear()
        self.show_duplicates(False)
        self.clear_errors()

    def is_empty(self) -> bool:
        return not (self.phone.text().strip() or self.description.toPlainText().strip() or self.address.text().strip())

    def show_duplicates(self, shown: bool) -> None:
        self.duplicates.setVisible(shown)
        self.duplicates_label.setVisible(shown)

    # -- errors ---------------------------------------------------------------------------------------------------

    def show_error(self, exc: ValidationError) -> None:
        base = exc.field.rsplit(".", 1)[-1]
        widget = self.inputs.get(base)
        error = self.errors.get(base) or self.errors.get("address" if base in ("lat", "lon") else "description")
        if widget is not None:
            widget.setProperty("invalid", True)
            restyle(widget)
            widget.setFocus()
        if error is not None:
            error.setText(describe_error(exc))
            error.show()

    def clear_error(self, field: str) -> None:
        widget = self.inputs.get(field)
        if widget is not None and widget.property("invalid"):
            widget.setProperty("invalid", False)
            restyle(widget)
        error = self.errors.get(field)
        if error is not None:
            error.hide()

    def clear_errors(self) -> None:
        for field in FIELDS:
            self.clear_error(field)


def _select(combo: QComboBox, value: Any, codes: type[Enum]) -> None:
    try:
        index = combo.findData(codes(value))
    except ValueError:
        index = -1
    if index >= 0:
        combo.setCurrentIndex(index)
