from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import CaseStatus, EventKind, Role, UnitStatus
from console.models import Case, Dispatch, Event, Unit
from console.services import cases, dispatch, intake
from console.services.errors import InvalidTransition, PermissionDenied, UnitUnavailable, ValidationError
from tests.county import MiniCounty
from tests.services.test_intake import GOOD, save


def test_recommend_prefers_own_grid_worker_for_grid_matters(db: Database, county: MiniCounty) -> None:
    case = save(db, GOOD, county).case  # dispute in G100
    with db.session() as s:
        recs = dispatch.recommend(s, case.id, now=county.now)
    assert [r.callsign for r in recs][0] == "GW-G100"
    assert "own_grid_worker" in recs[0].reasons
    assert all(r.callsign != "DR-01" for r in recs)  # off duty


def test_recommend_public_order_prefers_fast_and_penalises_stale(db: Database, county: MiniCounty) -> None:
    case = save(db, {**GOOD, "category": "public_order"}, county).case
    with db.session() as s:
        recs = dispatch.recommend(s, case.id, limit=4, now=county.now)
    callsigns = [r.callsign for r in recs]
    assert callsigns[0] == "PC-01"
    stale = next(r for r in recs if r.callsign == "FP-01")
    assert "stale_fix" in stale.reasons
    assert callsigns.index("FP-01") > callsigns.index("PC-01")


def test_dispatch_lifecycle(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    case = save(db, GOOD, county).case
    unit_id = county.unit_ids["PC-01"]
    t0 = county.now
    write_transaction(
        db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=case.id, unit_id=unit_id, actor=actor, now=t0)
    )
    for minutes, status in ((1, UnitStatus.EN_ROUTE), (6, UnitStatus.ON_SCENE), (30, UnitStatus.AVAILABLE)):
        write_transaction(
            db.sessions,
            lambda s, st=status, m=minutes: dispatch.set_unit_status(
                s, unit_id=unit_id, status=st, actor=actor, now=t0 + timedelta(minutes=m)
            ),
        )
    with db.session() as s:
        c = s.get(Case, case.id)
        d = s.scalars(select(Dispatch).where(Dispatch.case_id == case.id)).one()
        u = s.get(Unit, unit_id)
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))]
    assert c is not None and u is not None
    assert c.status == CaseStatus.ON_SCENE
    assert c.first_dispatched_at == t0
    assert c.first_on_scene_at == t0 + timedelta(minutes=6)
    assert c.cleared_at == t0 + timedelta(minutes=30)
    assert d.en_route_at == t0 + timedelta(minutes=1) and d.cleared_at == t0 + timedelta(minutes=30)
    assert u.status == UnitStatus.AVAILABLE and u.current_case_id is None
    assert kinds == [EventKind.CASE_RECEIVED, EventKind.CASE_DISPATCHED] + [EventKind.UNIT_STATUS] * 3


def test_second_dispatch_of_same_unit_is_told_who_holds_it(db: Database, county: MiniCounty) -> None:
    a = save(db, GOOD, county).case
    b = save(db, {**GOOD, "caller_phone": "13900000001"}, county).case
    unit_id = county.unit_ids["PC-01"]
    leader = county.actors[Role.SHIFT_LEADER]
    write_transaction(
        db.sessions,
        lambda s: dispatch.dispatch_unit(s, case_id=a.id, unit_id=unit_id, actor=county.actors[Role.DISPATCHER]),
    )
    with pytest.raises(UnitUnavailable) as info:
        write_transaction(db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=b.id, unit_id=unit_id, actor=leader))
    assert info.value.held_by == "disp"
    assert info.value.held_for_case == a.number
    with db.session() as s:
        assert s.get(Case, b.id).status == CaseStatus.RECEIVED  # type: ignore[union-attr]
        assert len(s.scalars(select(Dispatch).where(Dispatch.case_id == b.id)).all()) == 0


def test_recall_before_arrival_returns_case_to_received(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    case = save(db, GOOD, county).case
    unit_id = county.unit_ids["PC-02"]
    write_transaction(db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=case.id, unit_id=unit_id, actor=actor))
    write_transaction(
        db.sessions, lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.AVAILABLE, actor=actor)
    )
    with db.session() as s:
        assert s.get(Case, case.id).status == CaseStatus.RECEIVED  # type: ignore[union-attr]
        d = s.scalars(select(Dispatch).where(Dispatch.case_id == case.id)).one()
        assert d.cancelled_at is not None and d.cleared_at is None


