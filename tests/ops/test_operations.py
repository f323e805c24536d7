"""The operations layer on both databases: one way in (`execute`), the permission checked first, plain values out,
and the changes each write reports taken from its own events — never from a read-back."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from console.db import Database
from console.enums import CaseStatus, Role, UnitStatus
from console.models import Case
from console.ops import (
    REGISTRY,
    SYSTEM,
    CaseAction,
    CaseState,
    DispatchState,
    Kind,
    Needs,
    NotFound,
    OpChanges,
    PermissionDenied,
    ValidationError,
    execute,
    leadership,
)
from tests.county import MiniCounty

from .conftest import Cases


def test_the_registry_names_every_step_the_console_and_the_command_line_take() -> None:
    steps = {leadership.STEP_OPERATIONS.get(a, f"case.{a.value}") for a in CaseAction if a != CaseAction.DISPATCH}
    assert steps <= set(REGISTRY)
    assert {"dispatch.nearest", "dispatch.unit", "unit.status", "intake.create", "supervision.sweep"} <= set(REGISTRY)
    for op in REGISTRY.values():
        assert op.summary and op.summary != op.name, op.name  # each says what it does (the README's table)
        if op.kind == Kind.READ:
            assert op.action is None, op.name  # reads are filtered by the actor (phones masked), not refused
        if op.needs == Needs.ONLINE:
            assert op.kind == Kind.WRITE, op.name


def test_the_permission_is_checked_before_anything_else(db: Database, county: MiniCounty) -> None:
    wall = county.actors[Role.WALL]
    with pytest.raises(PermissionDenied):  # not NotFound: a wall display learns nothing about case numbers
        execute(db, wall, "case.resolve", number="2026-999999", resolution="x")
    with pytest.raises(ValidationError) as err:
        execute(db, SYSTEM, "case.teleport", number="2026-000001")
    assert err.value.field == "operation"
    with pytest.raises(NotFound) as missing:
        execute(db, SYSTEM, "case.resolve", number="2026-999999", resolution="x")
    assert missing.value.field == "number"


def test_changes_come_from_the_transaction_s_own_events(db: Database, county: MiniCounty, cases: Cases) -> None:
    dispatcher = county.actors[Role.DISPATCHER]
    created = execute(db, dispatcher, "intake.create", data={**_appeal(), "description": "有人吵架"})
    case: CaseState = created.value.case
    assert created.changes == OpChanges(frozenset({case.id}))
    dispatched = execute(db, dispatcher, "dispatch.nearest", case_id=case.id)
    d: DispatchState = dispatched.value
    assert d.case_id == case.id and d.number == case.number and d.dispatched_by == dispatcher.name
    assert dispatched.changes == OpChanges(frozenset({case.id}), frozenset({d.unit_id}))

    statements: list[str] = []

    def seen(_conn: object, _cursor: object, sql: str, *_rest: object) -> None:
        if "pg_notify" not in sql:  # PostgreSQL's NOTIFY of each event is a SELECT too
            statements.append(sql.split(maxsplit=1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        resolved = execute(db, dispatcher, "case.resolve", case_id=case.id, resolution="已调解")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert resolved.value == CaseState(case.id, case.number, CaseStatus.RESOLVED, 0)
    # The unit it released is among the changes, named by its event, not found by reading anything again.
    assert resolved.changes == OpChanges(frozenset({case.id}), frozenset({d.unit_id}))
    assert statements.count("SELECT") <= 2, statements  # the active dispatches, and the unit's callsign if needed

    master = cases.new()
    dup = cases.new()
    merged = execute(db, dispatcher, "case.merge", case_id=dup.id, into_case_id=master.id)
    assert merged.changes.cases == {dup.id, master.id}
    assigned = execute(
        db,
        county.actors[Role.SHIFT_LEADER],
        "case.assign",
        number=master.number,
        assignee_kind="department",
        assignee="城管局",
    )
    assert assigned.changes.assignments == {assigned.value.id} and assigned.changes.cases == {master.id}
    imported = execute(db, SYSTEM, "user.add", name="newbie", role="dispatcher", password="long-enough")
    assert imported.changes.reference and imported.value.as_dict() == {
        "id": imported.value.id,
        "name": "newbie",
        "role": "dispatcher",
        "level": "county",
        "township_id": None,
        "grid_id": None,
    }


def test_unit_status_and_reroute(db: Database, county: MiniCounty, cases: Cases) -> None:
    lead = county.actors[Role.SHIFT_LEADER]
    yellow = execute(db, lead, "intake.create", data={**_appeal(), "priority": "yellow"}).value.case
    red = execute(
        db, lead, "intake.create", data={**_appeal(), "priority": "red", "description": "有人受伤"}
    ).value.case
    unit = execute(db, lead, "dispatch.nearest", case_id=yellow.id).value
    with pytest.raises(PermissionDenied):
        execute(db, county.actors[Role.DISPATCHER], "unit.reroute", unit_id=unit.unit_id, to_case_id=red.id)
    moved = execute(db, lead, "unit.reroute", callsign=unit.callsign, to=red.number)
    assert moved.value.case_id == red.id and moved.value.unit_id == unit.unit_id
    # The old case lost its only unit before it arrived: back to received, by the one rule for a unit leaving.
    assert moved.changes.cases == {yellow.id, red.id}
    with db.session() as s:
        assert s.scalar(select(Case.status).where(Case.id == yellow.id)) == CaseStatus.RECEIVED
    state = execute(db, lead, "unit.status", unit_id=unit.unit_id, status="on_scene").value
    assert (state.status, state.case_id, state.case_status) == (UnitStatus.ON_SCENE, red.id, CaseStatus.ON_SCENE)


def _appeal() -> dict[str, object]:
    return {
        "channel": "police_110",
        "category": "public_order",
        "priority": "orange",
        "description": "路口有人争吵",
        "lat": 24.8055,
        "lon": 113.6055,
    }
