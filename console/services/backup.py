"""Backup and restore of the whole database.

SQLite: SQLite's online backup API, page by page from a read transaction, so consoles keep working (WAL) while it
copies; the copy is written beside the target and renamed into place when complete, then checked
(`PRAGMA quick_check`). Restore checks the file first (a SQLite database of this console, at a known schema
revision no newer than this program's), copies it over the live database with the same API (writers wait for the
moment of the copy), upgrades it to the current schema if it is older, and writes a `database_restored` event.

PostgreSQL: a wrapper of `pg_dump --format=custom` and `pg_restore` (all hosts of a multi-host URL, the password
through the environment, never the command line). `pg_restore --clean` cannot drop the constraints a partition
inherits, so a restore is one psql transaction instead: the console's tables and function are dropped, then
`pg_restore`'s script is run; any error rolls the whole of it back and the database is as it was. The programs are
found on PATH, else under /usr/lib/postgresql/*/bin (the newest), or in CONSOLE_PG_BIN. Both need the tables'
owner (see `console/db/roles.py`); stop the consoles and the feeds before a restore.

After a restore the consoles' change feeds see a database behind what they had seen and read a fresh snapshot.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory

from ..db import Database, current_revision, head_revision, upgrade_to_head, write_transaction
from ..db.engine import libpq_params
from ..db.migrate import alembic_config
from ..enums import EventKind
from ..events import record_event
from .actor import Action, Actor
from .errors import ServiceError, ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupFailed(ServiceError):
    """The backup or restore program failed; nothing was changed (restore is one transaction)."""

    code = "backup_failed"


@dataclass(frozen=True, slots=True)
class BackupReport:
    file: Path
    bytes: int
    revision: str | None
    backend: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.file), "bytes": self.bytes, "revision": self.revision, "backend": self.backend}


def backup_database(db: Database, path: Path, *, actor: Actor) -> BackupReport:
    actor.require(Action.MAINTAIN)
    path = Path(path)
    if path.exists() and path.is_dir():
        raise ValidationError("file", f"{path} is a directory")
    if not path.parent.is_dir():
        raise ValidationError("file", f"no such directory: {path.parent}")
    if db.is_sqlite and not _sqlite_path(db).is_file():
        raise ValidationError("db", f"no database at {_sqlite_path(db)}")
    revision = current_revision(db.engine)
    if db.is_sqlite:
        _sqlite_backup(db, path)
    else:
        _run(
            [_pg_program("pg_dump"), "--format=custom", "--file", str(path), "--dbname", _conninfo(db)],
            _pg_env(db),
        )
    return BackupReport(path, path.stat().st_size, revision, db.engine.dialect.name)


def _sqlite_path(db: Database) -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise ValidationError("db", "an in-memory database has nothing to back up")
    return Path(name)


def _sqlite_backup(db: Database, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(_sqlite_path(db), timeout=10)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            # The copy stands alone: one file, not a WAL database whose last pages sit in a side file.
            target.execute("PRAGMA journal_mode=DELETE")
            if target.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupFailed("the copy failed its integrity check")
        finally:
            target.close()
    finally:
        source.close()
    os.replace(partial, path)


# -- restore ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreReport:
    file: Path
    backup_revision: str | None
    revision: str | None
    event_id: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "backup_revision": self.backup_revision,
            "revision": self.revision,
            "event_id": self.event_id,
        }


def restore_database(db: Database, path: Path, *, actor: Actor) -> RestoreReport:
    actor.require(Action.MAINTAIN)
    path = Path(path)
    if not path.is_file():
        raise ValidationError("file", f"no such file: {path}")
    with path.open("rb") as f:
        magic = f.read(len(SQLITE_MAGIC))
    if db.is_sqlite:
        if not magic.startswith(SQLITE_MAGIC):
            raise ValidationError("file", "not a SQLite database (a PostgreSQL backup is restored into PostgreSQL)")
        backup_revision = _sqlite_revision(path)
        _check_revision(db, backup_revision)
        _sqlite_restore(db, path)
    else:
        if not magic.startswith(PG_DUMP_MAGIC):
            raise ValidationError("file", "not a pg_dump custom-format file (a SQLite backup is restored into SQLite)")
        _pg_restore(db, path)
        backup_revision = current_revision(db.engine)
    db.engine.dispose()
    upgrade_to_head(db.engine)
    revision = current_revision(db.engine)

    def note(session: Any) -> int:
        payload = {"file": path.name, "backup_revision": backup_revision, "revision": revision}
        return record_event(session, EventKind.DATABASE_RESTORED, actor=actor.name, payload=payload).id

    event_id = write_transaction(db.sessions, note)
    return RestoreReport(path, backup_revision, revision, event_id)


def _sqlite_revision(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise ValidationError("file", "the backup is damaged (integrity check failed)")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError("file", f"not a console database: {exc}") from None
    return str(row[0]) if row else None


def _check_revision(db: Database, revision: str | None) -> None:
    scripts = ScriptDirectory.from_config(alembic_config(db.engine))
    known = {s.revision for s in scripts.walk_revisions()}
    if revision is None or revision not in known:
        raise ValidationError("file", f"not a backup of this console's database (schema revision {revision!r})")
    if revision not in {r.revision for r in scripts.iterate_revisions(head_revision(db.engine), "base")}:
        raise ValidationError("file", f"the backup's schema {revision} is not an ancestor of this program's")


def _sqlite_restore(db: Database, path: Path) -> None:
    db.engine.dispose()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(_sqlite_path(db), timeout=10)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


# -- PostgreSQL programs ------------------------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    explicit = os.environ.get("CONSOLE_PG_BIN")
    if explicit:
        candidate = Path(explicit) / name
        if candidate.is_file():
            return str(candidate)
        raise BackupFailed(f"{name} not found in CONSOLE_PG_BIN ({explicit})")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return str(versions[-1])
    raise BackupFailed(f"{name} not found: install the PostgreSQL client programs or set CONSOLE_PG_BIN")


def _pg_restore(db: Database, path: Path) -> None:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        tables = list(
            conn.execute(
                text(
                    "SELECT quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                )
            ).scalars()
        )
    db.engine.dispose()
    drops = "DROP FUNCTION IF EXISTS console_events_append_only() CASCADE;"
    if tables:
        drops = f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE; {drops}"
    env = _pg_env(db)
    script = _popen([_pg_program("pg_restore"), "--file=-", str(path)], env)
    psql = [_pg_program("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1"]
    psql += ["--dbname", _conninfo(db), "--command", drops, "--file", "-"]
    assert script.stdout is not None and script.stderr is not None
    try:
        _run(psql, env, stdin=script.stdout)
    except BackupFailed:
        script.kill()  # psql's error is the one to tell
        script.wait()
        raise
    finally:
        script.stdout.close()
    problem = script.stderr.read().strip()
    script.stderr.close()
    if script.wait() != 0:
        raise BackupFailed(f"pg_restore failed: {problem.splitlines()[-1] if problem else script.returncode}")


def _popen(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise BackupFailed(f"{Path(command[0]).name}: {exc}") from None


def _conninfo(db: Database) -> str:
    """libpq's key/value string of every host (without the password, which goes through PGPASSWORD)."""
    from psycopg.conninfo import make_conninfo

    params = {k: v for k, v in libpq_params(db.engine).items() if k != "password"}
    return make_conninfo("", **params)


def _pg_env(db: Database) -> dict[str, str]:
    env = dict(os.environ)
    password = libpq_params(db.engine).get("password")
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def _run(command: list[str], env: dict[str, str], stdin: Any = None) -> None:
    try:
        done = subprocess.run(
            command, env=env, stdin=stdin, capture_output=True, text=True, check=False, timeout=6 * 3600
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupFailed(f"{Path(command[0]).name}: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupFailed(f"{Path(command[0]).name} failed: {' '.join(lines[-3:]) or done.returncode}")
