"""What each role is offered; and the service refuses what a role may not do even if the interface asked."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database, write_transaction
from console.enums import Role
from console.services import intake as intake_service
from console.services.errors import PermissionDenied
from tests.county import build_mini_county
from ui.actions import ActionId
from ui.layouts import Dock
from ui.workers import JobResult

from .helpers import LAT, LON

pytestmark = pytest.mark.ui


def _case(db: Database, actor: Any) -> int:
    req = intake_service.parse_intake(
        {
            "channel": "walk_in",
            "category": "dispute",
            "priority": "yellow",
            "description": "boundary wall dispute",
            "lat": LAT,
            "lon": LON,
        }
    )
    return write_transaction(db.sessions, lambda s: intake_service.create_case(s, req, actor=actor).case.id)


def test_wall_is_read_only(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    case_id = _case(sqlite_db, county.actors[Role.DISPATCHER])
    console = make_console(sqlite_db, county.actors[Role.WALL])
    window = console.window
    assert not window.actions_[ActionId.NEW_INTAKE].isVisible()
    assert not window.actions_[ActionId.DISPATCH_NEAREST].isVisible()
    assert Dock.INTAKE not in window.docks
    assert window.docks[Dock.WALL_BAND].isVisible()  # the wall: the map under its band of figures
    assert window.case.buttons["resolve"].isHidden()
    qtbot.waitUntil(lambda: case_id in console.session.state.cases, timeout=5_000)
    # Even if asked, the service refuses.
    results: list[JobResult] = []
    console.session.run("dispatch.unit", case_id=case_id, unit_id=county.unit_ids["PC-01"], callback=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=5_000)
    assert isinstance(results[0].error, PermissionDenied)


def test_dispatcher_is_not_offered_escalation_or_assignment(sqlite_db: Database, make_console: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window = console.window
    assert window.actions_[ActionId.NEW_INTAKE].isVisible()
    assert not window.actions_[ActionId.ESCALATE].isVisible()
    assert window.case.buttons["escalate"].isHidden()
    assert window.case.buttons["assign"].isHidden()
    assert not window.case.buttons["resolve"].isHidden()


def test_shift_leader_is_offered_escalation_and_assignment(sqlite_db: Database, make_console: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    assert console.window.actions_[ActionId.ESCALATE].isVisible()
    assert not console.window.case.buttons["assign"].isHidden()
