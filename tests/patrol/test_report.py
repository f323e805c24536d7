"""`patrol report` on a hand-built day: one shift met, one late, one missed; every figure and rate checked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import Category, Role, UnitKind
from console.models import Unit
from console.patrol.report import patrol_report
from console.patrol.shifts import plans_layer
from console.services import cases as case_service
from console.services.patrol_filing import file_patrol_report
from console.services.patrol_shifts import ensure_days
from tests.county import ORIGIN_LAT, ORIGIN_LON, MiniCounty

from .conftest import LAT0, LON0, T0, area, draft, east, feed, make_plan, north, point, route

DAY = date(2026, 11, 23)
NOW = T0 + timedelta(hours=3)  # 12:00: the 09:00–10:00 shifts and their grace periods are over


@pytest.fixture
def day(db: Database, county: MiniCounty) -> MiniCounty:
    def volunteer(s: object) -> int:
        unit = Unit(
            callsign="VT-01",
            kind=UnitKind.VOLUNTEER_TEAM,
            capabilities=[],
            lat=LAT0,
            lon=LON0,
            fix_at=T0 - timedelta(days=1),
        )
        s.add(unit)
        s.flush()
        return unit.id

    county.unit_ids["VT-01"] = write_transaction(db.sessions, volunteer)
    make_plan(db, county, draft(point(dwell_s=120, name="A-gate"), route(length_m=100, name="A-street"), name="A"))
    make_plan(db, county, draft(area(min_minutes=2, name="B-square"), name="B", team=("VT-01", "FP-01")))
    far = point(dwell_s=120, name="C-gate")
    far = type(far)(
        far.kind,
        {"type": "Point", "coordinates": [ORIGIN_LON + 0.035, ORIGIN_LAT + 0.015]},
        far.name,
        radius_m=50,
        dwell_s=120,
    )
    make_plan(db, county, draft(far, name="C", team=("PC-02",)))
    # A: PC-01 stands at the gate 3 minutes, then drives the street: met.
    feed(
        db,
        county.unit_ids["PC-01"],
        [(30 * k, LAT0, LON0) for k in range(7)] + [(200, LAT0, east(50)), (230, LAT0, east(100))],
        now=NOW,
    )
    # B: VT-01 looks in during the window for a minute; FP-01 walks the square after the window: late.
    feed(db, county.unit_ids["VT-01"], [(600, north(50), east(50)), (660, north(50), east(50))], now=NOW)
    feed(db, county.unit_ids["FP-01"], [(3700 + 60 * k, north(60), east(60)) for k in range(4)], now=NOW)
    # C: PC-02 never goes: missed. Reports filed on patrol: VT-01's is valid, PC-01's is found invalid.
    dispatcher = county.actors[Role.DISPATCHER]

    def reports(s: object) -> None:
        for callsign, at in (("VT-01", 661), ("PC-01", 231)):
            filed = file_patrol_report(
                s,
                unit_id=county.unit_ids[callsign],
                category=Category.PUBLIC_ORDER,
                priority="yellow",
                description=f"{callsign} 巡逻发现",
                actor=dispatcher,
                now=T0 + timedelta(seconds=at),
            )
            if callsign == "PC-01":
                case_service.invalidate_case(
                    s, case_id=filed.intake.case.id, reason="重复", actor=dispatcher, now=T0 + timedelta(seconds=300)
                )

    write_transaction(db.sessions, reports)
    write_transaction(db.sessions, lambda s: ensure_days(s, [DAY], now=NOW))
    return county


def _report(db: Database, **kw: Any) -> dict[str, Any]:
    with db.session() as s:
        return patrol_report(s, first=DAY, last=DAY, now=NOW, **kw).as_dict()


def test_totals_and_rates(db: Database, day: MiniCounty) -> None:
    total = _report(db)["total"]
    assert (
        total["shifts_due"] == 3
        and total["shifts_met"] == 1
        and total["shifts_late"] == 1
        and total["shifts_missed"] == 1
    )
    assert total["compliance_rate"] == {"numerator": 1, "denominator": 3, "value": 0.3333}
    assert (total["points_due"], total["points_visited"]) == (2, 1)
    assert total["route_m_due"] == pytest.approx(100, abs=0.5) and total["route_m_covered"] == pytest.approx(
        100, abs=0.5
    )
    assert (total["area_minutes_due"], total["area_minutes_spent"]) == (2.0, 1.0)
    assert total["targets_late"] == 1 and (total["reports"], total["reports_valid"]) == (2, 1)
    assert total["distance_km"] == pytest.approx(0.1, abs=0.002)
    # Coverage: of the county's 8 grids, only G100 saw a patrolling unit during a shift.
    assert total["coverage_rate"] == {"numerator": 1, "denominator": 8, "value": 0.125}
    assert total["points"] == 9  # VT-01: a late shift (4) and a valid report (5)


def test_rows_by_each_dimension(db: Database, day: MiniCounty) -> None:
    plans = {g["key"]: g for g in _report(db, by="plan")["groups"]}
    assert {k: (g["shifts_due"], g["shifts_met"], g["shifts_late"], g["shifts_missed"]) for k, g in plans.items()} == {
        "A": (1, 1, 0, 0),
        "B": (1, 0, 1, 0),
        "C": (1, 0, 0, 1),
    }
    assert plans["A"]["coverage_rate"]["value"] == 1.0 and plans["C"]["coverage_rate"]["value"] == 0.0
    units = {g["key"]: g for g in _report(db, by="unit")["groups"]}
    assert set(units) == {"PC-01", "PC-02", "VT-01", "FP-01"}
    assert (units["FP-01"]["shifts_late"], units["FP-01"]["points"], units["VT-01"]["points"]) == (1, 0, 9)
    assert (units["PC-01"]["reports"], units["PC-01"]["reports_valid"]) == (1, 0)
    assert units["FP-01"]["distance_km"] == 0  # its walk came after the window
    teams = {g["key"] for g in _report(db, by="team")["groups"]}
    assert teams == {"PC-01", "FP-01;VT-01", "PC-02"}
    towns = {g["label"]: g for g in _report(db, by="township")["groups"]}
    assert (towns["东河镇"]["shifts_due"], towns["西岭镇"]["shifts_missed"]) == (2, 1)
    assert towns["东河镇"]["coverage_rate"] == {"numerator": 1, "denominator": 4, "value": 0.25}
    grids = {g["key"] for g in _report(db, by="grid")["groups"]}
    assert grids == {"G100", "G211"}


def test_shift_list_stale_targets_and_ranking(db: Database, day: MiniCounty) -> None:
    data = _report(db, with_shifts=True, stale_days=1)
    shifts = {s["plan"]: s for s in data["shifts"]}
    assert (shifts["A"]["state"], shifts["B"]["state"], shifts["C"]["state"]) == ("met", "late", "missed")
    assert shifts["B"]["late"] == ["B-square"] and shifts["C"]["missed"] == ["C-gate"]
    stale = {(r["plan"], r["target"]) for r in data["stale_targets"]}
    assert stale == {("B", "B-square"), ("C", "C-gate")}
    assert data["volunteer_ranking"] == [
        {"team": "VT-01", "shifts_met": 0, "shifts_late": 1, "valid_reports": 1, "points": 9.0, "rank": 1}
    ]


def test_a_shift_still_running_is_not_due_yet(db: Database, day: MiniCounty) -> None:
    with db.session() as s:
        early = patrol_report(s, first=DAY, last=DAY, now=T0 + timedelta(minutes=30)).as_dict()["total"]
    # At 09:30 only A is met; B and C are still in progress.
    assert (early["shifts_due"], early["shifts_met"], early["shifts_in_progress"]) == (1, 1, 2)
    with db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.callsign == "VT-01")).one()
        assert unit.kind == UnitKind.VOLUNTEER_TEAM


def test_the_plans_layer_colours_targets_by_todays_state(db: Database, day: MiniCounty) -> None:
    with db.session() as s:
        noon = {t.name: t.state for t in plans_layer(s, now=NOW)}
        early = {t.name: t.state for t in plans_layer(s, now=T0 + timedelta(minutes=30))}
        before = {t.name: t.state for t in plans_layer(s, now=T0 - timedelta(minutes=30))}
    assert noon == {"A-gate": "done", "A-street": "done", "B-square": "missed", "C-gate": "missed"}
    assert early == {"A-gate": "done", "A-street": "done", "B-square": "due_now", "C-gate": "due_now"}
    assert (before["B-square"], before["C-gate"]) == ("planned", "planned")
