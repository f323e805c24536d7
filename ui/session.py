"""One logged-in console: the actor, the database worker, the live state and the operations the views ask for.

Views never call services themselves: they call these methods, which run the service in the database worker and
answer through a callback with a `JobResult`. After every write the touched cases and units are re-read in the same
transaction and folded into the live state at once (the change feed brings the same rows again a moment later,
which changes nothing). `casesChanged` / `unitsChanged` are the one notification every view listens to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.enums import UnitStatus
from console.live import Changes, LiveDiff, LiveState, Snapshot
from console.services import cases as case_service
from console.services import dispatch as dispatch_service
from console.services import escalation, queries
from console.services import intake as intake_service
from console.services.actor import Action, Actor
from console.timeutil import utcnow

from .gc_tuning import freeze_long_lived
from .messages import describe_error, offline_message
from .selection import Selection
from .workers import DatabaseOffline, DbWorker, JobResult

Session = Any  # a database session, only ever used inside jobs run by the database worker

Callback = Callable[[JobResult], None]

#: A database call running longer than this means the database is not answering (the banner must show within 2 s).
STALL_SECONDS = 1.5


def _fresh(session: Session, actor: Actor, case_ids: Iterable[int], unit_ids: Iterable[int]) -> Changes:
    case_ids, unit_ids = set(case_ids), set(unit_ids)
    cases = queries.cases_by_ids(session, case_ids, actor=actor) if case_ids else []
    units = queries.units_by_ids(session, unit_ids) if unit_ids else []
    # Units of the touched cases may have changed too (dispatch, clear).
    extra = {u for c in cases for u in c.unit_ids} - unit_ids
    if extra:
        units += queries.units_by_ids(session, extra)
    found = {c.id for c in cases}
    closed = sorted({c.id for c in cases if not c.status.is_open} | (case_ids - found))
    return Changes([c for c in cases if c.status.is_open], units, closed, [], 0)


SWEEP_INTERVAL_MS = 60_000


class ConsoleSession(QObject):
    casesChanged = Signal(object)  # LiveDiff
    unitsChanged = Signal(object)  # LiveDiff
    loaded = Signal()  # first snapshot applied
    notice = Signal(str, str)  # level ("info", "warning", "error"), text
    dbStatusChanged = Signal(bool, str)
    eventsArrived = Signal(object)  # list[EventRecord], for the case detail's timeline

    def __init__(self, worker: DbWorker, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.actor = actor
        self.state = LiveState()
        self.selection = Selection(self)
        self.township_names: dict[int, str] = {}
        self.grid_codes: dict[int, str] = {}
        self.is_loaded = False
        self.reachable = True
        worker.snapshotReady.connect(self._on_snapshot)
        worker.changesReady.connect(self._on_changes)
        worker.dbStatusChanged.connect(self._on_db_status)
        # A database that does not answer at all (a hung network) is an outage too: watch the worker's calls.
        self._stalled = False
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(250)
        self._watchdog.timeout.connect(self._check_stall)
        self._watchdog.start()
        # 督办: overdue cases and assignments are escalated by a sweep every minute. Every working console runs it;
        # the sweep's guarded updates raise each level once, whichever console gets there first.
        self._sweep = QTimer(self)
        self._sweep.setInterval(SWEEP_INTERVAL_MS)
        self._sweep.timeout.connect(self.sweep_overdue)

    @property
    def read_only(self) -> bool:
        return not self.actor.may(Action.INTAKE) and not self.actor.may(Action.DISPATCH)

    def may(self, action: Action) -> bool:
        return self.actor.may(action)

    # -- loading and live sync ----------------------------------------------------------------------------------

    def start(self) -> None:
        def names(s: Session) -> tuple[dict[int, str], dict[int, str]]:
            county = queries.county(s)
            return {t.id: t.name for t in county.townships}, {g.id: g.code for g in county.grids}

        def got(result: JobResult) -> None:
            if result.ok:
                self.township_names, self.grid_codes = result.value

        self.worker.read(names, got)
        freeze_long_lived()  # the window and everything made at start: out of every later collection
        self.worker.start_sync(self.actor)
        if not self.read_only:
            self._sweep.start()
            QTimer.singleShot(2000, self.sweep_overdue)

    def sweep_overdue(self) -> None:
        """Escalate what became overdue (a system action: its events name `system` as the actor)."""
        if self.reachable:
            self.worker.write(lambda s: escalation.escalate_overdue(s, now=utcnow()))

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
            self.eventsArrived.emit(changes.events)

    def _emit(self, diff: LiveDiff) -> None:
        if diff.cases_inserted or diff.cases_updated or diff.cases_removed:
            self.casesChanged.emit(diff)
        if diff.units_inserted or diff.units_updated or diff.units_removed:
            self.unitsChanged.emit(diff)

    def _on_db_status(self, reachable: bool, message: str) -> None:
        self._stalled = False
        self.reachable = reachable
        self.dbStatusChanged.emit(reachable, message)

    def _check_stall(self) -> None:
        stalled = self.worker.busy_for() > STALL_SECONDS
        if stalled and not self._stalled and self.reachable:
            self._stalled = True
            self.reachable = False
            self.dbStatusChanged.emit(False, self.tr("the database does not answer"))
        elif not stalled and self._stalled:
            self._stalled = False
            if self.worker.reachable:
                self.reachable = True
                self.dbStatusChanged.emit(True, "")

    # -- writes ---------------------------------------------------------------------------------------------------

    def _write(
        self,
        work: Callable[[Session], Any],
        *,
        cases: Callable[[Any], Iterable[int]] = lambda _v: (),
        units: Callable[[Any], Iterable[int]] = lambda _v: (),
        callback: Callback | None = None,
        done_text: Callable[[Any], str] | None = None,
    ) -> None:
        if not self.reachable:
            self.notice.emit("error", offline_message())
            if callback:
                callback(JobResult(False, None, DatabaseOffline()))
            return
        actor = self.actor

        def job(s: Session) -> tuple[Any, Changes]:
            value = work(s)
            return value, _fresh(s, actor, cases(value), units(value))

        def done(result: JobResult) -> None:
            if result.ok:
                value, changes = result.value
                self._emit(self.state.apply(changes))
                if done_text:
                    self.notice.emit("info", done_text(value))
                result = JobResult(True, value, None, result.seconds)
            else:
                self.notice.emit("error", describe_error(result.error))
            if callback:
                callback(result)

        self.worker.write(job, done)

    def refresh(self, case_ids: Iterable[int] = (), unit_ids: Iterable[int] = ()) -> None:
        """Re-read some cases and units now (after a refused write, so nothing stale stays on screen)."""
        actor, case_ids, unit_ids = self.actor, list(case_ids), list(unit_ids)

        def done(result: JobResult) -> None:
            if result.ok:
                self._emit(self.state.apply(result.value))

        self.worker.read(lambda s: _fresh(s, actor, case_ids, unit_ids), done)

    def dispatch(self, case_id: int, unit_id: int, callback: Callback | None = None) -> None:
        actor = self.actor

        def after(result: JobResult) -> None:
            if not result.ok:
                self.refresh([case_id], [unit_id])
            if callback:
                callback(result)

        self._write(
            lambda s: dispatch_service.dispatch_unit(s, case_id=case_id, unit_id=unit_id, actor=actor),
            cases=lambda _d: [case_id],
            units=lambda _d: [unit_id],
            callback=after,
            done_text=lambda d: self.tr("Dispatched %s") % self._callsign(unit_id),
        )

    def dispatch_nearest(self, case_id: int, callback: Callback | None = None) -> None:
        actor = self.actor

        def after(result: JobResult) -> None:
            if not result.ok:
                self.refresh([case_id], [])
            if callback:
                callback(result)

        self._write(
            lambda s: dispatch_service.dispatch_nearest(s, case_id=case_id, actor=actor).unit_id,
            cases=lambda _u: [case_id],
            units=lambda unit_id: [unit_id],
            callback=after,
            done_text=lambda unit_id: self.tr("Dispatched %s") % self._callsign(unit_id),
        )

    def set_unit_status(self, unit_id: int, status: UnitStatus, callback: Callback | None = None) -> None:
        actor = self.actor
        unit = self.state.units.get(unit_id)
        case_ids = [unit.current_case_id] if unit and unit.current_case_id else []
        self._write(
            lambda s: dispatch_service.set_unit_status(s, unit_id=unit_id, status=status, actor=actor),
            cases=lambda _v: case_ids,
            units=lambda _v: [unit_id],
            callback=callback,
        )

    def case_action(
        self, name: str, case_id: int, text: str = "", *, into_case_id: int = 0, callback: Callback | None = None
    ) -> None:
        """resolve / close / invalidate / escalate / merge / reopen / note on one case."""
        actor = self.actor
        works: dict[str, Callable[[Session], Any]] = {
            "resolve": lambda s: case_service.resolve_case(s, case_id=case_id, resolution=text, actor=actor),
            "close": lambda s: case_service.close_case(s, case_id=case_id, actor=actor, note=text or None),
            "invalidate": lambda s: case_service.invalidate_case(s, case_id=case_id, reason=text, actor=actor),
            "escalate": lambda s: case_service.escalate_case(s, case_id=case_id, reason=text, actor=actor),
            "merge": lambda s: case_service.merge_case(s, case_id=case_id, into_case_id=into_case_id, actor=actor),
            "reopen": lambda s: case_service.reopen_case(s, case_id=case_id, reason=text, actor=actor),
            "note": lambda s: case_service.add_note(s, case_id=case_id, text=text, actor=actor),
        }
        unit_ids = list(self.state.cases[case_id].unit_ids) if case_id in self.state.cases else []
        self._write(
            works[name],
            cases=lambda _v: [case_id] + ([into_case_id] if into_case_id else []),
            units=lambda _v: unit_ids,
            callback=callback,
        )

    def assign(
        self, case_id: int, assignee_kind: str, assignee_id: int, hours: float | None, callback: Callback | None = None
    ) -> None:
        """派单 to a department or township (the shift leader's; the assignments service checks the role)."""
        from console.services import assignments

        actor = self.actor
        self._write(
            lambda s: assignments.assign_case(
                s, case_id=case_id, assignee_kind=assignee_kind, assignee_id=assignee_id, actor=actor, hours=hours
            ),
            cases=lambda _a: [case_id],
            callback=callback,
            done_text=lambda _a: self.tr("Case assigned"),
        )

    def create_case(
        self,
        data: dict[str, Any],
        *,
        dispatch_nearest: bool = False,
        merge_into: int = 0,
        callback: Callback | None = None,
    ) -> None:
        """Intake in one transaction (optionally merged into an open case). Dispatching the nearest unit is a second
        transaction, so a case is never lost because no unit was free."""
        actor = self.actor

        def work(s: Session) -> tuple[int, str]:
            req = intake_service.parse_intake(data)
            result = intake_service.create_case(s, req, actor=actor)
            if merge_into:
                case_service.merge_case(s, case_id=result.case.id, into_case_id=merge_into, actor=actor)
            return result.case.id, result.case.number

        def done(result: JobResult) -> None:
            if result.ok and dispatch_nearest and not merge_into:
                case_id = result.value[0]
                self.selection.select_case(case_id)
                self.dispatch_nearest(case_id)
            elif result.ok:
                self.selection.select_case(merge_into or result.value[0])
            if callback:
                callback(result)

        self._write(
            work,
            cases=lambda v: [v[0]] + ([merge_into] if merge_into else []),
            callback=done,
            done_text=lambda v: self.tr("Saved case %s") % v[1],
        )

    def _callsign(self, unit_id: int) -> str:
        unit = self.state.units.get(unit_id)
        return unit.callsign if unit else str(unit_id)

    # -- reads ------------------------------------------------------------------------------------------------------

    def read(self, fn: Callable[[Session], Any], callback: Callback) -> None:
        self.worker.read(fn, callback)
