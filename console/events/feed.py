"""Reading the change feed: events after the last id a console has seen.

On SQLite writers are serialised, so ids appear in commit order. On PostgreSQL a transaction that took id 41 can
commit after one that took id 42; a poller that only asked for `id > 42` would lose 41. So the feed remembers the
ids it skipped and asks for them again for a while (`gap_timeout`): the events table is append-only and ids are
never reused, so a gap either fills within a transaction's lifetime or stays empty (a rolled-back transaction).
The clock of a gap only runs while the database answers: a transaction caught by a failover may commit on the
promoted standby and be seen only once the feed reconnects, however long that took.

`wait()` blocks until something may have changed: on PostgreSQL a LISTEN connection wakes it at once on NOTIFY; on
SQLite (or if the listener is down) it simply sleeps the poll interval.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..db.engine import Database
from ..enums import EventKind
from ..models import Event
from .record import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A plain, thread-safe copy of an event row."""

    id: int
    ts: datetime
    actor: str
    kind: EventKind
    case_id: int | None
    unit_id: int | None
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: Event) -> EventRecord:
        return cls(row.id, row.ts, row.actor, row.kind, row.case_id, row.unit_id, dict(row.payload or {}))


class ChangeFeed:
    def __init__(
        self,
        db: Database,
        *,
        after_id: int | None = None,
        batch: int = 2000,
        gap_timeout: float = 10.0,
        poll_interval: float = 0.1,
    ) -> None:
        self.db = db
        self.batch = batch
        self.gap_timeout = gap_timeout
        self.poll_interval = poll_interval
        self._gaps: dict[int, float] = {}  # missing id -> monotonic time first noticed
        self._interrupted = False  # a read failed: the gaps' clocks start again at the next poll
        self.last_id = self.head_id() if after_id is None else after_id
        self._listener: Any = None

    def head_id(self) -> int:
        try:
            with self.db.session() as s:
                return int(s.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0)
        except Exception:
            self._interrupted = True  # the database is away: the gaps wait for it
            raise

    def poll(self) -> list[EventRecord]:
        """Events committed since the last call, in id order (late commits of skipped ids included). A poll that
        fails changes nothing: the next one reads the same events again."""
        now = time.monotonic()
        gaps = dict.fromkeys(self._gaps, now) if self._interrupted else dict(self._gaps)
        gaps = {gid: t0 for gid, t0 in gaps.items() if now - t0 < self.gap_timeout}
        last_id = self.last_id
        out: list[EventRecord] = []
        self._interrupted = True  # until this poll has read everything
        with self.db.session() as s:
            if gaps:
                late = s.scalars(select(Event).where(Event.id.in_(list(gaps))).order_by(Event.id)).all()
                for row in late:
                    gaps.pop(row.id, None)
                    out.append(EventRecord.from_row(row))
            while True:
                rows = s.scalars(select(Event).where(Event.id > last_id).order_by(Event.id).limit(self.batch)).all()
                for row in rows:
                    if self.db.is_postgres:
                        for missing in range(last_id + 1, row.id):
                            gaps.setdefault(missing, now)
                    last_id = row.id
                    out.append(EventRecord.from_row(row))
                if len(rows) < self.batch:
                    break
        self._gaps, self.last_id, self._interrupted = gaps, last_id, False
        return out

    # -- waiting ------------------------------------------------------------------------------------------------

    def _connect_listener(self) -> Any:
        import psycopg

        from ..db.engine import libpq_params

        # Every server of a multi-host URL, with its target_session_attrs: after a promotion the listener finds the
        # new primary as the pool does.
        conn = psycopg.connect(**{"connect_timeout": 5, **libpq_params(self.db.engine)}, autocommit=True)
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return conn

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a NOTIFY arrives (PostgreSQL) or the poll interval passes. True if woken by a NOTIFY."""
        timeout = self.poll_interval if timeout is None else timeout
        if not self.db.is_postgres:
            time.sleep(timeout)
            return False
        try:
            if self._listener is None or self._listener.closed:
                self._listener = self._connect_listener()
            woke = False
            for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                woke = True
            return woke
        except Exception as exc:  # the database may be down: fall back to sleeping, the poll will report it
            log.debug("listener unavailable: %s", exc)
            self.close()
            time.sleep(timeout)
            return False

    def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                self._listener.close()
            self._listener = None

    def __iter__(self) -> Iterable[EventRecord]:  # pragma: no cover - convenience for scripts
        while True:
            yield from self.poll()
            self.wait()


def timeline(db: Database, case_id: int) -> list[EventRecord]:
    """The case's timeline: its events in order (the same rows as the audit trail and the feed)."""
    with db.session() as s:
        rows = s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)).all()
        return [EventRecord.from_row(r) for r in rows]
