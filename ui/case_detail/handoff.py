"""The case's 110 ↔ 12345 hand-off: its receipt (line, status, the other side's reference, when it was handed over)
with the acceptance timer, and the hand-off action. The receipt comes from the `handoff.list` operation, the action
runs `handoff.send`; whether the button is offered is the actor's permission, whether it is enabled the case's state
(open, and the core refuses a second live hand-off with a message)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QPushButton, QWidget

from console.enums import HandoffLine, HandoffStatus

from ..i18n.formats import format_short


def line_label(line: HandoffLine) -> str:
    return (
        QCoreApplication.translate("HandoffBox", "110 police line")
        if line == HandoffLine.POLICE_110
        else QCoreApplication.translate("HandoffBox", "12345 hotline")
    )


def status_label(status: HandoffStatus) -> str:
    return {
        HandoffStatus.SENT: QCoreApplication.translate("HandoffBox", "waiting for acceptance"),
        HandoffStatus.ACCEPTED: QCoreApplication.translate("HandoffBox", "accepted"),
        HandoffStatus.REFUSED: QCoreApplication.translate("HandoffBox", "refused, back with us"),
        HandoffStatus.DONE: QCoreApplication.translate("HandoffBox", "result received"),
    }[status]


class HandoffBox(QWidget):
    """One line: the latest receipt and its timer, and the Hand off… button."""

    handOff = Signal(str, str)  # line, reference ('' when none was given)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.receipt: Any = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton(QCoreApplication.translate("HandoffBox", "Hand off…"))
        self.button.setToolTip(
            QCoreApplication.translate("HandoffBox", "Hand the case to the 110 police line or the 12345 hotline")
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._ask)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._draw)

    def show_receipts(self, receipts: list[Any]) -> None:
        self.receipt = receipts[-1] if receipts else None
        if self.receipt is not None and self.receipt.status == HandoffStatus.SENT:
            self._tick.start()
        else:
            self._tick.stop()
        self._draw()

    def text(self) -> str:
        return self.label.text()

    def _draw(self) -> None:
        r = self.receipt
        if r is None:
            self.label.setText("")
            return
        parts = [
            QCoreApplication.translate("HandoffBox", "Handed to %1 at %2 by %3")
            .replace("%1", line_label(r.to))
            .replace("%2", format_short(r.sent_at, today=datetime.now(UTC)))
            .replace("%3", r.sent_by),
            status_label(r.status),
        ]
        if r.ref:
            parts.append(QCoreApplication.translate("HandoffBox", "ref %1").replace("%1", r.ref))
        if r.status == HandoffStatus.SENT:
            left = int((r.accept_by - datetime.now(UTC)).total_seconds())
            if left >= 0:
                parts.append(
                    QCoreApplication.translate("HandoffBox", "%1:%2 left to accept")
                    .replace("%1", str(left // 60))
                    .replace("%2", f"{left % 60:02d}")
                )
            else:
                parts.append(QCoreApplication.translate("HandoffBox", "not accepted in time"))
        if r.refusal_reason:
            parts.append(r.refusal_reason)
        if r.result:
            parts.append(r.result)
        self.label.setText(" · ".join(parts))

    def set_allowed(self, offered: bool, enabled: bool) -> None:
        self.button.setVisible(offered)
        self.button.setEnabled(enabled)

    def _ask(self) -> None:
        lines = [HandoffLine.POLICE_110, HandoffLine.HOTLINE_12345]
        names = [line_label(x) for x in lines]
        name, ok = QInputDialog.getItem(
            self,
            QCoreApplication.translate("HandoffBox", "Hand off"),
            QCoreApplication.translate("HandoffBox", "Hand the case to:"),
            names,
            0,
            False,
        )
        if not ok:
            return
        ref, ok = QInputDialog.getText(
            self,
            QCoreApplication.translate("HandoffBox", "Hand off"),
            QCoreApplication.translate(
                "HandoffBox", "The other side's reference number, if given on the phone (optional):"
            ),
        )
        if not ok:
            return
        self.handOff.emit(lines[names.index(name)].value, ref.strip())
