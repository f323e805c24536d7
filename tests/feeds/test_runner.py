"""The feed runner and `dispatch-console feeds` against the fake Traccar and Open311 servers together.

The core half of issue 6's final check: the runner moves units (positions in the database, `unit_moved` events in
the change feed, which a second console follows) and fills the queue (new cases through intake).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.cli.main import main
from console.db import Database
from console.enums import CaseStatus, Channel, EventKind
from console.events import ChangeFeed
from console.feeds.config import FeedsConfig, HttpSettings, Open311Config, TraccarConfig
from console.feeds.health import HealthState, feed_health
from console.feeds.runner import FeedRunner
from console.feeds.secrets import Secret
from console.models import Case, FeedHealth, Position, Unit

from .conftest import PASSWORD, TOKEN, USER, add_units
from .fake_open311 import FakeOpen311
from .fake_traccar import FakeTraccar
from .fakeserver import FakeServer

FAST = HttpSettings(connect_timeout_s=0.5, read_timeout_s=0.5, retries=0, backoff_s=0.01, max_backoff_s=0.2)
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def count(db: Database, model: type, *where: object) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def seed(db: Database, traccar: FakeTraccar, open311: FakeOpen311, now: datetime) -> list[int]:
    add_units(db, 4)
    devices = [traccar.add_device(f"T-{i:03d}") for i in range(1, 5)]
    for k, device in enumerate(devices):
        traccar.report(device, now - timedelta(seconds=30), 24.80 + k / 100, 113.60, speed_knots=12)
    open311.add_request(now - timedelta(hours=2), service_code="001")
    open311.add_request(now - timedelta(hours=1), service_code="002", description="夜间施工噪音扰民")
    return devices


def feeds_config(traccar_url: str, open311_url: str) -> FeedsConfig:
    return FeedsConfig(
        traccar=TraccarConfig(
            url=traccar_url, user=USER, password=Secret(PASSWORD), auth="session", interval_s=0.05, http=FAST
        ),
        open311=(Open311Config(name="city311", url=open311_url, interval_s=0.05, categories={}, http=FAST),),
    )


def test_runner_moves_units_and_fills_the_queue(
    db: Database, traccar: tuple[FakeTraccar, FakeServer], open311: tuple[FakeOpen311, FakeServer]
) -> None:
    (gps, gps_server), (o311, o311_server) = traccar, open311
    now = datetime.now(UTC).replace(microsecond=0)
    devices = seed(db, gps, o311, now)
    second_console = ChangeFeed(db)  # another workstation following the change feed
    runner = FeedRunner(db, feeds_config(gps_server.url, o311_server.url))
    runner.start()
    try:
        wait_for(lambda: count(db, Position) >= 4 and count(db, Case) >= 2)
        # Units move on: the next fixes arrive while the runner keeps polling; a session expiry is survived.
        gps.expire_sessions()
        for k, device in enumerate(devices):
            gps.report(device, now, 24.90 + k / 100, 113.70, speed_knots=0)
        o311.add_request(now - timedelta(minutes=5), service_code="003", description="小区门口流浪狗")
        wait_for(lambda: count(db, Position) >= 8 and count(db, Case) >= 3)
        assert runner.running
    finally:
        runner.close()
    assert not runner.running
    with db.session() as s:
        units = s.scalars(select(Unit).order_by(Unit.id)).all()
        cases = s.scalars(select(Case).order_by(Case.id)).all()
    assert all(u.fix_at == now for u in units)
    assert [round(u.lat or 0, 2) for u in units] == [24.90, 24.91, 24.92, 24.93]
    assert len(cases) == 3 and all(c.channel == Channel.ONLINE and c.status == CaseStatus.RECEIVED for c in cases)
    events = second_console.poll()
    moved = [e for e in events if e.kind == EventKind.UNIT_MOVED]
    assert moved and {uid for e in moved for uid in e.payload["unit_ids"]} == {u.id for u in units}
    assert len(moved) < count(db, Position)  # one event per batch, not per fix
    received = {e.case_id for e in events if e.kind == EventKind.CASE_RECEIVED}
    assert received == {c.id for c in cases}
    assert {h.source: h.state for h in feed_health(db)} == {"traccar": HealthState.OK, "city311": HealthState.OK}
    assert count(db, Case) == 3  # re-polls never duplicated a request


def test_runner_survives_an_outage_and_recovers(
    db: Database, traccar: tuple[FakeTraccar, FakeServer], open311: tuple[FakeOpen311, FakeServer]
) -> None:
    (gps, gps_server), (o311, o311_server) = traccar, open311
    now = datetime.now(UTC).replace(microsecond=0)
    seed(db, gps, o311, now)
    gps_server.stop()
    o311_server.queue(*(["garbage"] * 3))
    runner = FeedRunner(db, feeds_config(gps_server.url, o311_server.url))
    runner.start()
    try:
        wait_for(lambda: count(db, FeedHealth, FeedHealth.state == "down") == 1)
        wait_for(lambda: count(db, Case) == 2)  # Open311 got over its garbage answers
        assert count(db, Position) == 0 and runner.running
        gps_server.restart()
        wait_for(lambda: count(db, Position) == 4)
        wait_for(lambda: count(db, FeedHealth, FeedHealth.state == "ok") == 2)
    finally:
        runner.close()


def write_config(tmp_path: Path, db_url: str, gps_url: str, o311_url: str) -> Path:
    path = tmp_path / "console.toml"
    path.write_text(
        f"""
