"""`backup FILE` / `restore FILE`: a copy taken while the database is in use, restored over later changes, gives back
every row as it was (plus the restore's own event); bad files are refused before anything is touched."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from console.db import Database
from console.enums import EventKind
from console.services.actor import SYSTEM
from console.services.backup import restore_database
from console.services.errors import ValidationError
from tests.cli.test_cli import run
from tests.county import build_mini_county

from .work import dispatch, take_in, track


def table_rows(db: Database) -> dict[str, str]:
    """A digest of every table's rows in key order (partitions are read through their parent)."""
    with db.engine.connect() as conn:
        if db.is_postgres:
            tables = conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                )
            ).scalars()
        else:
            tables = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            ).scalars()
        out = {}
        for table in sorted(tables):
            digest = hashlib.sha256()
            for row in sorted(repr(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {table}"))):
                digest.update(row.encode())
            out[table] = digest.hexdigest()
        return out


def test_backup_restore_gives_back_every_row(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(db_url)
    try:
        county = build_mini_county(db)
        case_id = take_in(db, county)
        dispatch(db, county, case_id, "PC-01")
        track(db, county, "PC-02", county.now + timedelta(seconds=1), 20)
        before = table_rows(db)
        with db.engine.connect() as conn:
            last_event = conn.execute(text("SELECT max(id) FROM events")).scalar()
    finally:
        db.dispose()

    backup = tmp_path / "county.backup"
    code, out, err = run(capsys, "--db", db_url, "backup", str(backup))
    assert code == 0, err
    assert out["file"] == str(backup) and out["bytes"] == backup.stat().st_size > 0

    # Life goes on after the backup: a new case, a dispatch, more fixes.
    db = Database(db_url)
    try:
        later = take_in(db, county, "后来的诉求")
        dispatch(db, county, later, "PC-02")
        track(db, county, "PC-01", county.now + timedelta(seconds=1), 5)
        assert table_rows(db) != before
    finally:
        db.dispose()

    code, out, err = run(capsys, "--db", db_url, "restore", str(backup))
    assert code == 0, err
    db = Database(db_url)
    try:
        after = table_rows(db)
        # Every table as it was, but events: those of the backup, then the restore's own.
        assert {t: h for t, h in after.items() if t != "events"} == {t: h for t, h in before.items() if t != "events"}
        with db.engine.connect() as conn:
            new = conn.execute(text("SELECT kind, actor FROM events WHERE id > :last"), {"last": last_event}).all()
        assert new == [(EventKind.DATABASE_RESTORED.value, "system")]
        # The append-only triggers came back with the schema.
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("UPDATE events SET actor = 'x'"))
        # And the database works on: a new appeal after the restore.
        take_in(db, county, "恢复后的诉求")
    finally:
        db.dispose()


def test_a_file_that_is_not_a_backup_is_refused_untouched(db: Database, tmp_path: Path) -> None:
    county = build_mini_county(db)
    take_in(db, county)
    before = table_rows(db)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a backup" * 100)
    with pytest.raises(ValidationError, match="file"):
        restore_database(db, junk, actor=SYSTEM)
    with pytest.raises(ValidationError, match="no such file"):
        restore_database(db, tmp_path / "missing.backup", actor=SYSTEM)
    if db.is_sqlite:  # a SQLite database that is not the console's
        import sqlite3

        other = tmp_path / "other.sqlite3"
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE t (x)")
        with pytest.raises(ValidationError, match="not a console database|schema revision"):
            restore_database(db, other, actor=SYSTEM)
    assert table_rows(db) == before
