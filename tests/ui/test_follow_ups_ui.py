"""The follow-up dock on the shift leader's board and the wall: leader-owned cases with their next step, flagged
disputes until their visit is recorded, the screening campaigns' progress per township."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from console.ops import execute
from console.timeutil import utcnow
from tests.county import build_mini_county

pytestmark = pytest.mark.ui

DISPUTE = {"channel": "walk_in", "category": "dispute", "priority": "orange", "description": "宅基地边界纠纷"}


def test_board_and_wall_show_owned_cases_risks_and_campaigns(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    leader = county.actors[Role.SHIFT_LEADER]
    cid = execute(sqlite_db, county.actors[Role.DISPATCHER], "intake.create", data=DISPUTE).value.case.id
    due = (utcnow() + timedelta(days=2)).isoformat()
    execute(sqlite_db, leader, "leadership.own", case_id=cid, leader="李书记", plan=[{"kind": "visit", "due": due}])
    execute(sqlite_db, leader, "leadership.flag_risk", case_id=cid, reason="扬言报复")
    execute(sqlite_db, leader, "campaign.create", template="summer_neighbours", townships=["西岭镇"])

    wall = make_console(sqlite_db, county.actors[Role.WALL], name="wall")
    board = wall.window.follow_ups
    qtbot.waitUntil(
        lambda: board.risks.topLevelItemCount() == 1 and board.campaigns.topLevelItemCount() == 1, timeout=10_000
    )
    assert board.owned.topLevelItem(0).text(1) == "李书记"
    assert board.record_visit_button.isHidden()  # the wall records nothing
    assert board.campaigns.topLevelItem(0).child(0).text(0) == "西岭镇"
    board.risks.itemDoubleClicked.emit(board.risks.topLevelItem(0), 0)
    assert wall.session.selection.case_id == cid

    execute(sqlite_db, leader, "case.resolve", case_id=cid, resolution="调解")
    execute(sqlite_db, leader, "supervision.sweep")
    execute(sqlite_db, county.actors[Role.HANDLER], "leadership.record", case_id=cid, kind="visit", result="已走访")
    execute(sqlite_db, county.actors[Role.HANDLER], "leadership.record", case_id=cid, kind="visit", result="回访平稳")
    qtbot.waitUntil(lambda: board.risks.topLevelItemCount() == 0, timeout=10_000)  # off the wall once visited