[database]
url = "{db_url}"

[feeds.traccar]
url = "{gps_url}"
token = "{TOKEN}"
interval_s = 0.1
read_timeout_s = 0.5
retries = 0

[[feeds.open311]]
name = "city311"
url = "{o311_url}/open311/v2"
interval_s = 0.1
read_timeout_s = 0.5
retries = 0
[feeds.open311.categories]
"001" = "livelihood"
""",
        encoding="utf-8",
    )
    return path


def test_feeds_once_command(
    sqlite_db: Database,
    tmp_path: Path,
    traccar: tuple[FakeTraccar, FakeServer],
    open311: tuple[FakeOpen311, FakeServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (gps, gps_server), (o311, o311_server) = traccar, open311
    seed(sqlite_db, gps, o311, datetime.now(UTC))
    config = write_config(tmp_path, sqlite_db.url, gps_server.url, o311_server.url)
    assert main(["--config", str(config), "feeds", "--once"]) == 0
    out = capsys.readouterr()
    result = json.loads(out.out)
    assert [s["source"] for s in result["sources"]] == ["traccar", "city311"]
    assert result["sources"][0]["accepted"] == 4 and result["sources"][1]["created"] == 2
    assert TOKEN not in out.out + out.err
    gps_server.stop()
    assert main(["--config", str(config), "feeds", "--once"]) == 1
    out = capsys.readouterr()
    traccar_result = json.loads(out.out)["sources"][0]
    assert traccar_result["ok"] is False and traccar_result["state"] == "degraded"
    assert TOKEN not in out.out + out.err


def test_feeds_command_config_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONSOLE_CONFIG", raising=False)
    monkeypatch.setenv("CONSOLE_CONFIG_DIR", str(tmp_path / "nothing"))
    assert main(["feeds", "--once"]) == 2
    assert '"field": "config"' in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[feeds.traccar]\nurl = "http://x"\n', encoding="utf-8")
    monkeypatch.setenv("CONSOLE_CONFIG", str(bad))
    assert main(["feeds", "--once"]) == 2
    assert '"field": "feeds.traccar.token"' in capsys.readouterr().err


def test_feeds_command_stops_cleanly_on_sigterm(
    sqlite_db: Database,
    tmp_path: Path,
    traccar: tuple[FakeTraccar, FakeServer],
    open311: tuple[FakeOpen311, FakeServer],
) -> None:
    (gps, gps_server), (o311, o311_server) = traccar, open311
    seed(sqlite_db, gps, o311, datetime.now(UTC))
    config = write_config(tmp_path, sqlite_db.url, gps_server.url, o311_server.url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from console.cli.main import main; sys.exit(main())",
            "--config",
            str(config),
            "feeds",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        wait_for(lambda: count(sqlite_db, Case) == 2 and count(sqlite_db, Position) == 4)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "feeds stopped" in err and TOKEN not in out + err
    health = {h["source"]: h["state"] for h in json.loads(out)["health"]}
    assert health == {"traccar": "ok", "city311": "ok"}


class FlakySource:
    """A source whose every other poll raises an unexpected exception (a bug, a database error)."""

    name = "flaky"
    interval_s = 0.01
    http = HttpSettings(max_backoff_s=0.02)

    def __init__(self) -> None:
        self.polls = 0

    def poll(self, db: Database) -> None:
        self.polls += 1
        if self.polls % 2:
            raise RuntimeError("boom with token tok-5f1c2a9e7b")

    def close(self) -> None:
        pass


def test_runner_start_stop_are_thread_safe_and_errors_never_escape(sqlite_db: Database) -> None:
    Secret(TOKEN)  # configured somewhere, so known as a secret
    source = FlakySource()
    seen: list[bool] = []
    runner = FeedRunner(sqlite_db, sources=[source], on_poll=lambda o: seen.append(o.ok))
    starters = [threading.Thread(target=runner.start) for _ in range(4)]
    for t in starters:
        t.start()
    for t in starters:
        t.join()
    wait_for(lambda: len(seen) >= 6)
    assert runner.running and len([t for t in threading.enumerate() if t.name == "feed-flaky"]) == 1
    stoppers = [threading.Thread(target=runner.stop) for _ in range(3)]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
    assert not runner.running
    assert True in seen and False in seen
    [health] = feed_health(sqlite_db)
    assert health.source == "flaky" and (health.last_error is None or TOKEN not in health.last_error)
    runner.start()  # a stopped runner can start again
    wait_for(lambda: len(seen) >= 10)
    runner.close()
    assert not runner.running
