"""Traccar feed against the fake server: auth styles, formats, faults (down, slow, 500, garbage, truncated, 401)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.feeds.config import HttpSettings, TraccarConfig
from console.feeds.health import HealthState, feed_health
from console.feeds.http import FeedAuthError
from console.feeds.runner import FeedRunner
from console.feeds.secrets import Secret
from console.feeds.traccar import TraccarFeed, parse_time
from console.models import FeedHealth, Position, Unit

from .conftest import PASSWORD, TOKEN, USER, add_units
from .fake_traccar import FakeTraccar
from .fakeserver import FakeServer

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
FAST = HttpSettings(connect_timeout_s=0.5, read_timeout_s=0.3, retries=1, backoff_s=0.01, max_backoff_s=60)


def config(server: FakeServer, auth: str = "token", **http: object) -> TraccarConfig:
    settings = HttpSettings(**{**FAST.__dict__, **http})  # type: ignore[arg-type]
    if auth == "token":
        return TraccarConfig(url=server.url, token=Secret(TOKEN), http=settings)
    return TraccarConfig(url=server.url, user=USER, password=Secret(PASSWORD), auth=auth, http=settings)


def feed(server: FakeServer, auth: str = "token", **http: object) -> TraccarFeed:
    return TraccarFeed(config(server, auth, **http), sleep=lambda s: None)


def setup_devices(app: FakeTraccar, n: int = 3) -> list[int]:
    ids = [app.add_device(f"T-{i:03d}", f"PC-{i:03d}") for i in range(1, n + 1)]
    for k, device_id in enumerate(ids):
        app.report(device_id, NOW, 24.80 + k / 100, 113.60, speed_knots=10.0, course=90.0)
    return ids


def positions(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Position.id))) or 0)


def test_time_styles() -> None:
    a = parse_time("2026-11-23T08:00:00.000+00:00")
    assert a == parse_time("2026-11-23T08:00:00.000+0000") == parse_time("2026-11-23T16:00:00.000+0800")
    assert a == parse_time(int(a.timestamp() * 1000))
    with pytest.raises(ValueError):
        parse_time("2026-11-23T08:00:00")


@pytest.mark.parametrize("auth", ["token", "basic", "session"])
def test_positions_reach_units_in_every_auth_style(
    db: Database, traccar: tuple[FakeTraccar, FakeServer], auth: str
) -> None:
    app, server = traccar
    tracked = add_units(db, 3)
    setup_devices(app)
    source = feed(server, auth)
    result = source.poll(db)
    assert result.report is not None and result.report.accepted == 3
    with db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.id == tracked["T-002"])).one()
    assert unit.fix_at == NOW
    assert unit.lat == pytest.approx(24.81)
    assert unit.speed_kmh == pytest.approx(18.52)  # 10 knots
    assert unit.course == 90.0
    if auth == "session":
        assert app.logins == 1 and server.requests_to("/api/session")[0].form()["email"] == USER


def test_wrong_token_is_an_auth_error_with_empty_401(db: Database, traccar: tuple[FakeTraccar, FakeServer]) -> None:
    app, server = traccar
    setup_devices(app)
    source = TraccarFeed(TraccarConfig(url=server.url, token=Secret("wrong-token-1"), http=FAST), sleep=lambda s: None)
    with pytest.raises(FeedAuthError) as info:
        source.poll(db)
    assert "401" in info.value.message and "wrong-token-1" not in info.value.message


def test_session_expiring_mid_run_logs_in_again(db: Database, traccar: tuple[FakeTraccar, FakeServer]) -> None:
    app, server = traccar
    add_units(db, 3)
    ids = setup_devices(app)
    source = feed(server, "session")
    source.poll(db)
    app.expire_after_calls = 1  # the next authenticated call still works, then the session is gone
    for step in range(1, 4):
        for device_id in ids:
            app.report(device_id, NOW + timedelta(seconds=10 * step), 24.8, 113.6 + step / 1000)
        result = source.poll(db)
        assert result.report is not None and result.report.accepted == 3
    app.expire_sessions()
    for device_id in ids:
        app.report(device_id, NOW + timedelta(seconds=60), 24.8, 113.7)
    assert source.poll(db).report is not None
    assert app.logins == 3  # first login, after the expiry mid-run, after expire_sessions
    assert positions(db) == 15


def test_unknown_devices_and_invalid_fixes_are_skipped(db: Database, traccar: tuple[FakeTraccar, FakeServer]) -> None:
    app, server = traccar
    add_units(db, 1)
    ids = setup_devices(app, 3)  # T-002 and T-003 are not carried by any unit
    app.report(ids[0], NOW + timedelta(seconds=5), 24.8, 113.6, valid=False)
    result = feed(server).poll(db)
    assert result.report is not None
    assert result.skipped == 1
    assert result.report.unknown_trackers == ["T-002", "T-003"]
    with db.session() as s:
        assert s.scalar(select(func.count(Unit.id))) == 1


@pytest.mark.parametrize("fault", ["500", "garbage", "truncated", "cut_json", "slow"])
def test_faults_mark_the_feed_degraded_and_store_nothing(
    db: Database, traccar: tuple[FakeTraccar, FakeServer], fault: str
) -> None:
    app, server = traccar
    add_units(db, 3)
    setup_devices(app)
    runner = FeedRunner(db, sources=[feed(server, retries=0)])
    server.queue(fault)
    outcome = runner.poll_source(runner.sources[0])
    assert not outcome.ok and outcome.state == HealthState.DEGRADED
    assert positions(db) == 0
    # The next poll works again and the health is back to ok.
    outcome = runner.poll_source(runner.sources[0])
    assert outcome.ok and outcome.state == HealthState.OK and positions(db) == 3


def test_retries_hide_a_single_failure(db: Database, traccar: tuple[FakeTraccar, FakeServer]) -> None:
    app, server = traccar
    add_units(db, 3)
    setup_devices(app)
    server.queue("500", "truncated")
    source = feed(server, retries=2)
    assert source.poll(db).report is not None
    assert positions(db) == 3


def test_server_down_goes_degraded_then_down_and_backs_off(
    db: Database, traccar: tuple[FakeTraccar, FakeServer], caplog: pytest.LogCaptureFixture
) -> None:
    app, server = traccar
    add_units(db, 3)
    setup_devices(app)
    source = feed(server, "session")
    runner = FeedRunner(db, sources=[source])
    server.stop()
    caplog.set_level(logging.DEBUG)
    states = [runner.poll_source(source).state for _ in range(3)]
    assert states == [HealthState.DEGRADED, HealthState.DEGRADED, HealthState.DOWN]
    assert runner.next_delay(source) > source.interval_s  # backs off
    with db.session() as s:
        row = s.get(FeedHealth, "traccar")
        assert row is not None and row.consecutive_failures == 3 and row.last_error
        assert PASSWORD not in row.last_error
    assert PASSWORD not in caplog.text
    server.restart()
    assert runner.poll_source(source).state == HealthState.OK
    assert runner.next_delay(source) == source.interval_s
    [health] = feed_health(db)
    assert health.state == HealthState.OK and health.last_success_at is not None
    assert positions(db) == 3
