"""The overdue sweep raises levels (never lowers them), writes events, skips paused work; warnings come first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from console.enums import AssigneeKind, EventKind
from console.models import Assignment, Case, Event
from console.services import assignments as asg
from console.services.errors import PermissionDenied
from console.services.escalation import deadline_warnings, escalate_overdue

from .conftest import MONDAY_9, World


def _level(w: World, case_id: int) -> int:
    with w.db.session() as s:
        return int(s.scalar(select(Case.escalation).where(Case.id == case_id)) or 0)


def _escalations(w: World) -> int:
    with w.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Event).where(Event.kind == EventKind.CASE_ESCALATED)) or 0)


def test_case_levels_follow_wall_clock_lateness(world: World) -> None:
    red = world.intake(MONDAY_9, "有人落水", priority="red", category="assistance")  # due in 1 h
    assert world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(minutes=59))) == []
    done = world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(hours=2)))
    assert [(d.case_id, d.level) for d in done] == [(red, 1)]
    assert world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(hours=2, minutes=5))) == []  # idempotent
    world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(hours=9)))  # 8 h late ≥ 7 → level 2
    assert _level(world, red) == 2
    world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(days=3)))
    assert _level(world, red) == 3
    assert _escalations(world) == 3


def test_assignment_levels_count_working_time_and_skip_pauses(world: World) -> None:
    case_id = world.intake(MONDAY_9, priority="blue", category="consultation")  # case due in 24 h
    a = world.tx(
        lambda s: (
            asg.assign_case(
                s,
                case_id=case_id,
                assignee_kind=AssigneeKind.DEPARTMENT,
                assignee_id=world.county.department_id,
                hours=2,
                actor=world.lead,
                now=MONDAY_9,
            ).id
        )
    )  # due Monday 11:00
    warnings = world.tx(lambda s: deadline_warnings(s, now=MONDAY_9 + timedelta(hours=1)))
    assert [(w.assignment_id, round(w.remaining_s)) for w in warnings] == [(a, 3600)]
    # Monday 13:00 is lunch: 1 working hour late
    done = world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(hours=4)))
    assert [(d.assignment_id, d.level, round(d.overdue_s)) for d in done] == [(a, 1, 3600)]
    with world.db.session() as s:
        assert s.scalar(select(Assignment.escalation).where(Assignment.id == a)) == 1
    world.tx(
        lambda s: asg.pause_assignment(
            s, assignment_id=a, reason="等待群众", actor=world.dept_handler, now=MONDAY_9 + timedelta(hours=4)
        )
    )
    assert world.tx(lambda s: escalate_overdue(s, now=MONDAY_9 + timedelta(days=2))) == []
    assert _level(world, case_id) == 1


def test_only_leaders_and_the_system_sweep(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.tx(lambda s: escalate_overdue(s, now=MONDAY_9, actor=world.dispatcher))
    assert world.tx(lambda s: escalate_overdue(s, now=MONDAY_9, actor=world.lead)) == []


@pytest.mark.parametrize("page", [500, 2], ids=["one-page", "pages-of-two"])
def test_a_limited_sweep_escalates_in_batches_until_none_is_left(
    world: World, page: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.services import escalation

    monkeypatch.setattr(escalation, "CASE_PAGE", page)  # overdue cases are read a page at a time
    cases = [world.intake(MONDAY_9, f"积压 {i}", priority="red", category="assistance") for i in range(5)]
    later = MONDAY_9 + timedelta(hours=2)
    batches = []
    while True:
        done = world.tx(lambda s: escalate_overdue(s, now=later, limit=2))
        batches.append([d.case_id for d in done])
        if len(done) < 2:
            break
    assert batches == [cases[:2], cases[2:4], cases[4:]]  # by id, each case once
    assert all(_level(world, c) == 1 for c in cases)
    assert _escalations(world) == 5
    with pytest.raises(ValueError, match="limit"):
        world.tx(lambda s: escalate_overdue(s, now=later, limit=0))
    # Without a limit, one sweep goes through every page.
    much_later = MONDAY_9 + timedelta(days=3)
    assert [d.case_id for d in world.tx(lambda s: escalate_overdue(s, now=much_later))] == cases
