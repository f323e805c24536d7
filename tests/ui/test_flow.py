"""Intake → queue → dispatch → unit board and map, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import CaseStatus, Category, Role, UnitStatus
from tests.core.county import MiniCounty

from .helpers import fill_form

pytestmark = pytest.mark.ui


def test_intake_to_dispatch_updates_queue_board_and_map(
    db: Database, county: MiniCounty, make_console: Any, qtbot: Any
) -> None:
    console = make_console(db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    form = window.intake
    fill_form(form)
    assert form.category.currentData() == Category.DISPUTE  # suggested from "quarrel" / "neighbours"
    assert "quarrel" in form.suggestion.text()

    form.save(dispatch=True)
    qtbot.waitUntil(lambda: any(c.unit_ids for c in session.state.cases.values()), timeout=10_000)
    case = next(iter(session.state.cases.values()))
    assert case.status == CaseStatus.DISPATCHED
    unit_id = case.unit_ids[0]
    assert session.state.units[unit_id].status == UnitStatus.DISPATCHED
    # Queue: one row, the new case; board: the unit moved to the dispatched group; map: got both.
    assert window.queue.model.case_ids() == [case.id]
    assert window.units.group_of(unit_id) == UnitStatus.DISPATCHED
    qtbot.waitUntil(lambda: any(c.id == case.id and c.unit_ids for c in console.map.cases), timeout=5_000)
    qtbot.waitUntil(
        lambda: any(u.id == unit_id and u.status == UnitStatus.DISPATCHED for u in console.map.units), timeout=5_000
    )
    # The saved form is empty again and its draft gone.
    assert form.is_empty()
    assert console.drafts.load() is None
    # Selection is shared: the new case is selected in the queue and the case detail shows it.
    assert session.selection.case_id == case.id
    qtbot.waitUntil(lambda: window.case.detail is not None and window.case.detail.case.id == case.id, timeout=5_000)
    qtbot.waitUntil(lambda: window.case.dispatches.topLevelItemCount() == 1, timeout=5_000)


def test_unit_status_buttons_move_unit_and_case(
    db: Database, county: MiniCounty, make_console: Any, qtbot: Any
) -> None:
    console = make_console(db, county.actors[Role.DISPATCHER])
    session, window = console.session, console.window
    fill_form(window.intake)
    window.intake.save(dispatch=True)
    qtbot.waitUntil(lambda: any(c.unit_ids for c in session.state.cases.values()), timeout=10_000)
    case = next(iter(session.state.cases.values()))
    qtbot.waitUntil(
        lambda: window.case.detail is not None and window.case.dispatches.topLevelItemCount() == 1, timeout=5_000
    )
    window.case.on_scene.click()
    qtbot.waitUntil(lambda: session.state.cases[case.id].status == CaseStatus.ON_SCENE, timeout=5_000)
    unit_id = case.unit_ids[0]
    assert window.units.group_of(unit_id) == UnitStatus.ON_SCENE


def test_drop_case_on_unit_dispatches_it(db: Database, county: MiniCounty, make_console: Any, qtbot: Any) -> None:
    console = make_console(db, county.actors[Role.DISPATCHER])
    session, window = console.session, console.window
    fill_form(window.intake)
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=10_000)
    case_id = next(iter(session.state.cases))
    pc2 = county.unit_ids["PC-02"]
    with qtbot.waitSignal(window.units.dispatchRequested, timeout=2_000) as blocker:
        window.units.tree.caseDropped.emit(case_id, pc2)  # what a drop of the queue row on PC-02 emits
    assert blocker.args == [case_id, pc2]
    qtbot.waitUntil(lambda: session.state.units[pc2].status == UnitStatus.DISPATCHED, timeout=5_000)
    assert session.state.cases[case_id].unit_ids == (pc2,)
