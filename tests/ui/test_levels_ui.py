"""Two consoles on one database, the county's and a township's, show their own scopes; the case panel hands a case
to the 110 line and shows its receipt with the acceptance timer."""

from __future__ import annotations

from typing import Any

from console.db import Database, write_transaction
from console.enums import HandoffStatus, Level, Role
from console.services.intake import create_case, parse_intake
from tests.county import build_mini_county
from tests.users import scoped_user

CASE = {"channel": "hotline_12345", "category": "dispute", "priority": "orange", "description": "邻里纠纷"}


def test_county_and_township_consoles_show_their_scopes(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    east = county.township_ids["东河镇"]
    town = scoped_user(sqlite_db, "dh-disp", Role.DISPATCHER, Level.TOWNSHIP, township_id=east)
    dispatcher = county.actors[Role.DISPATCHER]
    for lon in (113.605, 113.625):  # one case in each township
        req = parse_intake({**CASE, "lat": 24.805, "lon": lon})
        write_transaction(sqlite_db.sessions, lambda s, r=req: create_case(s, r, actor=dispatcher))
    county_console = make_console(sqlite_db, dispatcher, name="county")
    town_console = make_console(sqlite_db, town, name="town")
    assert len(county_console.session.state.cases) == 2
    assert len(town_console.session.state.cases) == 1
    mine = next(iter(town_console.session.state.cases.values()))
    assert mine.township_id == east
    assert len(town_console.session.state.units) < len(county_console.session.state.units)

    panel = town_console.window.case
    town_console.session.selection.select_case(mine.id)
    qtbot.waitUntil(lambda: panel.detail is not None and panel.handoff.button.isEnabled(), timeout=10_000)
    panel.hand_off("police_110", "")
    qtbot.waitUntil(
        lambda: panel.handoff.receipt is not None and panel.handoff.receipt.status == HandoffStatus.SENT,
        timeout=10_000,
    )
    assert "left to accept" in panel.handoff.text()
    # The county's console sees the township's hand-off too (the case is in its scope as well).
    county_panel = county_console.window.case
    county_console.session.selection.select_case(mine.id)
    qtbot.waitUntil(lambda: county_panel.handoff.receipt is not None, timeout=10_000)
