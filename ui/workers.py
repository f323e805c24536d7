"""Background work: ONE database worker thread running jobs in order, and the live sync it runs between jobs.

Every job gets a fresh session (a read session, or a write transaction through `console.db.write_transaction`).
Results and errors come back to the interface thread as values (`JobResult`) through a queued signal and are
handed to the callback given at submit time, on the interface thread. Nothing here touches a widget.

Between jobs the worker polls the change feed (every `poll_interval` on SQLite; on PostgreSQL a listener thread
wakes it on NOTIFY) and sends the fresh views of what changed (`console.live.Changes`). A failing poll means the
database is unreachable: `dbStatusChanged(False, message)` at once, retries every `retry_interval`, and when it
answers again `dbStatusChanged(True, "")` and the feed carries on from the last event id it delivered (the events
table's ids are the feed: every change made during the gap, at any console or on a promoted standby, arrives as
changes). Only a database whose newest event is older than what was seen (another database, a restored backup) is
read again as a fresh snapshot.

A console that only reads (the wall) may read from a hot standby: `read_from(database)` sends the live sync and the
READ jobs there, while writes and RAW jobs (login) stay on the primary.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from console.db import Database, write_transaction
from console.events import ChangeFeed
from console.live import Changes, Snapshot, fetch_changes, load_snapshot
from console.services.actor import Actor
from console.services.errors import ServiceError

from .gc_tuning import pause_collector, resume_collector

log = logging.getLogger(__name__)


class JobKind(StrEnum):
    READ = "read"  # fn(session) in a read session
    WRITE = "write"  # fn(session) in one write transaction
    RAW = "raw"  # fn(database), for work that manages its own sessions (demo build, login)


@dataclass(frozen=True, slots=True)
class JobResult:
    ok: bool
    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0

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
    kind: JobKind
    fn: Callable[[Any], Any]


_WAKE = object()
_STOP = object()


_OUTAGE_ERRORS = frozenset({"OperationalError", "DBAPIError", "InterfaceError", "DatabaseOffline"})


def is_outage(exc: BaseException) -> bool:
    """Errors that mean "the database is not there" rather than "the request was wrong" (the driver's errors are
    recognised by name, so that the interface needs no database imports)."""
    if isinstance(exc, ServiceError):
        return False
    return isinstance(exc, OSError) or any(cls.__name__ in _OUTAGE_ERRORS for cls in type(exc).__mro__)


class DbWorker(QObject):
    """Owns the database thread. Create, `start()`, `submit()` jobs, `start_sync(actor)`, `stop()`."""

    jobDone = Signal(int, object)  # job id, JobResult (queued to the interface thread)
    snapshotReady = Signal(object)  # Snapshot
    changesReady = Signal(object)  # Changes
    dbStatusChanged = Signal(bool, str)  # reachable, message
    progress = Signal(str, int, int)  # stage, done, total (from RAW jobs that report)

    def __init__(
        self,
        db: Database,
        *,
        poll_interval: float = 0.05,
        retry_interval: float = 0.5,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self._queue: queue.Queue[object] = queue.Queue()
        self._ids = itertools.count(1)
        self._callbacks: dict[int, Callback] = {}
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        self._actor: Actor | None = None
        self._feed: ChangeFeed | None = None
        self._want_snapshot = False
        self._check_head = False  # after an outage: is it still the database the feed was reading?
        self._undelivered: list[Any] = []  # events polled whose changes could not be read yet
        self.read_db = db
        self.reachable = True
        self._busy_since: float | None = None  # monotonic start of the database call under way
        self.jobDone.connect(self._deliver)

    # -- interface thread ---------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="console-db", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._listener is not None:
            self._listener.join(timeout)
            self._listener = None
        resume_collector()  # in case a snapshot was being built and never handed over

    def submit(self, kind: JobKind, fn: Callable[[Any], Any], callback: Callback | None = None) -> int:
        job_id = next(self._ids)
        if callback is not None:
            self._callbacks[job_id] = callback
        self._queue.put(_Job(job_id, kind, fn))
        return job_id

    def read(self, fn: Callable[[Any], Any], callback: Callback | None = None) -> int:
        return self.submit(JobKind.READ, fn, callback)

    def write(self, fn: Callable[[Any], Any], callback: Callback | None = None) -> int:
        return self.submit(JobKind.WRITE, fn, callback)

    def read_from(self, database: Database) -> None:
        """Run the live sync and READ jobs on `database` (a standby of `db`); call before `start_sync`."""
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
        callback = self._callbacks.pop(job_id, None)
        if callback is not None:
            callback(result)

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
            if isinstance(item, _Job):
                self._run_job(item)
            if item is _WAKE or (self._actor is not None and time.monotonic() >= next_poll):
                ok = self._sync()
                next_poll = time.monotonic() + (self.poll_interval if ok else self.retry_interval)
            elif self._actor is None:
                next_poll = time.monotonic() + 3600

    def busy_for(self) -> float:
        """Seconds the database call under way has been running (0 when idle or running a long RAW job)."""
        since = self._busy_since
        return time.monotonic() - since if since is not None else 0.0

    def _run_job(self, job: _Job) -> None:
        started = time.perf_counter()
        self._busy_since = time.monotonic() if job.kind != JobKind.RAW else None
        try:
            if job.kind == JobKind.WRITE:
                if not self.reachable:
                    raise DatabaseOffline()
                value = write_transaction(self.db.sessions, job.fn)
            elif job.kind == JobKind.READ:
                with self.read_db.session() as session:
                    value = job.fn(session)
            else:
                value = job.fn(self.db)
            result = JobResult(True, value, None, time.perf_counter() - started)
        except Exception as exc:  # handed back as a value, never thrown across threads
            if not isinstance(exc, ServiceError):
                log.warning("database job failed: %s", exc)
            result = JobResult(False, None, exc, time.perf_counter() - started)
            if is_outage(exc) and not isinstance(exc, DatabaseOffline):
                self._set_reachable(False, str(exc))
        self._busy_since = None
        self.jobDone.emit(job.id, result)

    def _sync(self) -> bool:
        self._busy_since = time.monotonic()
        try:
            return self._sync_once()
        finally:
            self._busy_since = None

    def _sync_once(self) -> bool:
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
                head = self._feed.head_id()
                # Tens of thousands of new long-lived objects: no collection while they are built (it would pause
                # every thread); the interface thread freezes them and turns the collector back on.
                pause_collector()
                try:
                    with self.read_db.session() as session:
                        snapshot = load_snapshot(
                            session, actor=actor, last_event_id=head, between_chunks=lambda: time.sleep(0.002)
                        )
                except BaseException:
                    resume_collector()
                    raise
                self._feed.last_id = head
                self._undelivered = []  # the snapshot holds them
                self._want_snapshot = False
                self._set_reachable(True, "")
                self.snapshotReady.emit(snapshot)
                return True
            # Events read but not yet turned into changes (the database went away in between) go first.
            events = self._undelivered = self._undelivered + self._feed.poll()
            if events:
                with self.read_db.session() as session:
                    changes = fetch_changes(session, events, actor=actor)
                self.changesReady.emit(changes)
            self._undelivered = []
            self._set_reachable(True, "")
            return True
        except Exception as exc:
            if not is_outage(exc):  # not the database being away: start again from a fresh snapshot
                log.exception("live sync failed")
                self._undelivered = []
                self._want_snapshot = True
            self._set_reachable(False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self._check_head = True
            return False

    def _set_reachable(self, reachable: bool, message: str) -> None:
        if reachable != self.reachable:
            self.reachable = reachable
            self.dbStatusChanged.emit(reachable, message)

    def _listen(self) -> None:
        """PostgreSQL only: wake the worker as soon as another workstation commits an event."""
        waiter = ChangeFeed(self.read_db, after_id=0)
        try:
            while not self._stopping.is_set():
                if waiter.wait(0.5):
                    self.wake()
        finally:
            waiter.close()


class DatabaseOffline(Exception):
    """A write refused because the database is known to be unreachable (never queued for later)."""


__all__ = ["Callback", "DatabaseOffline", "DbWorker", "JobKind", "JobResult", "Snapshot", "Changes"]


class FeedWorker(QObject):
    """The outside feeds (GPS server, appeal platforms) run inside this console: only on the one workstation
    configured for it, never once per console. The runner polls each source in its own network thread; each poll's
    outcome comes back to the interface thread as a value."""

    polled = Signal(object)  # console.feeds.runner.PollOutcome

    def __init__(self, db: Database, feeds: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from console.feeds.runner import FeedRunner

        self.runner = FeedRunner(db, feeds, on_poll=self.polled.emit)

    def start(self) -> None:
        self.runner.start()

    def stop(self) -> None:
        self.runner.stop(timeout=5.0)
        self.runner.close()
