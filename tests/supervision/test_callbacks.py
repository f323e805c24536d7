"""Callbacks close the loop or reopen the case; guards on who and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from console.enums import AssigneeKind, CaseStatus, EventKind, FeedbackResult
from console.models import Case, Event
from console.services import assignments as asg
from console.services.callbacks import callbacks_of, record_callback
from console.services.cases import resolve_case
from console.services.errors import InvalidTransition, PermissionDenied, ValidationError

from .conftest import MONDAY_9, World


def _resolved_case(w: World) -> int:
    case_id = w.intake(MONDAY_9, caller_phone="13900000001")
    a = w.tx(
        lambda s: (
            asg.assign_case(
                s,
                case_id=case_id,
                assignee_kind=AssigneeKind.DEPARTMENT,
                assignee_id=w.county.department_id,
                actor=w.lead,
                now=MONDAY_9,
            ).id
        )
    )
    w.tx(
        lambda s: asg.resolve_assignment(
            s, assignment_id=a, result="已处理", actor=w.dept_handler, now=MONDAY_9 + timedelta(hours=1)
        )
    )
    w.tx(
        lambda s: resolve_case(
            s, case_id=case_id, resolution="已处理", actor=w.dispatcher, now=MONDAY_9 + timedelta(hours=1)
        )
    )
    return case_id


def _case(w: World, case_id: int) -> Case:
    with w.db.session() as s:
        c = s.get(Case, case_id)
        assert c is not None
        s.expunge(c)
        return c


@pytest.mark.parametrize("answer", [FeedbackResult.SATISFIED, FeedbackResult.BASICALLY_SATISFIED])
def test_satisfied_closes_the_loop(world: World, answer: FeedbackResult) -> None:
    case_id = _resolved_case(world)
    out = world.tx(
        lambda s: record_callback(
            s,
            case_id=case_id,
            reached=True,
            satisfaction=answer,
            actor=world.dispatcher,
            now=MONDAY_9 + timedelta(hours=2),
        )
    )
    assert out.case_status == CaseStatus.CLOSED
    c = _case(world, case_id)
    assert c.status == CaseStatus.CLOSED and c.feedback == answer and c.closed_at is not None


def test_dissatisfied_reopens_and_counts_against_the_first_receiver(world: World) -> None:
    case_id = _resolved_case(world)
    out = world.tx(
        lambda s: record_callback(
            s,
            case_id=case_id,
            reached=True,
            satisfaction="dissatisfied",
            notes="问题没有解决",
            actor=world.dispatcher,
            now=MONDAY_9 + timedelta(hours=2),
        )
    )
    assert out.case_status == CaseStatus.RECEIVED
    c = _case(world, case_id)
    assert c.status == CaseStatus.RECEIVED and c.reopened_count == 1 and c.dissatisfied_count == 1
    assert c.resolved_at is None and c.feedback == FeedbackResult.DISSATISFIED
    with world.db.session() as s:
        events = list(s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)))
    recorded = next(e for e in events if e.kind == EventKind.CALLBACK_RECORDED)
    assert recorded.payload["handler"] == "城管局"
    assert events[-1].kind == EventKind.CASE_REOPENED and events[-1].payload["via_callback"] is True
    # handled again (重办) and resolved: a new callback may close it
    world.tx(
        lambda s: resolve_case(
            s, case_id=case_id, resolution="再次处理", actor=world.dispatcher, now=MONDAY_9 + timedelta(hours=5)
        )
    )
    world.tx(
        lambda s: record_callback(
            s,
            case_id=case_id,
            reached=True,
            satisfaction="satisfied",
            actor=world.dispatcher,
            now=MONDAY_9 + timedelta(hours=6),
        )
    )
    assert _case(world, case_id).status == CaseStatus.CLOSED
    with world.db.session() as s:
        assert [cb.result for cb in callbacks_of(s, case_id)] == [FeedbackResult.DISSATISFIED, FeedbackResult.SATISFIED]


def test_not_reached_leaves_it_resolved(world: World) -> None:
    case_id = _resolved_case(world)
    out = world.tx(
        lambda s: record_callback(
            s, case_id=case_id, reached=False, actor=world.dispatcher, now=MONDAY_9 + timedelta(hours=2)
        )
    )
    assert out.result == FeedbackResult.NOT_REACHED and out.case_status == CaseStatus.RESOLVED
    assert _case(world, case_id).feedback == FeedbackResult.NOT_REACHED


def test_guards(world: World) -> None:
    open_case = world.intake(MONDAY_9)
    with pytest.raises(InvalidTransition):  # not resolved yet
        world.tx(lambda s: record_callback(s, case_id=open_case, reached=False, actor=world.dispatcher, now=MONDAY_9))
    case_id = _resolved_case(world)
    for actor in (world.dept_handler, world.wall):
        with pytest.raises(PermissionDenied):
            world.tx(lambda s, a=actor: record_callback(s, case_id=case_id, reached=False, actor=a, now=MONDAY_9))
    with pytest.raises(ValidationError) as err:
        world.tx(lambda s: record_callback(s, case_id=case_id, reached=True, actor=world.dispatcher, now=MONDAY_9))
    assert err.value.field == "satisfaction"
    with pytest.raises(ValidationError) as err:
        world.tx(
            lambda s: record_callback(
                s, case_id=case_id, reached=True, satisfaction="happy", actor=world.dispatcher, now=MONDAY_9
            )
        )
    assert err.value.field == "satisfaction"
    with pytest.raises(ValidationError):
        world.tx(
            lambda s: record_callback(
                s, case_id=case_id, reached=False, satisfaction="satisfied", actor=world.dispatcher, now=MONDAY_9
            )
        )
    assert _case(world, case_id).status == CaseStatus.RESOLVED  # nothing stored half-way
    with world.db.session() as s:
        assert callbacks_of(s, case_id) == []
