"""Login hardening, kept in the database so that every console and the command line share it: a growing delay and a
temporary lock after repeated failures, failed and successful logins as events, a configurable password policy.

Time is handed to the service (`now`), so the delays are checked without waiting for them.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from console.config import parse_config
from console.db import Database, write_transaction
from console.enums import EventKind, Role
from console.models import Event, LoginThrottle, User
from console.services.actor import SYSTEM
from console.services.errors import LoginLocked, LoginRefused, LoginThrottled, ValidationError
from console.services.login import ANONYMOUS, authenticate
from console.services.login_policy import LoginSettings, check_password
from console.services.users import create_user
from console.timeutil import utcnow
from tests.county import MiniCounty

SETTINGS = LoginSettings(free_failures=3, delay_s=2, max_delay_s=30, lockout_failures=6, lockout_s=600)


def events(db: Database, kind: EventKind) -> list[Event]:
    with db.session() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_failures_are_counted_and_audited_and_success_resets(db: Database, county: MiniCounty) -> None:
    now = utcnow()
    for i in range(3):  # the free failures: no delay yet
        with pytest.raises(LoginRefused) as info:
            authenticate(db, "lead", "wrong", settings=SETTINGS, now=now + timedelta(seconds=i))
        assert type(info.value) is LoginRefused and "wrong user name or password" in info.value.message
    actor = authenticate(db, "lead", "lead", settings=SETTINGS, now=now + timedelta(seconds=3))
    assert actor.name == "lead" and actor.role == Role.SHIFT_LEADER
    failed = events(db, EventKind.LOGIN_FAILED)
    assert [e.payload["failures"] for e in failed] == [1, 2, 3]
    assert {e.actor for e in failed} == {ANONYMOUS}  # the name tried is never written as the actor
    assert {e.payload["name"] for e in failed} == {"lead"} and all(e.payload["host"] for e in failed)
    [ok] = events(db, EventKind.LOGIN_SUCCEEDED)
    assert ok.actor == "lead" and ok.payload["role"] == "shift_leader"
    with db.session() as s:
        row = s.get(LoginThrottle, "lead")
        assert row is not None and row.failures == 0 and row.next_attempt_at is None


def test_a_growing_delay_then_a_lock_even_for_the_right_password(db: Database, county: MiniCounty) -> None:
    t = utcnow()
    for _ in range(3):
        with pytest.raises(LoginRefused):
            authenticate(db, "disp", "wrong", settings=SETTINGS, now=t)
    delays = []
    for failure in range(4, 6):  # 4th and 5th failures: 2 s, then 4 s
        with pytest.raises(LoginRefused) as info:
            authenticate(db, "disp", "wrong", settings=SETTINGS, now=t)
        delay = info.value.details["retry_after_s"]
        delays.append(delay)
        with pytest.raises(LoginThrottled) as early:  # even the right password is not checked yet
            authenticate(db, "disp", "disp", settings=SETTINGS, now=t + timedelta(seconds=delay - 1))
        assert early.value.retry_after_s == 1
        t += timedelta(seconds=delay)
        assert failure == len(delays) + 3
    assert delays == [2, 4]
    with pytest.raises(LoginLocked) as locked:  # the 6th failure in a row locks the name
        authenticate(db, "disp", "wrong", settings=SETTINGS, now=t)
    assert locked.value.retry_after_s == 600
    with pytest.raises(LoginLocked):
        authenticate(db, "disp", "disp", settings=SETTINGS, now=t + timedelta(seconds=599))
    assert authenticate(db, "disp", "disp", settings=SETTINGS, now=t + timedelta(seconds=600)).name == "disp"
    # Refused attempts were not checked and wrote nothing: six failures, six events.
    assert len(events(db, EventKind.LOGIN_FAILED)) == 6
    assert events(db, EventKind.LOGIN_FAILED)[-1].payload["locked_until"] is not None


def test_thirty_wrong_attempts_in_ten_seconds(db: Database, county: MiniCounty) -> None:
    """The attack's pattern, with the default settings: most attempts are refused unchecked, the name is locked."""
    t = utcnow()
    answers = []
    for i in range(30):
        try:
            authenticate(db, "adm", f"guess{i}", now=t + timedelta(seconds=i / 3))
        except LoginRefused as exc:
            answers.append(exc.code)
    assert len(answers) == 30
    checked = len(events(db, EventKind.LOGIN_FAILED))
    assert checked < 10 and answers.count("login_throttled") == 30 - checked
    with pytest.raises(LoginRefused):
        authenticate(db, "adm", "adm", now=t + timedelta(seconds=10))


