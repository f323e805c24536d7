"""The KPI dashboard and the shift leader's board inside the console: fed by the database worker, clicks on the
dashboard filter the queue, an assignment shows on the board."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.db import Database, write_transaction
from console.enums import Category, Role
from console.services.intake import create_case, parse_intake
from tests.county import build_mini_county
from ui.layouts import Dock

from .helpers import fill_form

pytestmark = pytest.mark.ui


def test_dashboard_click_filters_the_queue(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    window, session = console.window, console.session
    fill_form(window.intake, description="neighbours quarrel")
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    fill_form(window.intake, phone="13900000001", description="pothole on the road surface")
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 2, timeout=5_000)
    qtbot.waitUntil(lambda: window.dashboard.as_of.text() != "", timeout=10_000)  # data arrived from the worker
    window.dashboard.filterRequested.emit({"category": "dispute"})
    assert str(window.queue.category.currentData()) == Category.DISPUTE.value
    assert [session.state.cases[i].category for i in window.queue.model.case_ids()] == [Category.DISPUTE]
    window.dashboard.filterRequested.emit({"overdue_only": True})
    assert window.queue.overdue.isChecked() and window.queue.model.case_ids() == []


def test_enter_in_the_search_selects_the_first_match(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    for n, (phone, text) in enumerate((("13900000001", "neighbours quarrel"), ("13900000002", "pothole in the road"))):
        fill_form(window.intake, phone=phone, description=text)
        window.intake.save()
        qtbot.waitUntil(lambda n=n: len(session.state.cases) == n + 1, timeout=5_000)
    first, second = sorted(session.state.cases.values(), key=lambda c: c.id)
    window.queue.table.setCurrentIndex(window.queue.model.index(window.queue.model.case_ids().index(first.id), 0))
    assert session.selection.case_id == first.id
    window.queue.focus_search()
    qtbot.keyClicks(window.queue.search, second.number)
    qtbot.keyClick(window.queue.search, Qt.Key.Key_Return)
    # filtered at once, the matching case selected (the case panel follows the selection), keys in the table
    assert window.queue.model.case_ids() == [second.id]
    assert session.selection.case_id == second.id
    assert window.focusWidget() is window.queue.table


def test_dashboard_follows_cases_taken_at_another_workstation(
    sqlite_db: Database, make_console: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.panels_link.DASHBOARD_SOON_MS", 50)
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    dashboard = console.window.dashboard

    def received() -> int | None:
        return None if dashboard._data is None else int(dashboard._data.report.total.counts["received"])

    qtbot.waitUntil(lambda: received() == 0, timeout=10_000)  # the first figures, read when the console loaded
    other = county.actors[Role.DISPATCHER]
    request = parse_intake({"channel": "walk_in", "category": "dispute", "priority": "yellow", "description": "x"})
    write_transaction(sqlite_db.sessions, lambda s: create_case(s, request, actor=other))
    # The change feed brings the event; the dashboard reads its figures again (not on its one-minute timer).
    qtbot.waitUntil(lambda: received() == 1, timeout=10_000)


def test_assignment_appears_on_the_shift_leaders_board(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    window, session = console.window, console.session
    assert Dock.SUPERVISION in window.docks
    fill_form(window.intake, description="garbage by the river")
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    case_id = next(iter(session.state.cases))
    session.run("case.assign", case_id=case_id, assignee_kind="department", assignee_id=county.department_id)
    assert sum(window.supervision.counts().values()) == 0
    qtbot.waitUntil(lambda: sum(window.supervision.counts().values()) == 1, timeout=10_000)


def test_dispatcher_has_no_supervision_board(sqlite_db: Database, make_console: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    assert Dock.SUPERVISION not in console.window.docks
