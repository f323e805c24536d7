"""The queue model: changes from the feed arrive as row inserts, moves, removals and dataChanged — never a reset —
and the rows stay filtered and sorted in Python."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.enums import CaseStatus, Category, Channel, Priority
from console.live import LiveDiff
from console.views import CaseView
from ui.queue.filters import Column, QueueFilter
from ui.queue.model import QueueModel

pytestmark = pytest.mark.ui

NOW = datetime.now(UTC)


def case(i: int, priority: Priority = Priority.YELLOW, **kw: Any) -> CaseView:
    fields: dict[str, Any] = {
        "id": i,
        "number": f"2026-{i:06d}",
        "channel": Channel.HOTLINE_12345,
        "category": Category.DISPUTE,
        "priority": priority,
        "status": CaseStatus.RECEIVED,
        "received_at": NOW - timedelta(minutes=i),
        "due_at": NOW + timedelta(hours=i),
        "description": f"case {i}",
        "caller_phone": f"1380000{i:04d}",
    }
    fields.update(kw)
    return CaseView(**fields)


class Spy:
    def __init__(self, model: QueueModel) -> None:
        self.events: list[str] = []
        model.modelReset.connect(lambda: self.events.append("reset"))
        model.rowsInserted.connect(lambda *_a: self.events.append("insert"))
        model.rowsRemoved.connect(lambda *_a: self.events.append("remove"))
        model.rowsMoved.connect(lambda *_a: self.events.append("move"))
        model.dataChanged.connect(lambda *_a: self.events.append("changed"))


def make(n: int) -> tuple[dict[int, CaseView], QueueModel]:
    cases = {i: case(i) for i in range(1, n + 1)}
    model = QueueModel(cases, {})
    model.rebuild()
    return cases, model


def test_model_passes_qt_model_checks(qtmodeltester: Any) -> None:
    _cases, model = make(20)
    qtmodeltester.check(model, force_py=True)


def test_feed_changes_never_reset_the_model() -> None:
    cases, model = make(50)
    spy = Spy(model)
    cases[100] = case(100, Priority.RED)  # new, most urgent: first row
    model.apply(LiveDiff(cases_inserted=[100]))
    assert model.case_ids()[0] == 100
    cases[10] = dataclasses.replace(cases[10], description="updated text")  # same sort key: in place
    model.apply(LiveDiff(cases_updated=[10]))
    cases[20] = dataclasses.replace(cases[20], priority=Priority.ORANGE)  # moves up
    model.apply(LiveDiff(cases_updated=[20]))
    del cases[30]
    model.apply(LiveDiff(cases_removed=[30]))
    assert "reset" not in spy.events
    assert spy.events == ["insert", "changed", "move", "changed", "remove"]
    ids = model.case_ids()
    assert ids[:2] == [100, 20] and 30 not in ids and len(ids) == 50
    assert model.data(model.index(model.row_of(10), Column.PLACE)) == "updated text"
    # Still sorted as a full rebuild would sort.
    model.rebuild()
    assert model.case_ids() == ids


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_sort_position_change_moves_the_row(order: Qt.SortOrder, qtmodeltester: Any, qtbot: Any) -> None:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QTableView

    cases, model = make(40)
    model.sort(Column.DEADLINE, order)
    qtmodeltester.check(model, force_py=True)  # keeps checking every signal below
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    spy = Spy(model)
    for step, (case_id, hours) in enumerate([(5, 100), (30, -1), (17, 25.5), (1, 60), (40, 0.5)]):
        before = model.row_of(case_id)
        view.selectionModel().select(
            model.index(before, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        cases[case_id] = dataclasses.replace(cases[case_id], due_at=NOW + timedelta(hours=hours))
        model.apply(LiveDiff(cases_updated=[case_id]))
        after = model.row_of(case_id)
        assert after != before, step
        assert spy.events == ["move", "changed"], step  # no remove and insert, no reset
        spy.events.clear()
        # The selection went with the row, and the order is what a full sort gives.
        assert [i.row() for i in view.selectionModel().selectedRows()] == [after]
        ids = model.case_ids()
        model.rebuild()
        assert model.case_ids() == ids
        model.sort(Column.DEADLINE, order)
        spy.events.clear()
    # A change of key that keeps the row where it is: in place.
    row = model.row_of(20)
    cases[20] = dataclasses.replace(cases[20], due_at=cases[20].due_at + timedelta(seconds=1))
    model.apply(LiveDiff(cases_updated=[20]))
    assert model.row_of(20) == row and spy.events == ["changed"]


def test_filter_and_search_on_the_models_own_rows() -> None:
    cases, model = make(30)
    cases[5] = dataclasses.replace(cases[5], category=Category.TRAFFIC, description="truck blocks the road")
    model.rebuild()
    model.set_filter(QueueFilter(category=Category.TRAFFIC))
    assert model.case_ids() == [5]
    model.set_filter(QueueFilter(search="13800000007"))
    assert model.case_ids() == [7]
    model.set_filter(QueueFilter(search="2026-000012"))
    assert model.case_ids() == [12]
    # A change that makes a case match the filter inserts its row; one that stops matching removes it.
    model.set_filter(QueueFilter(category=Category.TRAFFIC))
    cases[6] = dataclasses.replace(cases[6], category=Category.TRAFFIC)
    cases[5] = dataclasses.replace(cases[5], category=Category.OTHER)
    model.apply(LiveDiff(cases_updated=[5, 6]))
    assert model.case_ids() == [6]


def test_sort_by_deadline_descending_and_overdue_marking() -> None:
    cases, model = make(10)
    cases[3] = dataclasses.replace(cases[3], due_at=NOW - timedelta(minutes=5))
    model.sort(Column.DEADLINE, Qt.SortOrder.DescendingOrder)
    ids = model.case_ids()
    assert ids[0] == 10 and ids[-1] == 3
    row = model.row_of(3)
    assert model.data(model.index(row, Column.DEADLINE)).startswith("−")
    assert model.data(model.index(row, Column.DEADLINE), Qt.ItemDataRole.ForegroundRole) is not None
    cases[11] = case(11)
    model.apply(LiveDiff(cases_inserted=[11]))
    assert model.case_ids()[0] == 11  # inserted at its place in descending order


def test_rebuild_in_turns_holds_the_interface_a_chunk_at_a_time_and_misses_no_change(qtbot: Any) -> None:
    """A snapshot or a mass escalation is sorted a chunk per turn of the event loop; a change that comes in
    meanwhile folds into the old rows and starts the rebuild again, so the rows it installs are the live state's."""
    cases, model = make(50)
    model.CHUNK = 7  # eight turns for 50 cases
    spy = Spy(model)
    for i in range(1, 51):  # a mass escalation: every case changed at once (the priority sorts them anew)
        cases[i] = dataclasses.replace(cases[i], priority=Priority.RED if i % 2 else Priority.BLUE)
    model.rebuild_in_turns(range(1, 51))
    assert spy.events == []  # nothing yet: the first chunk only
    # A change arrives while the rebuild is under way: applied to the rows shown, and seen by the rebuild.
    cases[51] = case(51, Priority.RED)
    model.apply(LiveDiff(cases_inserted=[51]))
    qtbot.waitUntil(lambda: "reset" in spy.events, timeout=5_000)
    assert spy.events.count("reset") == 1
    expected = QueueModel(cases, {})
    expected.rebuild()
    assert model.case_ids() == expected.case_ids() and len(model.case_ids()) == 51
    assert model.case_ids()[:26] == sorted(i for i in cases if cases[i].priority == Priority.RED)
