"""The case detail dock: what the case is (`header`), who to send and who was sent (`units`), what can be done with
it now (`actions`, run by `steps`), its hand-off (`handoff`), follow-up (`follow_up`), files (`attachments`) and
its timeline (`timeline`).

Everything it shows comes from read operations (`case.detail`, `dispatch.recommend`); everything it does is an
operation run through the session. Which buttons are enabled is the core's decision (`allowed_case_actions` for
the case, `unit_status_allowed` for the selected unit), never re-derived here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from console.enums import UnitStatus
from console.events import EventRecord
from console.ops import (
    CASE_RULES,
    UNIT_TRANSITIONS,
    Action,
    CaseAction,
    CaseDetail,
    CaseFacts,
    DispatchState,
    allowed_case_actions,
    state_allows,
    unit_status_allowed,
)
from console.views import Recommendation

from ..messages import describe_error
from ..op_dialog import OpDialog
from ..session import ConsoleSession
from ..workers import JobResult
from . import steps
from .actions import CaseActionButtons
from .attachments import AttachmentStrip
from .follow_up import FollowUpLine
from .handoff import HandoffBox
from .header import CaseHeader
from .timeline import Timeline
from .units import DispatchList, RecommendationList

#: How many recommendations the panel shows.
RECOMMENDATIONS = 3


class CaseDetailPanel(QWidget):
    recommendationsShown = Signal(int, object)  # case id, list[Recommendation] (for the map)
    detailShown = Signal()  # a case's detail was drawn or cleared: what it allows may have changed

    def __init__(self, session: ConsoleSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = 0
        self.detail: CaseDetail | None = None
        self.recommendations: list[Recommendation] = []
        self.open_dialog: OpDialog | None = None  # the follow-up dialog last opened (while it is open)
        self.header = CaseHeader()
        self.recommended = RecommendationList()
        self.sent = DispatchList()
        self.steps = CaseActionButtons(session.actor)
        self.buttons = self.steps.buttons
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.timeline = Timeline()
        self.handoff = HandoffBox()
        self.follow_up_line = FollowUpLine()
        self.files = AttachmentStrip(session)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        for widget in (
            self.header,
            self.files,
            self.recommended,
            self.sent,
            self.steps,
            self.follow_up_line,
            self.handoff,
            self.message,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.timeline, 1)

        self.recommended.dispatchNearest.connect(lambda: self.dispatch_nearest(self.case_id))
        self.recommended.dispatchUnit.connect(lambda unit_id: self.dispatch_unit(self.case_id, unit_id))
        self.sent.statusRequested.connect(self._unit_status)
        self.sent.tree.currentItemChanged.connect(lambda *_a: self._update_enabled())
        self.steps.triggered.connect(self.run_action)
        self.handoff.handOff.connect(self.hand_off)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        session.selection.caseChanged.connect(self.show_case)
        session.eventsArrived.connect(self._on_events)
        session.dbStatusChanged.connect(lambda *_a: self._update_enabled())
        session.unitsChanged.connect(lambda _diff: self._update_enabled())
        # Everyone sees who is recommended and who was sent; the buttons are offered to the roles that may use them.
        self.recommended.show_buttons(session.may(CASE_RULES[CaseAction.DISPATCH].action))
        self.sent.show_buttons(session.may(Action.UNIT_STATUS))
        self._update_enabled()

    # -- loading --------------------------------------------------------------------------------------------------

    def show_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.message.clear()
        self.files.show_case(case_id)
        if not case_id:
            self.detail = None
            self.recommendations = []
            self._render()
            return
        self.reload()

    def _on_events(self, events: list[EventRecord]) -> None:
        if self.case_id and any(e.case_id == self.case_id for e in events):
            self._reload_timer.start()
            self.files.reload()
        elif self.detail is not None and self.detail.case.status.is_open:
            self._reload_timer.start()  # units moved or freed: recommendations may change

    def reload(self) -> None:
        case_id = self.case_id
        if not case_id:
            return

        def got_detail(result: JobResult) -> None:
            if case_id != self.case_id:
                return
            if not result.ok:
                self.message.setText(describe_error(result.error))
                self._render()
                return
            detail: CaseDetail = result.value
            self.detail = detail
            self.session.run(
                "handoff.list", case_id=case_id, accept_within_s=self.session.handoff_accept_s, callback=got_receipts
            )
            self.session.run("leadership.case", case_id=case_id, callback=got_follow_up)
            if state_allows(CaseAction.DISPATCH, CaseFacts.of(detail.case)):
                self.session.run(
                    "dispatch.recommend", case_id=case_id, limit=RECOMMENDATIONS, callback=got_recommendations
                )
            else:
                self.recommendations = []
                self._render()

        def got_receipts(result: JobResult) -> None:
            if case_id == self.case_id and result.ok:
                self.handoff.show_receipts(list(result.value))

        def got_follow_up(result: JobResult) -> None:
            if case_id == self.case_id and result.ok:
                self.follow_up_line.show_follow_up(result.value)

        def got_recommendations(result: JobResult) -> None:
            if case_id != self.case_id:
                return
            self.recommendations = list(result.value) if result.ok else []
            if result.ok:
                self.recommendationsShown.emit(case_id, list(self.recommendations))
            else:
                self.message.setText(describe_error(result.error))
            self._render()

        self.session.run("case.detail", case_id=case_id, callback=got_detail)

    # -- drawing --------------------------------------------------------------------------------------------------

    def _render(self) -> None:
        d = self.detail
        if d is None:
            self.handoff.show_receipts([])
            self.follow_up_line.show_follow_up(None)
            self.header.clear()
            self.sent.show_dispatches([])
            self.timeline.show_events([])
        else:
            self.header.show_detail(d)
            self.sent.show_dispatches(d.dispatches)
            self.timeline.show_events(d.timeline)
        self.recommended.show_recommendations(self.recommendations)
        self._update_enabled()
        self.detailShown.emit()

    def _update_enabled(self) -> None:
        online, role = self.session.online, self.session.actor.role
        facts = CaseFacts.of(self.detail.case) if self.detail is not None else None
        allowed = allowed_case_actions(role, facts) if facts is not None and online else frozenset()
        self.steps.set_allowed(allowed)
        self.recommended.set_enabled(CaseAction.DISPATCH in allowed)
        self.handoff.set_allowed(
            self.session.may(Action.HANDOFF), online and facts is not None and facts.status.is_open
        )
        unit = self.session.state.units.get(self.sent.current_unit())
        self.sent.set_allowed(
            {s for s in UNIT_TRANSITIONS if unit_status_allowed(role, unit.status, s)} if unit and online else set()
        )

    # -- acting ---------------------------------------------------------------------------------------------------

    def dispatch_nearest(self, case_id: int) -> None:
        """F5 and the first button: the unit ranked first at this moment."""
        if case_id:
            self.session.run("dispatch.nearest", case_id=case_id, callback=self.after_step, done_text=self._dispatched)

    def dispatch_unit(self, case_id: int, unit_id: int) -> None:
        """A chosen unit (a recommendation, or a case dropped on a unit); told who took it if it is gone."""
        if case_id and unit_id:
            self.session.run(
                "dispatch.unit", case_id=case_id, unit_id=unit_id, callback=self.after_step, done_text=self._dispatched
            )

    @staticmethod
    def _dispatched(state: DispatchState) -> str:
        return QCoreApplication.translate("ConsoleSession", "Dispatched %s") % state.callsign

    def after_step(self, result: JobResult) -> None:
        self.message.setText("" if result.ok else describe_error(result.error))
        if self.case_id:
            self.reload()

    def _unit_status(self, unit_id: int, status: UnitStatus) -> None:
        self.session.run("unit.status", unit_id=unit_id, status=status.value, callback=self.after_step)

    def run_action(self, action: CaseAction | str) -> None:
        """A step on the shown case (a button, a menu or its shortcut): see `steps`."""
        steps.run_action(self, action)

    def hand_off(self, line: str, ref: str) -> None:
        steps.hand_off(self, line, ref)
