"""A dispatch followed from the F5 key to another console's live state and map, on both databases: the key runs
the named operation `dispatch.nearest` in the first console's worker, the second console's worker reads the change
through the `live.changes` operation, and its queue, unit board and map show it. No view touches a session."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.db import Database
from console.enums import CaseStatus, Role, UnitStatus
from console.ops import REGISTRY, SYSTEM, execute
from tests.county import MiniCounty
from ui import workers
from ui.actions import ActionId

from .helpers import LAT, LON

pytestmark = pytest.mark.ui


def test_f5_dispatch_reaches_the_other_console(
    db: Database, county: MiniCounty, make_console: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[str, str]] = []  # (who, operation), as every worker executes them
    real_execute = workers.execute

    def recording(db: Database, actor: Any, name: str, /, **arguments: Any) -> Any:
        ran.append((actor.name, name))
        return real_execute(db, actor, name, **arguments)

    monkeypatch.setattr(workers, "execute", recording)
    data = {
        "channel": "police_110",
        "category": "public_order",
        "priority": "red",
        "description": "fight outside the market",
        "lat": LAT,
        "lon": LON,
    }
    case = execute(db, SYSTEM, "intake.create", data=data).value.case
    a = make_console(db, county.actors[Role.DISPATCHER], name="a")
    b = make_console(db, county.actors[Role.SHIFT_LEADER], name="b")
    f5 = a.window.actions_[ActionId.DISPATCH_NEAREST]
    a.session.selection.select_case(case.id)
    qtbot.waitUntil(f5.isEnabled, timeout=5_000)  # the core's table allows dispatching this received case
    operations: list[tuple[str, Any]] = []
    a.session.operationDone.connect(lambda name, result: operations.append((name, result)))
    del ran[:]

    a.window.activateWindow()
    qtbot.waitUntil(a.window.isActiveWindow, timeout=2_000)
    qtbot.keyClick(a.window, Qt.Key.Key_F5)

    qtbot.waitUntil(lambda: any(name == "dispatch.nearest" for name, _r in operations), timeout=10_000)
    result = next(r for name, r in operations if name == "dispatch.nearest")
    assert result.ok, result.error
    unit_id = result.value.unit_id
    assert result.changes.cases == {case.id} and unit_id in result.changes.units
    # The first console shows it at once (its worker polled the feed before handing the result back) ...
    assert a.session.state.cases[case.id].status == CaseStatus.DISPATCHED
    # ... and the second console sees it through its own feed, in its live state, queue, unit board and map.
    qtbot.waitUntil(lambda: b.session.state.cases[case.id].unit_ids == (unit_id,), timeout=10_000)
    assert b.session.state.cases[case.id].status == CaseStatus.DISPATCHED
    unit = b.session.state.units[unit_id]
    assert unit.status == UnitStatus.DISPATCHED and unit.current_case_id == case.id
    assert b.window.units.group_of(unit_id) == UnitStatus.DISPATCHED
    qtbot.waitUntil(
        lambda: any(u.id == unit_id and u.status == UnitStatus.DISPATCHED for u in b.map.units), timeout=5_000
    )
    assert any(c.id == case.id and c.unit_ids == (unit_id,) for c in b.map.cases)
    # The path, by name: F5 ran one write in console a; console b read the change with the live-changes read.
    a_writes = [op for who, op in ran if who == a.session.actor.name and REGISTRY[op].writes]
    b_ran = [op for who, op in ran if who == b.session.actor.name]
    assert [op for op in a_writes if op != "supervision.sweep"] == ["dispatch.nearest"]  # the sweep runs on its own
    assert "live.changes" in b_ran
