"""`Tx`: a write transaction on a Core connection, with an ORM session joined to it only when a step asks for one
(the intake operation's way, issue 12)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.db import Database, Tx, write_transaction, write_tx
from console.enums import EventKind, Role
from console.events import record_event, written_events
from console.models import Case, Event
from console.services import intake
from tests.county import MiniCounty
from tests.db.test_hot import stored_as_made
from tests.services.test_intake import GOOD


def _events(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Event.id))) or 0)


def test_an_intake_on_a_tx_hands_out_the_row_it_wrote(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    req = intake.parse_intake({**GOOD, "caller_phone": "13900000078", "caller_name": "李"})
    made = write_tx(db.engine, lambda tx: intake.create_case(tx, req, actor=actor)).case
    stored_as_made(db, made)
    # and the row is the one the session's way writes (number and times aside)
    other = write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=actor)).case
    differ = {"id", "number", "received_at", "due_at", "updated_at", "repeat_of_id"}
    for column in Case.__table__.columns:
        if column.key not in differ:
            assert getattr(made, column.key) == getattr(other, column.key), column.key


def test_the_session_of_a_tx_is_its_transaction(db: Database, county: MiniCounty) -> None:
    """Events written on the connection and through the session asked for later are one transaction: both kept in
    order by `written_events`, both gone when the work fails."""
    before = _events(db)

    def work(tx: Tx) -> list[EventKind]:
        record_event(tx, EventKind.CASE_NOTE, actor="t", payload={"n": 1})
        assert not tx.has_session
        record_event(tx.session, EventKind.CASE_NOTE, actor="t", payload={"n": 2})
        record_event(tx, EventKind.CASE_NOTE, actor="t", payload={"n": 3})
        return [e.payload["n"] for e in written_events(tx)]

    assert write_tx(db.engine, work) == [1, 2, 3]
    assert _events(db) == before + 3

    def failing(tx: Tx) -> None:
        record_event(tx, EventKind.CASE_NOTE, actor="t")
        record_event(tx.session, EventKind.CASE_NOTE, actor="t")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_tx(db.engine, failing)
    assert _events(db) == before + 3


def test_a_tx_of_a_session_is_the_session_s(db: Database, county: MiniCounty) -> None:
    def work(s: Session) -> bool:
        tx = Tx.of(s)
        record_event(tx, EventKind.CASE_NOTE, actor="t")
        return tx.session is s and len(written_events(s)) == 1

    assert write_transaction(db.sessions, work)
