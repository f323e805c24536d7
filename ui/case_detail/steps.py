"""The steps taken on the shown case from its detail: each asks what it needs (a text, the master to merge into, the
assignee, a follow-up's dialog) and runs its operation through the session; what follows is the panel's
(`after_step`: the error under the case, or the case read again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt

from console.ops import CaseAction

from ..messages import describe_error
from ..op_dialog import OpDialog
from ..workers import JobResult
from .actions import ask_merge_target, ask_text
from .assign import AssignDialog
from .follow_up import FlagRiskDialog, OwnCaseDialog, RecordFollowUpDialog

if TYPE_CHECKING:
    from .panel import CaseDetailPanel


def run_action(panel: CaseDetailPanel, action: CaseAction | str) -> None:
    """A step on the shown case: ask what it needs, then run its operation."""
    d = panel.detail
    if d is None:
        return
    action = CaseAction(action)
    case_id, number = d.case.id, d.case.number
    arguments: dict[str, Any] = {}
    if action == CaseAction.ASSIGN:
        assign(panel, case_id, number)
        return
    if action in (CaseAction.OWN, CaseAction.FOLLOW_UP, CaseAction.FLAG_RISK):
        follow_up(panel, action, case_id, number)
        return
    if action == CaseAction.MERGE:
        into = ask_merge_target(panel, number)
        if into is None:
            return
        arguments["into"] = into
    elif action != CaseAction.CLOSE:
        text = ask_text(panel, action)
        if not text:
            return
        key = {CaseAction.RESOLVE: "resolution", CaseAction.NOTE: "text"}.get(action, "reason")
        arguments[key] = text
    panel.session.run(f"case.{action.value}", case_id=case_id, callback=panel.after_step, **arguments)


def follow_up_dialog(panel: CaseDetailPanel, action: CaseAction, case_id: int, number: str) -> OpDialog:
    """The dialog of a follow-up step (领导包案, its visit or callback done, 民转刑 risk) on the case."""
    if action == CaseAction.OWN:
        return OwnCaseDialog(panel.session, case_id, number, panel)
    if action == CaseAction.FOLLOW_UP:
        return RecordFollowUpDialog(panel.session, case_id, number, panel)
    return FlagRiskDialog(panel.session, case_id, number, panel.session.risk_visit_h, panel)


def follow_up(panel: CaseDetailPanel, action: CaseAction, case_id: int, number: str) -> None:
    """Open the step's dialog (window-modal, not blocking): it runs its operation and closes when it is done."""
    dialog = follow_up_dialog(panel, action, case_id, number)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def done(_value: object) -> None:
        panel.message.clear()
        if case_id == panel.case_id:
            panel.reload()

    dialog.succeeded.connect(done)
    panel.open_dialog = dialog
    dialog.open()


def hand_off(panel: CaseDetailPanel, line: str, ref: str) -> None:
    """Hand the shown case to the other line (with the reference read over the phone, when given)."""
    if panel.case_id:
        panel.session.run(
            "handoff.send",
            case_id=panel.case_id,
            to=line,
            ref=ref or None,
            accept_within_s=panel.session.handoff_accept_s,
            callback=panel.after_step,
        )


def assign(panel: CaseDetailPanel, case_id: int, number: str) -> None:
    """派单: the departments are read first, then the dialog asks for the assignee and the time limit."""
    townships = sorted(panel.session.township_names.items(), key=lambda kv: kv[1])

    def got(result: JobResult) -> None:
        if not result.ok:
            panel.message.setText(describe_error(result.error))
            return
        dialog = AssignDialog(number, [(d.id, d.name) for d in result.value], townships, panel)
        if dialog.exec():
            kind, target, hours = dialog.choice()
            panel.session.run(
                "case.assign",
                case_id=case_id,
                assignee_kind=kind,
                assignee_id=target,
                hours=hours,
                callback=panel.after_step,
                done_text=_assigned,
            )

    panel.session.run("reference.departments", callback=got)


def _assigned(_value: object) -> str:
    return QCoreApplication.translate("ConsoleSession", "Case assigned")
