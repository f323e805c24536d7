"""The command line: `user add --township/--village`, and a scoped `--user` sees and acts within its scope only
(a refusal for another township's case, `export` and `kpi` of its scope)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from console.cli.main import main
from console.db import Database
from tests.county import MiniCounty

from .test_scope import IN_G100, IN_WEST, new_case


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, Any, Any]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    out = json.loads(captured.out) if captured.out.strip() else None
    err = json.loads(captured.err) if captured.err.strip() else None
    return code, out, err


def test_scoped_user_on_the_command_line(
    sqlite_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.county import build_mini_county

    county: MiniCounty = build_mini_county(sqlite_db)
    from console.enums import Role

    dispatcher = county.actors[Role.DISPATCHER]
    db = ["--db", sqlite_db.url]
    monkeypatch.setenv("CONSOLE_NEW_PASSWORD", "long-enough-1")
    code, out, _ = run(capsys, monkeypatch, *db, "user", "add", "dh", "--role", "shift_leader", "--township", "东河镇")
    assert code == 0 and out["level"] == "township" and out["township_id"] == county.township_ids["东河镇"]
    code, out, _ = run(capsys, monkeypatch, *db, "user", "add", "cun", "--role", "dispatcher", "--village", "G100")
    assert code == 0 and out["level"] == "village"
    code, _, err = run(capsys, monkeypatch, *db, "user", "add", "x1", "--role", "dispatcher", "--village", "NOPE")
    assert code == 2 and err["error"] == "not_found" and err["field"] == "village"

    mine = new_case(sqlite_db, dispatcher, IN_G100)
    theirs = new_case(sqlite_db, dispatcher, IN_WEST, phone="13900000000")
    from console.models import Case

    with sqlite_db.session() as s:
        mine_no, theirs_no = s.get(Case, mine).number, s.get(Case, theirs).number  # type: ignore[union-attr]
    monkeypatch.setenv("CONSOLE_PASSWORD", "long-enough-1")
    as_dh = [*db, "--user", "dh"]
    code, _, err = run(capsys, monkeypatch, *as_dh, "case", "note", theirs_no, "hello")
    assert code == 2 and err["error"] == "out_of_scope" and err["key"] == theirs_no
    code, out, _ = run(capsys, monkeypatch, *as_dh, "handoff", theirs_no, "--to", "police_110")
    assert code == 2
    code, out, _ = run(capsys, monkeypatch, *as_dh, "handoff", mine_no, "--to", "police_110", "--ref", "110-7")
    assert code == 0 and out["status"] == "accepted" and out["ref"] == "110-7" and out["to"] == "police_110"
    code, out, _ = run(capsys, monkeypatch, *as_dh, "export", "cases")
    assert code == 0 and [c["number"] for c in out] == [mine_no]
    assert out[0]["handoffs"][0]["ref"] == "110-7" and set(out[0]["handoffs"][0]) >= {"to", "at", "ref", "status"}
    code, out, _ = run(capsys, monkeypatch, *db, "export", "cases")  # the county (system) sees both
    assert code == 0 and len(out) == 2
    code, _, err = run(capsys, monkeypatch, *as_dh, "case", "up", mine_no, "--reason", "需县级协调")
    assert code == 2 and err["error"] == "invalid_state"  # taken in by the county: it holds it
    code, out, _ = run(capsys, monkeypatch, *db, "case", "down", mine_no, "--to", "township")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, *as_dh, "case", "up", mine_no, "--reason", "需县级协调")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, *as_dh, "case", "take", mine_no)
    assert code == 2 and out is None  # sent up: the county's until it sends it down
    code, out, _ = run(capsys, monkeypatch, *db, "case", "down", mine_no, "--to", "township")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, *as_dh, "case", "resolve", mine_no, "--resolution", "镇里办结")
    assert code == 0
    code, out, _ = run(capsys, monkeypatch, *as_dh, "kpi", "--from", "2020-01-01", "--to", "2030-12-31")
    assert code == 0 and out["total"]["received"] == 1
    assert out["total"]["resolved_at_level"]["township"] == 1
    assert out["total"]["local_resolution_rate"]["value"] == 0.0  # it was sent up once: not 就地化解
