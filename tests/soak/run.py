"""The soak: an 8-hour shift at high speed against a real PostgreSQL server, with one database restart and one console
killed, then the crash check.

    python -m tests.soak.run            # the full soak: simulate ×60 for 8 minutes (an 8-hour shift)
    python -m tests.soak.run --short    # CI's short form: simulate ×480 for 1 minute (the same shift, compressed)
    python -m tests.soak.run --speed 120 --seconds 240 --report soak.json

What runs, each as its own process, all on one throw-away PostgreSQL server on a loopback port (`tests/pgcluster.py`):

- two consoles: the real database worker under a Qt event loop (`tests/history/console_driver.py`), each taking in
  an appeal and dispatching the nearest unit every `--every` seconds and following the change feed;
- `dispatch-console feeds` against the fake Traccar and Open311 servers of the feed tests (run here in threads,
  devices moving and citizens filing requests all the while);
- `dispatch-console simulate --auto-dispatch` at `--speed` for `--seconds`.

At 35% of the run the database server is restarted (`pg_ctl restart`); at 60% console B is killed with SIGKILL and
started again. Memory: each process's RSS is sampled every second; start (after a warm-up of a quarter of the
process's life), middle and end are reported, and growth from the middle to the end beyond 25% (and 30 MB) fails
the soak. At the end: every
process exited cleanly (simulate by its duration, feeds by SIGTERM, consoles by their time), no traceback on any
standard error, no unexpected error in the consoles' logs, every dispatch a console was told was stored is stored,
and `console.invariants.check_invariants` finds nothing. Prints one JSON report; exit 0 when every check holds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from console.db import Database, upgrade_to_head, write_transaction
from console.enums import UnitKind, UnitStatus
from console.invariants import check_invariants
from console.models import Case, Dispatch, Event, ExternalRef, Position, Unit
from tests.feeds.fake_open311 import FakeOpen311
from tests.feeds.fake_traccar import FakeTraccar
from tests.feeds.fakeserver import FakeServer
from tests.pgcluster import Server, Servers

ROOT = Path(__file__).resolve().parents[2]

TOKEN = "soak-token-3b9f"
GPS_UNITS = 40
SHIFT_S = 8 * 3600


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[str]
    err_path: Path
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since soak start, MB)

    def sample(self, t: float) -> None:
        mb = rss_mb(self.popen.pid) if self.popen.poll() is None else None
        if mb is not None:
            self.samples.append((t, mb))

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")


def start(name: str, args: list[str], workdir: Path, env: dict[str, str]) -> Proc:
    err = workdir / f"{name}.err"
    popen = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=(workdir / f"{name}.out").open("w"),
        stderr=err.open("w"),
        text=True,
    )
    return Proc(name, popen, err)


def prepare(url: str) -> None:
    """Schema, the demo county (one day of history) and GPS-tracked units the simulator leaves alone (off duty)."""
    from argon2 import PasswordHasher

    from console.demo import build_demo
    from console.services import users

    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    db = Database(url)
    upgrade_to_head(db.engine)
    build_demo(db, days=1, per_day=30)

    def gps_units(s: Any) -> None:
        s.add_all(
            Unit(
                callsign=f"GPS-{i:02d}",
                kind=UnitKind.PATROL_CAR,
                tracker_id=f"SOAK-{i:02d}",
                capabilities=[],
                status=UnitStatus.OFF_DUTY,
            )
            for i in range(GPS_UNITS)
        )

    write_transaction(db.sessions, gps_units)
    db.dispose()


def outside_world(stop: threading.Event) -> tuple[FakeServer, FakeServer, dict[str, int]]:
    """The fake GPS server's devices move and report every second; citizens file a request every few seconds."""
    gps = FakeTraccar(tokens={TOKEN})
    o311 = FakeOpen311()
    gps_server = FakeServer(gps, slow_s=0.6).start()
    o311_server = FakeServer(o311, slow_s=0.6).start()
    devices = [gps.add_device(f"SOAK-{i:02d}") for i in range(GPS_UNITS)]
    counts = {"gps_reports": 0, "open311_requests": 0}
    rng = random.Random(5)

    def run() -> None:
        tick = 0
        while not stop.wait(1.0):
            now = datetime.now(UTC)
            for n, device in enumerate(devices):
                gps.report(device, now, 24.80 + n * 0.001 + tick * 1e-5, 113.60 + tick * 1e-5, speed_knots=12.0)
                counts["gps_reports"] += 1
            if tick % 4 == 0:
                o311.add_request(now - timedelta(seconds=1), service_code=rng.choice(["001", "002", "003"]))
                counts["open311_requests"] += 1
            # The fake servers keep every request they served; the soak is about the console's memory, not theirs.
            gps_server.log.clear()
            o311_server.log.clear()
            tick += 1

    threading.Thread(target=run, name="outside-world", daemon=True).start()
    return gps_server, o311_server, counts


