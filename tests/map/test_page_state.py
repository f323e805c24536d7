from __future__ import annotations

from datetime import timedelta

from console.enums import CaseStatus, Priority, UnitStatus
from console.geo.gcj02 import wgs84_to_gcj02
from console.timeutil import utcnow
from tests.map.conftest import make_case, make_unit
from ui.map.page_state import MICRO, PageState


def test_units_first_full_then_only_the_changed_ones() -> None:
    now = utcnow()
    state = PageState(gcj02=False, stale_fix_s=300)
    units = [make_unit(i, 24.8 + i * 1e-3, 113.6) for i in range(1, 6)]
    first = state.units(units, [], now)
    assert first is not None and len(first["up"]) == 5 and "mv" not in first
    assert state.units(units, [], now) is None  # handed again unchanged: nothing to send
    assert state.units([], [], now) is None

    moved = make_unit(2, 24.9, 113.7)
    en_route = make_unit(3, units[2].lat, units[2].lon, status=UnitStatus.EN_ROUTE)  # type: ignore[arg-type]
    unchanged_for_the_page = make_unit(4, units[3].lat, units[3].lon, current_case_id=9)  # type: ignore[arg-type]
    diff = state.units([moved, en_route, unchanged_for_the_page], [5], now)
    assert diff == {
        "mv": [2, 24_900_000, 113_700_000],
        "up": [[3, round((units[2].lat or 0) * MICRO), 113_600_000, 0, 2, 0, "巡003"]],
        "rm": [5],
    }
    assert set(state.units_shown) == {1, 2, 3, 4}
    assert state.units([], [5, 77], now) is None  # removing what the page does not have sends nothing


def test_stale_and_off_duty() -> None:
    now = utcnow()
    state = PageState(gcj02=False, stale_fix_s=300)
    old_fix = make_unit(1, 24.8, 113.6, fix_at=now - timedelta(seconds=301))
    fresh = make_unit(2, 24.8, 113.6, fix_at=now - timedelta(seconds=10))
    off = make_unit(3, 24.8, 113.6, status=UnitStatus.OFF_DUTY)
    nowhere = make_unit(4, None, None)  # type: ignore[arg-type]
    diff = state.units([old_fix, fresh, off, nowhere], [], now)
    assert diff is not None
    assert {row[0]: row[5] for row in diff["up"]} == {1: 1, 2: 0}
    # Time passes: the fresh one turns stale without new data, seen when the shown units are looked at again.
    later = now + timedelta(seconds=400)
    assert state.units([], [], later) is None
    rechecked = state.units([], [], later, recheck=True)
    assert rechecked is not None and [row[0] for row in rechecked["up"]] == [2]
    assert state.units([], [], later, recheck=True) is None
    # Going off duty takes a unit off the page.
    assert state.units([make_unit(1, 24.8, 113.6, status=UnitStatus.OFF_DUTY)], [], later) == {"rm": [1]}


def test_positions_in_gcj02() -> None:
    state = PageState(gcj02=True, stale_fix_s=300)
    diff = state.units([make_unit(1, 24.8, 113.6)], [], utcnow())
    assert diff is not None
    lat, lon = wgs84_to_gcj02(24.8, 113.6)
    assert diff["up"][0][1:3] == [round(lat * MICRO), round(lon * MICRO)]


def test_cases_open_only_overdue_and_text_limit() -> None:
    now = utcnow()
    state = PageState(gcj02=False, stale_fix_s=300)
    cases = [
        make_case(1, 24.8, 113.6, priority=Priority.RED, due_at=now - timedelta(minutes=1)),
        make_case(2, 24.81, 113.6, status=CaseStatus.CLOSED),
        make_case(3, 24.82, 113.6, description="长" * 1000, due_at=now + timedelta(minutes=1)),
    ]
    diff = state.cases(cases, [], now)
    assert diff is not None
    rows = {row[0]: row for row in diff["up"]}
    assert set(rows) == {1, 3}
    assert rows[1][3] == 0 and rows[1][4] == 1  # red, overdue
    assert rows[3][4] == 0 and len(rows[3][8]) <= 240
    assert state.cases(cases, [], now) is None
    # The deadline of case 3 passes: seen when the shown cases are looked at again.
    later = now + timedelta(minutes=2)
    rechecked = state.cases([], [], later, recheck=True)
    assert rechecked is not None and [(row[0], row[4]) for row in rechecked["up"]] == [(3, 1)]
    assert state.cases([], [3], later) == {"rm": [3]}
    resolved = make_case(1, 24.8, 113.6, status=CaseStatus.RESOLVED)
    assert state.cases([resolved], [], later) == {"rm": [1]}
