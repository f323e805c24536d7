"""Screening campaigns (排查): tasks per grid for its worker, visits with nothing found or a finding that becomes a
case in one step (channel grid_report), progress per township and grid, findings and the cases resolved from them;
the seasonal templates; the command line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from console.db import Database
from console.enums import Channel, EventKind, Role
from console.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from console.models import CampaignVisit, Case, Event
from console.ops import execute
from console.timeutil import utcnow
from tests.cli.test_cli import cli_db, run  # noqa: F401  (the fixture)
from tests.county import MiniCounty


def due(days: int = 20) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def test_campaign_tasks_visits_findings_and_progress(db: Database, county: MiniCounty) -> None:
    leader, dispatcher, handler = (county.actors[r] for r in (Role.SHIFT_LEADER, Role.DISPATCHER, Role.HANDLER))
    with pytest.raises(PermissionDenied):
        execute(db, dispatcher, "campaign.create", name="x", focus="dispute", due=due(), grids=["G100"])
    with pytest.raises(NotFound) as missing:
        execute(db, leader, "campaign.create", name="x", focus="dispute", due=due(), grids=["G999"])
    assert missing.value.field == "grids[0]"
    started = execute(
        db, leader, "campaign.create", template="winter_lending", townships=["东河镇"], grids=["G200"]
    ).value
    assert started.focus == "dispute" and started.name.endswith("冬季民间借贷纠纷排查")
    assert [g.grid for g in started.grids] == ["G100", "G101", "G110", "G111", "G200"]
    name = started.name

    nothing = execute(
        db, handler, "campaign.record", campaign=name, grid="G100", place="石岭村3组12号", result="nothing"
    ).value
    assert nothing.case_number is None
    with pytest.raises(PermissionDenied):  # a finding becomes a case: the intake permission
        execute(db, handler, "campaign.record", campaign=name, grid="G100", place="4组", result="finding", finding="x")
    found = execute(
        db,
        dispatcher,
        "campaign.record",
        campaign=name,
        grid="G100",
        place="石岭村3组15号",
        result="finding",
        finding="两户借款两万元逾期未还，双方争执",
    ).value
    assert found.case_number is not None
    with pytest.raises(InvalidTransition):
        execute(db, handler, "campaign.record", campaign=name, grid="G100", place="石岭村3组12号", result="nothing")
    with pytest.raises(NotFound):
        execute(db, handler, "campaign.record", campaign=name, grid="G201", place="x", result="nothing")
    with db.session() as s:
        case = s.get(Case, found.case_id)
        assert case is not None and case.channel == Channel.GRID_REPORT and case.category.value == "dispute"
        assert case.grid_id == county.grid_ids["G100"]  # at the grid's middle
        visit = s.scalars(select(CampaignVisit).where(CampaignVisit.case_id == case.id)).one()
        assert visit.result == "finding"  # the case is linked to the campaign through its visit
        assert s.scalars(select(Event.kind).where(Event.case_id == case.id)).all()[-1] == EventKind.CAMPAIGN_VISIT

    execute(db, leader, "case.resolve", case_id=found.case_id, resolution="调解还款")
    report = execute(db, leader, "campaign.progress", campaign=name).value.as_dict()
    assert report["totals"] == {"grids": 5, "grids_visited": 1, "visits": 2, "findings": 1, "cases": 1, "resolved": 1}
    assert report["townships"]["东河镇"]["visits"] == 2 and report["townships"]["西岭镇"]["visits"] == 0
    g100 = next(g for g in report["grids"] if g["grid"] == "G100")
    assert (g100["visits"], g100["findings"], g100["resolved"]) == (2, 1, 1)
    (listed,) = execute(db, leader, "campaign.list").value
    assert listed.name == name


def test_bad_campaign_inputs_name_the_field(db: Database, county: MiniCounty) -> None:
    leader = county.actors[Role.SHIFT_LEADER]
    for args, field in (
        ({"name": "a", "focus": "nonsense", "due": due(), "grids": ["G100"]}, "focus"),
        ({"name": "a", "focus": "dispute", "due": "2020-01-01", "grids": ["G100"]}, "due"),
        ({"name": "a", "focus": "dispute", "due": due()}, "grids"),
        ({"template": "autumn_everything", "grids": ["G100"]}, "template"),
        ({"name": "a", "focus": "dispute", "visit": "shop", "due": due(), "grids": ["G100"]}, "visit"),
    ):
        with pytest.raises(ValidationError) as err:
            execute(db, leader, "campaign.create", **args)
        assert err.value.field == field, args


def test_campaign_on_the_command_line(
    cli_db: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, templates, err = run(capsys, "--db", cli_db, "campaign", "templates")
    assert code == 0, err
    assert set(templates) == {"spring_land", "summer_neighbours", "autumn_families", "winter_lending", "small_venues"}
    code, started, err = run(
        capsys, "--db", cli_db, "campaign", "create", "九小场所排查", "--template", "small_venues", "--grids", "G0,G1"
    )
    assert code == 0, err
    assert started["visit"] == "venue" and [g["worker"] for g in started["grids"]] == [None, "GW-G1"]
    code, visit, err = run(
        capsys,
        "--db",
        cli_db,
        "campaign",
        "record",
        "九小场所排查",
        "--grid",
        "G1",
        "--place",
        "幸福小吃店",
        "--finding",
        "灭火器过期，电线私拉乱接",
        "--priority",
        "orange",
    )
    assert code == 0, err
    assert visit["result"] == "finding" and visit["case"]
    code, _, err = run(capsys, "--db", cli_db, "campaign", "record", "九小场所排查", "--grid", "G1", "--place", "x")
    assert code == 2 and json.loads(err)["field"] == "finding"
    code, report, err = run(capsys, "--db", cli_db, "campaign", "progress", "九小场所排查")
    assert code == 0 and report["totals"]["findings"] == 1
    code, listed, err = run(capsys, "--db", cli_db, "campaign", "list")
    assert code == 0 and listed["campaigns"][0]["totals"]["cases"] == 1
    code, cases, _ = run(capsys, "--db", cli_db, "export", "cases")
    assert cases[0]["channel"] == "grid_report" and cases[0]["category"] == "safety_hazard"
