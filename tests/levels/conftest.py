from __future__ import annotations

from dataclasses import dataclass

import pytest

from console.db import Database
from console.enums import Level, Role
from console.services.actor import Actor
from tests.county import MiniCounty, build_mini_county
from tests.users import scoped_user


@dataclass
class LevelsCounty:
    base: MiniCounty
    #: 东河镇's township dispatcher and shift leader, the dispatcher of its village (grid) G100.
    town: Actor
    town_lead: Actor
    village: Actor
    village_lead: Actor
    county: Actor  # the county's shift leader


@pytest.fixture
def levels_county(db: Database) -> LevelsCounty:
    base = build_mini_county(db)
    east = base.township_ids["东河镇"]

    def user(name: str, role: Role, level: Level, **where: int) -> Actor:
        return scoped_user(db, name, role, level, **where)

    return LevelsCounty(
        base=base,
        town=user("dh-disp", Role.DISPATCHER, Level.TOWNSHIP, township_id=east),
        town_lead=user("dh-lead", Role.SHIFT_LEADER, Level.TOWNSHIP, township_id=east),
        village=user("g100-disp", Role.DISPATCHER, Level.VILLAGE, grid_id=base.grid_ids["G100"]),
        village_lead=user("g100-lead", Role.SHIFT_LEADER, Level.VILLAGE, grid_id=base.grid_ids["G100"]),
        county=base.actors[Role.SHIFT_LEADER],
    )
