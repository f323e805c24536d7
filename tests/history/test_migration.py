"""Migration 0005 on a PostgreSQL database that already holds history: every event and fix keeps its id and lands
in its time partition, the ids carry on from the same sequences, and the audit trail is append-only from then on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from console.db import Database, upgrade_to_head
from console.db.engine import normalise_url
from console.db.migrate import alembic_config
from tests.conftest import PG_URL


@pytest.fixture
def empty_pg() -> Iterator[Database]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests need CONSOLE_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"console_m_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False))
    yield db
    db.dispose()
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_history_is_carried_into_partitions(empty_pg: Database) -> None:
    db = empty_pg
    command.upgrade(alembic_config(db.engine), "0002")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO units (id, callsign, kind, capabilities, status, status_since, version, updated_at)"
                " VALUES (1, 'PC-01', 'patrol_car', '[]', 'available', now(), 1, now())"
            )
        )
        for days_ago in (500, 40, 3, 0):
            conn.execute(
                text(
                    "INSERT INTO positions (unit_id, fix_at, lat, lon) VALUES (1, now() - make_interval(days => :d), 24.8, 113.6)"
                ),
                {"d": days_ago},
            )
            conn.execute(
                text(
                    "INSERT INTO events (ts, actor, kind, unit_id, payload)"
                    " VALUES (now() - make_interval(days => :d), 'a', 'unit_status', 1, '{}')"
                ),
                {"d": days_ago},
            )
        before_events = conn.execute(text("SELECT id, ts FROM events ORDER BY id")).all()
        before_positions = conn.execute(text("SELECT id, fix_at FROM positions ORDER BY id")).all()
    upgrade_to_head(db.engine)
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT id, ts FROM events ORDER BY id")).all() == before_events
        assert conn.execute(text("SELECT id, fix_at FROM positions ORDER BY id")).all() == before_positions
        homes = conn.execute(text("SELECT tableoid::regclass::text FROM positions ORDER BY id")).scalars().all()
        assert homes[0] == "positions_p_old"  # beyond the 400 days laid out as day partitions
        assert all(h.startswith("positions_p") for h in homes) and len(set(homes)) == 4
        assert conn.execute(text("SELECT count(*) FROM events_p_default")).scalar() == 0
        new_id = conn.execute(
            text("INSERT INTO events (ts, actor, kind, payload) VALUES (now(), 'b', 'case_note', '{}') RETURNING id")
        ).scalar()
        assert new_id > before_events[-1][0]
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor = 'x'"))
