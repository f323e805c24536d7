"""One logged-in console: the actor, the database worker, the live state, and `run`, the one way views ask the
core for anything.

Views never see a database session or a service: they call `session.run("case.resolve", case_id=…,
resolution=…, callback=…)` with an operation's name (`console.ops`) and plain arguments. The worker runs it on the
database thread and hands back a `JobResult` (the value, or the error as a value, and the operation's
`OpChanges`). A write's fresh rows are not read back by the write: the worker polls the change feed right after
it, so they arrive — before the callback runs — by the one path every change takes, `fetch_changes` →
`LiveState.apply` → `casesChanged` / `unitsChanged`, the notifications every view listens to. `operationDone`
tells anyone interested which operation ran and what it changed.

Whether the database is there is decided by the worker; `online` is the last thing its `dbStatusChanged` said.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.attachments import AttachmentSettings
from console.events import EventRecord
from console.live import Changes, LiveDiff, LiveState, Snapshot
from console.ops import Action, Actor, CountyView, Needs, operation_named

from .gc_tuning import freeze_long_lived
from .messages import describe_error, offline_message
from .selection import Selection
from .workers import Callback, DatabaseOffline, DbWorker, JobResult, OpCall

#: How often every working console sweeps for overdue cases and assignments (督办).
SWEEP_INTERVAL_MS = 60_000
#: At most this many escalations in one sweep's transaction; a sweep that made that many is followed by the next
#: after SWEEP_BATCH_GAP_MS. When thousands became overdue at once (the first sweep after a night, a backlog imported)
#: one transaction would hold the write lock for seconds and build tens of thousands of objects that the collector
#: then walks while the interface waits for the interpreter's lock (`bench/bench_gui_block.py`).
SWEEP_BATCH = 250
SWEEP_BATCH_GAP_MS = 100


class ConsoleSession(QObject):
    casesChanged = Signal(object)  # LiveDiff
    unitsChanged = Signal(object)  # LiveDiff
    loaded = Signal()  # first snapshot applied
    notice = Signal(str, str)  # level ("info", "warning", "error"), text
    caseError = Signal(int, str)  # the case a failed write was about (0: none), the error in words
    dbStatusChanged = Signal(bool, str)  # reachable, message (as the worker published it)
    eventsArrived = Signal(object)  # list[EventRecord], for the case detail's timeline
    operationDone = Signal(str, object)  # operation name, JobResult

    def __init__(self, worker: DbWorker, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.actor = actor
        self.state = LiveState()
        self.selection = Selection(self)
        self.township_names: dict[int, str] = {}  # for the assignment dialog
        self.handoff_accept_s = 600.0  # `[handoff] accept_within_minutes`: the sweep warns after it
        self.risk_visit_h = 72.0  # `[follow_up] risk_visit_h`: a flagged dispute's visit after its resolution
        #: `[attachments]`: the limits files added in this console are checked against (None: the defaults).
        self.attachment_settings: AttachmentSettings | None = None
        self.is_loaded = False
        self._online = True
        worker.snapshotReady.connect(self._on_snapshot)
        worker.changesReady.connect(self._on_changes)
        worker.dbStatusChanged.connect(self._on_db_status)
        # 督办: overdue cases and assignments are escalated by a sweep every minute. Every working console runs it;
        # the sweep's guarded updates raise each level once, whichever console gets there first.
        self._sweep = QTimer(self)
        self._sweep.setInterval(SWEEP_INTERVAL_MS)
        self._sweep.timeout.connect(self.sweep_overdue)

    @property
    def online(self) -> bool:
        """Whether the database answered last (the worker's last word on it)."""
        return self._online

    @property
    def read_only(self) -> bool:
        return not self.actor.may(Action.INTAKE) and not self.actor.may(Action.DISPATCH)

    def may(self, action: Action) -> bool:
        return self.actor.may(action)

    # -- operations -----------------------------------------------------------------------------------------------

    def run(
        self,
        name: str,
        /,
        *,
        callback: Callback | None = None,
        done_text: Callable[[Any], str] | None = None,
        report_errors: bool = True,
        **arguments: Any,
    ) -> None:
        """Run the operation `name` as this console's actor. A write is refused at once, with the outage message,
        while the database is unreachable (never queued for later). A failed write's error is shown as a notice
        (unless `report_errors` is off: the caller shows it itself, as a dialog does beside the field);
        `done_text(value)` is the notice of a success."""
        op = operation_named(name)
        if op.needs == Needs.ONLINE and not self._online:
            self.notice.emit("error", offline_message())
            result = JobResult(False, None, DatabaseOffline())
            self.operationDone.emit(name, result)
            if callback is not None:
                callback(result)
            return

        def done(result: JobResult) -> None:
            if result.ok and done_text is not None:
                self.notice.emit("info", done_text(result.value))
            elif not result.ok and op.writes and report_errors:
                text = describe_error(result.error)
                self.notice.emit("error", text)
                case_id = arguments.get("case_id")
                self.caseError.emit(case_id if isinstance(case_id, int) else 0, text)
            self.operationDone.emit(name, result)
            if callback is not None:
                callback(result)

        self.worker.run(OpCall(name, self.actor, arguments), done)

    # -- loading and live sync ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.run("reference.county", callback=self._got_names)
        freeze_long_lived()  # the window and everything made at start: out of every later collection
        self.worker.start_sync(self.actor)
        if not self.read_only:
            self._sweep.start()
            QTimer.singleShot(2000, self.sweep_overdue)

    def _got_names(self, result: JobResult) -> None:
        if result.ok:
            county: CountyView = result.value
            self.township_names = {t.id: t.name for t in county.townships}

    def sweep_overdue(self) -> None:
        """Escalate what became overdue (a system action: its events name `system` as the actor)."""
        if self._online:
            self.run(
                "supervision.sweep", accept_within_s=self.handoff_accept_s, limit=SWEEP_BATCH, callback=self._swept
            )

    def _swept(self, result: JobResult) -> None:
        if result.ok and len(result.value) >= SWEEP_BATCH:  # more may be overdue: the next batch soon
            QTimer.singleShot(SWEEP_BATCH_GAP_MS, self.sweep_overdue)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        diff = self.state.reset(snapshot)
        self._emit(diff)
        if not self.is_loaded:
            self.is_loaded = True
            freeze_long_lived()  # the first snapshot's views, most of them kept for hours
            self.loaded.emit()

    def _on_changes(self, changes: Changes) -> None:
        self._emit(self.state.apply(changes))
        if changes.events:
            events: list[EventRecord] = changes.events
            self.eventsArrived.emit(events)

    def _emit(self, diff: LiveDiff) -> None:
        if diff.cases_inserted or diff.cases_updated or diff.cases_removed:
            self.casesChanged.emit(diff)
        if diff.units_inserted or diff.units_updated or diff.units_removed:
            self.unitsChanged.emit(diff)

    def _on_db_status(self, reachable: bool, message: str) -> None:
        self._online = reachable
        self.dbStatusChanged.emit(reachable, message)
