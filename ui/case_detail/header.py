"""The top of the case panel: number, category and state with the priority badge, the facts (when, where, who
called, escalation, assignment, result) and the citizen's description, shown as text."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.ops import CaseDetail
from console.timeutil import CHINA_TZ, utcnow

from ..labels import assignment_status_label, label
from ..theme import PRIORITY_COLOURS


def local_time(ts: datetime | None) -> str:
    return ts.astimezone(CHINA_TZ).strftime("%m-%d %H:%M:%S") if ts else ""


def short_time(ts: datetime | None, *, now: datetime | None = None) -> str:
    """A moment of today as its time of day (17:31), of another day with its date (11-29 17:31): what fits a
    narrow column; the seconds are in `local_time`, for the tooltip."""
    if ts is None:
        return ""
    local = ts.astimezone(CHINA_TZ)
    today = (now or utcnow()).astimezone(CHINA_TZ).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


class CaseHeader(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(QCoreApplication.translate("CaseDetailPanel", "No case selected"))
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)  # number · category · status: on two lines in a narrow case dock, never cut
        self.badge = QLabel()
        self.badge.setFixedWidth(64)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)  # citizens' text is shown as text
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(self.badge)
        head.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.facts)
        layout.addWidget(self.description)

    def clear(self) -> None:
        self.title.setText(QCoreApplication.translate("CaseDetailPanel", "No case selected"))
        self.badge.clear()
        self.badge.setStyleSheet("")
        self.facts.clear()
        self.description.clear()

    def show_detail(self, d: CaseDetail) -> None:
        c = d.case
        self.title.setText(f"{c.number}  ·  {label(c.category)}  ·  {label(c.status)}")
        self.badge.setText(label(c.priority))
        self.badge.setStyleSheet(
            f"background: {PRIORITY_COLOURS[c.priority]}; color: white; font-weight: 600;"
            "border-radius: 3px; padding: 3px;"
        )
        self.facts.setText("\n".join(facts_of(d)))
        self.description.setText(c.description)


def facts_of(d: CaseDetail) -> list[str]:
    """The case's facts, one line each, in words."""
    c = d.case
    place = " · ".join(x for x in (c.address, d.grid_code, d.township_name) if x)
    caller = " ".join(x for x in (c.caller_name, c.caller_phone) if x)
    lines = [
        QCoreApplication.translate("CaseDetailPanel", "Received %1 via %2 · deadline %3")
        .replace("%1", local_time(c.received_at))
        .replace("%2", label(c.channel))
        .replace("%3", local_time(c.due_at)),
        QCoreApplication.translate("CaseDetailPanel", "Place: %1").replace(
            "%1", place or QCoreApplication.translate("CaseDetailPanel", "not located")
        ),
    ]
    if caller:
        lines.append(
            QCoreApplication.translate("CaseDetailPanel", "Caller: %1 · appeals from this number: %2")
            .replace("%1", caller)
            .replace("%2", str(c.repeat_count or 1))
        )
    if c.escalation:
        lines.append(
            QCoreApplication.translate("CaseDetailPanel", "Escalated, level %1").replace("%1", str(c.escalation))
        )
    if c.assignee:
        lines.append(
            QCoreApplication.translate("CaseDetailPanel", "Assigned to %1 (%2)")
            .replace("%1", c.assignee)
            .replace("%2", assignment_status_label(c.assignment_status))
        )
    if d.merged_into:
        lines.append(QCoreApplication.translate("CaseDetailPanel", "Merged into %1").replace("%1", d.merged_into))
    if d.resolution:
        lines.append(QCoreApplication.translate("CaseDetailPanel", "Result: %1").replace("%1", d.resolution))
    if d.invalid_reason:
        lines.append(QCoreApplication.translate("CaseDetailPanel", "Invalid: %1").replace("%1", d.invalid_reason))
    return lines
