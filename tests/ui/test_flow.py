"""Intake → queue → dispatch → unit board and map, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import CaseStatus, Category, Role, UnitStatus
from tests.county import MiniCounty

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
    qtbot.waitUntil(lambda: window.case.sent.tree.topLevelItemCount() == 1, timeout=5_000)


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
        lambda: window.case.detail is not None and window.case.sent.tree.topLevelItemCount() == 1, timeout=5_000
    )
    window.case.sent.on_scene.click()
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


def test_recommendations_reach_the_map_and_f5_path_dispatches_the_first(
    db: Database, county: MiniCounty, make_console: Any, qtbot: Any
) -> None:
    console = make_console(db, county.actors[Role.DISPATCHER])
    session, window = console.session, console.window
    fill_form(window.intake)
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=10_000)
    case_id = next(iter(session.state.cases))
    qtbot.waitUntil(lambda: len(window.case.recommendations) > 0, timeout=5_000)
    first = window.case.recommendations[0]
    assert console.map.recommendations[case_id][0].unit_id == first.unit_id
    assert window.case.recommended.tree.topLevelItemCount() == len(window.case.recommendations) <= 3
    window.dispatch_nearest()  # what F5 triggers
    qtbot.waitUntil(lambda: session.state.cases[case_id].unit_ids == (first.unit_id,), timeout=5_000)


def test_shift_leader_assigns_a_case_to_a_department(
    db: Database, county: MiniCounty, make_console: Any, qtbot: Any
) -> None:
    console = make_console(db, county.actors[Role.SHIFT_LEADER])
    session, window = console.session, console.window
    fill_form(window.intake, description="garbage piled up by the river")
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=10_000)
    case_id = next(iter(session.state.cases))
    results: list[Any] = []
    session.run(
        "case.assign",
        case_id=case_id,
        assignee_kind="department",
        assignee_id=county.department_id,
        hours=8.0,
        callback=results.append,
    )
    qtbot.waitUntil(lambda: bool(results), timeout=5_000)
    assert results[0].ok, results[0].error
    qtbot.waitUntil(lambda: session.state.cases[case_id].assignee == "城管局", timeout=5_000)
    assert "城管局" in window.queue.model.data(window.queue.model.index(0, 5))


def test_overdue_case_is_escalated_by_the_console_sweep(
    db: Database, county: MiniCounty, make_console: Any, qtbot: Any
) -> None:
    """督办 runs on its own: a case past its deadline gets an escalation level and every console sees it."""
    from datetime import timedelta

    from console.db import write_transaction
    from console.services import intake

    req = intake.parse_intake(
        {
            "channel": "walk_in",
            "category": "public_order",
            "priority": "red",
            "description": "overdue",
            "lat": 24.805,
            "lon": 113.605,
        }
    )
    past = county.now - timedelta(hours=6)  # red public order: one hour to act
    case = write_transaction(
        db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[Role.DISPATCHER], now=past)
    ).case
    console = make_console(db, county.actors[Role.DISPATCHER])
    wall = make_console(db, county.actors[Role.WALL], name="wall")
    assert console.session.state.cases[case.id].escalation == 0
    console.session.sweep_overdue()
    qtbot.waitUntil(lambda: console.session.state.cases[case.id].escalation >= 1, timeout=10_000)
    qtbot.waitUntil(lambda: wall.session.state.cases[case.id].escalation >= 1, timeout=10_000)
