"""Hot statements (`console.db.hot`), on SQLite and PostgreSQL: the rows they write are the rows the ORM writes, the
rows they read come back typed as the ORM's, errors are SQLAlchemy's, and what they cannot hold is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from console.db import Database, write_transaction
from console.db.hot import HotInsert, HotStatement, bound, literal_states, loaded
from console.db.statements import count_statements
from console.enums import CaseStatus, Category, EventKind, Role
from console.events import record_event
from console.models import Case, Event
from console.services import intake
from tests.county import MiniCounty
from tests.services.test_intake import GOOD

EVENTS = cast(Table, Event.__table__)
WHEN = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _raw(db: Database, sql: str, *params: Any) -> Any:
    """A row as the database stores it (no SQLAlchemy type processing)."""
    with db.engine.connect() as conn:
        marker = "%s" if db.is_postgres else "?"
        return conn.exec_driver_sql(sql.replace("?", marker), tuple(params)).one()


def test_an_event_written_hot_is_stored_as_the_orm_stores_it(db: Database) -> None:
    payload = {"number": "2026-000001", "note": "群众反映", "list": [1, 2]}

    def orm(s: Session) -> int:
        event = Event(ts=WHEN, actor="orm", kind=EventKind.CASE_NOTE, payload=payload)
        s.add(event)
        s.flush()
        return event.id

    def hot(s: Session) -> int:
        return record_event(s, EventKind.CASE_NOTE, actor="orm", payload=payload, ts=WHEN).id

    by_orm, by_hot = write_transaction(db.sessions, orm), write_transaction(db.sessions, hot)
    assert by_hot > by_orm
    sql = "SELECT ts, actor, kind, case_id, unit_id, payload FROM events WHERE id = ?"
    stored_orm, stored_hot = _raw(db, sql, by_orm), _raw(db, sql, by_hot)
    assert tuple(stored_hot) == tuple(stored_orm)
    with db.session() as s:
        read = s.get(Event, by_hot)
        assert read is not None and read.ts == WHEN and read.kind == EventKind.CASE_NOTE and read.payload == payload


def test_an_intake_s_case_row_is_the_row_the_orm_would_write(db: Database, county: MiniCounty) -> None:
    """Every column of the case an intake writes by its hot INSERT, read back by the ORM, equals the object the
    intake handed out (built from the values, not read back)."""
    actor = county.actors[Role.DISPATCHER]
    req = intake.parse_intake({**GOOD, "caller_phone": "13900000077", "caller_name": "王"})
    made = write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=actor)).case
    stored = stored_as_made(db, made)
    assert stored.received_at.tzinfo is not None and stored.status == CaseStatus.RECEIVED


def stored_as_made(db: Database, made: Case) -> Case:
    """The case row `made` stands for, read back by the ORM, checked equal to it column by column."""
    with db.session() as s:
        stored = s.get(Case, made.id)
        assert stored is not None
        for column in Case.__table__.columns:
            assert getattr(made, column.key) == getattr(stored, column.key), column.key
        return stored


def test_rows_come_back_typed(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    case_id = write_transaction(
        db.sessions, lambda s: intake.create_case(s, intake.parse_intake(GOOD), actor=actor)
    ).case.id
    statement = HotStatement(
        select(Case.id, Case.received_at, Case.category, Case.status, Case.lat)
        .where(Case.id == bindparam("id"), Case.status.in_(literal_states([CaseStatus.RECEIVED])))
        .limit(5)
    )
    with db.session() as s:
        rows = statement.rows(s, {"id": case_id})
    assert len(rows) == 1
    got_id, received_at, category, status, lat = rows[0]
    assert got_id == case_id and isinstance(lat, float)
    assert isinstance(received_at, datetime) and received_at.utcoffset() == timedelta(0)
    assert category is Category(GOOD["category"]) and status is CaseStatus.RECEIVED


def test_hot_insert_returns_the_new_id_and_counts_one_statement(db: Database) -> None:
    statement = HotInsert(insert(EVENTS).values(**bound(EVENTS, ("ts", "actor", "kind", "payload"))), EVENTS.c.id)
    values = {"ts": WHEN, "actor": "hot", "kind": EventKind.CASE_NOTE, "payload": {}}
    with count_statements(db.engine) as log:
        first = write_transaction(db.sessions, lambda s: statement.insert(s, values))
    second = write_transaction(db.sessions, lambda s: statement.insert(s, values))
    assert log.count == 1 and second == first + 1
    assert _raw(db, "SELECT actor FROM events WHERE id = ?", second)[0] == "hot"


def test_errors_are_sqlalchemy_s_and_roll_the_transaction_back(db: Database, county: MiniCounty) -> None:
    statement = HotInsert(insert(EVENTS).values(**bound(EVENTS, ("ts", "actor", "kind", "payload"))), EVENTS.c.id)
    with pytest.raises(IntegrityError):  # actor is NOT NULL
        write_transaction(
            db.sessions,
            lambda s: statement.insert(s, {"ts": WHEN, "actor": None, "kind": EventKind.CASE_NOTE, "payload": {}}),
        )


def test_what_a_hot_statement_cannot_hold_is_refused(db: Database) -> None:
    expanding = HotStatement(select(Case.id).where(Case.status.in_([CaseStatus.RECEIVED, CaseStatus.CLOSED])))
    computed = HotStatement(insert(EVENTS).values(**bound(EVENTS, ("ts", "actor", "kind"))))  # payload: default=dict
    with db.session() as s:
        with pytest.raises(ValueError, match="expanding IN"):
            expanding.rows(s, {})
        with pytest.raises(ValueError, match="payload"):
            computed.rows(s, {"ts": WHEN, "actor": "x", "kind": EventKind.CASE_NOTE})


def test_loaded_objects_are_the_session_s_and_flush_their_changes(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    case_id = write_transaction(
        db.sessions, lambda s: intake.create_case(s, intake.parse_intake(GOOD), actor=actor)
    ).case.id
    touch = HotStatement(
        update(Case).where(Case.id == bindparam("id")).values(version=Case.version + 1).returning(Case.version)
    )

    def work(s: Session) -> None:
        with db.session() as other:
            stored = other.get(Case, case_id)
            assert stored is not None
            values = {c.key: getattr(stored, c.key) for c in Case.__table__.columns}
        row = touch.first(s, {"id": case_id})
        assert row is not None
        case = loaded(s, Case, {**values, "version": row[0]})
        assert s.get(Case, case_id) is case  # in the identity map: no read
        case.address = "新地址"

    write_transaction(db.sessions, work)
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.address == "新地址" and case.version == 2
