"""Background work: ONE database worker thread running the core's operations in order, the live sync it runs
between them, and the one owner of "is the database there".

A job is an `OpCall` — an operation's name, the actor and plain arguments — executed with `console.ops.execute`
(each operation opens its own session or write transaction). Results and errors come back to the interface thread
as values (`JobResult`) through a queued signal and are handed to the callback given at submit time, on the
interface thread. Nothing here touches a widget or a database session.

Between jobs the worker polls the change feed (every `poll_interval` on SQLite; on PostgreSQL a listener thread
wakes it on NOTIFY) and sends the fresh views of what changed (`console.live.Changes`, read by the `live.changes`
operation). Right after a write, and before its result is handed back, the worker polls at once: the write's fresh
rows reach the live state by the same path as every other workstation's changes (`changesReady`), emitted on the
interface thread just before the write's callback runs, so the callback sees them and nothing sees one without the
other.

Reachability is decided here and only here, and published by `dbStatusChanged(reachable, message)`: a failing poll
or job means the database is unreachable (retried every `retry_interval`), and so does a call that has not answered
for `stall_seconds` (a hung network), noticed by a watchdog thread. When it answers again, `dbStatusChanged(True,
"")` and the feed carries on from the last event id it delivered (the events table's ids are the feed: every change
made during the gap, at any console or on a promoted standby, arrives as changes). Only a database whose newest
event is older than what was seen (another database, a restored backup) is read again as a fresh snapshot.

A console that only reads (the wall) may read from a hot standby: `read_from(database)` sends the live sync and the
read operations there, while writes (login included) stay on the primary.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from console.db import Database
from console.events import ChangeFeed
from console.live import Changes, Snapshot
from console.ops import REGISTRY, Actor, Kind, Needs, OpChanges, OpResult, ServiceError, execute, operation_named

log = logging.getLogger(__name__)

#: A database call running longer than this means the database is not answering (the banner must show within 2 s).
STALL_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class OpCall:
    """An operation to run: its name, who acts, and its plain arguments."""

    name: str
    actor: Actor
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobResult:
    ok: bool
    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    changes: OpChanges = field(default_factory=OpChanges)
    # The change feed polled right after a write: applied to the live state just before the callback runs.
    feed: Changes | None = None

    @property
    def service_error(self) -> ServiceError | None:
        return self.error if isinstance(self.error, ServiceError) else None

    @property
    def db_unreachable(self) -> bool:
        return self.error is not None and is_outage(self.error)


Callback = Callable[[JobResult], None]


@dataclass(slots=True)
class _Job:
    id: int
    call: OpCall


_WAKE = object()
_STOP = object()


_OUTAGE_ERRORS = frozenset({"OperationalError", "DBAPIError", "InterfaceError", "DatabaseOffline"})


def is_outage(exc: BaseException) -> bool:
    """Errors that mean "the database is not there" rather than "the request was wrong" (the driver's errors are
    recognised by name, so that the interface needs no database imports)."""
    if isinstance(exc, ServiceError):
        return False
    return isinstance(exc, OSError) or any(cls.__name__ in _OUTAGE_ERRORS for cls in type(exc).__mro__)


class DatabaseOffline(Exception):
    """A write refused because the database is known to be unreachable (never queued for later)."""


class DbWorker(QObject):
    """Owns the database thread. Create, `start()`, `run()` operations, `start_sync(actor)`, `stop()`."""

    jobDone = Signal(int, object)  # job id, JobResult (queued to the interface thread)
    snapshotReady = Signal(object)  # Snapshot
    changesReady = Signal(object)  # Changes
    dbStatusChanged = Signal(bool, str)  # reachable, message
    progress = Signal(str, int, int)  # stage, done, total (operations that report progress)

    def __init__(
        self,
        db: Database,
        *,
        poll_interval: float = 0.05,
        retry_interval: float = 0.5,
        stall_seconds: float = STALL_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self.stall_seconds = stall_seconds
        self._queue: queue.Queue[object] = queue.Queue()
        self._ids = itertools.count(1)
        self._callbacks: dict[int, Callback] = {}
        self._threads: list[threading.Thread] = []
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        self._actor: Actor | None = None
        self._feed: ChangeFeed | None = None
        self._want_snapshot = False
        # Reachability: written only through `_publish`, under the lock, by the database and watchdog threads.
        self._status_lock = threading.Lock()
        self._reachable = True
        self._message = ""  # the outage's message while unreachable
        self._busy_since: float | None = None  # monotonic start of the watched database call under way
        self._check_head = False  # after an outage: is it still the database the feed was reading?
        self._undelivered: list[Any] = []  # events polled whose changes could not be read yet
        self.read_db = db
        self.jobDone.connect(self._deliver)

    # -- interface thread ---------------------------------------------------------------------------------------

    def start(self) -> None:
        if not self._threads:
            for target, name in ((self._run, "console-db"), (self._watch, "console-db-watchdog")):
                thread = threading.Thread(target=target, name=name, daemon=True)
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._queue.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        if self._listener is not None:
            self._listener.join(timeout)
            self._listener = None

    def run(self, call: OpCall, callback: Callback | None = None) -> int:
        """Queue the operation; `callback(JobResult)` runs on the interface thread when it is done."""
        job_id = next(self._ids)
        if callback is not None:
            self._callbacks[job_id] = callback
        self._queue.put(_Job(job_id, call))
        return job_id

    def read_from(self, database: Database) -> None:
        """Run the live sync and read operations on `database` (a standby of `db`); call before `start_sync`."""
        self.read_db = database

    def start_sync(self, actor: Actor) -> None:
        """Load a snapshot for `actor`, then keep sending the changes of every event after it."""
        self._actor = actor
        self._want_snapshot = True
        self._queue.put(_WAKE)
        if self.read_db.is_postgres and self._listener is None:
            self._listener = threading.Thread(target=self._listen, name="console-notify", daemon=True)
            self._listener.start()

    def wake(self) -> None:
        self._queue.put(_WAKE)

    @Slot(int, object)
    def _deliver(self, job_id: int, result: JobResult) -> None:
        if result.feed is not None:
            self.changesReady.emit(result.feed)  # the live state shows the write before its callback runs
        callback = self._callbacks.pop(job_id, None)
        if callback is not None:
            callback(result)

    # -- reachability (database and watchdog threads) -------------------------------------------------------------

    def _is_reachable(self) -> bool:
        with self._status_lock:
            return self._reachable

    def _publish(self, reachable: bool, message: str) -> None:
        if not reachable and self.db.file_problem() is not None:
            message = file_changed_text()  # whichever thread met it first, the banner names the file's fate
        with self._status_lock:
            if reachable == self._reachable and (reachable or message == self._message):
                return
            self._reachable = reachable
            self._message = "" if reachable else message
        self.dbStatusChanged.emit(reachable, message)

    def _watch(self) -> None:
        """A call that does not answer is an outage too: the database thread cannot say so while it waits."""
        while not self._stopping.wait(0.1):
            if self.db.file_problem() is not None:  # the SQLite file deleted, replaced or moved: writes are refused
                self._publish(False, file_changed_text())
                continue
            since = self._busy_since
            if since is not None and time.monotonic() - since > self.stall_seconds:
                self._publish(False, QCoreApplication.translate("ConsoleSession", "the database does not answer"))

    # -- database thread ------------------------------------------------------------------------------------------

    def _run(self) -> None:
        next_poll = 0.0
        while not self._stopping.is_set():
            timeout = max(0.0, next_poll - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = _WAKE
            if item is _STOP:
                break
            synced: bool | None = None
            if isinstance(item, _Job):
                synced = self._run_job(item)
            if synced is None and (item is _WAKE or (self._actor is not None and time.monotonic() >= next_poll)):
                synced = self._sync()
            if synced is not None:
                next_poll = time.monotonic() + (self.poll_interval if synced else self.retry_interval)
            elif self._actor is None:
                next_poll = time.monotonic() + 3600

    def _watched(self, fn: Callable[[], Any]) -> Any:
        self._busy_since = time.monotonic()
        try:
            return fn()
        finally:
            self._busy_since = None

    def _run_job(self, job: _Job) -> bool | None:
        """Run one operation and hand its result back; after a write (done or refused), poll the feed first. Returns
        the poll's outcome (None: no poll was run)."""
        started = time.perf_counter()
        call = job.call
        try:
            op = operation_named(call.name)
            if op.needs == Needs.ONLINE and not self._is_reachable():
                raise DatabaseOffline()
            # Set-up steps (schema, demo county) take long on purpose: only the others are watched for stalls.
            watched = op.kind == Kind.READ or op.needs == Needs.ONLINE
            outcome: OpResult[Any] = self._watched(lambda: self._execute(call)) if watched else self._execute(call)
            result = JobResult(True, outcome.value, None, time.perf_counter() - started, outcome.changes)
            # A write changed rows; a write refused because its rows changed meanwhile has news on the feed too.
            poll = op.writes
        except Exception as exc:  # handed back as a value, never thrown across threads
            if not isinstance(exc, ServiceError):
                log.warning("operation %s failed: %s", call.name, exc)
            result = JobResult(False, None, exc, time.perf_counter() - started)
            poll = isinstance(exc, ServiceError) and call.name in REGISTRY and REGISTRY[call.name].writes
            if is_outage(exc) and not isinstance(exc, DatabaseOffline):
                self._publish(False, _first_line(exc))
        synced: bool | None = None
        if poll and self._actor is not None:
            feed: list[Changes] = []
            synced = self._sync(feed.append)
            if feed:
                result = replace(result, feed=feed[0])
        self.jobDone.emit(job.id, result)
        return synced

    def _execute(self, call: OpCall) -> OpResult[Any]:
        op = operation_named(call.name)
        return execute(self.read_db if op.kind == Kind.READ else self.db, call.actor, call.name, **call.arguments)

    def _sync(self, deliver: Callable[[Changes], None] | None = None) -> bool:
        """Poll the change feed and send what changed (to `deliver`, else by `changesReady`)."""
        return bool(self._watched(lambda: self._sync_once(deliver or self.changesReady.emit)))

    def _sync_once(self, deliver: Callable[[Changes], None]) -> bool:
        actor = self._actor
        if actor is None:
            return True
        try:
            if self._feed is None:
                self._feed = ChangeFeed(self.read_db, after_id=0)
                self._want_snapshot = True
            if self._check_head:
                # Back after an outage: carry on from the last event seen, unless this database is behind it.
                self._want_snapshot = self._want_snapshot or self._feed.head_id() < self._feed.last_id
                self._check_head = False
            if self._want_snapshot:
                self._load_snapshot(self._feed, actor)
                return True
            # Events read but not yet turned into changes (the database went away in between) go first.
            events = self._undelivered = self._undelivered + self._feed.poll()
            if events:
                deliver(execute(self.read_db, actor, "live.changes", events=events).value)
            self._undelivered = []
            self._publish(True, "")
            return True
        except Exception as exc:
            if not is_outage(exc):  # not the database being away: start again from a fresh snapshot
                log.exception("live sync failed")
                self._undelivered = []
                self._want_snapshot = True
            self._publish(False, _first_line(exc))
            self._check_head = True
            return False

    def _load_snapshot(self, feed: ChangeFeed, actor: Actor) -> None:
        head = feed.head_id()
        snapshot: Snapshot = execute(
            self.read_db, actor, "live.snapshot", last_event_id=head, between_chunks=lambda: time.sleep(0.002)
        ).value
        feed.last_id = head
        self._undelivered = []  # the snapshot holds them
        self._want_snapshot = False
        self._publish(True, "")
        self.snapshotReady.emit(snapshot)

    def _listen(self) -> None:
        """PostgreSQL only: wake the worker as soon as another workstation commits an event."""
        waiter = ChangeFeed(self.read_db, after_id=0)
        try:
            while not self._stopping.is_set():
                if waiter.wait(0.5):
                    self.wake()
        finally:
            waiter.close()


def file_changed_text() -> str:
    """The outage message of a SQLite file deleted, replaced or moved (the main window shows its own banner)."""
    return QCoreApplication.translate(
        "ConsoleSession",
        "the database file was deleted, replaced or moved: nothing more is saved — restart the console on the right file",
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = [
    "Callback",
    "Changes",
    "DatabaseOffline",
    "DbWorker",
    "JobResult",
    "OpCall",
    "Snapshot",
    "file_changed_text",
    "is_outage",
]


class FeedWorker(QObject):
    """The outside feeds (GPS server, appeal platforms) run inside this console: only on the one workstation
    configured for it, never once per console. The runner polls each source in its own network thread; each poll's
    outcome comes back to the interface thread as a value."""

    polled = Signal(object)  # console.feeds.runner.PollOutcome

    def __init__(self, db: Database, feeds: Any, parent: QObject | None = None, *, attachments: Any = None) -> None:
        super().__init__(parent)
        from console.feeds.runner import FeedRunner

        # `attachments`: the `[attachments]` limits the appeal platforms' photos are taken in with.
        self.runner = FeedRunner(db, feeds, on_poll=self.polled.emit, attachments=attachments)

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop(timeout=5.0)
        self.runner.close()