def feeds_config(workdir: Path, url: str, gps_url: str, o311_url: str) -> Path:
    path = workdir / "console.toml"
    path.write_text(
        f"""[database]
url = "{url}"

[feeds.traccar]
url = "{gps_url}"
token = "{TOKEN}"
interval_s = 2

[[feeds.open311]]
name = "city311"
url = "{o311_url}/open311/v2"
interval_s = 3
window_h = 1
[feeds.open311.categories]
"001" = "livelihood"
"002" = "public_order"
""",
        encoding="utf-8",
    )
    return path


def memory(proc: Proc, seconds: float) -> dict[str, Any]:
    """RSS after the warm-up (a quarter of the process's life), in its middle and at its end. Judged flat when the
    end is within 25% (or 30 MB) of the middle; a process that lived less than half the soak (the console started
    again after the kill) is reported, not judged."""
    if not proc.samples:
        return {"start_mb": None, "middle_mb": None, "end_mb": None, "flat": False, "judged": True}
    first, last = proc.samples[0][0], proc.samples[-1][0]
    life = last - first
    warm = [s for s in proc.samples if s[0] >= first + 0.25 * life] or proc.samples
    middle = min(warm, key=lambda s: abs(s[0] - (first + 0.5 * life)))[1]
    end = warm[-1][1]
    judged = life >= 0.5 * seconds
    flat = end <= max(middle * 1.25, middle + 30) or not judged
    return {"start_mb": warm[0][1], "middle_mb": middle, "end_mb": end, "flat": flat, "judged": judged}


