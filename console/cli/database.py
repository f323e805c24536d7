"""Opening a command's database: the address checked, a missing SQLite file never created (except by `init`), the
schema's revision compared with this program's before anything is read or written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..db import Database, current_revision, head_revision
from ..db.engine import normalise_url
from ..db.migrate import known_revisions
from .errors import CliError, Exit


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = parsed.database
    if database.startswith("file:"):  # a URI filename (`?uri=true`): its path part
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database)


def open_database(url: str, *, create: bool) -> Database:
    try:
        path = sqlite_file(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise CliError({"error": "invalid", "field": "db", "message": f"not a database address: {exc}"}) from None
    if path is not None and not create and not path.exists():
        raise CliError(
            {
                "error": "database_missing",
                "message": f"no database at {path}; create one with `dispatch-console --db {path} init`",
            },
            Exit.UNAVAILABLE,
        )
    if path is not None and not create and path.is_file() and path.stat().st_size == 0:
        raise CliError(
            {"error": "schema_missing", "message": f"{path} is an empty file; run `dispatch-console --db {path} init`"},
            Exit.UNAVAILABLE,
        )
    try:
        db = Database(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise CliError({"error": "invalid", "field": "db", "message": f"not a database address: {exc}"}) from None
    if create:
        return db
    try:
        _check_schema(db)
    except BaseException:
        db.dispose()
        raise
    return db


def _check_schema(db: Database) -> None:
    revision = current_revision(db.engine)
    if revision is None:
        raise CliError(
            {"error": "schema_missing", "message": "the database has no schema; run `dispatch-console init`"},
            Exit.UNAVAILABLE,
        )
    if revision == head_revision(db.engine):
        return
    if revision in known_revisions(db.engine):
        raise CliError(
            {
                "error": "schema_outdated",
                "message": f"the database's schema ({revision}) is older than this program's; run "
                "`dispatch-console init` to upgrade it",
            },
            Exit.UNAVAILABLE,
        )
    raise CliError(
        {
            "error": "schema_newer",
            "message": f"the database's schema ({revision}) was made by another version of this program",
        },
        Exit.UNAVAILABLE,
    )