def test_bad_unit_transitions_and_roles(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    unit_id = county.unit_ids["PC-01"]
    with pytest.raises(InvalidTransition):
        write_transaction(
            db.sessions, lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.ON_SCENE, actor=actor)
        )
    with pytest.raises(ValidationError):
        write_transaction(
            db.sessions,
            lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.DISPATCHED, actor=actor),
        )
    case = save(db, GOOD, county).case
    with pytest.raises(PermissionDenied):
        write_transaction(
            db.sessions,
            lambda s: dispatch.dispatch_unit(s, case_id=case.id, unit_id=unit_id, actor=county.actors[Role.WALL]),
        )


def test_dispatch_nearest_and_resolve_releases_units(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    case = save(db, {**GOOD, "category": "public_order"}, county).case
    d = write_transaction(db.sessions, lambda s: dispatch.dispatch_nearest(s, case_id=case.id, actor=actor))
    assert d.unit_id == county.unit_ids["PC-01"]
    with pytest.raises(ValidationError) as info:
        write_transaction(db.sessions, lambda s: cases.resolve_case(s, case_id=case.id, resolution=" ", actor=actor))
    assert info.value.field == "resolution"
    write_transaction(db.sessions, lambda s: cases.resolve_case(s, case_id=case.id, resolution="已调解", actor=actor))
    with db.session() as s:
        unit = s.get(Unit, county.unit_ids["PC-01"])
        assert unit is not None and unit.status == UnitStatus.AVAILABLE
        assert s.get(Case, case.id).status == CaseStatus.RESOLVED  # type: ignore[union-attr]
    with pytest.raises(PermissionDenied):
        write_transaction(db.sessions, lambda s: cases.close_case(s, case_id=case.id, actor=actor))
    write_transaction(
        db.sessions, lambda s: cases.close_case(s, case_id=case.id, actor=county.actors[Role.SHIFT_LEADER])
    )
    with pytest.raises(InvalidTransition) as err:
        write_transaction(db.sessions, lambda s: cases.resolve_case(s, case_id=case.id, resolution="x", actor=actor))
    assert err.value.state == "closed"


def test_merge_invalid_escalate_reopen(db: Database, county: MiniCounty) -> None:
    actor = county.actors[Role.DISPATCHER]
    leader = county.actors[Role.SHIFT_LEADER]
    master = save(db, GOOD, county).case
    dup = save(db, GOOD, county).case
    prank = save(db, {**GOOD, "caller_phone": "13000000000"}, county).case
    write_transaction(db.sessions, lambda s: cases.merge_case(s, case_id=dup.id, into_case_id=master.id, actor=actor))
    with pytest.raises(ValidationError):
        write_transaction(
            db.sessions, lambda s: cases.merge_case(s, case_id=prank.id, into_case_id=dup.id, actor=actor)
        )
    with pytest.raises(ValidationError) as info:
        write_transaction(db.sessions, lambda s: cases.invalidate_case(s, case_id=prank.id, reason="", actor=actor))
    assert info.value.field == "reason"
    write_transaction(db.sessions, lambda s: cases.invalidate_case(s, case_id=prank.id, reason="恶意骚扰", actor=actor))
    with pytest.raises(PermissionDenied):
        write_transaction(db.sessions, lambda s: cases.escalate_case(s, case_id=master.id, reason="超期", actor=actor))
    write_transaction(db.sessions, lambda s: cases.escalate_case(s, case_id=master.id, reason="超期", actor=leader))
    write_transaction(db.sessions, lambda s: cases.resolve_case(s, case_id=master.id, resolution="done", actor=actor))
    write_transaction(db.sessions, lambda s: cases.reopen_case(s, case_id=master.id, reason="群众不满意", actor=leader))
    with db.session() as s:
        m = s.get(Case, master.id)
        assert m is not None
        # Intake linked both later appeals to the master as repeats (same caller; same place, matter and words);
        # merging the first of them does not count it twice.
        assert (m.status, m.escalation, m.repeat_count, m.reopened_count) == (CaseStatus.RECEIVED, 1, 2, 1)
        assert s.get(Case, dup.id).merged_into_id == master.id  # type: ignore[union-attr]
        assert s.get(Case, prank.id).invalid_reason == "恶意骚扰"  # type: ignore[union-attr]


def test_intake_request_is_reusable_value() -> None:
    req = intake.parse_intake(GOOD)
    assert req.caller_phone == "13812345678" and req.lat == 24.805


def test_shift_leader_reroutes_a_unit_to_a_more_urgent_case(db: Database, county: MiniCounty) -> None:
    disp, leader = county.actors[Role.DISPATCHER], county.actors[Role.SHIFT_LEADER]
    minor = save(db, {**GOOD, "priority": "yellow"}, county).case
    urgent = save(db, {**GOOD, "priority": "red", "caller_phone": "13911112222"}, county).case
    unit_id = county.unit_ids["PC-01"]
    write_transaction(db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=minor.id, unit_id=unit_id, actor=disp))
    with pytest.raises(PermissionDenied):
        write_transaction(
            db.sessions, lambda s: dispatch.reroute_unit(s, unit_id=unit_id, to_case_id=urgent.id, actor=disp)
        )
    write_transaction(
        db.sessions, lambda s: dispatch.reroute_unit(s, unit_id=unit_id, to_case_id=urgent.id, actor=leader)
    )
    with db.session() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None and unit.current_case_id == urgent.id and unit.status == UnitStatus.DISPATCHED
        assert s.get(Case, minor.id).status == CaseStatus.RECEIVED  # type: ignore[union-attr]
        assert s.get(Case, urgent.id).status == CaseStatus.DISPATCHED  # type: ignore[union-attr]
        old = s.scalars(select(Dispatch).where(Dispatch.case_id == minor.id)).one()
        assert old.cancelled_at is not None
    # Back to the less urgent case is refused.
    with pytest.raises(ValidationError) as info:
        write_transaction(
            db.sessions, lambda s: dispatch.reroute_unit(s, unit_id=unit_id, to_case_id=minor.id, actor=leader)
        )
    assert info.value.field == "to_case"


