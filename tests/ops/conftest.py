"""The mini county and cases put in each state through the operations themselves (as the system actor), for the
tests of the operations, their commands and the allowed-actions table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from console.db import Database
from console.enums import Role, UnitStatus
from console.models import Unit
from console.ops import SYSTEM, CaseState, execute
from tests.county import MiniCounty, build_mini_county

#: Inside grid G100 of the mini county, next to PC-01, FP-01 and GW-G100.
LAT, LON = 24.8055, 113.6055


class Cases:
    """Puts a new case in a named state, each step an operation run as the system."""

    def __init__(self, db: Database, county: MiniCounty) -> None:
        self.db = db
        self.county = county

    def run(self, name: str, /, **arguments: Any) -> Any:
        return execute(self.db, SYSTEM, name, **arguments).value

    def new(self, description: str = "两家邻居因院墙吵架") -> CaseState:
        data = {
            "channel": "hotline_12345",
            "category": "dispute",
            "priority": "orange",
            "description": description,
            "lat": LAT,
            "lon": LON,
        }
        state: CaseState = self.run("intake.create", data=data).case
        return state

    def _assigned(self) -> CaseState:
        case = self.new()
        self.run("case.assign", case_id=case.id, assignee_kind="department", assignee_id=self.county.department_id)
        return case

    def _accepted(self) -> CaseState:
        case = self._assigned()
        self.run("case.accept", case_id=case.id)
        return case

    def _dispatched(self) -> CaseState:
        case = self.new()
        self.run("dispatch.nearest", case_id=case.id)
        return case

    def _on_scene(self) -> CaseState:
        case = self.new()
        unit_id = self.run("dispatch.nearest", case_id=case.id).unit_id
        self.run("unit.status", unit_id=unit_id, status="on_scene")
        return case

    def _resolved(self) -> CaseState:
        case = self.new()
        self.run("case.resolve", case_id=case.id, resolution="已调解")
        return case

    def _closed(self) -> CaseState:
        case = self._resolved()
        self.run("case.close", case_id=case.id)
        return case

    def _merged(self) -> CaseState:
        master, case = self.new(), self.new()
        self.run("case.merge", case_id=case.id, into_case_id=master.id)
        return case

    def _invalid(self) -> CaseState:
        case = self.new()
        self.run("case.invalidate", case_id=case.id, reason="测试电话")
        return case

    def make(self, situation: str) -> CaseState:
        makers: dict[str, Callable[[], CaseState]] = {
            "received": self.new,
            "assigned": self._assigned,
            "accepted": self._accepted,
            "dispatched": self._dispatched,
            "on_scene": self._on_scene,
            "resolved": self._resolved,
            "closed": self._closed,
            "merged": self._merged,
            "invalid": self._invalid,
        }
        return makers[situation]()

    def available_unit_id(self) -> int:
        """A unit available now (to dispatch by name)."""
        units = execute(self.db, SYSTEM, "live.snapshot", last_event_id=0).value.units
        return next(view.id for view in units if view.status == UnitStatus.AVAILABLE)

    def free_units(self) -> None:
        """Every busy unit back to available (what the county's units do between trials), through the operation.

        The busy ones are found with one query of the units' statuses: a whole live snapshot for it, after each of
        the allowed-actions matrix's 675 steps, was a third of that test's time."""
        with self.db.session() as s:
            busy = [unit_id for unit_id, status in s.execute(select(Unit.id, Unit.status)) if status.is_busy]
        for unit_id in busy:
            self.run("unit.status", unit_id=unit_id, status="available")


SITUATIONS = ("received", "assigned", "accepted", "dispatched", "on_scene", "resolved", "closed", "merged", "invalid")


@pytest.fixture
def county(db: Database) -> MiniCounty:
    return build_mini_county(db)


@pytest.fixture
def cases(db: Database, county: MiniCounty) -> Cases:
    return Cases(db, county)


ROLES = tuple(Role)
