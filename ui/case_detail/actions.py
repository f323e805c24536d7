"""What can be done with the case now: one button per step of the core's case-action table, shown by role and
enabled by `console.ops.allowed_case_actions` (the table the services build their guards from), and the small
questions a step needs answered (a result, a reason, the case to merge into, where to assign it).

The buttons only ask: `triggered(CaseAction)` goes to the panel, which asks the questions below and runs the
operation."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QInputDialog, QPushButton, QWidget

from console.ops import CASE_RULES, Actor, CaseAction

from .reasons import ask_reason

#: The panel's buttons (the other steps have their own places: dispatch above, assignment steps on the board).
BUTTONS = (
    CaseAction.RESOLVE,
    CaseAction.CLOSE,
    CaseAction.MERGE,
    CaseAction.INVALIDATE,
    CaseAction.ESCALATE,
    CaseAction.ASSIGN,
    CaseAction.NOTE,
    CaseAction.OWN,
    CaseAction.FOLLOW_UP,
    CaseAction.FLAG_RISK,
)
COLUMNS = 4


def button_text(action: CaseAction) -> str:
    texts = {
        CaseAction.RESOLVE: QCoreApplication.translate("CaseDetailPanel", "Resolve…"),
        CaseAction.CLOSE: QCoreApplication.translate("CaseDetailPanel", "Close"),
        CaseAction.MERGE: QCoreApplication.translate("CaseDetailPanel", "Merge into…"),
        CaseAction.INVALIDATE: QCoreApplication.translate("CaseDetailPanel", "Invalid…"),
        CaseAction.ESCALATE: QCoreApplication.translate("CaseDetailPanel", "Escalate…"),
        CaseAction.ASSIGN: QCoreApplication.translate("CaseDetailPanel", "Assign…"),
        CaseAction.NOTE: QCoreApplication.translate("CaseDetailPanel", "Note…"),
        CaseAction.OWN: QCoreApplication.translate("CaseDetailPanel", "Leader owns…"),
        CaseAction.FOLLOW_UP: QCoreApplication.translate("CaseDetailPanel", "Followed up…"),
        CaseAction.FLAG_RISK: QCoreApplication.translate("CaseDetailPanel", "Violence risk…"),
    }
    return texts[action]


def button_tip(action: CaseAction) -> str:
    """What a button whose short text needs saying does (the follow-up steps)."""
    tips = {
        CaseAction.OWN: QCoreApplication.translate(
            "CaseDetailPanel", "Mark the case as owned by a named leader (领导包案), with its visits and callbacks"
        ),
        CaseAction.FOLLOW_UP: QCoreApplication.translate(
            "CaseDetailPanel", "Record a planned visit or callback as done, with what came of it"
        ),
        CaseAction.FLAG_RISK: QCoreApplication.translate(
            "CaseDetailPanel", "Flag the dispute for violence risk (民转刑): a visit becomes mandatory after resolution"
        ),
    }
    return tips.get(action, "")


class CaseActionButtons(QWidget):
    triggered = Signal(object)  # CaseAction

    def __init__(self, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: By the action's code (`buttons["resolve"]`): the buttons this role is offered are shown.
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        offered = [action for action in BUTTONS if actor.may(CASE_RULES[action].action)]
        # A shift leader is offered the most steps: in three columns, so the case dock stays narrow enough for the
        # dispatcher's layout at 1280 pixels.
        columns = COLUMNS if len(offered) <= 2 * COLUMNS else COLUMNS - 1
        for action in BUTTONS:
            button = QPushButton(button_text(action))
            button.setToolTip(button_tip(action))
            button.setVisible(action in offered)
            button.clicked.connect(lambda _checked=False, a=action: self.triggered.emit(a))
            self.buttons[action.value] = button
            if action in offered:
                placed = offered.index(action)
                grid.addWidget(button, placed // columns, placed % columns)

    def set_allowed(self, allowed: frozenset[CaseAction]) -> None:
        for code, button in self.buttons.items():
            button.setEnabled(CaseAction(code) in allowed)


def ask_text(parent: QWidget, action: CaseAction) -> str | None:
    """The text a step needs (a result, a reason, a note); None when the operator cancels."""
    prompts = {
        CaseAction.RESOLVE: (
            QCoreApplication.translate("CaseDetailPanel", "Resolve"),
            QCoreApplication.translate("CaseDetailPanel", "Result of the handling (required):"),
        ),
        CaseAction.INVALIDATE: (
            QCoreApplication.translate("CaseDetailPanel", "Invalid"),
            QCoreApplication.translate("CaseDetailPanel", "Why is this appeal invalid? (required)"),
        ),
        CaseAction.ESCALATE: (
            QCoreApplication.translate("CaseDetailPanel", "Escalate"),
            QCoreApplication.translate("CaseDetailPanel", "Reason for supervision (required):"),
        ),
        CaseAction.NOTE: (
            QCoreApplication.translate("CaseDetailPanel", "Note"),
            QCoreApplication.translate("CaseDetailPanel", "Note:"),
        ),
    }
    title, prompt = prompts[action]
    return ask_reason(parent, title, prompt)


def ask_merge_target(parent: QWidget, number: str) -> str | None:
    """The number of the case to merge `number` into; None when the operator cancels."""
    target, ok = QInputDialog.getText(
        parent,
        QCoreApplication.translate("CaseDetailPanel", "Merge"),
        QCoreApplication.translate("CaseDetailPanel", "Merge %1 into case number:").replace("%1", number),
    )
    return target.strip() if ok and target.strip() else None
