"""The hand-written partner of the core benchmark: the essential work of an intake and of a dispatch, as plain
sqlite3 / psycopg transactions with no ORM, no validation, no events beyond the one row, no repeat clustering.

- intake: the 24-hour duplicate query by phone, the case row, its event;
- dispatch: the guarded unit update, the guarded case update, the dispatch row, its event.

`bench_core.py` runs these interleaved with the project's own operations on the same database, so that noise from
the machine hits both alike, and reports the ratio.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

_numbers = itertools.count(1)


class Naive(Protocol):
    def intake(self, data: dict[str, Any], now: datetime) -> int: ...
    def dispatch(self, case_id: int, unit_id: int, now: datetime) -> bool: ...
    def close(self) -> None: ...


def _sqlite_ts(value: datetime) -> str:
    """The text SQLAlchemy stores for a UTC time in SQLite (so the range comparisons match the project's rows)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_CASE_COLUMNS = (
    "number, channel, category, priority, status, version, lat, lon, description, caller_phone, received_at, "
    "created_by, due_at, escalation, repeat_count, reopened_count, assignment_count, return_count, "
    "dissatisfied_count, updated_at"
)


class NaiveSqlite:
    def __init__(self, path: str, prefix: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.prefix = prefix

    def _tx(self, work: Callable[[sqlite3.Cursor], Any]) -> Any:
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            out = work(cur)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
        return out

    def intake(self, data: dict[str, Any], now: datetime) -> int:
        ts = _sqlite_ts(now)

        def work(cur: sqlite3.Cursor) -> int:
            dups = cur.execute(
                "SELECT id, number FROM cases WHERE caller_phone = ? AND received_at >= ? AND received_at <= ? "
                "AND status NOT IN ('merged', 'invalid') ORDER BY received_at DESC LIMIT 20",
                (data["caller_phone"], _sqlite_ts(now - timedelta(hours=24)), ts),
            ).fetchall()
            number = f"{self.prefix}-{next(_numbers):07d}"
            cur.execute(
                f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES "
                "(?, ?, ?, ?, 'received', 1, ?, ?, ?, ?, ?, 'naive', ?, 0, 0, 0, 0, 0, 0, ?)",
                (
                    number,
                    data["channel"],
                    data["category"],
                    data["priority"],
                    data["lat"],
                    data["lon"],
                    data["description"],
                    data["caller_phone"],
                    ts,
                    _sqlite_ts(now + timedelta(hours=24)),
                    ts,
                ),
            )
            case_id = int(cur.lastrowid or 0)
            payload = json.dumps({"number": number, "duplicates": [n for _i, n in dups]}, ensure_ascii=False)
            cur.execute(
                "INSERT INTO events (ts, actor, kind, case_id, payload) VALUES (?, 'naive', 'case_received', ?, ?)",
                (ts, case_id, payload),
            )
            return case_id

        return int(self._tx(work))

    def dispatch(self, case_id: int, unit_id: int, now: datetime) -> bool:
        ts = _sqlite_ts(now)

        def work(cur: sqlite3.Cursor) -> bool:
            row = cur.execute(
                "UPDATE units SET status = 'dispatched', status_since = ?, current_case_id = ?, version = version + 1, "
                "updated_at = ? WHERE id = ? AND status = 'available' RETURNING callsign",
                (ts, case_id, ts, unit_id),
            ).fetchone()
            if row is None:
                return False
            number = cur.execute(
                "UPDATE cases SET status = CASE WHEN status = 'received' THEN 'dispatched' ELSE status END, "
                "first_dispatched_at = coalesce(first_dispatched_at, ?), version = version + 1, updated_at = ? "
                "WHERE id = ? AND status IN ('received', 'dispatched', 'on_scene') RETURNING number",
                (ts, ts, case_id),
            ).fetchone()
            cur.execute(
                "INSERT INTO dispatches (case_id, unit_id, dispatched_by, dispatched_at) VALUES (?, ?, 'naive', ?)",
                (case_id, unit_id, ts),
            )
            payload = json.dumps({"number": number[0], "callsign": row[0], "dispatch_id": cur.lastrowid})
            cur.execute(
                "INSERT INTO events (ts, actor, kind, case_id, unit_id, payload) "
                "VALUES (?, 'naive', 'case_dispatched', ?, ?, ?)",
                (ts, case_id, unit_id, payload),
            )
            return True

        return bool(self._tx(work))

    def close(self) -> None:
        self.conn.close()


class NaivePostgres:
    def __init__(self, conninfo: str, prefix: str) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo)
        self.prefix = prefix

    def intake(self, data: dict[str, Any], now: datetime) -> int:
        with self.conn.transaction(), self.conn.cursor() as cur:
            dups = cur.execute(
                "SELECT id, number FROM cases WHERE caller_phone = %s AND received_at >= %s AND received_at <= %s "
                "AND status NOT IN ('merged', 'invalid') ORDER BY received_at DESC LIMIT 20",
                (data["caller_phone"], now - timedelta(hours=24), now),
            ).fetchall()
            number = f"{self.prefix}-{next(_numbers):07d}"
            row = cur.execute(
                f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES "
                "(%s, %s, %s, %s, 'received', 1, %s, %s, %s, %s, %s, 'naive', %s, 0, 0, 0, 0, 0, 0, %s) RETURNING id",
                (
                    number,
                    data["channel"],
                    data["category"],
                    data["priority"],
                    data["lat"],
                    data["lon"],
                    data["description"],
                    data["caller_phone"],
                    now,
                    now + timedelta(hours=24),
                    now,
                ),
            ).fetchone()
            assert row is not None
            payload = json.dumps({"number": number, "duplicates": [n for _i, n in dups]}, ensure_ascii=False)
            event = cur.execute(
                "INSERT INTO events (ts, actor, kind, case_id, payload) "
                "VALUES (%s, 'naive', 'case_received', %s, %s::json) RETURNING id",
                (now, row[0], payload),
            ).fetchone()
            assert event is not None
            cur.execute("SELECT pg_notify('console_events', %s)", (str(event[0]),))
            return int(row[0])

    def dispatch(self, case_id: int, unit_id: int, now: datetime) -> bool:
        with self.conn.transaction(), self.conn.cursor() as cur:
            row = cur.execute(
                "UPDATE units SET status = 'dispatched', status_since = %s, current_case_id = %s, "
                "version = version + 1, updated_at = %s WHERE id = %s AND status = 'available' RETURNING callsign",
                (now, case_id, now, unit_id),
            ).fetchone()
            if row is None:
                return False
            number = cur.execute(
                "UPDATE cases SET status = CASE WHEN status = 'received' THEN 'dispatched' ELSE status END, "
                "first_dispatched_at = coalesce(first_dispatched_at, %s), version = version + 1, updated_at = %s "
                "WHERE id = %s AND status IN ('received', 'dispatched', 'on_scene') RETURNING number",
                (now, now, case_id),
            ).fetchone()
            assert number is not None
            d = cur.execute(
                "INSERT INTO dispatches (case_id, unit_id, dispatched_by, dispatched_at) "
                "VALUES (%s, %s, 'naive', %s) RETURNING id",
                (case_id, unit_id, now),
            ).fetchone()
            assert d is not None
            payload = json.dumps({"number": number[0], "callsign": row[0], "dispatch_id": d[0]})
            event = cur.execute(
                "INSERT INTO events (ts, actor, kind, case_id, unit_id, payload) "
                "VALUES (%s, 'naive', 'case_dispatched', %s, %s, %s::json) RETURNING id",
                (now, case_id, unit_id, payload),
            ).fetchone()
            assert event is not None
            cur.execute("SELECT pg_notify('console_events', %s)", (str(event[0]),))
            return True

    def close(self) -> None:
        self.conn.close()
