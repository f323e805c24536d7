"""`case …` and `unit status` on both databases: each command's success, its refusal by role and by state, and an
unknown number (or callsign, name, code) answered with exit 2 and the JSON error naming the argument."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from sqlalchemy import select

from console.cli.main import main
from console.db import Database
from console.enums import CaseStatus, EventKind
from console.models import Event
from tests.county import MiniCounty

from .conftest import Cases

USERS = {"dispatcher": "disp", "leader": "lead", "handler": "cg", "wall": "wall", "admin": "adm"}


class Cli:
    def __init__(self, db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = db
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, who: str, *argv: str) -> tuple[int, Any, Any]:
        """Run as the user `who` (the demo-style password is the name): exit code, stdout JSON, stderr JSON."""
        user = USERS[who]
        self.monkeypatch.setenv("CONSOLE_PASSWORD", user)
        code = main(["--db", self.db.url, "--user", user, *argv])
        captured = self.capsys.readouterr()
        out = err = None
        with contextlib.suppress(json.JSONDecodeError):
            out = json.loads(captured.out) if captured.out.strip() else None
        with contextlib.suppress(json.JSONDecodeError):
            err = json.loads(captured.err) if captured.err.strip() else None
        return code, out, err


@pytest.fixture
def cli(db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(db, capsys, monkeypatch)


def _ok(result: tuple[int, Any, Any]) -> Any:
    code, out, err = result
    assert code == 0, err
    return out


def _refused(result: tuple[int, Any, Any], error: str, **details: str) -> Any:
    code, out, err = result
    assert code == 2 and out is None, (code, out, err)
    assert err["error"] == error, err
    for key, value in details.items():
        assert err[key] == value, err
    return err


def test_assign_accept_return_by_the_right_roles(cli: Cli, cases: Cases) -> None:
    n = cases.new().number
    _refused(cli("dispatcher", "case", "assign", n, "--to", "department", "--name", "城管局"), "forbidden")
    out = _ok(cli("leader", "case", "assign", n, "--to", "department", "--name", "城管局", "--hours", "8"))
    assert out["case"] == n and out["status"] == "received"
    assert out["assignment"]["assignee"] == "城管局" and out["assignment"]["status"] == "assigned"
    assert out["changes"]["assignments"] == [out["assignment"]["id"]]
    _refused(cli("leader", "case", "assign", n, "--to", "township", "--name", "东河镇"), "invalid_state")
    _refused(cli("wall", "case", "accept", n), "forbidden")
    assert _ok(cli("handler", "case", "accept", n))["assignment"]["status"] == "accepted"
    _refused(cli("handler", "case", "accept", n), "invalid_state", state="accepted")
    out = _ok(cli("handler", "case", "return", n, "--reason", "不属于本部门职责"))
    assert out["assignment"]["status"] == "returned"
    _refused(cli("handler", "case", "return", n, "--reason", "again"), "invalid_state", state="not assigned")


def test_resolve_callback_close(cli: Cli, cases: Cases) -> None:
    n = cases.make("dispatched").number
    _refused(cli("wall", "case", "resolve", n, "--resolution", "已调解"), "forbidden")
    _refused(cli("dispatcher", "case", "callback", n, "--result", "satisfied"), "invalid_state", state="dispatched")
    out = _ok(cli("dispatcher", "case", "resolve", n, "--resolution", "已调解"))
    assert out["status"] == "resolved" and len(out["changes"]["units"]) == 1  # the released unit
    _refused(cli("dispatcher", "case", "resolve", n, "--resolution", "again"), "invalid_state", state="resolved")
    assert _ok(cli("dispatcher", "case", "callback", n, "--result", "not_reached"))["status"] == "resolved"
    out = _ok(cli("dispatcher", "case", "callback", n, "--result", "dissatisfied", "--note", "没人来"))
    assert out["status"] == "received" and out["callback"]["result"] == "dissatisfied"  # reopened
    m = cases.make("resolved").number
    _refused(cli("dispatcher", "case", "close", m), "forbidden")
    assert _ok(cli("leader", "case", "close", m))["status"] == "closed"
    _refused(cli("leader", "case", "close", m), "invalid_state", state="closed")
    assert _ok(cli("dispatcher", "case", "callback", cases.make("resolved").number, "--result", "basically_satisfied"))[
        "status"
    ] == ("closed")


def test_note_merge_invalid_escalate(cli: Cli, cases: Cases, db: Database) -> None:
    n = cases.make("closed").number
    _refused(cli("wall", "case", "note", n, "已回访"), "forbidden")
    out = _ok(cli("handler", "case", "note", n, "已回访"))
    assert out["status"] == "closed"
    with db.session() as s:
        notes = s.scalars(select(Event.payload).where(Event.kind == EventKind.CASE_NOTE)).all()
    assert [{k: note[k] for k in ("number", "text")} for note in notes] == [{"number": n, "text": "已回访"}]
    assert notes[0]["origin"]["program"] == "dispatch-console case"  # where a command's event came from

    master, dup, busy = cases.new().number, cases.new().number, cases.make("dispatched").number
    _refused(cli("wall", "case", "merge", dup, "--into", master), "forbidden")
    _refused(cli("dispatcher", "case", "merge", busy, "--into", master), "invalid_state", state="dispatched")
    out = _ok(cli("dispatcher", "case", "merge", dup, "--into", master))
    assert out["status"] == "merged" and len(out["changes"]["cases"]) == 2  # the master counts one more repeat

    _refused(cli("dispatcher", "case", "invalid", busy, "--reason", "测试"), "invalid_state", state="dispatched")
    fresh = cases.new().number
    _refused(cli("wall", "case", "invalid", fresh, "--reason", "测试"), "forbidden")
    assert _ok(cli("dispatcher", "case", "invalid", fresh, "--reason", "测试电话"))["status"] == "invalid"

    _refused(cli("dispatcher", "case", "escalate", master), "forbidden")
    first = _ok(cli("leader", "case", "escalate", master))["escalation"]  # one level up (a repeat may have raised it)
    assert _ok(cli("leader", "case", "escalate", master, "--reason", "群众反映强烈"))["escalation"] == first + 1
    _refused(cli("leader", "case", "escalate", fresh), "invalid_state", state="invalid")


def test_unit_status_moves_the_unit_and_its_case(cli: Cli, cases: Cases) -> None:
    case = cases.new()
    callsign = _ok(cli("dispatcher", "dispatch", case.number))["unit"]
    _refused(cli("wall", "unit", "status", callsign, "en_route"), "forbidden")
    assert _ok(cli("dispatcher", "unit", "status", callsign, "en_route"))["status"] == "en_route"
    out = _ok(cli("dispatcher", "unit", "status", callsign, "on_scene"))
    assert out == {
        "unit": callsign,
        "status": "on_scene",
        "case": case.number,
        "case_status": CaseStatus.ON_SCENE.value,
        "changes": out["changes"],
    }
    _refused(cli("dispatcher", "unit", "status", callsign, "off_duty"), "invalid_state", state="on_scene")
    out = _ok(cli("dispatcher", "unit", "status", callsign, "available"))
    assert out["case"] == case.number and out["case_status"] == "on_scene"  # cleared, still open until resolved
    assert _ok(cli("dispatcher", "unit", "status", callsign, "off_duty"))["status"] == "off_duty"
    _refused(cli("dispatcher", "unit", "status", callsign, "en_route"), "invalid_state", state="off_duty")


@pytest.mark.parametrize(
    "argv",
    [
        ("case", "assign", "{n}", "--to", "department", "--name", "城管局"),
        ("case", "accept", "{n}"),
        ("case", "return", "{n}", "--reason", "x"),
        ("case", "resolve", "{n}", "--resolution", "x"),
        ("case", "callback", "{n}", "--result", "satisfied"),
        ("case", "close", "{n}"),
        ("case", "note", "{n}", "x"),
        ("case", "merge", "{n}", "--into", "{n}"),
        ("case", "invalid", "{n}", "--reason", "x"),
        ("case", "escalate", "{n}"),
    ],
    ids=lambda argv: argv[1],
)
def test_an_unknown_number_names_the_argument(cli: Cli, county: MiniCounty, argv: tuple[str, ...]) -> None:
    args = [a.replace("{n}", "2026-999999") for a in argv]
    err = _refused(cli("admin", *args), "not_found", field="number")
    assert err["what"] == "case" and err["key"] == "2026-999999"


@pytest.mark.parametrize(
    ("argv", "error", "field"),
    [
        (("case", "merge", "{n}", "--into", "2026-999999"), "not_found", "into"),
        (("case", "assign", "{n}", "--to", "department", "--name", "无此部门"), "not_found", "name"),
        (("case", "assign", "{n}", "--to", "village", "--name", "城管局"), "invalid", "to"),
        (("case", "assign", "{n}", "--to", "department", "--name", "城管局", "--hours", "soon"), "invalid", "hours"),
        (("case", "callback", "{n}", "--result", "happy"), "invalid", "result"),
        (("case", "resolve", "{n}", "--resolution", " "), "invalid", "resolution"),
        (("unit", "status", "NO-SUCH", "en_route"), "not_found", "callsign"),
        (("unit", "status", "PC-01", "flying"), "invalid", "status"),
        (("unit", "status", "PC-01", "dispatched"), "invalid", "status"),
    ],
)
def test_bad_arguments_are_named(cli: Cli, cases: Cases, argv: tuple[str, ...], error: str, field: str) -> None:
    n = cases.new().number
    _refused(cli("admin", *[a.replace("{n}", n) for a in argv]), error, field=field)
