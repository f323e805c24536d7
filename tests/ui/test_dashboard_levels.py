"""The dashboard's level and hand-off figures: where cases were resolved (village, township, county), the share
resolved locally, hand-offs each way, accepted within the configured limit, returned — from `stats.dashboard`."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from console.ops import execute
from tests.county import build_mini_county
from ui.dashboard import KpiDashboard

pytestmark = pytest.mark.ui

CASE = {"channel": "hotline_12345", "category": "livelihood", "priority": "yellow", "description": "停水"}


def test_dashboard_shows_levels_and_handoffs(sqlite_db: Database, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    dispatcher = county.actors[Role.DISPATCHER]

    def new() -> int:
        return int(execute(sqlite_db, dispatcher, "intake.create", data=CASE).value.case.id)

    to_police, to_hotline, resolved = new(), new(), new()
    execute(sqlite_db, dispatcher, "handoff.send", case_id=to_police, to="police_110", ref="110-1")  # accepted at once
    execute(sqlite_db, dispatcher, "handoff.send", case_id=to_hotline, to="hotline_12345")
    execute(sqlite_db, dispatcher, "handoff.refuse", case_id=to_hotline, reason="不属于热线受理范围")
    execute(sqlite_db, dispatcher, "case.resolve", case_id=resolved, resolution="已恢复供水")
    data = execute(sqlite_db, dispatcher, "stats.dashboard", period="day", by="township", accept_within_s=600).value

    dash = KpiDashboard(data)
    qtbot.addWidget(dash)
    shown = dash.levels.values
    assert shown["levels"] == "village 0 · township 0 · county 1"  # resolved by the county
    assert shown["local"] == "0.0% (0/1)"
    assert shown["handoffs"] == "to 110: 1 · to 12345: 1 · waiting 0"
    assert shown["in_time"] == "50.0% (1/2)" and shown["returned"] == "1"
    assert "Resolved at" in dash.levels.text() and "<b>1</b>" in dash.levels.text()
