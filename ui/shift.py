"""Shift change (交接班) at the console: quitting during a half-typed call asks first; "Hand over and lock" (Ctrl+L)
shows the handover note — the open cases, the unacknowledged alarms and the shift's notes, with a box for the user's
own words — writes it (`shift.handover`, kept as a `shift_handover` event) and asks the application to switch user
without restarting; the next user reads the note at login (`shift.last_handover`).

The dialogs open window-modal with `open()` (never a nested event loop), so the console keeps drawing live changes
behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.enums import CaseStatus, Priority
from console.ops import Handover

from .i18n.formats import format_short
from .labels import label
from .messages import describe_error
from .session import ConsoleSession
from .workers import JobResult

if TYPE_CHECKING:
    from .main_window import MainWindow


def listing(h: Handover) -> str:
    """The note's listing in words: open cases (by priority), unacknowledged alarms, the shift's notes."""
    lines = [QCoreApplication.translate("ShiftChange", "Open cases: %1").replace("%1", str(h.open_count))]
    for c in h.open_cases[:20]:
        try:
            words = f"{label(Priority(c['priority']))} · {label(CaseStatus(c['status']))}"
        except (KeyError, ValueError):
            words = ""
        lines.append(f"  {c.get('number', '')}  {words}")
    if h.open_count > 20:
        lines.append("  …")
    lines.append(
        QCoreApplication.translate("ShiftChange", "Unacknowledged alarms: %1").replace(
            "%1", ", ".join(h.alarms) if h.alarms else "—"
        )
    )
    lines.append(QCoreApplication.translate("ShiftChange", "Notes of the shift: %1").replace("%1", str(len(h.notes))))
    for n in h.notes[:20]:
        lines.append(f"  {n.get('number', '')}  {n.get('by', '')}: {n.get('text') or ''}")
    return "\n".join(lines)


class HandoverDialog(QDialog):
    """The outgoing user's handover note: the listing and their own words."""

    handedOver = Signal(object)  # Handover, once written

    def __init__(self, session: ConsoleSession, alarms: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.alarms = alarms
        self.setWindowTitle(QCoreApplication.translate("ShiftChange", "Shift handover (交接班)"))
        self.summary = QLabel(QCoreApplication.translate("ShiftChange", "Reading the open cases…"))
        self.summary.setWordWrap(True)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(
            QCoreApplication.translate("ShiftChange", "Your note for the next shift (what to watch, what was promised)")
        )
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.hand_over_button = self.buttons.addButton(
            QCoreApplication.translate("ShiftChange", "Hand over and lock"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self.hand_over)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(520, 420)
        session.run("shift.handover_draft", alarms=alarms, callback=self._show_draft)

    def _show_draft(self, result: JobResult) -> None:
        self.summary.setText(listing(result.value) if result.ok else describe_error(result.error))

    def hand_over(self) -> None:
        self.hand_over_button.setEnabled(False)

        def done(result: JobResult) -> None:
            self.hand_over_button.setEnabled(True)
            if not result.ok:
                self.error.setText(describe_error(result.error))
                return
            self.handedOver.emit(result.value)
            self.accept()

        self.session.run("shift.handover", note=self.note.toPlainText(), alarms=self.alarms, callback=done)


class LastHandoverDialog(QDialog):
    """What the previous shift left, shown to the next user at login."""

    def __init__(self, h: Handover, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("ShiftChange", "Handover from the last shift (交接班)"))
        head = QLabel(
            QCoreApplication.translate("ShiftChange", "Left by %1 at %2")
            .replace("%1", h.by)
            .replace("%2", format_short(h.at))
        )
        self.note = QLabel(h.note or QCoreApplication.translate("ShiftChange", "(no note)"))
        self.note.setWordWrap(True)
        self.note.setProperty("role", "note")
        body = QLabel(listing(h))
        body.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (head, self.note, body, buttons):
            layout.addWidget(widget)
        self.resize(520, 380)


def show_last_handover(window: MainWindow) -> None:
    """At login: the newest handover another user left in the last day, if any."""

    def done(result: JobResult) -> None:
        if result.ok and result.value is not None:
            window.last_handover = LastHandoverDialog(result.value, window)
            window.last_handover.open()

    window.session.run("shift.last_handover", callback=done)


def start_handover(window: MainWindow) -> None:
    """Ctrl+L: the handover note; once written, the window asks the application to switch user."""
    dialog = HandoverDialog(window.session, window.alarm.unacknowledged(), window)
    dialog.handedOver.connect(lambda _h: window.switchUserRequested.emit())
    window.handover_dialog = dialog
    dialog.open()


def confirm_quit(window: MainWindow) -> None:
    """Ctrl+Q (or closing the window): straight away with an empty form; during a half-typed call, ask first."""
    if window.intake.is_empty():
        window.quit_confirmed = True
        window.close()
        return
    box = QMessageBox(
        QMessageBox.Icon.Question,
        QCoreApplication.translate("ShiftChange", "Quit"),
        QCoreApplication.translate(
            "ShiftChange", "A call is being typed. Quit anyway? The draft is kept and comes back at the next start."
        ),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        window,
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)

    def answered(button: int) -> None:
        if button == QMessageBox.StandardButton.Yes:
            window.quit_confirmed = True
            window.close()

    box.finished.connect(answered)
    window.quit_box = box
    box.open()
