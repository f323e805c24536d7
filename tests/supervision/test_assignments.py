"""The assignment workflow: who may do what, in which state; history of transfers; first receiver; the clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from console.enums import AssigneeKind, AssignmentStatus, CaseStatus, EventKind
from console.models import Assignment, Case, Event
from console.services import assignments as svc
from console.services.cases import invalidate_case
from console.services.errors import InvalidTransition, PermissionDenied, ValidationError
from console.services.queries import list_open_cases
from console.worktime import default_calendar

from .conftest import MONDAY_9, World

DEPT = AssigneeKind.DEPARTMENT
TOWN = AssigneeKind.TOWNSHIP


def _assign(
    w: World, case_id: int, *, kind: AssigneeKind = DEPT, target: int | None = None, hours: float = 8, at=MONDAY_9
) -> int:
    target = (
        target if target is not None else (w.county.department_id if kind == DEPT else w.county.township_ids["东河镇"])
    )
    return w.tx(
        lambda s: (
            svc.assign_case(
                s, case_id=case_id, assignee_kind=kind, assignee_id=target, hours=hours, actor=w.lead, now=at
            ).id
        )
    )


def _get(w: World, assignment_id: int) -> Assignment:
    with w.db.session() as s:
        a = s.get(Assignment, assignment_id)
        assert a is not None
        s.expunge(a)
        return a


def _kinds(w: World, case_id: int) -> list[str]:
    with w.db.session() as s:
        return [e.kind.value for e in s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))]


def test_only_a_shift_leader_assigns(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    for actor in (world.dispatcher, world.dept_handler, world.wall):
        with pytest.raises(PermissionDenied):
            world.tx(
                lambda s, a=actor: svc.assign_case(
                    s,
                    case_id=case_id,
                    assignee_kind=DEPT,
                    assignee_id=world.county.department_id,
                    actor=a,
                    now=MONDAY_9,
                )
            )
    a_id = _assign(world, case_id)
    a = _get(world, a_id)
    assert a.status == AssignmentStatus.ASSIGNED and a.first_receiver
    # 8 working hours from Monday 09:00 → Tuesday 10:00 (08:30–12:00, 14:00–17:30)
    assert a.due_at == MONDAY_9 + timedelta(days=1, hours=1)
    assert "assignment_created" in _kinds(world, case_id)


def test_one_live_assignment_per_case_and_only_open_cases(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    _assign(world, case_id)
    with pytest.raises(InvalidTransition):
        _assign(world, case_id, kind=TOWN)
    other = world.intake(MONDAY_9, description="有人在河边倒垃圾")
    world.tx(lambda s: invalidate_case(s, case_id=other, reason="测试", actor=world.lead, now=MONDAY_9))
    with pytest.raises(InvalidTransition):
        _assign(world, other)


def test_bad_deadline_and_unknown_assignee(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    with pytest.raises(ValidationError) as err:
        world.tx(
            lambda s: svc.assign_case(
                s,
                case_id=case_id,
                assignee_kind=DEPT,
                assignee_id=world.county.department_id,
                due_at=MONDAY_9 - timedelta(hours=1),
                actor=world.lead,
                now=MONDAY_9,
            )
        )
    assert err.value.field == "due_at"
    with pytest.raises(ValidationError) as err:
        world.tx(
            lambda s: svc.assign_case(
                s, case_id=case_id, assignee_kind="police", assignee_id=1, actor=world.lead, now=MONDAY_9
            )
        )
    assert err.value.field == "assignee_kind"
    with pytest.raises(Exception) as nf:
        world.tx(
            lambda s: svc.assign_case(
                s, case_id=case_id, assignee_kind=DEPT, assignee_id=999, actor=world.lead, now=MONDAY_9
            )
        )
    assert getattr(nf.value, "code", None) == "not_found"
    with world.db.session() as s:
        assert s.scalars(select(Assignment)).first() is None  # nothing stored half-way


def test_only_the_assignees_handler_acts(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    a_id = _assign(world, case_id)  # to the department
    with pytest.raises(PermissionDenied):  # the township's handler is someone else
        world.tx(lambda s: svc.accept_assignment(s, assignment_id=a_id, actor=world.town_handler, now=MONDAY_9))
    with pytest.raises(PermissionDenied):
        world.tx(lambda s: svc.accept_assignment(s, assignment_id=a_id, actor=world.dispatcher, now=MONDAY_9))
    world.tx(lambda s: svc.accept_assignment(s, assignment_id=a_id, actor=world.dept_handler, now=MONDAY_9))
    a = _get(world, a_id)
    assert a.status == AssignmentStatus.ACCEPTED and a.accepted_by == world.dept_handler.name
    with pytest.raises(InvalidTransition):  # signed for once
        world.tx(lambda s: svc.accept_assignment(s, assignment_id=a_id, actor=world.dept_handler, now=MONDAY_9))


def test_return_needs_a_reason_and_goes_back_highlighted(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    a_id = _assign(world, case_id)
    with pytest.raises(ValidationError) as err:
        world.tx(
            lambda s: svc.return_assignment(s, assignment_id=a_id, reason="  ", actor=world.dept_handler, now=MONDAY_9)
        )
    assert err.value.field == "reason"
    world.tx(
        lambda s: svc.return_assignment(
            s, assignment_id=a_id, reason="不属于本部门职责", actor=world.dept_handler, now=MONDAY_9
        )
    )
    with world.db.session() as s:
        view = next(v for v in list_open_cases(s, actor=world.lead) if v.id == case_id)
        case = s.get(Case, case_id)
        assert case is not None and case.return_count == 1 and case.assignment_count == 1
    assert view.assignment_status == "returned"  # the shift leader's queue highlights it
    with pytest.raises(InvalidTransition):
        world.tx(
            lambda s: svc.resolve_assignment(s, assignment_id=a_id, result="x", actor=world.dept_handler, now=MONDAY_9)
        )
    # assigned again, elsewhere: not the first receiver any more
    b_id = _assign(world, case_id, kind=TOWN)
    assert not _get(world, b_id).first_receiver


def test_resolve_records_result_and_signs_for(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    a_id = _assign(world, case_id, kind=TOWN)
    later = MONDAY_9 + timedelta(hours=3)
    with pytest.raises(ValidationError):
        world.tx(
            lambda s: svc.resolve_assignment(s, assignment_id=a_id, result="", actor=world.town_handler, now=later)
        )
    world.tx(
        lambda s: svc.resolve_assignment(
            s, assignment_id=a_id, result="已修复路灯", actor=world.town_handler, now=later
        )
    )
    a = _get(world, a_id)
    assert a.status == AssignmentStatus.RESOLVED and a.result == "已修复路灯"
    assert a.accepted_at == later and a.resolved_at == later
    with world.db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.status == CaseStatus.RECEIVED  # the center resolves the case itself


def test_transfer_keeps_history_and_first_receiver(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    a_id = _assign(world, case_id)
    world.tx(lambda s: svc.accept_assignment(s, assignment_id=a_id, actor=world.dept_handler, now=MONDAY_9))
    b = world.tx(
        lambda s: (
            svc.transfer_assignment(
                s,
                assignment_id=a_id,
                to_kind=TOWN,
                to_id=world.county.township_ids["东河镇"],
                reason="属地管理",
                actor=world.dept_handler,
                now=MONDAY_9 + timedelta(hours=1),
            ).id
        )
    )
    old, new = _get(world, a_id), _get(world, b)
    assert old.status == AssignmentStatus.TRANSFERRED and old.transferred_to_id == new.id
    assert old.first_receiver and not new.first_receiver
    assert new.due_at == old.due_at  # the clock keeps running
    assert svc.first_receiver is not None
    with world.db.session() as s:
        first = svc.first_receiver(s, case_id)
        assert first is not None and first.id == a_id
    # the township's handler now holds it; the department's handler no longer may act
    with pytest.raises(PermissionDenied):
        world.tx(lambda s: svc.accept_assignment(s, assignment_id=b, actor=world.dept_handler, now=MONDAY_9))
    world.tx(lambda s: svc.accept_assignment(s, assignment_id=b, actor=world.town_handler, now=MONDAY_9))
    assert "assignment_transferred" in _kinds(world, case_id)


def test_pause_and_resume_move_the_deadline_by_working_time(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    a_id = _assign(world, case_id, hours=4)  # 09:00–12:00 and 14:00–15:00: due Monday 15:00
    due0 = _get(world, a_id).due_at
    assert due0 == MONDAY_9 + timedelta(hours=6)
    world.tx(
        lambda s: svc.pause_assignment(
            s,
            assignment_id=a_id,
            reason="等待群众提供材料",
            actor=world.dept_handler,
            now=MONDAY_9 + timedelta(hours=1),
        )
    )
    with pytest.raises(InvalidTransition):
        world.tx(
            lambda s: svc.pause_assignment(
                s, assignment_id=a_id, reason="again", actor=world.dept_handler, now=MONDAY_9 + timedelta(hours=1)
            )
        )
    # paused Monday 10:00 → Monday 15:00: 2 h (10–12) + 1 h (14–15) of working time
    world.tx(
        lambda s: svc.resume_assignment(
            s, assignment_id=a_id, actor=world.dept_handler, now=MONDAY_9 + timedelta(hours=6)
        )
    )
    a = _get(world, a_id)
    assert a.paused_at is None and a.paused_seconds == pytest.approx(3 * 3600)
    # 15:00 + 3 h of working time: 2.5 h on Monday, 0.5 h from Tuesday 08:30
    assert a.due_at == MONDAY_9 + timedelta(days=1)
    with pytest.raises(InvalidTransition):
        world.tx(lambda s: svc.resume_assignment(s, assignment_id=a_id, actor=world.dept_handler, now=MONDAY_9))
    with world.db.session() as s:
        kinds = [k for k in s.scalars(select(Event.kind).where(Event.case_id == case_id).order_by(Event.id))]
    # Their own event kinds (the timeline names them), not a generic update with an action in the payload.
    assert kinds[-2:] == [EventKind.ASSIGNMENT_PAUSED, EventKind.ASSIGNMENT_RESUMED]
    assert EventKind.CASE_UPDATED not in kinds


def test_extension_needs_a_shift_leader_and_has_a_limit(world: World) -> None:
    case_id = world.intake(MONDAY_9)
    a_id = _assign(world, case_id, hours=4)
    with pytest.raises(PermissionDenied):
        world.tx(
            lambda s: svc.extend_deadline(
                s, assignment_id=a_id, hours=4, reason="需要协调", actor=world.dept_handler, now=MONDAY_9
            )
        )
    for _ in range(default_calendar().max_extensions):
        world.tx(
            lambda s: svc.extend_deadline(
                s, assignment_id=a_id, hours=3.5, reason="需要协调", actor=world.lead, now=MONDAY_9
            )
        )
    a = _get(world, a_id)
    # two extensions of 3.5 working hours each: 4 + 7 working hours after the assignment
    cal = default_calendar()
    assert cal.working_seconds(MONDAY_9, a.due_at) == pytest.approx((4 + 7) * 3600)
    assert a.extended_count == cal.max_extensions
    with world.db.session() as s:
        extended = s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == EventKind.ASSIGNMENT_EXTENDED))
        assert [e.payload["assignment"] for e in extended] == [a_id] * cal.max_extensions
    with pytest.raises(ValidationError):
        world.tx(
            lambda s: svc.extend_deadline(s, assignment_id=a_id, hours=1, reason="再延", actor=world.lead, now=MONDAY_9)
        )
