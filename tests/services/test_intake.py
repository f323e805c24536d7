from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from console.db import Database, write_transaction
from console.enums import CaseStatus, EventKind, Role
from console.models import Case, Citizen, Event
from console.services import intake
from console.services.errors import PermissionDenied, ValidationError
from tests.county import MiniCounty

GOOD = {
    "channel": "hotline_12345",
    "category": "dispute",
    "priority": "orange",
    "description": "村民反映邻里因宅基地边界发生争执",
    "caller_phone": "138-1234-5678",
    "caller_name": "张三",
    "address": "东河镇石岭村",
    "lat": 24.805,
    "lon": 113.605,
}


def save(
    db: Database, data: dict[str, object], county: MiniCounty, role: Role = Role.DISPATCHER
) -> intake.IntakeResult:
    req = intake.parse_intake(data)
    return write_transaction(
        db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[role], now=county.now)
    )


def test_intake_locates_sets_deadline_and_records_event(db: Database, county: MiniCounty) -> None:
    result = save(db, GOOD, county)
    case = result.case
    assert case.number.endswith("-000001")
    assert case.status == CaseStatus.RECEIVED
    assert result.grid_code == "G100" and result.township_name == "东河镇"
    assert case.grid_id == county.grid_ids["G100"]
    assert case.caller_phone == "13812345678"
    assert case.due_at - case.received_at == timedelta(hours=8)  # orange dispute, from resources/config
    with db.session() as s:
        events = s.scalars(select(Event).where(Event.case_id == case.id)).all()
        assert [e.kind for e in events] == [EventKind.CASE_RECEIVED]
        assert events[0].payload["number"] == case.number
        assert s.scalar(select(func.count(Citizen.id))) == 1


def test_numbers_increase_and_duplicates_found(db: Database, county: MiniCounty) -> None:
    first = save(db, GOOD, county)
    # Same phone, different place and category: candidate by phone.
    second = save(db, {**GOOD, "category": "livelihood", "lat": 24.815, "lon": 113.635}, county)
    # Other phone, same category, 100 m away: candidate by place.
    third = save(db, {**GOOD, "caller_phone": "13900000000", "lat": 24.8059, "lon": 113.605}, county)
    # Other phone, same category, 2 km away: none.
    fourth = save(db, {**GOOD, "caller_phone": "13700000000", "lat": 24.815, "lon": 113.625}, county)
    assert second.case.number > first.case.number
    assert second.duplicates == [first.case.number]
    assert set(third.duplicates) == {first.case.number}
    assert fourth.duplicates == []
    assert second.grid_code == "G211"


def test_point_outside_county_has_no_grid(db: Database, county: MiniCounty) -> None:
    result = save(db, {**GOOD, "lat": 30.0, "lon": 120.0}, county)
    assert result.case.grid_id is None and result.grid_code is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"category": None}, "category"),
        ({"priority": "purple"}, "priority"),
        ({"description": "   "}, "description"),
        ({"description": 12}, "description"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"lat": 95}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"lon": None}, "lon"),
        ({"lat": True}, "lat"),
        ({"received_at": "2026-11-23T08:00:00"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"colour": "red"}, "colour"),
        ({"description": "x" * 5000}, "description"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, object], field: str) -> None:
    data = {**GOOD, **change}
    with pytest.raises(ValidationError) as info:
        intake.parse_intake(data)
    assert info.value.field == field


def test_future_received_at_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        intake.parse_intake({**GOOD, "received_at": "2999-01-01T00:00:00+08:00"})
    assert info.value.field == "received_at"


def test_offset_styles_accepted() -> None:
    a = intake.parse_intake({**GOOD, "received_at": "2026-11-20T08:00:00+0800"})
    b = intake.parse_intake({**GOOD, "received_at": "2026-11-20T00:00:00Z"})
    assert a.received_at == b.received_at


def test_wall_may_not_take_intake_and_nothing_is_stored(db: Database, county: MiniCounty) -> None:
    with pytest.raises(PermissionDenied):
        save(db, GOOD, county, role=Role.WALL)
    with db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0
        assert s.scalar(select(func.count(Event.id))) == 0


def test_preview_and_caller_history(db: Database, county: MiniCounty) -> None:
    first = save(db, GOOD, county)
    req = intake.parse_intake(GOOD)
    actor = county.actors[Role.DISPATCHER]
    with db.session() as s:
        preview = intake.preview_intake(s, req, actor=actor, now=county.now)
        history = intake.caller_history(s, "13812345678", actor=actor, now=county.now)
        masked = intake.caller_history(s, "13812345678", actor=county.actors[Role.WALL], now=county.now)
    assert preview.grid_code == "G100"
    assert [c.number for c in preview.duplicates] == [first.case.number]
    assert history.repeat_count == 1 and history.name == "张三"
    assert history.cases[0].caller_phone == "13812345678"
    assert masked.cases[0].caller_phone == "138****5678"


def test_history_points_for_the_map(db: Database, county: MiniCounty) -> None:
    from console.services.queries import history_points

    save(db, GOOD, county)
    save(db, {**GOOD, "lat": None, "lon": None, "caller_phone": "13900000009"}, county)  # no place: not drawn
    old = save(db, {**GOOD, "received_at": "2026-01-01T08:00:00+08:00", "caller_phone": "13900000008"}, county)
    with db.session() as s:
        points = history_points(s, days=30, now=county.now)
    assert points == [(24.805, 113.605, "dispute")]
    assert old.case.received_at < county.now - timedelta(days=30)