def test_dispatch_time_stored_in_utc_whatever_the_offset_given(db: Database, county: MiniCounty) -> None:
    from datetime import timezone

    case = save(db, GOOD, county).case
    local = county.now.astimezone(timezone(timedelta(hours=8)))
    write_transaction(
        db.sessions,
        lambda s: dispatch.dispatch_unit(
            s, case_id=case.id, unit_id=county.unit_ids["PC-01"], actor=county.actors[Role.DISPATCHER], now=local
        ),
    )
    with db.session() as s:
        stored = s.get(Case, case.id)
        assert stored is not None and stored.first_dispatched_at == county.now


def test_nearest_is_for_a_case_without_a_unit_and_a_refusal_leaves_the_unit_free(
    db: Database, county: MiniCounty
) -> None:
    """F5 on a case that already has a unit is refused with the case's state; the unit it would have sent stays
    available (the claim is rolled back with the refused transaction). A second unit is sent by name."""
    actor = county.actors[Role.DISPATCHER]
    case = save(db, GOOD, county).case
    first = write_transaction(db.sessions, lambda s: dispatch.dispatch_nearest(s, case_id=case.id, actor=actor))
    with pytest.raises(InvalidTransition, match="already has a unit"):
        write_transaction(db.sessions, lambda s: dispatch.dispatch_nearest(s, case_id=case.id, actor=actor))
    with db.session() as s:
        busy = set(s.scalars(select(Unit.id).where(Unit.status == UnitStatus.DISPATCHED)))
        assert busy == {first.unit_id}
        other = s.scalars(select(Unit.id).where(Unit.status == UnitStatus.AVAILABLE).order_by(Unit.id)).first()
    assert other is not None
    write_transaction(
        db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=case.id, unit_id=other, actor=actor, now=county.now)
    )
    with db.session() as s:
        assert len(s.scalars(select(Dispatch).where(Dispatch.case_id == case.id)).all()) == 2
