"""Feeds the KPI dashboard and the shift leader's board (other parts of the team's widgets, which run no SQL) from
the console's database worker, and turns their clicks into the queue's filter or the shared selection.

Both refresh on a timer and, a moment after, when the change feed brings events that move their figures: the board
1.5 s after an assignment or supervision event, the dashboard (a heavier read) at most every 10 s while cases change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from console.enums import EventKind
from console.events import EventRecord

from .session import ConsoleSession
from .workers import JobResult

#: Events after which the shift leader's board is read again.
BOARD_EVENTS = frozenset(
    {
        EventKind.ASSIGNMENT_CREATED,
        EventKind.ASSIGNMENT_ACCEPTED,
        EventKind.ASSIGNMENT_RETURNED,
        EventKind.ASSIGNMENT_RESOLVED,
        EventKind.ASSIGNMENT_TRANSFERRED,
        EventKind.CASE_ESCALATED,
        EventKind.CASE_RESOLVED,
        EventKind.CASE_CLOSED,
        EventKind.CALLBACK_RECORDED,
    }
)

#: The dashboard's read after events waits this long, so that a busy shift costs one read every 10 s at most.
DASHBOARD_SOON_MS = 10_000

#: Events that move no figure of the dashboard (every other event may: cases received, dispatched, on scene,
#: resolved, closed, merged, invalid, escalated, reopened, assigned, returned, called back …).
NOT_DASHBOARD_EVENTS = frozenset(
    {
        EventKind.CASE_NOTE,
        EventKind.UNIT_MOVED,
        EventKind.UNIT_CREATED,
        EventKind.GRIDS_IMPORTED,
        EventKind.USER_CREATED,
        EventKind.FEED_HEALTH,
    }
)


class _Refresher(QObject):
    """Runs a read operation for a widget now and then, never two at once, and hands the value to the widget."""

    def __init__(
        self,
        session: ConsoleSession,
        operation: str,
        arguments: Callable[[], dict[str, Any]],
        apply: Callable[[Any], None],
        *,
        every_ms: int,
        soon_ms: int = 1500,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.operation = operation
        self.arguments = arguments
        self.apply = apply
        self._running = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setInterval(every_ms)
        self._timer.timeout.connect(self.refresh)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(soon_ms)  # a burst of events: one read
        self._soon.timeout.connect(self.refresh)

    @property
    def started(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()
        self.refresh()

    def refresh_soon(self) -> None:
        if not self._soon.isActive():
            self._soon.start()

    def refresh(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self.session.run(self.operation, callback=self._done, **self.arguments())

    def _done(self, result: JobResult) -> None:
        self._running = False
        if result.ok:
            self.apply(result.value)
        if self._again:
            self._again = False
            self.refresh()


class DashboardLink(QObject):
    def __init__(
        self,
        session: ConsoleSession,
        dashboard: Any,
        apply_filter: Callable[[dict[str, Any]], None],
        parent: QObject | None = None,
        *,
        also: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.dashboard = dashboard

        def apply(data: Any) -> None:  # the dashboard, and the wall's band when there is one
            dashboard.set_data(data)
            if also is not None:
                also(data)

        self.refresher = _Refresher(
            session,
            "stats.dashboard",
            # the hand-offs accepted in time are counted against this console's `[handoff]` limit
            lambda: {**dashboard.selection(), "accept_within_s": session.handoff_accept_s},
            apply,
            every_ms=60_000,
            soon_ms=DASHBOARD_SOON_MS,
            parent=self,
        )
        dashboard.dataRequested.connect(lambda _p, _d: self.refresher.refresh())
        dashboard.filterRequested.connect(apply_filter)
        # First figures a moment after the queue is loaded, not while it is being drawn.
        session.loaded.connect(lambda: QTimer.singleShot(1500, self.refresher.start))
        session.eventsArrived.connect(self._on_events)

    def _on_events(self, events: list[EventRecord]) -> None:
        if any(e.kind not in NOT_DASHBOARD_EVENTS for e in events):
            self.refresher.refresh_soon()


class SupervisionLink(QObject):
    def __init__(
        self, session: ConsoleSession, board: Any, open_case: Callable[[int], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.board = board
        self.refresher = _Refresher(session, "stats.board", dict, board.set_board, every_ms=30_000, parent=self)
        board.caseActivated.connect(open_case)
        session.loaded.connect(lambda: QTimer.singleShot(1000, self.refresher.start))
        session.eventsArrived.connect(self._on_events)

    def _on_events(self, events: list[EventRecord]) -> None:
        if any(e.kind in BOARD_EVENTS for e in events):
            self.refresher.refresh_soon()
