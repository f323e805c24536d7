"""Save-and-dispatch without a place: the call stays in the form, the line under the address says why and the cursor
goes to the address, with the completion list open on what is typed (Enter picks the first match; F3 or a click on
the map picks a point)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from .fields import IntakeFields, restyle


def ask_for_place(f: IntakeFields) -> None:
    f.address.setProperty("invalid", True)
    restyle(f.address)
    error = f.errors.get("address")
    if error is not None:
        error.setText(
            QCoreApplication.translate(
                "IntakeForm",
                "No place yet — a unit cannot be sent. Pick a match (Enter) or the place on the map (F3), then Ctrl+Enter.",
            )
        )
        error.show()
    f.address.setFocus(Qt.FocusReason.OtherFocusReason)
    text = f.address.text().strip()
    if text:
        f.completer.setCompletionPrefix(text)
        f.completer.complete()
        popup = f.completer.popup()
        if popup is not None and f.completer.completionCount() > 0:
            popup.setCurrentIndex(f.completer.completionModel().index(0, 0))
