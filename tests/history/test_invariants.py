"""The crash check finds nothing wrong in a history made through the services, and names each kind of breakage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from console.db import Database
from console.demo import build_demo
from console.invariants import check_invariants
from console.services import users
from tests.county import build_mini_county

from .work import dispatch, take_in

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def rules_broken(db: Database) -> set[tuple[str, str]]:
    with db.session() as s:
        return {(v.rule, v.subject) for v in check_invariants(s)}


def test_a_demo_history_holds_every_invariant(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    build_demo(db, days=3, per_day=60, now=NOW)
    with db.session() as s:
        assert check_invariants(s) == []


def test_each_kind_of_breakage_is_named(db: Database) -> None:
    county = build_mini_county(db)
    first = take_in(db, county, "第一件")
    second = take_in(db, county, "第二件")
    dispatch(db, county, first, "PC-01")
    assert rules_broken(db) == set()
    pc01, pc02 = county.unit_ids["PC-01"], county.unit_ids["PC-02"]
    with db.engine.begin() as conn:
        # A second active dispatch of the same unit, written behind the services' back (and without its event).
        conn.execute(
            text(
                "INSERT INTO dispatches (case_id, unit_id, dispatched_by, dispatched_at)"
                " VALUES (:c, :u, 'x', '2026-11-20 08:00:00')"
            ),
            {"c": second, "u": pc01},
        )
        conn.execute(text("UPDATE units SET status = 'on_scene' WHERE id = :u"), {"u": pc02})  # busy, no dispatch
        conn.execute(text("UPDATE cases SET status = 'closed', version = version + 5 WHERE id = :c"), {"c": first})
        conn.execute(text("UPDATE counters SET value = value + 1"))
        conn.execute(text("UPDATE cases SET assignment_count = 2 WHERE id = :c"), {"c": second})
    broken = rules_broken(db)
    assert ("one_active_dispatch_per_unit", "unit PC-01") in broken
    assert ("unit_status_matches_dispatch", "unit PC-01") in broken  # holds the first case, dispatched to the second
    assert ("unit_status_matches_dispatch", "unit PC-02") in broken
    rules = {rule for rule, _ in broken}
    assert rules == {
        "one_active_dispatch_per_unit",
        "unit_status_matches_dispatch",
        "case_status_matches_dispatches",
        "event_for_every_change",
        "counters_equal_rows",
    }
