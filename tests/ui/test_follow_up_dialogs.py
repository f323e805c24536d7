"""Leader-owned cases, violence risk and screening visits from the console: the case detail's steps are offered and
enabled by the core's table, reached from the keyboard, and their dialogs run the operations, keeping a refusal in
the dialog with the field named; a campaign's grid on the board records a visit, and a finding becomes a case.
Files added in the console are checked against the configuration file's `[attachments]` limits."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate

from console.attachments import AttachmentSettings
from console.db import Database
from console.enums import Role
from console.ops import execute
from console.timeutil import utcnow
from tests.county import build_mini_county
from tests.evidence.files import jpeg
from tests.ui.helpers import fill_form, stored_cases
from ui.actions import ActionId
from ui.app import configure_session
from ui.case_detail.follow_up import FlagRiskDialog, OwnCaseDialog, RecordFollowUpDialog

pytestmark = pytest.mark.ui

DISPUTE = {"channel": "walk_in", "category": "dispute", "priority": "orange", "description": "宅基地边界纠纷"}
HAZARD = {"channel": "walk_in", "category": "safety_hazard", "priority": "yellow", "description": "电线老化"}


def test_leader_owns_records_and_flags_from_the_case_detail(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    leader = county.actors[Role.SHIFT_LEADER]
    dispute = execute(sqlite_db, leader, "intake.create", data=DISPUTE).value.case.id
    hazard = execute(sqlite_db, leader, "intake.create", data=HAZARD).value.case.id
    console = make_console(sqlite_db, leader)
    window, panel = console.window, console.window.case
    buttons = panel.buttons

    console.session.selection.select_case(hazard)
    qtbot.waitUntil(lambda: buttons["own"].isEnabled() and buttons["follow_up"].isEnabled(), timeout=10_000)
    assert not buttons["flag_risk"].isEnabled()  # only a dispute can be flagged (the table's categories)
    assert not window.actions_[ActionId.FLAG_RISK].isEnabled()

    console.session.selection.select_case(dispute)
    qtbot.waitUntil(lambda: panel.detail is not None and panel.detail.case.id == dispute, timeout=10_000)
    qtbot.waitUntil(window.actions_[ActionId.FLAG_RISK].isEnabled, timeout=10_000)

    # Ctrl+Shift+O: the leader and the plan; a refusal stays in the dialog, naming the field.
    window.actions_[ActionId.OWN_CASE].trigger()
    dialog = panel.open_dialog
    assert isinstance(dialog, OwnCaseDialog) and dialog.isVisible()
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=10_000)
    assert dialog.error.text().startswith("Leader") and dialog.isVisible()
    assert dialog.focusWidget() is dialog.leader
    assert "required" not in panel.message.text()  # said once, in the dialog, not again under the case
    dialog.leader.setText("李书记")
    second = dialog.add_step("callback")
    assert second is not None
    second.due.setDate(QDate.currentDate().addDays(-3))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: "past" in dialog.error.text(), timeout=10_000)
    assert dialog.error.text().startswith("Step 2") and dialog.focusWidget() is second.due
    second.due.setDate(QDate.currentDate().addDays(3))
    with qtbot.waitSignal(dialog.succeeded, timeout=10_000):
        dialog.ok_button.click()
    assert not dialog.isVisible()
    (owned,) = execute(sqlite_db, leader, "leadership.board").value
    assert owned.leader == "李书记" and [s.kind for s in owned.steps] == ["callback", "visit"]
    line = panel.follow_up_line  # the case detail says who owns it and what is next
    qtbot.waitUntil(lambda: "李书记" in line.text() and not line.isHidden(), timeout=10_000)
    assert "next: callback" in line.text()

    # The callback was made.
    panel.run_action("follow_up")
    record = panel.open_dialog
    assert isinstance(record, RecordFollowUpDialog)
    record.kind.setCurrentIndex(record.kind.findData("callback"))
    record.outcome.setPlainText("双方同意再调解一次")
    with qtbot.waitSignal(record.succeeded, timeout=10_000):
        record.ok_button.click()
    (owned,) = execute(sqlite_db, leader, "leadership.board").value
    assert owned.next_step is not None and owned.next_step.kind == "visit"

    # Violence risk, with the configured interval offered.
    console.session.risk_visit_h = 48.0
    window.actions_[ActionId.FLAG_RISK].trigger()
    flag = panel.open_dialog
    assert isinstance(flag, FlagRiskDialog) and flag.hours.value() == 48
    flag.ok_button.click()
    qtbot.waitUntil(lambda: flag.error.text().startswith("Why it could turn violent"), timeout=10_000)
    flag.reason.setPlainText("一方扬言报复")
    with qtbot.waitSignal(flag.succeeded, timeout=10_000):
        flag.ok_button.click()
    (risk,) = execute(sqlite_db, leader, "leadership.risk_wall").value
    assert risk.violence_risk == "一方扬言报复"
    qtbot.waitUntil(lambda: "Violence risk: 一方扬言报复" in line.text(), timeout=10_000)
    qtbot.waitUntil(lambda: window.follow_ups.risks.topLevelItemCount() == 1, timeout=10_000)


def test_a_dispatcher_records_follow_ups_but_does_not_own_or_flag(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    dispatcher = county.actors[Role.DISPATCHER]
    case_id = execute(sqlite_db, dispatcher, "intake.create", data=DISPUTE).value.case.id
    due = (utcnow() + timedelta(days=2)).isoformat()
    plan = [{"kind": "visit", "due": due}]
    execute(sqlite_db, county.actors[Role.SHIFT_LEADER], "leadership.own", case_id=case_id, leader="王镇长", plan=plan)
    console = make_console(sqlite_db, dispatcher)
    panel = console.window.case
    console.session.selection.select_case(case_id)
    qtbot.waitUntil(panel.buttons["follow_up"].isEnabled, timeout=10_000)
    assert panel.buttons["own"].isHidden() and panel.buttons["flag_risk"].isHidden()
    assert not console.window.actions_[ActionId.OWN_CASE].isVisible()
    panel.buttons["follow_up"].click()
    record = panel.open_dialog
    assert isinstance(record, RecordFollowUpDialog)
    record.outcome.setPlainText("已入户走访，双方情绪平稳")
    with qtbot.waitSignal(record.succeeded, timeout=10_000):
        record.ok_button.click()
    (owned,) = execute(sqlite_db, dispatcher, "leadership.board").value
    assert owned.next_step is None and owned.steps[0].done_at is not None


def test_campaign_grid_on_the_board_records_visits_and_a_finding_becomes_a_case(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    leader = county.actors[Role.SHIFT_LEADER]
    execute(sqlite_db, leader, "campaign.create", template="summer_neighbours", townships=["西岭镇"])
    console = make_console(sqlite_db, leader)
    board = console.window.follow_ups
    qtbot.waitUntil(lambda: board.campaigns.topLevelItemCount() == 1, timeout=10_000)
    town = board.campaigns.topLevelItem(0).child(0)
    assert town.text(0) == "西岭镇" and town.childCount() >= 1  # per grid under its township
    grid_item = town.child(0)
    grid = grid_item.text(0).split(" · ")[0]
    board.campaigns.setCurrentItem(grid_item)
    assert board.record_visit_button.isEnabled() and not board.record_visit_button.isHidden()

    dialog = board.record_visit()
    assert dialog is not None and dialog.grid.currentText() == grid
    with qtbot.waitSignal(dialog.succeeded, timeout=10_000):
        dialog.place.setText("3组 王家")
        dialog.ok_button.click()

    second = board.record_visit()
    assert second is not None
    second.place.setText("3组 李家")
    second.finding_found.setChecked(True)
    assert second.finding.isEnabled()
    second.ok_button.click()  # a finding without its text: refused, named
    qtbot.waitUntil(lambda: second.error.text().startswith("Finding"), timeout=10_000)
    second.finding.setPlainText("两家因排水沟争吵多次")
    with qtbot.waitSignal(second.succeeded, timeout=10_000) as done:
        second.ok_button.click()
    visit = done.args[0]
    assert visit.case_id and visit.result == "finding"
    qtbot.waitUntil(lambda: console.session.selection.case_id == visit.case_id, timeout=10_000)
    state = execute(sqlite_db, leader, "case.detail", case_id=visit.case_id).value.case
    assert state.channel.value == "grid_report" and state.category.value == "dispute"

    def grid_row() -> Any:
        town = board.campaigns.topLevelItem(0).child(0)
        return next(town.child(i) for i in range(town.childCount()) if town.child(i).text(0).startswith(grid))

    qtbot.waitUntil(lambda: grid_row().text(2) == "2" and grid_row().text(3) == "1", timeout=10_000)


def test_files_added_in_the_console_use_the_configured_limits(
    sqlite_db: Database, make_console: Any, qtbot: Any, tmp_path: Path
) -> None:
    config = tmp_path / "console.toml"
    config.write_text("[attachments]\nmax_bytes = 2048\nper_case = 3\n", encoding="utf-8")
    county = build_mini_county(sqlite_db)
    dispatcher = county.actors[Role.DISPATCHER]
    case_id = execute(sqlite_db, dispatcher, "intake.create", data=HAZARD).value.case.id
    console = make_console(sqlite_db, dispatcher)
    configure_session(console.session, str(config))
    assert console.session.attachment_settings == AttachmentSettings(max_bytes=2048, per_case=3)

    photo = tmp_path / "big.jpg"
    photo.write_bytes(jpeg(seed=5))
    assert photo.stat().st_size > 2048  # within the defaults, over the file's limit
    strip = console.window.case.files
    console.session.selection.select_case(case_id)
    qtbot.waitUntil(lambda: strip.case_id == case_id, timeout=10_000)
    strip.add_files([str(photo)])
    qtbot.waitUntil(lambda: strip.message.text() != "", timeout=10_000)
    assert "too large" in strip.message.text() and "2,048" in strip.message.text()

    # At intake too: the appeal is refused with the file named, nothing saved.
    form = console.window.intake
    fill_form(form)
    form.files.add_paths([str(photo)])
    before = stored_cases(sqlite_db)
    form.save()
    qtbot.waitUntil(lambda: "too large" in form.status.text(), timeout=10_000)
    assert "2,048" in form.status.text()
    assert stored_cases(sqlite_db) == before


def test_owning_an_owned_case_starts_from_its_leader_and_plan(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    leader = county.actors[Role.SHIFT_LEADER]
    owned = execute(sqlite_db, leader, "intake.create", data=DISPUTE).value.case.id
    fresh = execute(sqlite_db, leader, "intake.create", data=HAZARD).value.case.id
    due = (utcnow() + timedelta(days=2)).isoformat()
    execute(sqlite_db, leader, "leadership.own", case_id=owned, leader="王镇长", plan=[{"kind": "visit", "due": due}])
    console = make_console(sqlite_db, leader)
    panel = console.window.case

    console.session.selection.select_case(fresh)  # no leader yet: an empty leader and one new step offered
    qtbot.waitUntil(panel.buttons["own"].isEnabled, timeout=10_000)
    panel.run_action("own")
    first = panel.open_dialog
    assert isinstance(first, OwnCaseDialog)
    qtbot.waitUntil(lambda: first.owner_read, timeout=10_000)  # its `leadership.case` answer: None
    assert first.leader.text() == "" and len(first.steps) == 1 and first.planned.isHidden()
    first.reject()

    console.session.selection.select_case(owned)
    qtbot.waitUntil(lambda: panel.detail is not None and panel.detail.case.id == owned, timeout=10_000)
    qtbot.waitUntil(panel.buttons["own"].isEnabled, timeout=10_000)
    panel.run_action("own")
    dialog = panel.open_dialog
    assert isinstance(dialog, OwnCaseDialog)
    qtbot.waitUntil(lambda: dialog.leader.text() == "王镇长", timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.planned.isHidden(), timeout=10_000)
    assert "Visit by" in dialog.planned.text() and dialog.steps == []  # listed, not offered again
    dialog.leader.setText("李书记")
    with qtbot.waitSignal(dialog.succeeded, timeout=10_000):
        dialog.ok_button.click()
    (row,) = execute(sqlite_db, leader, "leadership.board").value
    assert row.leader == "李书记" and [s.kind for s in row.steps] == ["visit"]  # the plan kept, not doubled
