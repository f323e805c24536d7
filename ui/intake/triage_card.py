"""The triage question card of the intake form: at most three yes/no questions of the chosen category, answered with
the keys Y and N (or a click), the first unanswered one at a time; Backspace takes the last answer back. The answers
set the priority (`Card.priority`) and are saved with the case (its `case_triaged` event)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QToolButton, QWidget


class TriageCard(QFrame):
    answersChanged = Signal(dict)  # {question id: yes?}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.card: Any = None
        self.answers: dict[str, bool] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 3, 6, 3)
        self._rows: list[tuple[str, QLabel]] = []
        self.setToolTip(self.tr("Triage questions: Y answers yes, N no, Backspace takes the last answer back"))
        self.hide()

    def set_card(self, card: Any) -> None:
        """The card of the category now chosen (None: no card); earlier answers are dropped."""
        if card is self.card:
            return
        self.card = card
        self.answers = {}
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._rows = []
        if card is None:
            self.hide()
            return
        zh = QLocale().name().startswith("zh")
        for row, question in enumerate(card.questions):
            text = QLabel(question.zh if zh else question.en)
            text.setWordWrap(True)
            state = QLabel("—")
            state.setMinimumWidth(state.fontMetrics().horizontalAdvance("MM"))
            yes, no = QToolButton(), QToolButton()
            yes.setText(self.tr("Y"))
            no.setText(self.tr("N"))
            yes.clicked.connect(lambda _c=False, q=question.id: self.answer(q, True))
            no.clicked.connect(lambda _c=False, q=question.id: self.answer(q, False))
            for col, widget in enumerate((text, state, yes, no)):
                self._grid.addWidget(widget, row, col)
            self._grid.setColumnStretch(0, 1)
            self._rows.append((question.id, state))
        self.show()

    def answer(self, question_id: str, yes: bool) -> None:
        self.answers[question_id] = yes
        self._refresh()

    def current(self) -> str | None:
        """The first question not answered yet."""
        return next((qid for qid, _state in self._rows if qid not in self.answers), None)

    def clear_answers(self) -> None:
        self.answers = {}
        self._refresh()

    def refresh(self) -> None:
        """Show the answers held (after they were set from a draft)."""
        self._refresh()

    def _refresh(self) -> None:
        for qid, state in self._rows:
            value = self.answers.get(qid)
            state.setText("—" if value is None else self.tr("Y") if value else self.tr("N"))
        self.answersChanged.emit(dict(self.answers))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Y, Qt.Key.Key_N) and self.current() is not None:
            self.answer(self.current() or "", key == Qt.Key.Key_Y)
            return
        if key == Qt.Key.Key_Backspace and self.answers:
            self.answers.pop(list(self.answers)[-1])
            self._refresh()
            return
        super().keyPressEvent(event)
