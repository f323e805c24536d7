"""PostgreSQL time partitions: made ahead by the maintenance (idempotent); rows that arrived while it had not run
wait in the default partition and are moved, intact and still append-only, into the partition made for them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from console.db import Database, write_transaction
from console.db.partitions import (
    EVENTS,
    POSITIONS,
    advance,
    ensure_partitions,
    floor,
    is_partition,
    list_partitions,
    partition_name,
)
from console.enums import EventKind
from console.events import record_event
from console.models import Event, Position
from console.timeutil import utcnow
from tests.cli.test_cli import run
from tests.county import build_mini_county

from .work import track


def _names(db: Database, table: str) -> list[str]:
    with db.engine.begin() as conn:
        return [p.name for p in list_partitions(conn, table)]


def test_layout_and_maintenance_are_idempotent(pg_db: Database) -> None:
    now = utcnow()
    positions, events = _names(pg_db, "positions"), _names(pg_db, "events")
    assert positions[0] == "positions_p_old" and positions[-1] == "positions_p_default"
    assert events[0] == "events_p_old" and events[-1] == "events_p_default"
    assert all(is_partition(n) for n in positions + events)
    today = floor(now, "day")
    for day in range(POSITIONS.ahead + 1):
        assert partition_name(POSITIONS, today + timedelta(days=day)) in positions
    for month in range(EVENTS.ahead + 1):
        assert partition_name(EVENTS, advance(floor(now, "month"), "month", month)) in events
    with pg_db.engine.begin() as conn:
        assert ensure_partitions(conn, now=now) == []
    # Further ahead on request.
    with pg_db.engine.begin() as conn:
        created = ensure_partitions(conn, now=now, ahead=POSITIONS.ahead + 2, tables=(POSITIONS,))
    assert created == [partition_name(POSITIONS, today + timedelta(days=POSITIONS.ahead + d)) for d in (1, 2)]


def test_rows_in_the_default_partition_move_to_their_new_partition(pg_db: Database) -> None:
    county = build_mini_county(pg_db)
    now = utcnow()
    later_day = floor(now, "day") + timedelta(days=POSITIONS.ahead + 3)
    later_month = advance(floor(now, "month"), "month", EVENTS.ahead + 2)
    # The maintenance has not run: these land in the default partitions.
    with pg_db.engine.begin() as conn:
        conn.execute(text("UPDATE units SET fix_at = NULL"))
    assert track(pg_db, county, "PC-01", later_day + timedelta(hours=1), 3, every_s=60) == 0  # the future is refused
    write_transaction(
        pg_db.sessions,
        lambda s: s.execute(
            text("INSERT INTO positions (unit_id, fix_at, lat, lon, source) VALUES (:u, :t, 24.8, 113.6, 'import')"),
            {"u": county.unit_ids["PC-01"], "t": later_day + timedelta(hours=1)},
        ),
    )
    event_id = write_transaction(
        pg_db.sessions,
        lambda s: record_event(s, EventKind.CASE_NOTE, actor="clock_skew", ts=later_month + timedelta(days=1)).id,
    )
    with pg_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM positions_p_default")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM events_p_default")).scalar() == 1

    # The maintenance runs again, weeks later: it makes the partitions up to its own "ahead" and moves the rows.
    with pg_db.engine.begin() as conn:
        created = ensure_partitions(conn, now=later_day - timedelta(days=POSITIONS.ahead), tables=(POSITIONS,))
        created += ensure_partitions(conn, now=advance(later_month, "month", -EVENTS.ahead), tables=(EVENTS,))
    assert partition_name(POSITIONS, later_day) in created
    assert created[-1] == partition_name(EVENTS, later_month)
    with pg_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM positions_p_default")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM events_p_default")).scalar() == 0
        where = conn.execute(text("SELECT tableoid::regclass::text FROM events WHERE id = :i"), {"i": event_id})
        assert where.scalar() == partition_name(EVENTS, later_month)
    with pg_db.session() as s:
        moved = s.get(Event, event_id)
        assert moved is not None and moved.actor == "clock_skew"
        assert s.scalar(select(Position.fix_at).where(Position.source == "import")) == later_day + timedelta(hours=1)
    # The moved event is as append-only as before, and the default partition has its triggers again.
    for table in ("events", partition_name(EVENTS, later_month)):
        with pytest.raises(DBAPIError, match="append-only"), pg_db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))
    with pg_db.engine.connect() as conn:
        triggers = conn.execute(
            text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'events_p_default'::regclass AND NOT tgisinternal ORDER BY 1"
            )
        ).scalars()
        assert list(triggers) == ["events_append_only", "events_append_only_truncate"]


def test_partitions_command(pg_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", pg_db.url, "partitions", "--ahead", "20")
    assert code == 0, err
    today = floor(utcnow(), "day")
    assert out["partitioned"] is True
    assert partition_name(POSITIONS, today + timedelta(days=20)) in out["created"]
    assert out["tables"]["positions"]["until"] == (today + timedelta(days=21)).isoformat()
    code, out, err = run(capsys, "--db", pg_db.url, "partitions", "--ahead", "20")
    assert code == 0 and out["created"] == []


def test_partitions_command_on_sqlite_has_nothing_to_do(
    sqlite_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", sqlite_db.url, "partitions")
    assert code == 0 and out == {"partitioned": False, "created": [], "tables": {}}
