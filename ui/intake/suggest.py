"""What the intake form suggests as the operator types: the category and priority the core's triage rules find in
the description (until the operator picks either), and the priority the question card's answers set (an explicit
act, over a suggestion and a choice alike). Kept with the draft, so a restored call goes on suggesting as it did."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from console.enums import Priority
from console.ops.intake import triage, triage_card

from ..labels import label
from .fields import IntakeFields
from .triage_card import TriageCard


class TriageSuggestions:
    def __init__(self, fields: IntakeFields, card: TriageCard) -> None:
        self.fields = fields
        self.card = card
        self.category_chosen = False  # the operator picked a category: stop suggesting
        self.priority_chosen = False  # the operator picked a priority: stop suggesting it
        self.suggested_priority: Priority | None = None

    def state(self) -> dict[str, Any]:
        """What the draft keeps of the suggestions."""
        return {
            "category_chosen": self.category_chosen,
            "priority_chosen": self.priority_chosen,
            "triage": dict(self.card.answers),
        }

    def restore(self, draft: dict[str, Any]) -> None:
        self.category_chosen = bool(draft.get("category_chosen"))
        self.priority_chosen = bool(draft.get("priority_chosen"))
        self.card.set_card(triage_card(self.fields.category.currentData()))
        answers = draft.get("triage")
        if isinstance(answers, dict):
            self.card.answers = {str(k): v for k, v in answers.items() if isinstance(v, bool)}
            self.card.blockSignals(True)
            self.card.refresh()
            self.card.blockSignals(False)

    def reset(self) -> None:
        self.category_chosen = False
        self.priority_chosen = False
        self.suggested_priority = None
        self.card.clear_answers()

    def description_changed(self, text: str) -> None:
        f = self.fields
        found = triage(text)
        if not self.priority_chosen and not self.card.answers:
            self.suggested_priority = found.priority
            self.set_priority(found.priority)
        if self.category_chosen:
            return
        if found.category is None:
            f.suggestion.clear()
            return
        f.category.blockSignals(True)
        f.category.setCurrentIndex(f.category.findData(found.category))
        f.category.blockSignals(False)
        self.card.set_card(triage_card(found.category))
        f.suggestion.setText(
            QCoreApplication.translate("IntakeForm", "Suggested category: %1 (%2)")
            .replace("%1", label(found.category))
            .replace("%2", ", ".join(found.words[:4]))
        )

    def set_priority(self, priority: Priority) -> None:
        f = self.fields
        f.priority.blockSignals(True)
        f.priority.setCurrentIndex(f.priority.findData(priority))
        f.priority.blockSignals(False)

    def answers_changed(self, answers: dict[str, bool]) -> None:
        card = self.card.card
        if card is not None:
            self.set_priority(card.priority(answers, self.suggested_priority or self.fields.priority.currentData()))

    def category_picked(self) -> None:
        self.category_chosen = True
        self.fields.suggestion.clear()
