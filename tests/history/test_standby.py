"""A primary and a streaming-replication hot standby on loopback ports; two consoles' database workers and
`simulate` connect with one multi-host URL. In the middle of the run the primary dies and the standby is promoted:
the workers say the database is gone and back, carry on, lose no acknowledged dispatch, and their change feeds
resume without a gap. Before that, a wall's read URL lands on the standby and sees every acknowledged write
(`synchronous_commit = remote_apply`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from console.db import Database, upgrade_to_head
from console.demo import build_demo
from console.invariants import check_invariants
from console.models import Case, Dispatch, Event
from console.services import users
from tests.pgcluster import Servers, pg_bin

from .console_driver import ConsoleDriver, places_of

pytestmark = [
    pytest.mark.standby,
    pytest.mark.ui,
    pytest.mark.skipif(pg_bin() is None, reason="needs the PostgreSQL server programs (initdb, pg_basebackup)"),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pair() -> Iterator[tuple[Servers, Any, Any]]:
    servers = Servers()
    try:
        primary = servers.primary(synchronous_commit="remote_apply")
        primary.sql("CREATE DATABASE county")
        standby = servers.standby_of(primary)
        servers.wait_streaming(primary, "async")
        # Only now that a standby is there: every commit waits until the standby has applied it.
        primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.sql("SELECT pg_reload_conf()")
        servers.wait_streaming(primary, "sync")
        yield servers, primary, standby
    finally:
        servers.close()


@pytest.mark.timeout(240)
def test_promotion_in_the_middle_of_simulate(
    pair: tuple[Servers, Any, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    _servers, primary, standby = pair
    url = f"postgresql://postgres@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/county?target_session_attrs=read-write"
    read_url = url.replace("read-write", "prefer-standby")
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    db = Database(url)
    upgrade_to_head(db.engine)
    build_demo(db, days=1, per_day=20)
    places = places_of(db)
    timings["setup_s"] = time.monotonic() - t0

    # The wall reads from the standby and sees what the primary acknowledged.
    wall = Database(read_url)
    with wall.session() as s:
        assert s.scalar(text("SELECT pg_is_in_recovery()")) is True
        assert s.scalar(select(func.count(Case.id))) == _count(db, Case)
    wall.dispose()

    drivers = [ConsoleDriver(url, places, every_s=0.3, seed=n) for n in (1, 2)]
    for d in drivers:
        d.start()
    simulate = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console.cli.main",
            "--db",
            url,
            "simulate",
            "--speed",
            "60",
            "--duration",
            "24",
            "--tick",
            "0.5",
            "--auto-dispatch",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: all(len(d.log.acked) >= 5 for d in drivers), timeout=30_000)
        qtbot.waitUntil(lambda: _simulated(db) >= 3, timeout=30_000)  # simulate is under way too
        before = [len(d.log.acked) for d in drivers]

        # The primary dies (no clean shutdown) and the standby is promoted.
        t_fail = time.monotonic()
        primary.stop("immediate")
        qtbot.waitUntil(lambda: all(False in d.log.status for d in drivers), timeout=10_000)
        standby.promote()
        timings["promote_s"] = time.monotonic() - t_fail
        qtbot.waitUntil(lambda: all(d.log.status[-1:] == [True] for d in drivers), timeout=30_000)
        timings["gap_s"] = time.monotonic() - t_fail
        qtbot.waitUntil(
            lambda: all(len(d.log.acked) >= b + 5 for d, b in zip(drivers, before, strict=True)), timeout=30_000
        )
        out, err = simulate.communicate(timeout=60)
    finally:
        if simulate.poll() is None:
            simulate.kill()
            simulate.wait()
    assert simulate.returncode == 0, err
    assert "Traceback" not in err
    new = Database(f"postgresql://postgres@127.0.0.1:{standby.port}/county")
    try:
        with new.session() as s:
            committed = set(s.scalars(select(Event.id)))

        # The feed resumed without a gap: every event after a console's first snapshot reaches it.
        def missing() -> list[set[int]]:
            return [{i for i in committed if i > d.log.snapshot_heads[0]} - d.log.event_ids for d in drivers]

        deadline = time.monotonic() + 15
        while any(missing()) and time.monotonic() < deadline:
            qtbot.wait(100)
        lost = set().union(*missing())
        if lost:
            with new.session() as s:
                rows = s.execute(select(Event.id, Event.kind, Event.actor, Event.ts).where(Event.id.in_(lost))).all()
            pytest.fail(f"events never delivered: {missing()} {rows} {[d.log.status for d in drivers]}")
    finally:
        for d in drivers:
            d.stop()

    try:
        with new.session() as s:
            stored = set(s.execute(select(Dispatch.case_id, Dispatch.id)).tuples())
            assert check_invariants(s) == []
        for d in drivers:
            assert d.log.errors == []
            assert False in d.log.status and d.log.status[-1] is True
            # No acknowledged dispatch lost.
            assert set(d.log.acked) <= stored, set(d.log.acked) - stored
            assert len(d.log.snapshot_heads) == 1  # carried on from its last event, no reload
        timings["total_s"] = time.monotonic() - t0
        acked = sum(len(d.log.acked) for d in drivers)
        print(f"\nstandby promotion: {timings} acknowledged dispatches {acked}, simulate {out.strip()[-200:]}")
    finally:
        new.dispose()
        db.dispose()


def _simulated(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Event.id)).where(Event.actor == "simulator")) or 0)


def _count(db: Database, model: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(model.id))) or 0)
