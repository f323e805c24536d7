"""Two consoles on one database: each sees the other's changes, and a unit dispatched by both at once goes to
exactly one of them, the other being told who took it."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database, write_transaction
from console.enums import CaseStatus, Role, UnitStatus
from console.services import intake as intake_service
from console.services.errors import UnitUnavailable
from tests.county import MiniCounty
from ui.workers import JobResult

from .helpers import LAT, LON

pytestmark = pytest.mark.ui


def _new_case(db: Database, county: MiniCounty, actor_role: Role = Role.DISPATCHER) -> int:
    req = intake_service.parse_intake(
        {
            "channel": "hotline_12345",
            "category": "public_order",
            "priority": "red",
            "description": "fight outside the market",
            "lat": LAT,
            "lon": LON,
        }
    )
    return write_transaction(
        db.sessions, lambda s: intake_service.create_case(s, req, actor=county.actors[actor_role]).case.id
    )


def test_other_console_sees_a_new_case(db: Database, county: MiniCounty, make_console: Any, qtbot: Any) -> None:
    a = make_console(db, county.actors[Role.DISPATCHER], name="a")
    b = make_console(db, county.actors[Role.SHIFT_LEADER], name="b")
    a.window.intake.phone.setText("13900002222")
    a.window.intake.description.setPlainText("trash burning behind the school")
    a.window.intake.save()
    qtbot.waitUntil(lambda: len(b.session.state.cases) == 1, timeout=5_000)
    case = next(iter(b.session.state.cases.values()))
    assert b.window.queue.model.case_ids() == [case.id]
    assert case.caller_phone == "13900002222"  # the shift leader may see phone numbers


def test_concurrent_dispatch_of_one_unit(db: Database, county: MiniCounty, make_console: Any, qtbot: Any) -> None:
    case_1 = _new_case(db, county)
    case_2 = _new_case(db, county)
    a = make_console(db, county.actors[Role.DISPATCHER], name="a")
    b = make_console(db, county.actors[Role.SHIFT_LEADER], name="b")
    unit = county.unit_ids["PC-01"]
    results: dict[str, JobResult] = {}
    a.session.run("dispatch.unit", case_id=case_1, unit_id=unit, callback=lambda r: results.__setitem__("a", r))
    b.session.run("dispatch.unit", case_id=case_2, unit_id=unit, callback=lambda r: results.__setitem__("b", r))
    qtbot.waitUntil(lambda: len(results) == 2, timeout=10_000)

    assert sorted(r.ok for r in results.values()) == [False, True]
    winner, loser = ("a", "b") if results["a"].ok else ("b", "a")
    error = results[loser].error
    assert isinstance(error, UnitUnavailable)
    winner_actor = county.actors[Role.DISPATCHER if winner == "a" else Role.SHIFT_LEADER]
    assert error.held_by == winner_actor.name
    won_case = case_1 if winner == "a" else case_2
    lost_case = case_2 if winner == "a" else case_1
    consoles = {"a": a, "b": b}
    # No stale state on either screen: both show the unit dispatched to the winner's case, the loser's case waiting.
    for console in consoles.values():
        qtbot.waitUntil(lambda c=console: c.session.state.units[unit].current_case_id == won_case, timeout=5_000)
        assert console.session.state.units[unit].status == UnitStatus.DISPATCHED
        qtbot.waitUntil(lambda c=console: c.session.state.cases[lost_case].status == CaseStatus.RECEIVED, timeout=5_000)
        assert console.window.units.group_of(unit) == UnitStatus.DISPATCHED
    # The loser was told, in words, who took the unit.
    message = consoles[loser].window.case.message.text() + consoles[loser].window.statusBar().currentMessage()
    assert winner_actor.name in message
