"""What the table-driven scope tests check for each operation tried with an object outside the user's scope."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.models import Event
from console.ops import execute
from console.services.actor import Actor
from console.services.errors import OutOfScope


def event_count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Event.id))) or 0)


def assert_refused_by_scope(db: Database, actor: Actor, county: Actor, op: str, args: dict[str, Any]) -> None:
    """`actor` is refused with `out_of_scope` and nothing is written; the county's user is not refused by scope (the
    step may still be refused by the object's state, a shift not finished yet, a case already closed)."""
    before = event_count(db)
    with pytest.raises(OutOfScope) as refused:
        execute(db, actor, op, **args)
    assert refused.value.code == "out_of_scope"
    assert event_count(db) == before  # nothing written
    try:
        execute(db, county, op, **args)
    except OutOfScope:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"{op} refused the county by scope")
    except Exception:
        pass
