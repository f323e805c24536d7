"""Every KPI against a small dataset computed by hand, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.stats import Dimension, kpis
from console.stats.board import supervision_board
from console.stats.dashboard import dashboard_data
from console.stats.intervals import emergency_intervals

from .conftest import MONDAY_9, World
from .dataset import NOW, build_dataset


@pytest.fixture
def dataset(world: World) -> dict[str, int]:
    return build_dataset(world)


def _period(w: World):  # type: ignore[no-untyped-def]
    return {"start": MONDAY_9 - timedelta(hours=9), "end": MONDAY_9 + timedelta(hours=15), "now": NOW}


def test_totals_by_hand(world: World, dataset: dict[str, int]) -> None:
    with world.db.session() as s:
        r = kpis(s, **_period(world))
    c = r.total.counts
    assert (c["received"], c["invalid"], c["merged"], c["valid"]) == (6, 1, 0, 5)
    assert (c["resolved"], c["resolved_on_time"]) == (2, 1)  # c1 on time, c3 late; c2 reopened is not 办结
    assert (c["callbacks"], c["satisfied"], c["dissatisfied"]) == (2, 1, 1)
    assert (c["repeats"], c["assignments"], c["returns"]) == (1, 2, 1)
    assert (c["dispatched"], c["dispatched_60s"]) == (1, 1)
    assert (c["open"], c["overdue"]) == (3, 1)  # c2, c5, c6; c6 (red, due 1 h) is overdue
    rates = r.total.rates
    assert (rates["resolution_rate"].numerator, rates["resolution_rate"].denominator) == (2, 5)
    assert rates["on_time_rate"].value == pytest.approx(0.5)
    assert rates["satisfaction_rate"].value == pytest.approx(0.5)
    assert rates["repeat_rate"].value == pytest.approx(1 / 6)
    assert rates["return_rate"].value == pytest.approx(0.5)
    assert rates["dispatch_60s_rate"].value == pytest.approx(1.0)
    # outside the period: nothing received, but the open ones are still open
    with world.db.session() as s:
        later = kpis(s, start=NOW + timedelta(days=1), end=NOW + timedelta(days=2), now=NOW)
    assert later.total.counts["received"] == 0 and later.total.counts["open"] == 3
    assert later.total.rates["resolution_rate"].value is None


def test_by_township(world: World, dataset: dict[str, int]) -> None:
    with world.db.session() as s:
        r = kpis(s, **_period(world), by=Dimension.TOWNSHIP)
    rows = {g.label: g for g in r.groups}
    east, west = rows["东河镇"].counts, rows["西岭镇"].counts
    assert (east["received"], east["valid"], east["resolved"], east["resolved_on_time"]) == (3, 3, 1, 1)
    assert (east["callbacks"], east["satisfied"], east["repeats"], east["open"], east["overdue"]) == (2, 1, 1, 2, 0)
    assert (west["received"], west["invalid"], west["valid"], west["resolved"], west["resolved_on_time"]) == (
        3,
        1,
        2,
        1,
        0,
    )
    assert (west["assignments"], west["returns"], west["open"], west["overdue"]) == (1, 1, 1, 1)
    assert rows["西岭镇"].filter == {"township_id": world.county.township_ids["西岭镇"]}


def test_by_category_channel_handler_unit_kind(world: World, dataset: dict[str, int]) -> None:
    with world.db.session() as s:
        cat = {g.key: g.counts for g in kpis(s, **_period(world), by="category").groups}
        chan = {g.key: g.counts for g in kpis(s, **_period(world), by=Dimension.CHANNEL).groups}
        hand = {g.label: g for g in kpis(s, **_period(world), by=Dimension.HANDLER).groups}
        kind = {g.key: g.counts for g in kpis(s, **_period(world), by=Dimension.UNIT_KIND).groups}
    assert cat["livelihood"]["received"] == 2 and cat["livelihood"]["resolved"] == 1
    assert cat["dispute"]["dissatisfied"] == 1 and cat["traffic"]["resolved_on_time"] == 0
    assert chan["hotline_12345"]["received"] == 4 and chan["police_110"]["received"] == 1
    assert chan["walk_in"]["dispatched_60s"] == 1
    assert hand["城管局"].counts["received"] == 1 and hand["城管局"].counts["resolved_on_time"] == 1
    assert hand["西岭镇"].counts["returns"] == 1
    assert hand["城管局"].filter == {"assignee_kind": "department", "assignee_id": world.county.department_id}
    assert hand["-"].counts["received"] == 4  # never assigned
    assert kind["patrol_car"]["received"] == 1 and kind["-"]["received"] == 5


def test_emergency_intervals(world: World, dataset: dict[str, int]) -> None:
    with world.db.session() as s:
        figs = emergency_intervals(s, start=_period(world)["start"], end=_period(world)["end"])["all"]
    assert figs["dispatch"].count == 1 and figs["dispatch"].within == 1
    assert figs["dispatch"].percentiles[50] == pytest.approx(30, abs=0.01)
    assert figs["travel"].percentiles[50] == pytest.approx(14.5 * 60, abs=0.01)
    assert figs["total"].count == 1 and figs["total"].percentiles[90] == pytest.approx(50 * 60, abs=0.01)


def test_dashboard_and_board(world: World, dataset: dict[str, int]) -> None:
    with world.db.session() as s:
        data = dashboard_data(s, period="day", by="township", now=NOW)
        board = supervision_board(s, now=NOW)
    assert data.report.total.counts["received"] == 6
    assert (data.hourly.today[9], data.hourly.today[15], data.hourly.today[16], sum(data.hourly.today)) == (4, 1, 1, 6)
    assert data.series[-1].received == 6 and data.series[-1].closed == 2
    returned = [a for a in board.assignments if a.needs_leader]
    assert [a.assignment_id for a in returned] == [dataset["a6"]]
    assert board.assignments[0].needs_leader  # returned ones come first
    # the new contact after c1's closure escalated c1 and carries its level into the queue
    assert [(c.case_id, c.level) for c in board.escalated] == [(dataset["c5"], 1)]
    assert [c.case_id for c in board.callbacks_due] == []
