"""Who acts on the command line is proven, not claimed: `--user` logs in (a prompt on a terminal, CONSOLE_PASSWORD for
scripts); without it the actor is `system`, recorded with the operating-system user and host, never as a person."""

from __future__ import annotations

import getpass
import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from console.cli.main import main
from console.db import Database
from console.enums import EventKind
from console.models import Dispatch, Event, LoginThrottle
from console.services import intake
from tests.county import MiniCounty

APPEAL = {"channel": "police_110", "category": "public_order", "priority": "red", "description": "有人打架"}


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, Any, Any]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    out = json.loads(captured.out) if captured.out.strip() else None
    err = json.loads(captured.err) if captured.err.strip() else None
    return code, out, err


@pytest.fixture
def case_number(db: Database, county: MiniCounty) -> str:
    from console.db import write_transaction
    from console.enums import Role

    req = intake.parse_intake({**APPEAL, "lat": 24.805, "lon": 113.605})
    return write_transaction(
        db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[Role.DISPATCHER]).case.number
    )


def test_a_named_user_without_a_password_is_refused_and_counted(
    db: Database, case_number: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--user lead dispatch …` acted as the shift leader without a password, and the event said `lead`."""
    monkeypatch.delenv("CONSOLE_PASSWORD", raising=False)
    code, _, err = run(capsys, monkeypatch, "--db", db.url, "--user", "lead", "dispatch", case_number)
    assert code == 8 and err["error"] == "unauthenticated" and "CONSOLE_PASSWORD" in err["message"]
    monkeypatch.setenv("CONSOLE_PASSWORD", "not-his")
    code, _, err = run(capsys, monkeypatch, "--db", db.url, "--user", "lead", "dispatch", case_number)
    assert code == 8 and err["error"] == "unauthenticated"
    with db.session() as s:
        assert s.scalar(select(func.count(Dispatch.id))) == 0
        throttle = s.get(LoginThrottle, "lead")
        assert throttle is not None and throttle.failures == 2
        failed = s.scalars(select(Event).where(Event.kind == EventKind.LOGIN_FAILED)).all()
        assert [e.actor for e in failed] == ["anonymous", "anonymous"]


def test_a_named_user_with_the_password_acts_as_that_user(
    db: Database, case_number: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSOLE_PASSWORD", "lead")
    code, out, err = run(capsys, monkeypatch, "--db", db.url, "--user", "lead", "dispatch", case_number)
    assert code == 0, err
    assert out["dispatched_by"] == "lead"
    with db.session() as s:
        dispatched = s.scalars(select(Event).where(Event.kind == EventKind.CASE_DISPATCHED)).one()
        assert dispatched.actor == "lead"
        assert dispatched.payload["origin"]["program"] == "dispatch-console dispatch"
        assert s.scalars(select(Event.actor).where(Event.kind == EventKind.LOGIN_SUCCEEDED)).all() == ["lead"]


def test_a_terminal_is_asked_for_the_password(
    db: Database, case_number: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setenv("CONSOLE_PASSWORD", "ignored-on-a-terminal")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def prompt(text: str) -> str:
        asked.append(text)
        return "disp"

    monkeypatch.setattr(getpass, "getpass", prompt)
    monkeypatch.setattr("sys.stdin", Terminal(""))
    code = main(["--db", db.url, "--user", "disp", "recommend", case_number])
    assert code == 0 and asked == ["password for disp: "]
    capsys.readouterr()


def test_without_user_the_actor_is_system_with_os_user_and_host(
    db: Database, county: MiniCounty, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, created, err = run(capsys, monkeypatch, "--db", db.url, "intake", "--json", "-", stdin=json.dumps(APPEAL))
    assert code == 0, err
    assert created["created_by"] == "system"
    with db.session() as s:
        event = s.scalars(select(Event).where(Event.kind == EventKind.CASE_RECEIVED)).one()
    assert event.actor == "system"
    assert event.payload["origin"] == {
        "program": "dispatch-console intake",
        "os_user": getpass.getuser(),
        "host": socket.gethostname(),
    }
    # The origin is the command's, not the process's: what runs after it in the same process is not stamped.
    from console.db import write_transaction
    from console.enums import Role

    req = intake.parse_intake(APPEAL)
    write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[Role.DISPATCHER]))
    with db.session() as s:
        last = s.scalars(select(Event).where(Event.kind == EventKind.CASE_RECEIVED).order_by(Event.id.desc())).first()
        assert last is not None and "origin" not in last.payload


def test_repeated_wrong_passwords_are_throttled_with_the_configured_rules(
    db: Database,
    county: MiniCounty,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The `[login]` table of the configuration file sets the rules (here a delay of ten minutes after the second
    failure, so that no machine is slow enough for the delay to pass between two commands)."""
    config = tmp_path / "console.toml"
    config.write_text("[login]\nfree_failures = 1\ndelay_s = 600.0\nmax_delay_s = 600.0\n", encoding="utf-8")
    who = ["--db", db.url, "--config", str(config), "--user", "adm"]
    monkeypatch.setenv("CONSOLE_PASSWORD", "wrong")
    codes = []
    for _ in range(4):
        code, _, err = run(capsys, monkeypatch, *who, "export", "cases")
        codes.append((code, err["error"]))
    assert codes == [(8, "unauthenticated")] * 2 + [(8, "login_throttled")] * 2
    monkeypatch.setenv("CONSOLE_PASSWORD", "adm")  # the right one, but too soon
    code, out, err = run(capsys, monkeypatch, *who, "export", "cases")
    assert code == 8 and err["error"] == "login_throttled" and 500 < err["retry_after_s"] <= 600 and out is None
    with db.session() as s:
        assert len(s.scalars(select(Event.id).where(Event.kind == EventKind.LOGIN_FAILED)).all()) == 2
