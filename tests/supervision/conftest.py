from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from sqlalchemy.orm import Session

from console.db import Database, write_transaction
from console.enums import Role
from console.models import User
from console.services.actor import Actor
from console.services.intake import create_case, parse_intake
from console.services.users import actor_of
from console.timeutil import CHINA_TZ
from tests.county import MiniCounty, build_mini_county, cached_hash

T = TypeVar("T")

#: A Monday morning in the county (a working day, no holiday).
MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=CHINA_TZ).astimezone(UTC)


class World:
    """The mini county plus a township handler, and helpers to act through the services."""

    def __init__(self, db: Database, county: MiniCounty, town_handler: Actor) -> None:
        self.db = db
        self.county = county
        self.lead = county.actors[Role.SHIFT_LEADER]
        self.dispatcher = county.actors[Role.DISPATCHER]
        self.dept_handler = county.actors[Role.HANDLER]
        self.town_handler = town_handler
        self.wall = county.actors[Role.WALL]

    def tx(self, fn: Callable[[Session], T]) -> T:
        return write_transaction(self.db.sessions, fn)

    def intake(self, when: datetime, description: str = "路灯不亮", **fields: Any) -> int:
        data = {"channel": "hotline_12345", "category": "livelihood", "priority": "yellow", "description": description}
        data.update(fields)
        req = parse_intake(data, now=when)
        return self.tx(lambda s: create_case(s, req, actor=self.dispatcher, now=when).case.id)


def _world(db: Database) -> World:
    county = build_mini_county(db, now=MONDAY_9)
    town_id = county.township_ids["东河镇"]

    def add(s: Session) -> Actor:
        user = User(name="dh", role=Role.HANDLER, password_hash=cached_hash("dh"), township_id=town_id)
        s.add(user)
        s.flush()
        return actor_of(user)

    return World(db, county, write_transaction(db.sessions, add))


@pytest.fixture
def world(db: Database) -> World:
    return _world(db)


@pytest.fixture
def sqlite_world(sqlite_db: Database) -> World:
    """SQLite only, for the interface tests."""
    return _world(sqlite_db)
