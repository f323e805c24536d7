"""The demo has a township's and a village's users and cases handled at each level, and two consoles (the county's
and the township's) on its database see their own scopes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from console.db import Database
from console.demo import build_demo
from console.demo.levels import TOWNSHIP_DISPATCHER, VILLAGE_DISPATCHER
from console.enums import HandoffStatus, Level
from console.models import Case, Handoff
from console.ops import execute
from console.services import users
from console.services.login import authenticate

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_demo_levels(sqlite_db: Database) -> None:
    build_demo(sqlite_db, days=1, per_day=20, now=NOW)
    town = authenticate(sqlite_db, TOWNSHIP_DISPATCHER, TOWNSHIP_DISPATCHER)
    village = authenticate(sqlite_db, VILLAGE_DISPATCHER, VILLAGE_DISPATCHER)
    assert town.level == Level.TOWNSHIP and village.level == Level.VILLAGE
    with sqlite_db.session() as s:
        resolved = {c.resolved_level for c in s.scalars(select(Case).where(Case.resolved_level.is_not(None)))}
        assert {Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY} <= resolved
        statuses = {h.status for h in s.scalars(select(Handoff))}
        assert {HandoffStatus.ACCEPTED, HandoffStatus.SENT} <= statuses
        town_cases = s.scalar(
            select(Case.id).where(Case.level == Level.TOWNSHIP, Case.status.in_(["received", "dispatched"]))
        )
        assert town_cases is not None
    county_view = execute(sqlite_db, authenticate(sqlite_db, "demo", "demo"), "live.snapshot", last_event_id=0).value
    town_view = execute(sqlite_db, town, "live.snapshot", last_event_id=0).value
    assert 0 < len(town_view.cases) < len(county_view.cases)
    assert {c.township_id for c in town_view.cases} == {town.township_id}
    assert 0 < len(town_view.units) < len(county_view.units)
