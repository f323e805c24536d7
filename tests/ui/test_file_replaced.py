"""The shared SQLite file deleted or replaced under a running console: the banner says so, writes are refused
(never sent to the unlinked file), no file is created at the path, the draft is kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.enums import Role
from console.models import Case
from tests.county import build_mini_county

from .helpers import fill_form

pytestmark = pytest.mark.ui


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_deleted_or_replaced_file_is_an_outage(sqlite_db: Database, make_console: Any, qtbot: Any, how: str) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    path = Path(sqlite_db.engine.url.database or "")
    copy = path.with_suffix(".copy")
    shutil.copyfile(path, copy)  # a valid database, but another file
    if how == "deleted":
        path.unlink()
    else:
        os.replace(copy, path)
    qtbot.waitUntil(lambda: not window.banner.isHidden(), timeout=5_000)
    assert "deleted, replaced or moved" in window.banner.text()

    fill_form(window.intake, phone="13600001234", description="street light out on the bridge")
    window.intake.save()
    qtbot.waitUntil(lambda: "nothing was saved" in window.intake.status.text(), timeout=5_000)
    assert console.drafts.load() is not None
    assert path.exists() == (how == "replaced")  # nothing created at the path of a deleted file
    if how == "replaced":
        other = Database(f"sqlite:///{path}")
        try:
            with other.session() as s:
                assert s.scalar(select(func.count(Case.id))) == 0
        finally:
            other.dispose()
    # The banner stays: the file does not come back by itself.
    qtbot.wait(300)
    assert not window.banner.isHidden()
