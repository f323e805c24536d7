"""The case's timeline: its events, newest first, each in words (what happened, who did it, the details)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from console.enums import CaseStatus, Category, Priority, UnitStatus
from console.events import EventRecord

from ..dock_scroll import no_sideways
from ..labels import actor_label, event_label, field_label, label, reason_code_label
from .header import local_time

_KEY_TEXTS = {
    "grid": QT_TRANSLATE_NOOP("CaseDetailPanel", "grid {0}"),
    "into": QT_TRANSLATE_NOOP("CaseDetailPanel", "into {0}"),
    "merged_from": QT_TRANSLATE_NOOP("CaseDetailPanel", "merged from {0}"),
    "assignee": QT_TRANSLATE_NOOP("CaseDetailPanel", "to {0}"),
    "level": QT_TRANSLATE_NOOP("CaseDetailPanel", "level {0}"),
}


class Timeline(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(
            [
                QCoreApplication.translate("CaseDetailPanel", "Time"),
                QCoreApplication.translate("CaseDetailPanel", "Event"),
                QCoreApplication.translate("CaseDetailPanel", "By"),
                QCoreApplication.translate("CaseDetailPanel", "Details"),
            ]
        )
        self.setRootIsDecorated(False)
        no_sideways(self, wrap=True)  # long details wrap onto more lines instead of running off to the right
        self.setMinimumHeight(self.fontMetrics().height() * 3)
        self.setColumnWidth(0, 120)
        self.setColumnWidth(1, 120)
        self.setColumnWidth(2, 80)

    def show_events(self, events: list[EventRecord]) -> None:
        self.clear()
        for e in reversed(events):
            self.addTopLevelItem(
                QTreeWidgetItem([local_time(e.ts), event_label(e.kind), actor_label(e.actor), summary(e)])
            )


def summary(e: EventRecord) -> str:
    """The event's payload in words: codes shown as their labels, texts as they were written."""
    p: dict[str, Any] = e.payload
    parts: list[str] = []
    if p.get("callsign"):
        parts.append(str(p["callsign"]))
    status = p.get("status") or p.get("to")
    if isinstance(status, str):
        code = _code(status, (UnitStatus, CaseStatus))
        if code is not None:
            parts.append("→ " + label(code))
    for key, kind in (("priority", Priority), ("category", Category)):
        value = p.get(key)
        if isinstance(value, str):
            known = _code(value, (kind,))
            parts.append(label(known) if known is not None else value)
    for key, text in _KEY_TEXTS.items():
        if p.get(key) not in (None, "", []):
            parts.append(QCoreApplication.translate("CaseDetailPanel", str(text)).format(p[key]))
    for key in ("reason", "resolution", "note", "text", "result"):
        if p.get(key):
            text = reason_code_label(str(p[key])) if key == "reason" else str(p[key])
            parts.append(f"“{text}”")
    parts.extend(triage_summary(p))
    return "  ".join(parts)


def triage_summary(p: dict[str, Any]) -> list[str]:
    """A `case_triaged` event's answers (each question in the interface's language with Y/N) and the fields taken
    from the suggestion."""
    zh = QLocale().name().startswith("zh")
    parts: list[str] = []
    for answer in p.get("answers") or []:
        if isinstance(answer, dict):
            question = answer.get("zh" if zh else "en") or answer.get("id")
            yes = (
                QCoreApplication.translate("CaseDetailPanel", "Y")
                if answer.get("yes")
                else QCoreApplication.translate("CaseDetailPanel", "N")
            )
            parts.append(f"{question} {yes}")
    suggested = [f for f in p.get("suggested") or [] if f in ("category", "priority")]
    if suggested:
        names = ", ".join(field_label(f) for f in suggested)
        parts.append(QCoreApplication.translate("CaseDetailPanel", "suggested: %1").replace("%1", names))
    return parts


def _code(value: str, kinds: tuple[type[Enum], ...]) -> Enum | None:
    """The first of `kinds` that has `value` as a code."""
    for kind in kinds:
        try:
            return kind(value)
        except ValueError:
            continue
    return None
