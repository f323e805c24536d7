"""Leader-owned cases (领导包案) and violence risk (民转刑 风险) from the case detail: mark the case's leader and its
follow-up plan (`leadership.own`), record a visit or callback done (`leadership.record`), flag a dispute
(`leadership.flag_risk`). Each dialog runs its operation and stays open on a refusal, naming the field; whether
it is offered and enabled is the core's table (`CaseAction.OWN`, `FOLLOW_UP`, `FLAG_RISK`)."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.timeutil import CHINA_TZ

from ..op_dialog import OpDialog, text_box
from ..session import ConsoleSession
from ..theme import overdue_text

#: How many days ahead a new plan step is due unless changed.
DEFAULT_DAYS = 7
MAX_STEPS = 12


class PlanStep(QWidget):
    """One step of the plan: a visit or a callback, by a date."""

    def __init__(self, due: QDate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Visit"), "visit")
        self.kind.addItem(self.tr("Callback"), "callback")
        self.due = QDateEdit(due)
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.remove = QPushButton(self.tr("Remove"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.kind)
        row.addWidget(self.due, 1)
        row.addWidget(self.remove)

    def value(self) -> dict[str, str]:
        return {"kind": str(self.kind.currentData()), "due": self.due.date().toString("yyyy-MM-dd")}


class OwnCaseDialog(OpDialog):
    """Mark the case as owned by a named leader, with visits and callbacks each due by a date. A case that has a
    leader already opens with that leader filled in and its open steps listed (from `leadership.case`); the steps
    added here join them (the operation adds steps, it never replaces them), so none is offered twice."""

    def __init__(self, session: ConsoleSession, case_id: int, number: str, parent: QWidget | None = None) -> None:
        super().__init__(session, "leadership.own", self.tr("Leader owns case %1").replace("%1", number), parent)
        self.case_id = case_id
        self.leader = QLineEdit()
        self.leader.setPlaceholderText(self.tr("e.g. 李书记 (township party secretary)"))
        self.add_field("leader", self.tr("Leader:"), self.leader)
        self.steps: list[PlanStep] = []
        self.plan_box = QWidget()
        self.plan_rows = QVBoxLayout(self.plan_box)
        self.plan_rows.setContentsMargins(0, 0, 0, 0)
        #: The open steps of the plan the case has already (hidden without).
        self.planned = QLabel()
        self.planned.setWordWrap(True)
        self.planned.setVisible(False)
        self.plan_rows.addWidget(self.planned)
        self.add_step_button = QPushButton(self.tr("Add visit or callback"))
        self.add_step_button.clicked.connect(lambda _checked=False: self.add_step())
        self.plan_rows.addWidget(self.add_step_button)
        self.add_field("plan", self.tr("Follow-up plan:"), self.plan_box)
        self.note = text_box()
        self.add_field("note", self.tr("Note:"), self.note)
        self.add_step()
        self._default_step: PlanStep | None = self.steps[0]
        self._default_value = self._default_step.value()
        self.resize(520, self.sizeHint().height())
        self.owner_read = False  # the case's current leader and plan have been asked for and answered
        session.run("leadership.case", case_id=case_id, callback=self._got_owner, report_errors=False)

    def _got_owner(self, result: Any) -> None:
        self.owner_read = True
        if result.ok and result.value is not None:
            self.prefill(result.value)

    def prefill(self, owned: Any) -> None:
        """The current leader (unless one was typed meanwhile) and the open steps of the current plan."""
        if owned.leader and not self.leader.text().strip():
            self.leader.setText(owned.leader)
        open_steps = [s for s in owned.steps if s.done_at is None]
        if not open_steps:
            return
        lines = [
            self.tr("%1 by %2")
            .replace("%1", self.tr("Visit") if s.kind == "visit" else self.tr("Callback"))
            .replace("%2", due_text(s.due_at))
            for s in sorted(open_steps, key=lambda step: step.due_at)
        ]
        self.planned.setText(
            self.tr("Planned already: %1. Steps added below join them.").replace("%1", "; ".join(lines))
        )
        self.planned.setVisible(True)
        step = self._default_step
        if step is not None and step in self.steps and step.value() == self._default_value:
            self.remove_step(step)  # the plan has its steps: no new one unless asked for
        self._default_step = None

    def add_step(self, kind: str = "visit", days: int = DEFAULT_DAYS) -> PlanStep | None:
        if len(self.steps) >= MAX_STEPS:
            return None
        step = PlanStep(QDate.currentDate().addDays(days + 7 * len(self.steps)))
        step.kind.setCurrentIndex(max(0, step.kind.findData(kind)))
        step.remove.clicked.connect(lambda: self.remove_step(step))
        self.plan_rows.insertWidget(len(self.steps) + 1, step)  # after the planned steps' line
        self.steps.append(step)
        self.add_step_button.setEnabled(len(self.steps) < MAX_STEPS)
        return step

    def remove_step(self, step: PlanStep) -> None:
        if step is self._default_step:
            self._default_step = None
        self.steps.remove(step)
        step.setParent(None)
        step.deleteLater()
        self.add_step_button.setEnabled(True)

    def field_widget(self, field: str) -> tuple[str, QWidget] | None:
        found = re.fullmatch(r"plan\[(\d+)\](?:\.(\w+))?", field)
        if found and int(found.group(1)) < len(self.steps):
            step = self.steps[int(found.group(1))]
            label = self.tr("Step %1").replace("%1", str(int(found.group(1)) + 1))
            return label, step.kind if found.group(2) == "kind" else step.due
        return super().field_widget(field)

    def arguments(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "leader": self.leader.text(),
            "plan": [s.value() for s in self.steps],
            "note": self.note.toPlainText().strip() or None,
        }


class RecordFollowUpDialog(OpDialog):
    """Record the earliest open visit (or callback) of the case as done, with what came of it."""

    def __init__(self, session: ConsoleSession, case_id: int, number: str, parent: QWidget | None = None) -> None:
        super().__init__(
            session, "leadership.record", self.tr("Follow-up of case %1 done").replace("%1", number), parent
        )
        self.case_id = case_id
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Visit"), "visit")
        self.kind.addItem(self.tr("Callback"), "callback")
        self.add_field("kind", self.tr("What was done:"), self.kind)
        self.outcome = text_box(4)
        self.outcome.setPlaceholderText(self.tr("Who was seen or called, and what came of it"))
        self.add_field("result", self.tr("Result:"), self.outcome)
        self.resize(460, self.sizeHint().height())

    def arguments(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "kind": self.kind.currentData(), "result": self.outcome.toPlainText()}


class FlagRiskDialog(OpDialog):
    """Flag a dispute for violence risk: a visit becomes mandatory within the interval after its resolution."""

    def __init__(
        self,
        session: ConsoleSession,
        case_id: int,
        number: str,
        visit_within_h: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            session, "leadership.flag_risk", self.tr("Violence risk of case %1").replace("%1", number), parent
        )
        self.case_id = case_id
        self.reason = text_box(4)
        self.reason.setPlaceholderText(self.tr("e.g. threatened revenge; knives at the quarrel; earlier fights"))
        self.add_field("reason", self.tr("Why it could turn violent:"), self.reason)
        self.hours = QSpinBox()
        self.hours.setRange(1, 24 * 90)
        self.hours.setValue(round(visit_within_h))
        self.hours.setSuffix(self.tr(" h"))
        self.add_field("visit_within_h", self.tr("Visit within, after resolution:"), self.hours)
        self.resize(480, self.sizeHint().height())

    def arguments(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "reason": self.reason.toPlainText(),
            "visit_within_h": float(self.hours.value()),
        }


def due_text(due: datetime) -> str:
    """A follow-up's due time as the plan gave it: the day alone when it is the day's end (a date was planned)."""
    local = due.astimezone(CHINA_TZ)
    return local.strftime("%m-%d") if (local.hour, local.minute) == (23, 59) else local.strftime("%m-%d %H:%M")


class FollowUpLine(QLabel):
    """The case's leader and next follow-up step, and its violence-risk flag (`leadership.case`); hidden without."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(self.textFormat().RichText)
        self.setVisible(False)

    def show_follow_up(self, owned: Any) -> None:
        if owned is None:
            self.clear()
            self.setVisible(False)
            return
        parts: list[str] = []
        if owned.leader:
            parts.append(self.tr("Owned by %1").replace("%1", escape(owned.leader)))
        step = owned.next_step
        if step is not None:
            kind = self.tr("visit") if step.kind == "visit" else self.tr("callback")
            text = self.tr("next: %1 by %2").replace("%1", kind).replace("%2", due_text(step.due_at))
            if owned.overdue:
                text = f'<span style="color: {overdue_text()};">{escape(text)} ({escape(self.tr("overdue"))})</span>'
            else:
                text = escape(text)
            parts.append(text)
        if owned.violence_risk:
            risk = self.tr("Violence risk: %1").replace("%1", owned.violence_risk)
            parts.append(f'<span style="color: {overdue_text()};">{escape(risk)}</span>')
        self.setText(" · ".join(parts))
        self.setVisible(bool(parts))
