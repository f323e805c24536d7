"""Leader-owned cases (领导包案): the plan, the board's next due step, recording steps, a missed step escalating like
an overdue assignment; disputes flagged for violence risk (民转刑) get a mandatory visit after resolution and stay on
the wall until it is recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import EventKind, Role
from console.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from console.models import Case, Event, FollowUpStep
from console.ops import execute
from console.services import leadership
from console.timeutil import utcnow
from tests.cli.test_cli import cli_db, run  # noqa: F401  (the fixture)
from tests.county import MiniCounty

DISPUTE = {"channel": "walk_in", "category": "dispute", "priority": "orange", "description": "宅基地边界纠纷"}


def new_case(db: Database, county: MiniCounty, **extra: object) -> int:
    return int(execute(db, county.actors[Role.DISPATCHER], "intake.create", data={**DISPUTE, **extra}).value.case.id)


def day(offset_days: int) -> str:
    return (utcnow() + timedelta(days=offset_days)).isoformat()


def test_owned_case_plan_board_and_record(db: Database, county: MiniCounty) -> None:
    leader = county.actors[Role.SHIFT_LEADER]
    cid = new_case(db, county)
    with pytest.raises(PermissionDenied):
        execute(db, county.actors[Role.DISPATCHER], "leadership.own", case_id=cid, leader="李书记")
    with pytest.raises(ValidationError) as err:
        execute(db, leader, "leadership.own", case_id=cid, leader="李书记", plan=[{"kind": "visit", "due": day(-2)}])
    assert err.value.field == "plan[0].due"
    owned = execute(
        db,
        leader,
        "leadership.own",
        case_id=cid,
        leader="李书记",
        plan=[{"kind": "callback", "due": day(5)}, {"kind": "visit", "due": day(2)}],
    ).value
    assert owned.leader == "李书记" and owned.next_step.kind == "visit" and not owned.overdue
    (row,) = execute(db, leader, "leadership.board").value
    assert row.case_id == cid and row.next_step.kind == "visit"
    handler = county.actors[Role.HANDLER]
    done = execute(db, handler, "leadership.record", case_id=cid, kind="visit", result="已上门走访，双方同意调解").value
    assert done.done_at is not None
    (row,) = execute(db, leader, "leadership.board").value
    assert row.next_step.kind == "callback"
    with pytest.raises(InvalidTransition):
        execute(db, handler, "leadership.record", case_id=cid, kind="visit", result="again")


def test_a_missed_step_escalates_the_case_in_the_sweep(db: Database, county: MiniCounty) -> None:
    cid = new_case(db, county)
    execute(
        db,
        county.actors[Role.SHIFT_LEADER],
        "leadership.own",
        case_id=cid,
        leader="王镇长",
        plan=[{"kind": "visit", "due": day(1)}],
    )
    later = utcnow() + timedelta(days=10)
    escalated = write_transaction(db.sessions, lambda s: leadership.sweep(s, now=later))
    assert escalated == [cid]
    again = write_transaction(db.sessions, lambda s: leadership.sweep(s, now=later))
    assert again == []  # levels only rise, once
    with db.session() as s:
        case = s.get(Case, cid)
        assert case is not None and case.escalation >= 1
        reasons = [
            e.payload.get("reason") for e in s.scalars(select(Event).where(Event.kind == EventKind.CASE_ESCALATED))
        ]
    assert reasons == ["missed_follow_up"]


def test_the_supervision_sweep_runs_the_follow_ups(db: Database, county: MiniCounty) -> None:
    cid = new_case(db, county)
    execute(db, county.actors[Role.SHIFT_LEADER], "leadership.own", case_id=cid, leader="王镇长")

    def overdue_step(s: object) -> None:
        s.add(  # type: ignore[attr-defined]
            FollowUpStep(
                case_id=cid,
                kind="callback",
                reason="plan",
                due_at=utcnow() - timedelta(days=3),
                escalation=0,
                created_by="t",
                created_at=utcnow(),
            )
        )

    write_transaction(db.sessions, overdue_step)
    execute(db, county.actors[Role.SHIFT_LEADER], "supervision.sweep")
    with db.session() as s:
        assert s.get(Case, cid).escalation >= 1  # type: ignore[union-attr]


def test_violence_risk_visit_after_resolution_and_the_wall(db: Database, county: MiniCounty) -> None:
    leader = county.actors[Role.SHIFT_LEADER]
    other = new_case(db, county, category="traffic")
    with pytest.raises(ValidationError) as err:
        execute(db, leader, "leadership.flag_risk", case_id=other, reason="x")
    assert err.value.field == "category"
    cid = new_case(db, county)
    flagged = execute(
        db, leader, "leadership.flag_risk", case_id=cid, reason="双方多次冲突，扬言报复", visit_within_h=48
    ).value
    assert flagged.violence_risk and flagged.next_step is None  # no visit until it is resolved
    (on_wall,) = execute(db, leader, "leadership.risk_wall").value
    assert on_wall.case_id == cid
    execute(db, leader, "case.resolve", case_id=cid, resolution="调解达成协议")
    execute(db, leader, "supervision.sweep")
    (on_wall,) = execute(db, leader, "leadership.risk_wall").value
    step = on_wall.next_step
    assert step is not None and step.reason == "violence_risk" and step.kind == "visit"
    with db.session() as s:
        resolved = s.get(Case, cid).resolved_at  # type: ignore[union-attr]
    assert step.due_at == resolved + timedelta(hours=48)
    execute(db, leader, "supervision.sweep")  # planned once
    with db.session() as s:
        assert len(s.scalars(select(FollowUpStep).where(FollowUpStep.case_id == cid)).all()) == 1
    execute(db, county.actors[Role.HANDLER], "leadership.record", case_id=cid, kind="visit", result="回访平稳")
    assert execute(db, leader, "leadership.risk_wall").value == []


def test_case_own_follow_up_risk_owned_on_the_command_line(
    cli_db: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(DISPUTE), encoding="utf-8")
    code, created, err = run(capsys, "--db", cli_db, "intake", "--json", str(path))
    assert code == 0, err
    number = created["number"]
    visit = (utcnow() + timedelta(days=3)).astimezone().date().isoformat()
    code, owned, err = run(capsys, "--db", cli_db, "case", "own", number, "--leader", "李书记", "--visit", visit)
    assert code == 0, err
    assert owned["leader"] == "李书记" and owned["next_step"]["kind"] == "visit"
    code, _, err = run(capsys, "--db", cli_db, "case", "own", number, "--leader", "李书记", "--visit", "2020-01-01")
    assert code == 2 and json.loads(err)["field"] == "plan[0].due"
    code, planned, err = run(capsys, "--db", cli_db, "case", "follow-up", number, "--kind", "callback", "--due", visit)
    assert code == 0 and planned["step"]["kind"] == "callback"
    code, done, err = run(capsys, "--db", cli_db, "case", "follow-up", number, "--kind", "visit", "--result", "已走访")
    assert code == 0 and done["step"]["done_at"]
    code, flagged, err = run(capsys, "--db", cli_db, "case", "risk", number, "--reason", "扬言报复")
    assert code == 0 and flagged["violence_risk"] == "扬言报复"
    code, board, err = run(capsys, "--db", cli_db, "case", "owned")
    assert code == 0 and [c["case"] for c in board["cases"]] == [number]
    code, wall, err = run(capsys, "--db", cli_db, "case", "owned", "--risk")
    assert code == 0 and [c["case"] for c in wall["cases"]] == [number]


def test_one_cases_follow_up_for_the_case_detail(db: Database, county: MiniCounty) -> None:
    leader, dispatcher = county.actors[Role.SHIFT_LEADER], county.actors[Role.DISPATCHER]
    cid = new_case(db, county)
    assert execute(db, dispatcher, "leadership.case", case_id=cid).value is None  # neither leader nor flag
    execute(db, leader, "leadership.flag_risk", case_id=cid, reason="扬言报复")
    flagged = execute(db, dispatcher, "leadership.case", case_id=cid).value
    assert flagged.leader is None and flagged.violence_risk == "扬言报复" and flagged.next_step is None
    execute(db, leader, "leadership.own", case_id=cid, leader="李书记", plan=[{"kind": "visit", "due": day(3)}])
    owned = execute(db, dispatcher, "leadership.case", case_id=cid).value
    assert owned.leader == "李书记" and owned.next_step is not None and owned.next_step.kind == "visit"
    with pytest.raises(NotFound):
        execute(db, dispatcher, "leadership.case", case_id=cid + 999)
