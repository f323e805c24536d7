"""The change feed: a second console reads what the first wrote, in order; NOTIFY wakes PostgreSQL listeners;
a transaction that commits late with a lower id is not lost."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import Session

from console.db import Database, write_transaction
from console.enums import EventKind, Role
from console.events import ChangeFeed, record_event
from console.events.feed import timeline
from console.services import dispatch
from tests.county import MiniCounty, build_mini_county
from tests.services.test_intake import GOOD, save


def test_second_console_sees_changes_in_order(db: Database, county: MiniCounty) -> None:
    other = Database(db.url)  # another workstation: its own engine
    feed = ChangeFeed(other)
    assert feed.poll() == []
    case = save(db, GOOD, county).case
    write_transaction(
        db.sessions,
        lambda s: dispatch.dispatch_unit(
            s, case_id=case.id, unit_id=county.unit_ids["PC-01"], actor=county.actors[Role.DISPATCHER]
        ),
    )
    events = feed.poll()
    assert [e.kind for e in events] == [EventKind.CASE_RECEIVED, EventKind.CASE_DISPATCHED]
    assert events[1].case_id == case.id and events[1].unit_id == county.unit_ids["PC-01"]
    assert feed.poll() == []
    assert [e.id for e in timeline(other, case.id)] == [e.id for e in events]
    other.dispose()


def test_notify_wakes_a_listener(pg_db: Database) -> None:
    db, county = pg_db, build_mini_county(pg_db)
    feed = ChangeFeed(Database(db.url))
    feed.wait(timeout=0.01)  # connects the listener
    woke: list[bool] = []
    waiting = threading.Event()

    def listen() -> None:
        waiting.set()
        woke.append(feed.wait(timeout=5))

    t = threading.Thread(target=listen)
    t.start()
    assert waiting.wait(timeout=5)  # a NOTIFY sent from here on reaches the listener (it queues on its connection)
    save(db, GOOD, county)
    t.join(timeout=10)
    assert woke == [True]
    assert [e.kind for e in feed.poll()] == [EventKind.CASE_RECEIVED]
    feed.close()


def test_late_commit_with_lower_id_is_not_lost(pg_db: Database) -> None:
    """On PostgreSQL ids come from a sequence: a transaction can take id N and commit after N+1 is visible.
    (SQLite serialises writers, so there ids appear in commit order.)"""
    db = pg_db
    feed = ChangeFeed(Database(db.url))
    slow = db.sessions()
    record_event(slow, EventKind.CASE_NOTE, actor="slow", payload={"n": 1})  # takes the lower id, not committed
    write_transaction(db.sessions, lambda s: record_event(s, EventKind.CASE_NOTE, actor="fast", payload={"n": 2}))
    first = feed.poll()
    assert [e.actor for e in first] == ["fast"]
    slow.commit()
    slow.close()
    second = feed.poll()
    assert [e.actor for e in second] == ["slow"]
    assert feed.poll() == []


def test_rolled_back_transaction_leaves_no_event(db: Database, county: MiniCounty) -> None:
    feed = ChangeFeed(Database(db.url))

    def fail(s: Session) -> None:
        record_event(s, EventKind.CASE_NOTE, actor="x", payload={})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_transaction(db.sessions, fail)
    assert feed.poll() == []
