"""Models and migrations agree; `init` is an upgrade to head on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from console.db import Database, current_revision, head_revision, upgrade_to_head
from console.db.partitions import alembic_include_name
from console.models import Base


def test_migrations_match_models(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "compare_server_default": False, "include_name": alembic_include_name},
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_database_is_at_head(db: Database) -> None:
    assert current_revision(db.engine) == head_revision(db.engine)
    assert head_revision(db.engine) is not None


def test_sqlite_pragmas(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_populated_database_upgrades_from_the_first_revision(tmp_path: object) -> None:
    """Batch migrations rebuild SQLite tables that other rows reference; an existing county must survive them."""
    from pathlib import Path

    from alembic import command
    from sqlalchemy import text

    from console.db.migrate import alembic_config

    path = Path(str(tmp_path)) / "old.sqlite3"
    db = Database(f"sqlite:///{path}")
    command.upgrade(alembic_config(db.engine), "0001")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO townships (id, name) VALUES (1, '东河镇')"))
        conn.execute(
            text(
                "INSERT INTO cases (id, number, channel, category, priority, status, version, description,"
                " received_at, created_by, due_at, escalation, repeat_count, reopened_count, updated_at, township_id)"
                " VALUES (1, '2026-000001', 'walk_in', 'other', 'blue', 'received', 1, 'x', '2026-11-01 00:00:00',"
                " 'a', '2026-11-02 00:00:00', 0, 0, 0, '2026-11-01 00:00:00', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO events (ts, actor, kind, case_id, payload) VALUES ('2026-11-01', 'a', 'case_received', 1, '{}')"
            )
        )
    upgrade_to_head(db.engine)
    assert current_revision(db.engine) == head_revision(db.engine)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT number FROM cases")).scalar() == "2026-000001"
        assert conn.execute(text("SELECT count(*) FROM events WHERE case_id = 1")).scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()
