"""The case detail dock: what the case is, who to send (top three with arrival and reasons), who was sent and
when each unit moved, what can be done with it now, and the timeline from the events."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.enums import CaseStatus, Category, Priority, UnitStatus
from console.events import EventRecord
from console.services import dispatch as dispatch_service
from console.services import queries
from console.services.actor import Action
from console.timeutil import CHINA_TZ
from console.views import Recommendation

from ..labels import assignment_status_label, event_label, label, reason_label
from ..messages import describe_error
from ..queue.model import format_span
from ..session import ConsoleSession
from ..theme import PRIORITY_COLOURS
from ..workers import JobResult
from .assign import AssignDialog
from .reasons import ask_reason

Session = Any  # a database session, only ever used inside jobs run by the database worker


def _t(ts: datetime | None) -> str:
    return ts.astimezone(CHINA_TZ).strftime("%m-%d %H:%M:%S") if ts else ""


class CaseDetailPanel(QWidget):
    assignRequested = Signal(int)  # case id (the shift leader's assignment dialog)
    recommendationsShown = Signal(int, object)  # case id, list[Recommendation] (for the map)

    def __init__(self, session: ConsoleSession, parent: QWidget | None = None) -> None:  # noqa: PLR0915
        super().__init__(parent)
        self.session = session
        self.case_id = 0
        self.detail: queries.CaseDetail | None = None
        self.recommendations: list[Recommendation] = []

        self.title = QLabel(self.tr("No case selected"))
        self.title.setProperty("role", "heading")
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

        self.recs = QTreeWidget()
        self.recs.setHeaderLabels([self.tr("Recommended unit"), self.tr("ETA"), self.tr("Distance"), self.tr("Why")])
        self.recs.setRootIsDecorated(False)
        self.recs.setFixedHeight(self.fontMetrics().height() * 4 + 22)
        self.recs.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.recs.setColumnWidth(0, 130)
        self.recs.itemActivated.connect(lambda item, _c: self.dispatch_row(self.recs.indexOfTopLevelItem(item)))
        self.dispatch_button = QPushButton(self.tr("Dispatch first  (F5)"))
        self.dispatch_button.setProperty("primary", True)
        self.dispatch_button.clicked.connect(self.dispatch_first)
        self.dispatch_selected = QPushButton(self.tr("Dispatch selected"))
        self.dispatch_selected.clicked.connect(lambda: self.dispatch_row(max(0, self.recs.currentIndex().row())))

        self.dispatches = QTreeWidget()
        self.dispatches.setHeaderLabels(
            [
                self.tr("Unit"),
                self.tr("Dispatched"),
                self.tr("En route"),
                self.tr("On scene"),
                self.tr("Cleared"),
                self.tr("By"),
            ]
        )
        self.dispatches.setRootIsDecorated(False)
        self.dispatches.setFixedHeight(self.fontMetrics().height() * 3 + 16)
        self.dispatches.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.en_route = QPushButton(self.tr("En route"))
        self.on_scene = QPushButton(self.tr("On scene"))
        self.clear = QPushButton(self.tr("Clear"))
        self.en_route.clicked.connect(lambda: self._unit_status(UnitStatus.EN_ROUTE))
        self.on_scene.clicked.connect(lambda: self._unit_status(UnitStatus.ON_SCENE))
        self.clear.clicked.connect(lambda: self._unit_status(UnitStatus.AVAILABLE))

        self.buttons: dict[str, QPushButton] = {}
        actions = QGridLayout()
        specs = [
            ("resolve", self.tr("Resolve…"), Action.RESOLVE),
            ("close", self.tr("Close"), Action.CLOSE),
            ("merge", self.tr("Merge into…"), Action.MERGE),
            ("invalidate", self.tr("Invalid…"), Action.INVALIDATE),
            ("escalate", self.tr("Escalate…"), Action.ESCALATE),
            ("assign", self.tr("Assign…"), Action.ASSIGN),
            ("note", self.tr("Note…"), Action.NOTE),
        ]
        placed = 0
        for name, text, action in specs:
            button = QPushButton(text)
            button.setVisible(session.may(action))  # offered by role; the service enforces it
            button.clicked.connect(lambda _c=False, n=name: self.run_action(n))
            self.buttons[name] = button
            if session.may(action):
                actions.addWidget(button, placed // 4, placed % 4)
                placed += 1

        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels([self.tr("Time"), self.tr("Event"), self.tr("By"), self.tr("Details")])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setMinimumHeight(self.fontMetrics().height() * 3)
        self.timeline.setColumnWidth(0, 120)
        self.timeline.setColumnWidth(1, 120)
        self.timeline.setColumnWidth(2, 80)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")

        head = QHBoxLayout()
        head.addWidget(self.badge)
        head.addWidget(self.title, 1)
        rec_buttons = QHBoxLayout()
        rec_buttons.addWidget(self.dispatch_button)
        rec_buttons.addWidget(self.dispatch_selected)
        rec_buttons.addStretch(1)
        unit_buttons = QHBoxLayout()
        for b in (self.en_route, self.on_scene, self.clear):
            unit_buttons.addWidget(b)
        unit_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.facts)
        layout.addWidget(self.description)
        layout.addWidget(self.recs)
        layout.addLayout(rec_buttons)
        layout.addWidget(self.dispatches)
        layout.addLayout(unit_buttons)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.timeline, 1)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        session.selection.caseChanged.connect(self.show_case)
        session.eventsArrived.connect(self._on_events)
        self._update_enabled()

    # -- loading ------------------------------------------------------------------------------------------------------

    def show_case(self, case_id: int) -> None:
        self.case_id = case_id
        self.message.clear()
        if not case_id:
            self.detail = None
            self._render()
            return
        self.reload()

    def _on_events(self, events: list[EventRecord]) -> None:
        if self.case_id and any(e.case_id == self.case_id for e in events):
            self._reload_timer.start()
        elif self.detail is not None and self.detail.case.status == CaseStatus.RECEIVED:
            self._reload_timer.start()  # units moved or freed: recommendations may change

    def reload(self) -> None:
        case_id, actor = self.case_id, self.session.actor
        if not case_id:
            return

        def work(s: Session) -> tuple[queries.CaseDetail, list[Recommendation]]:
            detail = queries.case_detail(s, case_id, actor=actor)
            recs: list[Recommendation] = []
            if detail.case.status in (CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE):
                recs = dispatch_service.recommend(s, case_id, limit=3)
            return detail, recs

        def done(result: JobResult) -> None:
            if case_id != self.case_id:
                return
            if result.ok:
                self.detail, self.recommendations = result.value
                self.recommendationsShown.emit(case_id, list(self.recommendations))
            else:
                self.message.setText(describe_error(result.error))
            self._render()

        self.session.read(work, done)

    # -- drawing ------------------------------------------------------------------------------------------------------

    def _render(self) -> None:
        d = self.detail
        self.recs.clear()
        self.dispatches.clear()
        self.timeline.clear()
        if d is None:
            self.title.setText(self.tr("No case selected"))
            self.badge.clear()
            self.badge.setStyleSheet("")
            self.facts.clear()
            self.description.clear()
            self._update_enabled()
            return
        c = d.case
        self.title.setText(f"{c.number}  ·  {label(c.category)}  ·  {label(c.status)}")
        self.badge.setText(label(c.priority))
        self.badge.setStyleSheet(
            f"background: {PRIORITY_COLOURS[c.priority]}; color: white; font-weight: 600;"
            "border-radius: 3px; padding: 3px;"
        )
        place = " · ".join(x for x in (c.address, d.grid_code, d.township_name) if x)
        caller = " ".join(x for x in (c.caller_name, c.caller_phone) if x)
        lines = [
            self.tr("Received %1 via %2 · deadline %3")
            .replace("%1", _t(c.received_at))
            .replace("%2", label(c.channel))
            .replace("%3", _t(c.due_at)),
            self.tr("Place: %1").replace("%1", place or self.tr("not located")),
        ]
        if caller:
            lines.append(
                self.tr("Caller: %1 · appeals from this number: %2")
                .replace("%1", caller)
                .replace("%2", str(c.repeat_count or 1))
            )
        if c.escalation:
            lines.append(self.tr("Escalated, level %1").replace("%1", str(c.escalation)))
        if c.assignee:
            lines.append(
                self.tr("Assigned to %1 (%2)")
                .replace("%1", c.assignee)
                .replace("%2", assignment_status_label(c.assignment_status))
            )
        if d.merged_into:
            lines.append(self.tr("Merged into %1").replace("%1", d.merged_into))
        if d.resolution:
            lines.append(self.tr("Result: %1").replace("%1", d.resolution))
        if d.invalid_reason:
            lines.append(self.tr("Invalid: %1").replace("%1", d.invalid_reason))
        self.facts.setText("\n".join(lines))
        self.description.setText(c.description)
        for r in self.recommendations:
            item = QTreeWidgetItem(
                [
                    f"{r.callsign}  {label(r.kind)}",
                    format_span_s(r.eta_s) if math.isfinite(r.eta_s) else "—",  # unreachable by road
                    f"{r.distance_m / 1000:.1f} km" if math.isfinite(r.distance_m) else "—",
                    ", ".join(reason_label(x) for x in r.reasons) or reason_label("nearest"),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, r.unit_id)
            self.recs.addTopLevelItem(item)
        if self.recommendations:
            self.recs.setCurrentItem(self.recs.topLevelItem(0))
        for disp in d.dispatches:
            item = QTreeWidgetItem(
                [
                    disp.callsign,
                    _t(disp.dispatched_at),
                    _t(disp.en_route_at),
                    _t(disp.on_scene_at),
                    _t(disp.cleared_at or disp.cancelled_at),
                    disp.dispatched_by,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, disp.unit_id)
            item.setData(1, Qt.ItemDataRole.UserRole, not (disp.cleared_at or disp.cancelled_at))
            self.dispatches.addTopLevelItem(item)
        active = [
            i
            for i in range(self.dispatches.topLevelItemCount())
            if self.dispatches.topLevelItem(i).data(1, Qt.ItemDataRole.UserRole)
        ]
        if active:
            self.dispatches.setCurrentItem(self.dispatches.topLevelItem(active[-1]))
        for e in reversed(d.timeline):
            self.timeline.addTopLevelItem(QTreeWidgetItem([_t(e.ts), event_label(e.kind), e.actor, _summary(e)]))
        self._update_enabled()

    def _update_enabled(self) -> None:
        d = self.detail
        open_ = d is not None and d.case.status.is_open
        online = self.session.reachable
        may_dispatch = self.session.may(Action.DISPATCH)
        self.dispatch_button.setEnabled(open_ and online and may_dispatch and bool(self.recommendations))
        self.dispatch_selected.setEnabled(open_ and online and may_dispatch and bool(self.recommendations))
        self.dispatch_button.setVisible(may_dispatch)
        self.dispatch_selected.setVisible(may_dispatch)
        has_active = self.dispatches.topLevelItemCount() > 0
        may_units = self.session.may(Action.UNIT_STATUS)
        for b in (self.en_route, self.on_scene, self.clear):
            b.setEnabled(has_active and online and may_units)
            b.setVisible(may_units)
        status = d.case.status if d else None
        rules = {
            "resolve": status in (CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE),
            "close": status == CaseStatus.RESOLVED or open_,
            "merge": open_,
            "invalidate": open_,
            "escalate": open_,
            "assign": open_,
            "note": d is not None,
        }
        for name, button in self.buttons.items():
            button.setEnabled(bool(rules[name]) and online)

    # -- acting -------------------------------------------------------------------------------------------------------

    def dispatch_first(self) -> None:
        self.dispatch_row(0)

    def dispatch_row(self, row: int) -> None:
        if not self.case_id or not (0 <= row < len(self.recommendations)):
            if self.case_id:
                self.session.dispatch_nearest(self.case_id, self._after)
            return
        self.session.dispatch(self.case_id, self.recommendations[row].unit_id, self._after)

    def _after(self, result: JobResult) -> None:
        self.message.setText("" if result.ok else describe_error(result.error))
        self.reload()

    def _unit_status(self, status: UnitStatus) -> None:
        item = self.dispatches.currentItem()
        if item is None:
            return
        self.session.set_unit_status(int(item.data(0, Qt.ItemDataRole.UserRole)), status, self._after)

    def run_action(self, name: str) -> None:
        d = self.detail
        if d is None:
            return
        case_id = d.case.id
        if name == "assign":
            self.assignRequested.emit(case_id)
            self._assign(case_id, d.case.number)
            return
        if name == "close":
            self.session.case_action("close", case_id, callback=self._after)
            return
        if name == "merge":
            number, ok = QInputDialog.getText(
                self, self.tr("Merge"), self.tr("Merge %1 into case number:").replace("%1", d.case.number)
            )
            if not ok or not number.strip():
                return
            target = next((c.id for c in self.session.state.cases.values() if c.number == number.strip()), 0)
            if not target:
                self.message.setText(self.tr("No open case numbered %1.").replace("%1", number.strip()))
                return
            self.session.case_action("merge", case_id, into_case_id=target, callback=self._after)
            return
        prompts: dict[str, tuple[str, str]] = {
            "resolve": (self.tr("Resolve"), self.tr("Result of the handling (required):")),
            "invalidate": (self.tr("Invalid"), self.tr("Why is this appeal invalid? (required)")),
            "escalate": (self.tr("Escalate"), self.tr("Reason for supervision (required):")),
            "note": (self.tr("Note"), self.tr("Note:")),
        }
        title, prompt = prompts[name]
        text = ask_reason(self, title, prompt)
        if text:
            self.session.case_action(name, case_id, text, callback=self._after)

    def _assign(self, case_id: int, number: str) -> None:
        townships = sorted(self.session.township_names.items(), key=lambda kv: kv[1])

        def got(result: JobResult) -> None:
            if not result.ok:
                self.message.setText(describe_error(result.error))
                return
            dialog = AssignDialog(number, [(d.id, d.name) for d in result.value], townships, self)
            if dialog.exec():
                kind, target, hours = dialog.choice()
                self.session.assign(case_id, kind, target, hours, self._after)

        self.session.read(queries.departments, got)


def format_span_s(seconds: float) -> str:
    from datetime import timedelta

    return format_span(timedelta(seconds=seconds)) if seconds >= 60 else f"{int(seconds)}s"


_KEY_TEXTS = {
    "grid": QT_TRANSLATE_NOOP("CaseDetailPanel", "grid {0}"),
    "into": QT_TRANSLATE_NOOP("CaseDetailPanel", "into {0}"),
    "merged_from": QT_TRANSLATE_NOOP("CaseDetailPanel", "merged from {0}"),
    "assignee": QT_TRANSLATE_NOOP("CaseDetailPanel", "to {0}"),
    "level": QT_TRANSLATE_NOOP("CaseDetailPanel", "level {0}"),
}


def _summary(e: EventRecord) -> str:
    """The event's payload in words: codes shown as their labels, texts as they were written."""
    p: dict[str, Any] = e.payload
    parts: list[str] = []
    if p.get("callsign"):
        parts.append(str(p["callsign"]))
    status = p.get("status") or p.get("to")
    if isinstance(status, str):
        for enum in (UnitStatus, CaseStatus):
            try:
                parts.append("→ " + label(enum(status)))
                break
            except ValueError:
                continue
    for key, enum in (("priority", Priority), ("category", Category)):
        value = p.get(key)
        if isinstance(value, str):
            try:
                parts.append(label(enum(value)))
            except ValueError:
                parts.append(value)
    for key, text in _KEY_TEXTS.items():
        if p.get(key) not in (None, "", []):
            parts.append(QCoreApplication.translate("CaseDetailPanel", text).format(p[key]))
    for key in ("reason", "resolution", "note", "text", "result"):
        if p.get(key):
            parts.append(f"“{p[key]}”")
    return "  ".join(parts)
