"""A SQLite file deleted, replaced or moved under an open database: every transaction refused with
`database_replaced` (exit 3 on the command line), nothing written to the unlinked file, no file made at the path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.cli.errors import to_cli_error
from console.db import Database, write_transaction
from console.db.file_guard import DatabaseFileChanged
from console.enums import Role
from console.models import Case
from console.ops import execute
from tests.county import build_mini_county

APPEAL = {
    "channel": "walk_in",
    "category": "other",
    "priority": "blue",
    "description": "x",
    "lat": 24.805,
    "lon": 113.605,
}


@pytest.mark.parametrize("how", ["deleted", "moved", "replaced"])
def test_changed_file_refuses_every_transaction(sqlite_db: Database, tmp_path: Path, how: str) -> None:
    county = build_mini_county(sqlite_db)
    actor = county.actors[Role.DISPATCHER]
    execute(sqlite_db, actor, "intake.create", data=APPEAL)
    path = Path(sqlite_db.engine.url.database or "")
    assert sqlite_db.file_problem() is None
    if how == "deleted":
        path.unlink()
    elif how == "moved":
        os.replace(path, tmp_path / "elsewhere.sqlite3")
    else:
        shutil.copyfile(path, tmp_path / "copy.sqlite3")
        os.replace(tmp_path / "copy.sqlite3", path)
    assert sqlite_db.file_problem() is not None
    with pytest.raises(DatabaseFileChanged) as err:
        execute(sqlite_db, actor, "intake.create", data=APPEAL)
    cli = to_cli_error(err.value)
    assert cli.payload["error"] == "database_replaced" and cli.exit_code == 3
    sqlite_db.engine.dispose()  # new connections are refused too, and make no file
    with pytest.raises(Exception) as refused:  # raised while connecting: wrapped by SQLAlchemy
        write_transaction(sqlite_db.sessions, lambda s: s.scalar(select(func.count(Case.id))))
    assert isinstance(getattr(refused.value, "orig", None), DatabaseFileChanged)
    assert to_cli_error(refused.value).payload["error"] == "database_replaced"
    assert path.exists() == (how == "replaced")
    if how == "replaced":
        other = Database(f"sqlite:///{path}")
        try:
            with other.session() as s:
                assert s.scalar(select(func.count(Case.id))) == 1  # the copy: the refused appeal is not in it
        finally:
            other.dispose()
