"""The daily review's guards (finished shifts only, pending → approved/returned, returned → approved, a remark to
return, the version seen, roles) and filing a case from patrol in one call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import Category, Channel, EventKind, Priority, ReviewStatus, Role, ShiftState
from console.models import Case, Event
from console.patrol.shifts import patrol_board, shift_detail
from console.services.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from console.services.patrol_filing import file_patrol_report
from console.services.patrol_review import approve_shift, approve_shifts, return_shift
from console.services.patrol_shifts import ensure_days
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, draft, feed, make_plan, point, shift_of

AFTER = T0 + timedelta(hours=2)  # 11:00: the 09:00–10:00 window and its 30 min grace are over


@pytest.fixture
def missed(db: Database, county: MiniCounty) -> int:
    plan = make_plan(db, county, draft(point(dwell_s=300)))
    feed(db, county.unit_ids["PC-01"], [(0, LAT0, LON0), (60, LAT0, LON0)])  # a minute: not enough
    return shift_of(db, plan).id


def test_return_then_approve(db: Database, county: MiniCounty, missed: int) -> None:
    leader = county.actors[Role.SHIFT_LEADER]
    with db.session() as s:
        board = patrol_board(s, now=AFTER)
        [today] = board.today
        assert today.state == ShiftState.MISSED and today.targets_met == 0 and today.team == ("PC-01",)
    with pytest.raises(ValidationError, match="remark"):
        write_transaction(db.sessions, lambda s: return_shift(s, missed, remark=" ", actor=leader, now=AFTER))
    write_transaction(db.sessions, lambda s: return_shift(s, missed, remark="未到岗", actor=leader, now=AFTER))
    with pytest.raises(InvalidTransition):  # returned already
        write_transaction(db.sessions, lambda s: return_shift(s, missed, remark="again", actor=leader, now=AFTER))
    with db.session() as s:
        seen = shift_detail(s, missed, now=AFTER).shift.version
    shift = write_transaction(
        db.sessions, lambda s: approve_shift(s, missed, actor=leader, remark="已说明", expected_version=seen, now=AFTER)
    )
    assert shift.review_status == ReviewStatus.APPROVED and shift.reviewed_by == "lead"
    with pytest.raises(InvalidTransition):  # approval is final
        write_transaction(db.sessions, lambda s: approve_shift(s, missed, actor=leader, now=AFTER))
    with db.session() as s:
        events = s.scalars(
            select(Event)
            .where(Event.kind.in_([EventKind.PATROL_SHIFT_RETURNED, EventKind.PATROL_SHIFT_APPROVED]))
            .order_by(Event.id)
        ).all()
        assert [(e.kind, e.payload["state"], e.payload["remark"]) for e in events] == [
            (EventKind.PATROL_SHIFT_RETURNED, "missed", "未到岗"),
            (EventKind.PATROL_SHIFT_APPROVED, "missed", "已说明"),
        ]


def test_a_shift_is_reviewed_only_once_its_window_and_grace_are_over(
    db: Database, county: MiniCounty, missed: int
) -> None:
    leader = county.actors[Role.SHIFT_LEADER]
    with pytest.raises(InvalidTransition, match="not over"):
        write_transaction(db.sessions, lambda s: approve_shift(s, missed, actor=leader, now=T0 + timedelta(minutes=80)))


def test_review_guards_version_and_role(db: Database, county: MiniCounty, missed: int) -> None:
    with pytest.raises(Conflict):
        write_transaction(
            db.sessions,
            lambda s: approve_shift(s, missed, actor=county.actors[Role.SHIFT_LEADER], expected_version=99, now=AFTER),
        )
    with pytest.raises(PermissionDenied):
        write_transaction(
            db.sessions, lambda s: approve_shift(s, missed, actor=county.actors[Role.DISPATCHER], now=AFTER)
        )


def test_a_unit_on_patrol_files_a_case_that_remembers_its_shift(db: Database, county: MiniCounty) -> None:
    plan = make_plan(db, county, draft(point(dwell_s=60)))
    unit = county.unit_ids["PC-01"]
    feed(db, unit, [(0, LAT0, LON0), (60, LAT0, LON0), (120, LAT0 + 0.0005, LON0)])
    at = T0 + timedelta(minutes=3)
    filed = write_transaction(
        db.sessions,
        lambda s: file_patrol_report(
            s,
            unit_id=unit,
            category=Category.SAFETY_HAZARD,
            priority=Priority.ORANGE,
            description="巡逻发现井盖缺失",
            actor=county.actors[Role.DISPATCHER],
            now=at,
        ),
    )
    shift = shift_of(db, plan)
    assert filed.shift_id == shift.id and filed.plan == "P1"
    assert filed.intake.grid_code == "G100"
    with db.session() as s:
        case = s.get(Case, filed.intake.case.id)
        assert case is not None
        assert (case.channel, case.patrol_shift_id, case.patrol_unit_id) == (Channel.PATROL, shift.id, unit)
        assert (case.lat, case.lon) == (pytest.approx(LAT0 + 0.0005), pytest.approx(LON0))  # where the unit is
        event = s.scalars(select(Event).where(Event.kind == EventKind.PATROL_REPORT_FILED)).one()
        assert event.case_id == case.id and event.payload["shift_id"] == shift.id
        assert shift_detail(s, shift.id, now=at).reports == [case.number]


def test_filing_needs_a_position_and_a_valid_appeal(db: Database, county: MiniCounty) -> None:
    dispatcher = county.actors[Role.DISPATCHER]
    with pytest.raises(ValidationError, match="no position"):
        write_transaction(
            db.sessions,
            lambda s: file_patrol_report(
                s,
                unit_id=county.unit_ids["DR-01"],
                category="other",
                priority="blue",
                description="x",
                actor=dispatcher,
            ),
        )
    with pytest.raises(ValidationError) as info:
        write_transaction(
            db.sessions,
            lambda s: file_patrol_report(
                s,
                unit_id=county.unit_ids["PC-02"],
                category="weather",
                priority="blue",
                description="x",
                actor=dispatcher,
            ),
        )
    assert info.value.field == "category"
    with db.session() as s:
        assert s.scalar(select(Case.id)) is None


def test_approve_all_skips_what_is_not_ready(db: Database, county: MiniCounty, missed: int) -> None:
    leader = county.actors[Role.SHIFT_LEADER]
    later = make_plan(db, county, draft(point(), name="P2", windows=("11:00-12:00",), team=("PC-02",)))
    write_transaction(db.sessions, lambda s: ensure_days(s, [T0.date()], now=AFTER))
    running = shift_of(db, later).id
    approved = write_transaction(db.sessions, lambda s: approve_shifts(s, [missed, running], actor=leader, now=AFTER))
    assert approved == [missed]  # the 11:00 shift has not even started
    again = write_transaction(db.sessions, lambda s: approve_shifts(s, [missed], actor=leader, now=AFTER))
    assert again == []
    with db.session() as s:
        events = s.scalars(select(Event).where(Event.kind == EventKind.PATROL_SHIFT_APPROVED)).all()
        assert [e.payload["shift_id"] for e in events] == [missed]
    with pytest.raises(PermissionDenied):
        write_transaction(db.sessions, lambda s: approve_shifts(s, [missed], actor=county.actors[Role.WALL], now=AFTER))
