"""Scope: a township's or village's user reaches only its own cases, units and assignments — tried with every
operation and service a scoped user can reach, each given an object outside the scope (table-driven)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.db import Database, write_transaction
from console.enums import Level
from console.models import Event
from console.ops import execute
from console.services import assignments, intake
from console.services.actor import Actor
from console.services.errors import OutOfScope
from tests.evidence.files import png

from .conftest import LevelsCounty
from .refusals import assert_refused_by_scope

IN_G100 = {"lat": 24.805, "lon": 113.605}  # 东河镇, grid G100
IN_G101 = {"lat": 24.815, "lon": 113.605}  # 东河镇, grid G101
IN_WEST = {"lat": 24.805, "lon": 113.625}  # 西岭镇, grid G200

CASE = {
    "channel": "hotline_12345",
    "category": "dispute",
    "priority": "orange",
    "description": "邻里纠纷",
    "caller_phone": "13812345678",
}


def new_case(db: Database, actor: Actor, where: dict[str, float], phone: str = "13812345678") -> int:
    req = intake.parse_intake({**CASE, **where, "caller_phone": phone})
    return write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=actor).case.id)


@dataclass
class World:
    actor: Actor
    inside: int  # a case in the actor's scope
    outside: int  # a case outside it (with a live assignment)
    unit_in: int
    unit_out: int
    assignment_out: int


def world(db: Database, lc: LevelsCounty, who: str) -> World:
    county = lc.county
    inside = new_case(db, county, IN_G100)
    outside = new_case(db, county, IN_WEST if who == "township" else IN_G101, phone="13900000000")
    a = write_transaction(
        db.sessions,
        lambda s: (
            assignments.assign_case(
                s, case_id=outside, assignee_kind="department", assignee_id=lc.base.department_id, actor=county
            ).id
        ),
    )
    units = lc.base.unit_ids
    return World(
        actor=lc.town_lead if who == "township" else lc.village_lead,
        inside=inside,
        outside=outside,
        unit_in=units["PC-01"],
        unit_out=units["PC-02"],
        assignment_out=a,
    )


Op = Callable[[World], tuple[str, dict[str, Any]]]

#: Every operation a scoped user can run that names a case, a unit or an assignment, given one outside its scope.
OPERATIONS: dict[str, Op] = {
    "case.resolve": lambda w: ("case.resolve", {"case_id": w.outside, "resolution": "done"}),
    "case.close": lambda w: ("case.close", {"case_id": w.outside}),
    "case.reopen": lambda w: ("case.reopen", {"case_id": w.outside, "reason": "again"}),
    "case.merge (case)": lambda w: ("case.merge", {"case_id": w.outside, "into_case_id": w.inside}),
    "case.merge (into)": lambda w: ("case.merge", {"case_id": w.inside, "into_case_id": w.outside}),
    "case.invalidate": lambda w: ("case.invalidate", {"case_id": w.outside, "reason": "prank"}),
    "case.escalate": lambda w: ("case.escalate", {"case_id": w.outside, "reason": "late"}),
    "case.note": lambda w: ("case.note", {"case_id": w.outside, "text": "hello"}),
    "case.callback": lambda w: ("case.callback", {"case_id": w.outside, "result": "satisfied"}),
    "case.assign": lambda w: ("case.assign", {"case_id": w.outside, "assignee_kind": "department", "assignee_id": 1}),
    "case.accept": lambda w: ("case.accept", {"case_id": w.outside}),
    "case.return": lambda w: ("case.return", {"case_id": w.outside, "reason": "not ours"}),
    "case.detail": lambda w: ("case.detail", {"case_id": w.outside}),
    "case.take": lambda w: ("case.take", {"case_id": w.outside}),
    "case.send_up": lambda w: ("case.send_up", {"case_id": w.outside, "reason": "too big"}),
    "case.send_down": lambda w: ("case.send_down", {"case_id": w.outside, "to": "village"}),
    "dispatch.recommend": lambda w: ("dispatch.recommend", {"case_id": w.outside}),
    "dispatch.unit (case)": lambda w: ("dispatch.unit", {"case_id": w.outside, "unit_id": w.unit_in}),
    "dispatch.unit (unit)": lambda w: ("dispatch.unit", {"case_id": w.inside, "unit_id": w.unit_out}),
    "dispatch.nearest": lambda w: ("dispatch.nearest", {"case_id": w.outside}),
    "unit.status": lambda w: ("unit.status", {"unit_id": w.unit_out, "status": "off_duty"}),
    "unit.reroute (unit)": lambda w: ("unit.reroute", {"unit_id": w.unit_out, "to_case_id": w.inside}),
    "unit.reroute (case)": lambda w: ("unit.reroute", {"unit_id": w.unit_in, "to_case_id": w.outside}),
    "intake.create (merge_into)": lambda w: (
        "intake.create",
        {"data": {**CASE, **IN_G100}, "merge_into": w.outside},
    ),
    "intake.create (location)": lambda w: ("intake.create", {"data": {**CASE, **IN_WEST}}),
    "handoff.send": lambda w: ("handoff.send", {"case_id": w.outside, "to": "police_110"}),
    "attachments.add": lambda w: (
        "attachments.add",
        {"case_id": w.outside, "files": [{"base64": base64.b64encode(png()).decode("ascii"), "name": "a.png"}]},
    ),
    "attachments.list": lambda w: ("attachments.list", {"case_id": w.outside}),
    "attachments.place_from_photo": lambda w: (
        "attachments.place_from_photo",
        {"case_id": w.outside, "sha256": "0" * 64},
    ),
    "leadership.own": lambda w: ("leadership.own", {"case_id": w.outside, "leader": "王书记"}),
    "leadership.plan": lambda w: ("leadership.plan", {"case_id": w.outside, "kind": "visit", "due": "2030-01-01"}),
    "leadership.record": lambda w: ("leadership.record", {"case_id": w.outside, "kind": "visit", "result": "ok"}),
    "leadership.flag_risk": lambda w: ("leadership.flag_risk", {"case_id": w.outside, "reason": "threats"}),
    "leadership.case": lambda w: ("leadership.case", {"case_id": w.outside}),
}

#: Services with no operation of their own (the supervision board's steps on an assignment).
SERVICES: dict[str, Callable[[Session, World], Any]] = {
    "assignments.resolve_assignment": lambda s, w: assignments.resolve_assignment(
        s, assignment_id=w.assignment_out, result="done", actor=w.actor
    ),
    "assignments.transfer_assignment": lambda s, w: assignments.transfer_assignment(
        s, assignment_id=w.assignment_out, to_kind="department", to_id=1, reason="x", actor=w.actor
    ),
    "assignments.pause_assignment": lambda s, w: assignments.pause_assignment(
        s, assignment_id=w.assignment_out, reason="x", actor=w.actor
    ),
    "assignments.resume_assignment": lambda s, w: assignments.resume_assignment(
        s, assignment_id=w.assignment_out, actor=w.actor
    ),
    "assignments.extend_deadline": lambda s, w: assignments.extend_deadline(
        s, assignment_id=w.assignment_out, hours=4, reason="x", actor=w.actor
    ),
}

LEVELS = ["township", "village"]


@pytest.mark.parametrize("who", LEVELS)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_operation_refuses_an_object_outside_the_scope(
    db: Database, levels_county: LevelsCounty, who: str, name: str
) -> None:
    w = world(db, levels_county, who)
    op, args = OPERATIONS[name](w)
    assert_refused_by_scope(db, w.actor, levels_county.county, op, args)


@pytest.mark.parametrize("who", LEVELS)
@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_assignment_service_refuses_outside_the_scope(
    db: Database, levels_county: LevelsCounty, who: str, name: str
) -> None:
    w = world(db, levels_county, who)
    with pytest.raises(OutOfScope):
        write_transaction(db.sessions, lambda s: SERVICES[name](s, w))


@pytest.mark.parametrize("who", LEVELS)
def test_reads_return_only_the_scope(db: Database, levels_county: LevelsCounty, who: str) -> None:
    w = world(db, levels_county, who)
    snap = execute(db, w.actor, "live.snapshot", last_event_id=0).value
    assert {c.id for c in snap.cases} == {w.inside}
    assert w.unit_in in {u.id for u in snap.units} and w.unit_out not in {u.id for u in snap.units}
    with db.session() as s:
        events = [e for e in s.scalars(select(Event).order_by(Event.id))]
    from console.events import EventRecord

    changes = execute(db, w.actor, "live.changes", events=[EventRecord.from_row(e) for e in events]).value
    assert {c.id for c in changes.cases} == {w.inside}
    assert w.outside in changes.closed_cases  # what it cannot see leaves its console
    history = execute(db, w.actor, "intake.caller_history", phone="13900000000").value
    assert history.cases == []
    points = execute(db, w.actor, "map.history").value
    assert len(points) == 1  # the inside case only
    preview = execute(db, w.actor, "intake.preview", data={**CASE, **IN_G100, "caller_phone": "13900000000"}).value
    offered = {c.id for c in preview.duplicates}
    assert w.inside in offered and w.outside not in offered  # the same caller's case outside the scope is not
    board = execute(db, w.actor, "stats.dashboard", period="day", by="township").value
    assert board.report.total.counts["received"] == 1
    county_board = execute(db, levels_county.county, "stats.dashboard", period="day", by="township").value
    assert county_board.report.total.counts["received"] == 2


def test_scoped_user_takes_in_and_holds_at_its_level(db: Database, levels_county: LevelsCounty) -> None:
    town_case = new_case(db, levels_county.town, IN_G101)
    village_case = new_case(db, levels_county.village, IN_G100)
    county_case = new_case(db, levels_county.county, IN_G100)
    with db.session() as s:
        from console.models import Case

        levels = {c.id: c.level for c in s.scalars(select(Case))}
    assert levels == {town_case: Level.TOWNSHIP, village_case: Level.VILLAGE, county_case: Level.COUNTY}