def test_consoles_share_the_count_and_parallel_guesses_gain_nothing(db: Database, county: MiniCounty) -> None:
    """Two consoles (two engines on one database) try the same name at the same instant, eight times each: one
    attempt is checked, the others wait out its delay — the guarded claim serialises attempts of one name."""
    other = Database(db.url)
    strict = LoginSettings(free_failures=0, delay_s=60)
    now = utcnow()
    answers: list[str] = []
    lock = threading.Lock()

    def attempt(database: Database) -> None:
        try:
            authenticate(database, "wall", "wrong", settings=strict, now=now)
        except LoginRefused as exc:
            with lock:
                answers.append(exc.code)

    threads = [threading.Thread(target=attempt, args=(d,)) for d in (db, other) * 8]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    other.dispose()
    assert sorted(answers) == ["login_throttled"] * 15 + ["unauthenticated"]
    assert len(events(db, EventKind.LOGIN_FAILED)) == 1


def test_unknown_and_unstorable_names_are_refused_alike(db: Database, county: MiniCounty) -> None:
    for name in ("nobody", "x" * 200, "lead\x00", "\ud800", "", None):
        with pytest.raises(LoginRefused) as info:
            authenticate(db, name, "whatever")
        assert info.value.message == "wrong user name or password"
    assert len(events(db, EventKind.LOGIN_FAILED)) == 6
    with db.session() as s:
        assert s.scalars(select(LoginThrottle.name)).all() == ["nobody"]


def test_password_policy(db: Database, county: MiniCounty) -> None:
    def make(name: str, password: str, settings: LoginSettings | None = None) -> User:
        return write_transaction(
            db.sessions,
            lambda s: create_user(
                s, name=name, role=Role.DISPATCHER, password=password, actor=SYSTEM, settings=settings
            ),
        )

    with pytest.raises(ValidationError, match="at least 8 characters"):
        make("zhao", "1234567")
    with pytest.raises(ValidationError, match="user name"):
        make("zhaolei1", "ZhaoLei1")  # as long as the policy wants, but the name itself
    with pytest.raises(ValidationError, match="letters and digits"):
        make("zhao", "onlyletters", LoginSettings(require_letter_and_digit=True))
    with pytest.raises(ValidationError, match="at least 12"):
        make("zhao", "twelve-less", LoginSettings(min_password_length=12))
    assert make("zhao", "12345678").name == "zhao"
    assert authenticate(db, "zhao", "12345678").name == "zhao"
    with db.session() as s:
        assert s.scalar(select(func.count(User.id)).where(User.name == "zhaolei1")) == 0
    assert check_password("a" * 8, name="b", settings=LoginSettings()) == "a" * 8


def test_login_settings_from_the_configuration_file() -> None:
    config = parse_config({"login": {"min_password_length": 10, "lockout_failures": 5, "delay_s": 0.5}})
    assert config.login == LoginSettings(min_password_length=10, lockout_failures=5, delay_s=0.5)
    assert parse_config({}).login == LoginSettings()
    for table, field in (
        ({"min_passwd": 9}, "login.min_passwd"),
        ({"min_password_length": "8"}, "login.min_password_length"),
        ({"lockout_failures": 2.5}, "login.lockout_failures"),
        ({"require_letter_and_digit": 1}, "login.require_letter_and_digit"),
        ({"min_password_length": 0}, "login.min_password_length"),
    ):
        with pytest.raises(ValidationError) as info:
            parse_config({"login": table})
        assert info.value.field == field
