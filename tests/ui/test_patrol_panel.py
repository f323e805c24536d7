"""The patrol panel inside the console: today's shifts with progress and yesterday's to review, fed by the database
worker through `patrol.board`; approving from the panel runs `patrol.approve`; key-site readiness reaches the panel
and the wall's figure; the panel is the shift leader's, not the dispatcher's."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.db import Database, write_transaction
from console.enums import Role, TargetKind
from console.ops import SYSTEM, execute
from console.patrol.drafts import PlanDraft, TargetDraft
from console.services.patrol_plans import create_plan
from console.timeutil import utcnow
from tests.county import build_mini_county
from ui.layouts import Dock
from ui.patrol.panel import IdRole

pytestmark = pytest.mark.ui

LAT, LON = 24.8055, 113.6055
WAIT = 15_000


def _plan(db: Database, county: Any) -> None:
    target = TargetDraft(
        TargetKind.POINT, {"type": "Point", "coordinates": [LON, LAT]}, "北门", radius_m=50, dwell_s=60
    )
    plan = PlanDraft(
        name="北门护学岗",
        team=("PC-01",),
        days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        windows=("00:00-00:05", "07:00-07:30"),
        targets=(target,),
    )
    leader = county.actors[Role.SHIFT_LEADER]
    write_transaction(db.sessions, lambda s: create_plan(s, plan, actor=leader, now=utcnow() - timedelta(days=3)))


def _sites(db: Database, county: Any) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "S1", "name": "城关小学", "kind": "school", "target_min": 3},
                "geometry": {"type": "Point", "coordinates": [LON, LAT]},
            },
            {
                "type": "Feature",
                "properties": {"code": "S2", "name": "远山银行", "kind": "bank", "target_min": 1},
                "geometry": {"type": "Point", "coordinates": [LON + 0.3, LAT + 0.3]},
            },
        ],
    }
    execute(db, county.actors[Role.ADMIN], "sites.import", text=json.dumps(doc, ensure_ascii=False))


def test_leader_reviews_yesterdays_shift_from_the_panel(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    _plan(sqlite_db, county)
    _sites(sqlite_db, county)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    window = console.window
    assert Dock.PATROL in window.docks
    panel = window.patrol
    assert panel.may_review and panel.may_relocate
    window.patrol_link.start()  # at once, not two seconds after loading
    qtbot.waitUntil(lambda: panel.today.topLevelItemCount() == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: panel.review.topLevelItemCount() >= 1, timeout=WAIT)
    bar = panel.today.itemWidget(panel.today.topLevelItem(0), 2)
    assert bar.format() == "0/1"

    # Readiness: the school next to the units is covered, the bank far away is not.
    qtbot.waitUntil(lambda: panel.sites.topLevelItemCount() == 2, timeout=WAIT)
    assert panel.sites.topLevelItem(0).text(0) == "远山银行"  # uncovered first
    assert "1" in window.readiness.value.text() and "2" in window.readiness.value.text()

    reviewing = panel.review.topLevelItemCount()
    first = panel.review.topLevelItem(0)
    shift_id = int(first.data(0, IdRole))
    panel.review.setCurrentItem(first)
    assert panel.approve_button.isEnabled()
    panel.approve_button.click()
    qtbot.waitUntil(lambda: panel.review.topLevelItemCount() == reviewing - 1, timeout=WAIT)
    shown = execute(sqlite_db, SYSTEM, "patrol.shift", shift_id=shift_id).value
    assert shown["review_status"] == "approved" and shown["reviewed_by"] == county.actors[Role.SHIFT_LEADER].name


def test_the_dispatcher_sees_the_patrol_but_may_not_review_or_relocate(sqlite_db: Database, make_console: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    panel = console.window.patrol
    assert not panel.may_review and not panel.may_relocate
    assert panel.approve_button.isHidden() and panel.order_button.isHidden()
    assert Dock.PLAYBACK in console.window.docks and Dock.READINESS in console.window.docks


def test_route_reach_and_playback_reach_the_map(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    _plan(sqlite_db, county)
    _sites(sqlite_db, county)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    window, session, fake = console.window, console.session, console.map
    window.patrol_link.start()
    qtbot.waitUntil(lambda: len(fake.targets) == 1 and len(fake.sites) == 2, timeout=WAIT)
    assert fake.targets[0]["plan"] == "北门护学岗"

    data = {"channel": "walk_in", "category": "dispute", "priority": "orange", "description": "院墙纠纷"}
    case = execute(sqlite_db, county.actors[Role.DISPATCHER], "intake.create", data={**data, "lat": LAT, "lon": LON})
    case_id = case.value.case.id
    qtbot.waitUntil(lambda: case_id in session.state.cases, timeout=WAIT)
    session.selection.select_case(case_id)  # the case detail ranks the units; the first one's way is drawn
    qtbot.waitUntil(lambda: any(feature is not None for feature, _ in fake.routes), timeout=WAIT)
    feature, callsign = next((f, c) for f, c in fake.routes if f is not None)
    assert feature["geometry"]["type"] == "LineString" and callsign
    assert feature["properties"]["route"] in ("road", "straight")
    tree = window.case.recommended.tree  # another recommendation picked: its way instead
    qtbot.waitUntil(lambda: tree.topLevelItemCount() >= 2, timeout=WAIT)
    second = tree.topLevelItem(1)
    picked = session.state.units[int(second.data(0, Qt.ItemDataRole.UserRole))].callsign
    assert picked != callsign
    tree.setCurrentItem(second)
    qtbot.waitUntil(lambda: fake.routes[-1][1] == picked and fake.routes[-1][0] is not None, timeout=WAIT)

    session.selection.select_unit(county.unit_ids["PC-01"])  # reach around the unit (no road network: none drawn)
    qtbot.waitUntil(lambda: len(fake.reaches) == 1, timeout=WAIT)
    assert fake.reaches[0] == (None, "PC-01")

    shift_id = execute(sqlite_db, SYSTEM, "patrol.board").value["to_review"][0]["id"]
    window.patrol.playbackRequested.emit(shift_id)
    qtbot.waitUntil(lambda: len(fake.playbacks) == 1, timeout=WAIT)
    assert window.docks[Dock.PLAYBACK].isVisible() and window.playback.data is fake.playbacks[0]
    assert fake.frames, "a first frame goes to the map as soon as the tracks are loaded"
    window.playback.speed.setCurrentIndex(window.playback.speed.count() - 1)  # ×600
    before = len(fake.frames)
    window.playback.play_button.click()
    qtbot.waitUntil(lambda: len(fake.frames) > before + 2, timeout=WAIT)
    assert fake.frames[-1]["t"] > fake.frames[before - 1]["t"]
    window.playback.close_button.click()
    assert fake.playbacks[-1] is None


def test_a_unit_files_what_it_found_in_one_key(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    from console.enums import Channel
    from ui.actions import ActionId
    from ui.patrol.filing import PatrolFilingDialog

    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    unit_id = county.unit_ids["PC-01"]
    assert not window.actions_[ActionId.FILE_FROM_PATROL].isEnabled()  # no unit selected
    session.selection.select_unit(unit_id)
    qtbot.waitUntil(window.actions_[ActionId.FILE_FROM_PATROL].isEnabled, timeout=WAIT)
    assert window.actions_[ActionId.FILE_FROM_PATROL].shortcut().toString() == "F9"
    dialog = PatrolFilingDialog("PC-01", window)
    dialog.description.setPlainText("井盖缺失")
    assert dialog.values() == {
        "category": "safety_hazard",
        "priority": "yellow",
        "description": "井盖缺失",
        "address": None,
    }
    window.patrol_link.file_report(unit_id, dialog.values())
    qtbot.waitUntil(lambda: session.selection.case_id in session.state.cases, timeout=WAIT)
    case = session.state.cases[session.selection.case_id]
    assert case.channel == Channel.PATROL and case.description == "井盖缺失"
    unit = session.state.units[unit_id]
    assert (case.lat, case.lon) == pytest.approx((unit.lat, unit.lon))  # where the unit is


def test_a_suggested_plan_is_edited_and_saved(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    for i in range(6):  # public-order trouble at one corner, at this hour
        data = {
            "channel": "police_110",
            "category": "public_order",
            "priority": "yellow",
            "description": f"夜市斗殴 {i}",
        }
        execute(sqlite_db, county.actors[Role.DISPATCHER], "intake.create", data={**data, "lat": LAT, "lon": LON})
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    page = console.window.patrol.suggestions
    assert page is not None
    page.suggest_button.click()
    qtbot.waitUntil(lambda: page.list.topLevelItemCount() >= 1, timeout=WAIT)
    assert "6" in page.cases.text()  # the cases behind the draft
    page.name.setText("夜市巡逻")
    page.team.setText("PC-01;FP-01")
    page.save_button.click()
    qtbot.waitUntil(
        lambda: "夜市巡逻" in [p["name"] for p in execute(sqlite_db, SYSTEM, "patrol.plans").value["plans"]],
        timeout=WAIT,
    )
    [plan] = [p for p in execute(sqlite_db, SYSTEM, "patrol.plans").value["plans"] if p["name"] == "夜市巡逻"]
    assert plan["team"] == ["FP-01", "PC-01"]


def test_the_dispatcher_gets_no_plan_suggestions(sqlite_db: Database, make_console: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    assert console.window.patrol.suggestions is None


def test_the_readiness_figure_says_how_far_each_uncovered_site_is(qtbot: Any) -> None:
    from ui.patrol.readiness import ReadinessFigure

    figure = ReadinessFigure()
    qtbot.addWidget(figure)
    site = {"code": "S", "lat": LAT, "lon": LON, "kind": "bank", "covered": False, "units_within": 0}
    figure.set_readiness(
        {
            "readiness_rate": {"numerator": 1, "denominator": 3, "value": 1 / 3},
            "by_target_min": {"3": {"numerator": 1, "denominator": 2}, "1": {"numerator": 0, "denominator": 1}},
            "uncovered": [
                {**site, "name": "远山银行", "target_min": 1, "best_unit": "PC-01", "best_eta_s": 150},
                {**site, "name": "孤岛小学", "target_min": 3, "best_unit": None, "best_eta_s": None},
            ],
        }
    )
    assert figure.value.text().startswith("33%")
    assert figure.detail.text() == "1 min: 0/1 · 3 min: 1/2"  # shortest target first
    texts = [figure.uncovered.item(i).text() for i in range(figure.uncovered.count())]
    assert texts == ["远山银行 — first unit in 3 min, required within 1 min", "孤岛小学 — no unit can reach it"]


def test_readiness_is_read_again_when_units_are_heard_after_a_silence(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    """Positions are not events: after an outage of the position feed every fix is stale and readiness reads the
    school uncovered; the first fresh fixes must bring it back within seconds, not at the next 30 s read."""
    county = build_mini_county(sqlite_db, now=utcnow() - timedelta(hours=2))  # every unit's last fix 2 hours old
    _sites(sqlite_db, county)
    console = make_console(sqlite_db, county.actors[Role.SHIFT_LEADER])
    link, panel = console.window.patrol_link, console.window.patrol
    link.readiness._timer.setInterval(3_600_000)  # only the fresh fixes may read it again in this test
    qtbot.waitUntil(lambda: link.readiness.started, timeout=WAIT)  # the console starts it after loading

    def covered(code: str) -> bool | None:
        sites = {s["code"]: s for s in (panel.readiness or {}).get("all_sites", [])}
        return None if code not in sites else bool(sites[code]["covered"])

    qtbot.waitUntil(lambda: covered("S1") is False, timeout=WAIT)  # stale fixes are penalised
    at = utcnow().isoformat()
    execute(
        sqlite_db,
        county.actors[Role.ADMIN],
        "positions.import",
        text=f"callsign,fix_at,lat,lon\nPC-01,{at},{LAT},{LON}\n",
    )
    qtbot.waitUntil(lambda: covered("S1") is True, timeout=WAIT)
    assert link.readiness._timer.remainingTime() > 3_000_000  # not the timer's read
