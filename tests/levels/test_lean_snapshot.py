"""The live snapshot reads the open cases lean (one Core SELECT, views built by position): it must show exactly what
the full-object path shows — `Case` entities copied into views one by one — for every role's masking and every
scope, on a mix of cases (callers with and without a name, short numbers, addresses, dispatched units, assignments
to a department and to a township, a returned one, a closed case, cases in three grids of two townships)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.db.statements import count_statements
from console.enums import OPEN_CASE_STATUSES, Level, Role
from console.live import load_snapshot
from console.models import Case
from console.services import assignments, cases, dispatch, intake, queries
from console.services.actor import Actor

from .conftest import LevelsCounty

G100 = {"lat": 24.805, "lon": 113.605}  # 东河镇, grid G100
G101 = {"lat": 24.815, "lon": 113.605}  # 东河镇, grid G101
G200 = {"lat": 24.805, "lon": 113.625}  # 西岭镇, grid G200


def _case(db: Database, actor: Actor, where: dict[str, float], **fields: str) -> int:
    data = {"channel": "hotline_12345", "category": "dispute", "priority": "orange", "description": "邻里纠纷\n二行"}
    req = intake.parse_intake({**data, **where, **fields})
    return write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=actor).case.id)


@pytest.fixture
def mixed(db: Database, levels_county: LevelsCounty) -> LevelsCounty:
    lc = levels_county
    lead, units = lc.county, lc.base.unit_ids
    at = datetime(2026, 11, 23, 1, 2, 3, 456789, tzinfo=UTC)  # microseconds survive both paths
    dispatched = _case(
        db,
        lead,
        G100,
        caller_phone="13812345678",
        caller_name="张三丰",
        address="东河路1号",
        received_at=at.isoformat(),
    )
    for unit in ("PC-01", "PC-02"):
        write_transaction(
            db.sessions, lambda s, u=unit: dispatch.dispatch_unit(s, case_id=dispatched, unit_id=units[u], actor=lead)
        )
    to_department = _case(db, lead, G101, caller_phone="110", caller_name="李", priority="red")
    write_transaction(
        db.sessions,
        lambda s: assignments.assign_case(
            s, case_id=to_department, assignee_kind="department", assignee_id=lc.base.department_id, actor=lead
        ),
    )
    to_township = _case(db, lead, G200, caller_phone="13900000000", category="livelihood", priority="blue")
    west = lc.base.township_ids["西岭镇"]
    returned = write_transaction(
        db.sessions,
        lambda s: (
            assignments.assign_case(s, case_id=to_township, assignee_kind="township", assignee_id=west, actor=lead).id
        ),
    )
    write_transaction(
        db.sessions,
        lambda s: assignments.return_assignment(s, assignment_id=returned, reason="不属本镇", actor=lead),
    )
    _case(db, lc.town, G101, channel="walk_in", category="traffic")  # no caller at all
    _case(db, lc.village, G100, caller_phone="0751-8888888", caller_name="王五", category="safety_hazard")
    closed = _case(db, lead, G100, caller_phone="13700000000")
    write_transaction(db.sessions, lambda s: cases.resolve_case(s, case_id=closed, resolution="已调解", actor=lead))
    return lc


def _actors(lc: LevelsCounty) -> dict[str, Actor]:
    east = lc.base.township_ids["东河镇"]
    return {
        "county lead": lc.county,
        "county wall (masked)": lc.base.actors[Role.WALL],
        "county handler (masked)": lc.base.actors[Role.HANDLER],
        "township dispatcher": lc.town,
        "township wall (masked)": Actor("dh-wall", Role.WALL, level=Level.TOWNSHIP, township_id=east),
        "village lead": lc.village_lead,
        "township with no township": Actor("nowhere", Role.DISPATCHER, level=Level.TOWNSHIP),
    }


def test_lean_snapshot_equals_the_full_object_path(db: Database, mixed: LevelsCounty) -> None:
    with db.session() as s:
        every_open = list(s.scalars(select(Case.id).where(Case.status.in_(list(OPEN_CASE_STATUSES)))))
    assert len(every_open) == 5
    seen: dict[str, list[int]] = {}
    for who, actor in _actors(mixed).items():
        with db.session() as s:
            lean = load_snapshot(s, actor=actor, last_event_id=0).cases
        with db.session() as s:
            by_entity = queries.cases_by_ids(s, every_open, actor=actor)  # ORM entities, scope checked per case
            by_orm_query = sorted(queries.list_open_cases(s, actor=actor), key=lambda c: c.id)  # scope in the WHERE
        assert lean == by_entity == by_orm_query, who
        seen[who] = [c.id for c in lean]
        for view in lean:  # the values carry the types the views promise, not what the database stored
            assert view.received_at.tzinfo is not None and view.due_at.utcoffset() is not None
            assert type(view.unit_ids) is tuple
    assert seen["county lead"] == sorted(every_open) == seen["county wall (masked)"]
    assert len(seen["township dispatcher"]) == 4 and len(seen["village lead"]) == 2
    assert seen["township wall (masked)"] == seen["township dispatcher"]
    assert seen["township with no township"] == []

    with db.session() as s:
        full = {c.id: c for c in load_snapshot(s, actor=mixed.county, last_event_id=0).cases}
        masked = {c.id: c for c in load_snapshot(s, actor=mixed.base.actors[Role.WALL], last_event_id=0).cases}
    first = full[min(full)]
    assert (first.caller_phone, first.caller_name, first.unit_ids) == ("13812345678", "张三丰", first.unit_ids)
    assert len(first.unit_ids) == 2 and first.received_at.microsecond == 456789
    assert (masked[first.id].caller_phone, masked[first.id].caller_name) == ("138****5678", "张**")
    statuses = {c.assignment_status for c in full.values()}
    assert {"assigned", "returned", None} <= statuses
    assert {c.assignee for c in full.values() if c.assignment_status == "returned"} == {"西岭镇"}


def test_open_cases_are_read_in_five_statements_whatever_their_count(db: Database, mixed: LevelsCounty) -> None:
    """The cases, the assignees' names (departments, townships), the assignments, the units — however many cases
    and however small the chunks the worker's interface thread gets its turn between."""
    ticks: list[int] = []
    with db.session() as s, count_statements(db.engine) as log:
        views = queries.open_case_views(s, actor=mixed.county, chunk=2, between_chunks=lambda: ticks.append(1))
    assert len(views) == 5 and len(log.statements) == 5, log.statements
    assert len(ticks) >= 4  # every 8 rows read, every 2 views built, and at the end


def test_changes_read_many_cases_lean_and_alike(
    db: Database, mixed: LevelsCounty, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cases_by_ids` reads many ids at once (a mass escalation, a catch-up) lean, in parts: the same views as the
    entity way, the scope kept, closed cases included (the change feed tells them apart)."""
    with db.session() as s:
        every = list(s.scalars(select(Case.id)))
    assert len(every) == 6
    for who, actor in _actors(mixed).items():
        with db.session() as s:
            by_entity = queries.cases_by_ids(s, [*every, 10**9], actor=actor)
        monkeypatch.setattr(queries, "LEAN_FROM", 1)
        monkeypatch.setattr(queries, "IDS_PER_STATEMENT", 4)  # in two statements' worth of ids
        with db.session() as s:
            lean = queries.cases_by_ids(s, [*every, 10**9], actor=actor)
        monkeypatch.undo()
        assert lean == by_entity, who
        assert len(by_entity) == {"village lead": 3, "township with no township": 0}.get(
            who, 5 if "township" in who else 6
        ), who
