"""Plans through their services: creation, edits, suspension, imports (good and bad files), shifts made and remade."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from console.db import Database, write_transaction
from console.enums import EventKind, PlanStatus, Role, TargetKind
from console.models import Event, PatrolPlan, PatrolShift, PatrolShiftTarget, PatrolTarget
from console.patrol.plan_geojson import parse_plans_geojson, plans_geojson
from console.patrol.schedule import parse_windows
from console.services.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from console.services.patrol_plans import import_plans, resume_plan, suspend_plan, update_plan
from console.services.patrol_shifts import ensure_days
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, draft, feed, make_plan, point, route

TODAY = date(2026, 11, 23)


def _count(db: Database, model: type, *where: object) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_windows_and_days() -> None:
    windows = parse_windows("16:30-17:20;07:10-07:50;22:00-02:00")
    assert [w.text() for w in windows] == ["07:10-07:50", "16:30-17:20", "22:00-02:00"]
    assert windows[2].minutes == 240
    start, end = windows[2].bounds(TODAY)
    assert (end - start) == timedelta(hours=4) and start.hour == 14  # 22:00 CST is 14:00 UTC
    for bad, message in (
        ("07:10-07:10", "empty"),
        ("07:00-08:00;07:30-09:00", "overlap"),
        ("7h-8h", "not a window"),
        ("25:00-26:00", "not a time"),
        ("23:00-08:00;07:00-09:00", "next day"),
    ):
        with pytest.raises(ValidationError, match=message):
            parse_windows(bad)


def test_create_makes_shifts_from_now_and_records_an_event(db: Database, county: MiniCounty) -> None:
    # Made at 10:00 on the 23rd: the 09:00 window of that day is not owed; the 19:00 one is.
    plan_id = make_plan(db, county, draft(point(), windows=("09:00-10:00", "19:00-20:00")), at=T0 + timedelta(hours=1))
    write_transaction(db.sessions, lambda s: ensure_days(s, [TODAY], now=T0 + timedelta(hours=2)))
    with db.session() as s:
        shifts = s.scalars(select(PatrolShift).where(PatrolShift.plan_id == plan_id)).all()
        assert [(sh.day, sh.window_no, sh.targets_due) for sh in shifts] == [(TODAY, 1, 1)]
        event = s.scalars(select(Event).where(Event.kind == EventKind.PATROL_PLAN_CREATED)).one()
        assert event.actor == "lead" and event.payload["name"] == "P1" and event.payload["team"] == ["PC-01"]
        plan = s.get(PatrolPlan, plan_id)
        assert plan is not None and plan.grid_id == county.grid_ids["G100"]


def test_only_shift_leaders_and_administrators_plan(db: Database, county: MiniCounty) -> None:
    from console.services.patrol_plans import create_plan

    with pytest.raises(PermissionDenied):
        write_transaction(db.sessions, lambda s: create_plan(s, draft(point()), actor=county.actors[Role.DISPATCHER]))
    assert _count(db, PatrolPlan) == 0


def test_bad_drafts_name_the_field(db: Database, county: MiniCounty) -> None:
    from console.services.patrol_plans import create_plan

    leader = county.actors[Role.SHIFT_LEADER]
    cases = [
        (draft(point(), team=("NOPE",)), "team"),
        (draft(point(radius_m=0)), "targets[0].radius_m"),
        (draft(point(), windows=("9-10",)), "windows"),
        (draft(point(), days=("someday",)), "days"),
        (draft(), "targets"),
    ]
    for plan, field in cases:
        with pytest.raises(ValidationError) as info:
            write_transaction(db.sessions, lambda s, p=plan: create_plan(s, p, actor=leader, now=T0))
        assert info.value.field == field
    make_plan(db, county, draft(point()))
    with pytest.raises(ValidationError, match="exists"):
        make_plan(db, county, draft(point()))
    assert _count(db, PatrolPlan) == 1


def test_edit_remakes_unstarted_shifts_and_keeps_the_started_ones(db: Database, county: MiniCounty) -> None:
    plan_id = make_plan(db, county, draft(point(), windows=("09:00-10:00", "19:00-20:00")))
    feed(db, county.unit_ids["PC-01"], [(60, LAT0, LON0)])  # makes the day's shifts
    leader = county.actors[Role.SHIFT_LEADER]
    edited = draft(point(), route(), windows=("09:00-10:00", "19:00-20:00"), team=("PC-01", "FP-01"))
    at = T0 + timedelta(hours=2)  # 11:00: the morning shift started, the evening one did not
    plan = write_transaction(
        db.sessions, lambda s: update_plan(s, plan_id, edited, actor=leader, expected_version=1, now=at)
    )
    assert plan.version == 2
    with db.session() as s:
        rows = {sh.window_no: sh for sh in s.scalars(select(PatrolShift).where(PatrolShift.plan_id == plan_id))}
        assert rows[0].targets_due == 1 and rows[1].targets_due == 2
        kinds = set(
            s.scalars(
                select(PatrolTarget.kind)
                .join(PatrolShiftTarget, PatrolShiftTarget.target_id == PatrolTarget.id)
                .where(PatrolShiftTarget.shift_id == rows[1].id)
            )
        )
        assert kinds == {TargetKind.POINT, TargetKind.ROUTE}
        assert s.scalar(select(func.count(PatrolTarget.id)).where(PatrolTarget.retired_at.is_not(None))) == 1
    with pytest.raises(Conflict):  # someone else's edit of version 1
        write_transaction(
            db.sessions, lambda s: update_plan(s, plan_id, edited, actor=leader, expected_version=1, now=at)
        )


def test_suspend_and_resume(db: Database, county: MiniCounty) -> None:
    plan_id = make_plan(db, county, draft(point(), windows=("09:00-10:00", "19:00-20:00")))
    feed(db, county.unit_ids["PC-01"], [(60, LAT0, LON0)])
    leader = county.actors[Role.SHIFT_LEADER]
    at = T0 + timedelta(hours=2)
    plan = write_transaction(db.sessions, lambda s: suspend_plan(s, plan_id, actor=leader, now=at))
    assert plan.status == PlanStatus.SUSPENDED
    assert _count(db, PatrolShift, PatrolShift.plan_id == plan_id) == 1  # the evening shift is gone
    with pytest.raises(InvalidTransition):
        write_transaction(db.sessions, lambda s: suspend_plan(s, plan_id, actor=leader, now=at))
    write_transaction(db.sessions, lambda s: resume_plan(s, plan_id, actor=leader, now=at + timedelta(hours=1)))
    assert _count(db, PatrolShift, PatrolShift.plan_id == plan_id) == 2
    kinds = [e for e in _events(db) if e.startswith("patrol_plan")]
    assert kinds == ["patrol_plan_created", "patrol_plan_suspended", "patrol_plan_resumed"]


def _events(db: Database) -> list[str]:
    with db.session() as s:
        return [k.value for k in s.scalars(select(Event.kind).order_by(Event.id))]


def _feature(geometry: dict[str, object], **props: object) -> dict[str, object]:
    base = {"plan": "护学岗", "team": "FP-01", "days": "mon;tue;wed;thu;fri", "windows": "07:10-07:50;16:30-17:20"}
    return {"type": "Feature", "properties": {**base, **props}, "geometry": geometry}


POINT = {"type": "Point", "coordinates": [LON0, LAT0]}
LINE = {"type": "LineString", "coordinates": [[LON0, LAT0], [LON0 + 0.002, LAT0]]}
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[LON0, LAT0], [LON0 + 0.002, LAT0], [LON0 + 0.002, LAT0 + 0.002], [LON0, LAT0 + 0.002], [LON0, LAT0]]
    ],
}


def _doc(*features: dict[str, object]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_import_groups_features_into_plans_with_defaults(db: Database, county: MiniCounty) -> None:
    text = _doc(
        _feature(POINT, name="校门", dwell_s=1200),
        _feature(LINE),
        _feature(
            SQUARE,
            plan="夜巡",
            team="PC-01;PC-02",
            days="2026-11-23",
            windows="22:00-02:00",
            min_minutes=30,
            valid_to="2026-12-31",
        ),
    )
    drafts = parse_plans_geojson(text)
    assert [d.name for d in drafts] == ["护学岗", "夜巡"]
    gate, street = drafts[0].targets
    assert (gate.radius_m, gate.dwell_s) == (50, 1200)  # radius defaulted
    assert (street.buffer_m, street.min_share, street.name) == (30, 0.8, "route 2")
    report = write_transaction(db.sessions, lambda s: import_plans(s, drafts, actor=county.actors[Role.ADMIN], now=T0))
    assert report.as_dict() == {"created": ["护学岗", "夜巡"], "updated": [], "targets": 3}
    again = write_transaction(
        db.sessions, lambda s: import_plans(s, drafts[:1], actor=county.actors[Role.ADMIN], now=T0)
    )
    assert again.updated == ["护学岗"]
    assert _events(db).count("patrol_plans_imported") == 2
    # What `patrol suggest` writes reads back as the same drafts.
    assert parse_plans_geojson(json.dumps(plans_geojson(drafts))) == drafts


@pytest.mark.parametrize(
    ("features", "field"),
    [
        ([_feature(POINT, radius_m="wide")], "features[0].properties.radius_m"),
        ([_feature(LINE, radius_m=40)], "features[0].properties.radius_m"),
        ([_feature(POINT), _feature(LINE, windows="08:00-09:00")], "features[1].properties.windows"),
        ([_feature({"type": "MultiPoint", "coordinates": [[1, 2]]})], "features[0].geometry"),
        ([_feature({"type": "Point", "coordinates": [200, 24]})], "features[0].geometry"),
        ([_feature(POINT, team="")], "features[0].properties.team"),
        ([_feature(POINT, days="funday")], "features[0].properties.days"),
        ([_feature(POINT, colour="red")], "features[0].properties.colour"),
        ([_feature(POINT, valid_from="2026-13-01")], "features[0].properties.valid_from"),
        ([_feature(POINT, valid_from="2026-12-01", valid_to="2026-11-01")], "features[0].properties.valid_to"),
        ([_feature(POINT, name="gate"), _feature(POINT, name="gate")], "features[1].properties.name"),
    ],
)
def test_bad_import_files_are_refused_naming_the_feature_and_field(
    features: list[dict[str, object]], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        parse_plans_geojson(_doc(*features))
    assert info.value.field == field


def test_an_import_naming_an_unknown_unit_stores_nothing(db: Database, county: MiniCounty) -> None:
    drafts = parse_plans_geojson(_doc(_feature(POINT), _feature(POINT, plan="B", team="FP-01;GHOST")))
    with pytest.raises(ValidationError, match="GHOST"):
        write_transaction(db.sessions, lambda s: import_plans(s, drafts, actor=county.actors[Role.ADMIN], now=T0))
    assert _count(db, PatrolPlan) == 0 and _count(db, PatrolTarget) == 0
