"""The audit trail is append-only because the database says so: UPDATE, DELETE (and on PostgreSQL TRUNCATE) of events
are refused by triggers on both databases, and the consoles' PostgreSQL role cannot change events at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from console.db import Database, write_transaction
from console.db.roles import RoleNames, apply_layout
from console.enums import EventKind
from console.models import Event
from tests.county import build_mini_county

from .work import dispatch, take_in, track


def _event_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM events")).scalar() or 0)


def test_update_and_delete_of_events_are_refused_by_the_database(db: Database) -> None:
    county = build_mini_county(db)
    case_id = take_in(db, county)
    before = _event_count(db)
    with db.engine.connect() as conn:
        actors = conn.execute(text("SELECT id, actor FROM events ORDER BY id")).all()
    for statement in (
        "UPDATE events SET actor = 'someone_else'",
        f"UPDATE events SET payload = '{{}}' WHERE case_id = {case_id}",
        "DELETE FROM events",
        f"DELETE FROM events WHERE case_id = {case_id}",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, actor FROM events ORDER BY id")).all() == actors
    # Normal operation still writes its events.
    dispatch(db, county, case_id, "PC-01")
    assert _event_count(db) == before + 1
    with db.session() as s:
        kinds = list(s.scalars(select(Event.kind).where(Event.case_id == case_id).order_by(Event.id)))
    assert kinds[-1] == EventKind.CASE_DISPATCHED


def test_truncate_of_events_and_of_each_partition_is_refused(pg_db: Database) -> None:
    county = build_mini_county(pg_db)
    take_in(pg_db, county)
    with pg_db.engine.connect() as conn:
        partitions = list(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = 'events'::regclass"
                )
            ).scalars()
        )
    assert len(partitions) >= 3  # old, default and the months ahead
    for table in ["events", *partitions]:
        with pytest.raises(DBAPIError, match="append-only"), pg_db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
    assert _event_count(pg_db) > 0


@pytest.fixture
def roles(pg_db: Database) -> Iterator[RoleNames]:
    suffix = uuid.uuid4().hex[:8]
    names = RoleNames(owner=f"t_owner_{suffix}", app=f"t_app_{suffix}", reader=f"t_reader_{suffix}")
    with pg_db.engine.begin() as conn:
        apply_layout(conn, names)
    yield names
    pg_db.engine.dispose()
    with pg_db.engine.begin() as conn:
        conn.execute(text(f"REASSIGN OWNED BY {names.owner} TO CURRENT_USER"))
        conn.execute(text(f"DROP OWNED BY {names.owner}, {names.app}, {names.reader}"))
        for name in names.all():
            conn.execute(text(f"DROP ROLE {name}"))


def _as_role(pg_db: Database, role: str) -> Database:
    """The same database, every connection acting as `role` (what a login that is a member of it gets)."""
    db = Database(pg_db.url)

    @event.listens_for(db.engine, "connect")
    def _set_role(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role}")
        dbapi_connection.commit()

    return db


def test_the_consoles_role_inserts_and_reads_events_but_cannot_change_them(pg_db: Database, roles: RoleNames) -> None:
    county = build_mini_county(pg_db)
    app = _as_role(pg_db, roles.app)
    try:
        # Normal operation as the consoles' role: intake, dispatch, positions, each with its events.
        case_id = take_in(app, county)
        dispatch(app, county, case_id, "PC-01")
        assert track(app, county, "PC-02", county.now + timedelta(seconds=1), 5) == 5
        with app.session() as s:
            assert len(s.scalars(select(Event).where(Event.case_id == case_id)).all()) == 2
        for statement in ("UPDATE events SET actor = 'someone_else'", "DELETE FROM events", "DELETE FROM positions"):
            with pytest.raises(ProgrammingError, match="permission denied"), app.engine.begin() as conn:
                conn.execute(text(statement))
        # Not through a partition either: partitions have no grants at all.
        with app.engine.connect() as conn:
            partition = conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = 'events'::regclass ORDER BY 1 LIMIT 1"
                )
            ).scalar()
        with pytest.raises(ProgrammingError, match="permission denied"), app.engine.begin() as conn:
            conn.execute(text(f"UPDATE {partition} SET actor = 'x'"))
    finally:
        app.dispose()

    reader = _as_role(pg_db, roles.reader)
    try:
        with reader.session() as s:
            assert s.scalar(select(Event.id).where(Event.case_id == case_id).limit(1)) is not None
        with pytest.raises(ProgrammingError, match="permission denied"):
            take_in(reader, county)
    finally:
        reader.dispose()

    owner = _as_role(pg_db, roles.owner)
    try:  # even the owner of the tables meets the trigger
        with pytest.raises(DBAPIError, match="append-only"), owner.engine.begin() as conn:
            conn.execute(text("UPDATE events SET actor = 'someone_else'"))
        assert write_transaction(owner.sessions, lambda s: s.execute(text("SELECT 1")).scalar()) == 1
    finally:
        owner.dispose()