@dataclass
class Run:
    """The soak's moving parts."""

    args: argparse.Namespace
    workdir: Path
    server: Server
    url: str
    env: dict[str, str]
    procs: dict[str, Proc] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    t0: float = 0.0

    def console(self, name: str, seconds: float, seed: int) -> Proc:
        return start(
            name,
            [
                "-m",
                "tests.history.console_driver",
                "--db",
                self.url,
                "--every",
                str(self.args.every),
                "--seconds",
                str(seconds),
                "--seed",
                str(seed),
                "--report",
                str(self.workdir / f"{name}.json"),
            ],
            self.workdir,
            self.env,
        )

    def start_all(self, config: Path) -> None:
        cli = ["-m", "console.cli.main", "--db", self.url]
        args = self.args
        self.t0 = time.monotonic()
        self.procs["feeds"] = start("feeds", [*cli, "--config", str(config), "feeds"], self.workdir, self.env)
        self.procs["simulate"] = start(
            "simulate",
            [
                *cli,
                "simulate",
                "--speed",
                str(args.speed),
                "--duration",
                str(args.seconds),
                "--tick",
                "0.5",
                "--auto-dispatch",
                "--per-day",
                str(args.per_day),
            ],
            self.workdir,
            self.env,
        )
        self.procs["console_a"] = self.console("console_a", args.seconds, 1)
        self.procs["console_b"] = self.console("console_b", args.seconds, 2)

    def run_to_end(self) -> None:
        """Sample memory every second; restart the database at 35%, kill console B at 60%; until simulate ends."""
        seconds = self.args.seconds
        restarted = killed = False
        while self.procs["simulate"].popen.poll() is None:
            t = time.monotonic() - self.t0
            for proc in self.procs.values():
                proc.sample(t)
            if not restarted and t >= 0.35 * seconds:
                t1 = time.monotonic()
                self.server.restart()
                self.report["database_restart_s"] = round(time.monotonic() - t1, 2)
                restarted = True
            if not killed and t >= 0.60 * seconds:
                victim = self.procs.pop("console_b")
                victim.popen.send_signal(signal.SIGKILL)
                victim.popen.wait()
                self.procs["console_b_killed"] = victim
                self.procs["console_b2"] = self.console("console_b2", max(5.0, seconds - t), 3)
                killed = True
            if t > seconds * 2 + 120:
                raise TimeoutError("simulate did not stop in time")
            time.sleep(1.0)
        self.report["elapsed_s"] = round(time.monotonic() - self.t0, 1)
        for name in ("console_a", "console_b2"):
            self.procs[name].popen.wait(timeout=120)
        self.procs["feeds"].popen.send_signal(signal.SIGTERM)
        self.procs["feeds"].popen.wait(timeout=60)

    def collect(self) -> None:
        report, procs, seconds = self.report, self.procs, self.args.seconds
        report["memory"] = {name: memory(proc, seconds) for name, proc in procs.items() if name != "console_b_killed"}
        report["exit_codes"] = {name: proc.popen.returncode for name, proc in procs.items()}
        report["tracebacks"] = {name: "Traceback" in proc.stderr() for name, proc in procs.items()}
        report["simulate"] = json.loads((self.workdir / "simulate.out").read_text() or "{}")
        logs = {name: json.loads((self.workdir / f"{name}.json").read_text()) for name in ("console_a", "console_b2")}
        report["consoles"] = {
            name: {
                "acknowledged": len(log["acked"]),
                "refused": log["refused"],
                "failed_in_outage": log["failed"],
                "status_changes": log["status"],
                "snapshots": len(log["snapshot_heads"]),
                "events_seen": len(log["event_ids"]),
                "errors": log["errors"],
            }
            for name, log in logs.items()
        }
        db = Database(self.url)
        try:
            with db.session() as s:
                violations = [v.as_dict() for v in check_invariants(s)]
                stored = set(s.execute(select(Dispatch.case_id, Dispatch.id)).tuples())
                report["database"] = {
                    "cases": s.scalar(select(func.count(Case.id))),
                    "dispatches": len(stored),
                    "events": s.scalar(select(func.count(Event.id))),
                    "positions": s.scalar(select(func.count(Position.id))),
                    "gps_positions": s.scalar(select(func.count(Position.id)).where(Position.source == "traccar")),
                    "open311_cases": s.scalar(select(func.count(ExternalRef.id))),
                }
        finally:
            db.dispose()
        lost = [tuple(a) for log in logs.values() for a in log["acked"] if tuple(a) not in stored]
        report["violations"] = violations
        report["checks"] = checks = {
            "exits_clean": report["exit_codes"]
            == {"feeds": 0, "simulate": 0, "console_a": 0, "console_b2": 0, "console_b_killed": -signal.SIGKILL},
            "no_traceback": not any(report["tracebacks"].values()),
            "no_unhandled_error": all(not c["errors"] for c in report["consoles"].values()),
            "no_acknowledged_dispatch_lost": not lost,
            "database_restart_seen": False in logs["console_a"]["status"] and logs["console_a"]["status"][-1] is True,
            "memory_flat": all(m["flat"] for m in report["memory"].values()),
            "invariants": not violations,
            "feeds_stored": bool(report["database"]["gps_positions"]) and bool(report["database"]["open311_cases"]),
        }
        report["ok"] = all(checks.values())


def soak(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="console-soak-"))
    servers = Servers()
    stop_world = threading.Event()
    run: Run | None = None
    try:
        server = servers.primary(fsync="off")
        server.sql("CREATE DATABASE county")
        url = server.url("county")
        prepare(url)
        gps_server, o311_server, world = outside_world(stop_world)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
        run = Run(args, workdir, server, url, env)
        run.report.update(
            {"speed": args.speed, "seconds": args.seconds, "shift_hours": round(args.speed * args.seconds / 3600, 2)}
        )
        run.start_all(feeds_config(workdir, url, gps_server.url, o311_server.url))
        run.run_to_end()
        stop_world.set()
        gps_server.stop()
        o311_server.stop()
        run.report["outside_world"] = world
        run.collect()
        return run.report
    finally:
        stop_world.set()
        for proc in run.procs.values() if run else ():
            if proc.popen.poll() is None:
                proc.popen.kill()
                proc.popen.wait()
        servers.close()
        if args.keep:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="the soak: an 8-hour shift at high speed, a database restart, a kill")
    ap.add_argument("--short", action="store_true", help="CI's short form (×480 for 60 s)")
    ap.add_argument("--speed", type=float, help="simulation speed (default 60, short 480)")
    ap.add_argument("--seconds", type=float, help="wall seconds (default: an 8-hour shift at --speed)")
    ap.add_argument("--per-day", type=float, default=300.0, help="appeals per simulated day")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between a console's intake+dispatch")
    ap.add_argument("--report", type=Path, help="also write the JSON report here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs of every process)")
    args = ap.parse_args(argv)
    args.speed = args.speed or (480.0 if args.short else 60.0)
    args.seconds = args.seconds or SHIFT_S / args.speed
    report = soak(args)
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
