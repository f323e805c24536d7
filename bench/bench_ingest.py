"""GPS ingest benchmark (DESIGN.md §5: ≥ 5,000 positions/s sustained), on SQLite and PostgreSQL.

    python bench/bench_ingest.py [--units 5000] [--rounds 20] [--naive 2000] [--pg URL] [--sqlite-only]

The batched way is `console.services.positions.ingest_positions`: every unit reports once per round (a Traccar
poll of 5,000 devices), fixes named by tracker id, one transaction and one `unit_moved` event per round. The naive
way, measured in the same run on the same database: one ORM object and one commit per fix (look the unit up, set
its last fix, add a Position, add an event, commit). Prints one JSON document with both rates and their ratio.
A fresh database is made for each backend (a temporary SQLite file; a throw-away PostgreSQL database).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BOX, emit, progress, summary_ms
from console.db import Database, upgrade_to_head, write_transaction
from console.db.engine import normalise_url
from console.enums import EventKind, UnitKind
from console.events import record_event
from console.models import Position, Unit
from console.services.positions import Fix, ingest_positions

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def seed_units(db: Database, n: int) -> list[str]:
    def work(s: Any) -> None:
        s.add_all(
            Unit(callsign=f"B-{i:05d}", kind=UnitKind.PATROL_CAR, tracker_id=f"TRK-{i:05d}", capabilities=[])
            for i in range(n)
        )

    write_transaction(db.sessions, work)
    return [f"TRK-{i:05d}" for i in range(n)]


def batched(db: Database, trackers: list[str], rounds: int) -> dict[str, Any]:
    min_lat, min_lon, max_lat, max_lon = BOX
    samples: list[float] = []
    total = 0
    start = time.perf_counter()
    for r in range(rounds):
        at = T0 + timedelta(seconds=5 * (r + 1))
        fixes = [
            Fix(
                fix_at=at,
                lat=min_lat + (max_lat - min_lat) * ((i * 7 + r) % 1000) / 1000,
                lon=min_lon + (max_lon - min_lon) * ((i * 13 + r) % 1000) / 1000,
                tracker_id=tracker,
                speed_kmh=float((i + r) % 60),
                course=float((i * 3 + r) % 360),
            )
            for i, tracker in enumerate(trackers)
        ]
        t = time.perf_counter()
        report = ingest_positions(db, fixes, source="bench", now=at + timedelta(seconds=1))
        samples.append(time.perf_counter() - t)
        assert report.accepted == len(fixes), report.as_dict()
        total += report.accepted
    elapsed = time.perf_counter() - start  # includes building the fixes, as a feed would
    return {
        "positions": total,
        "seconds": round(elapsed, 3),
        "positions_per_s": round(total / elapsed),
        "batch_of": len(trackers),
        "batch": summary_ms(samples),
    }


def naive(db: Database, trackers: list[str], n: int) -> dict[str, Any]:
    """One ORM object and one commit per fix."""
    min_lat, min_lon = BOX[0], BOX[1]
    start = time.perf_counter()
    at0 = T0 + timedelta(days=1)
    for k in range(n):
        tracker = trackers[k % len(trackers)]
        at = at0 + timedelta(seconds=k)
        with db.sessions() as s:
            unit = s.scalars(select(Unit).where(Unit.tracker_id == tracker)).one()
            if unit.fix_at is None or unit.fix_at < at:
                unit.lat, unit.lon, unit.fix_at = min_lat + k * 1e-6, min_lon + k * 1e-6, at
                unit.speed_kmh, unit.course = 30.0, 90.0
                s.add(
                    Position(
                        unit_id=unit.id,
                        fix_at=at,
                        lat=unit.lat,
                        lon=unit.lon,
                        speed_kmh=30.0,
                        course=90.0,
                        source="naive",
                    )
                )
                record_event(
                    s,
                    EventKind.UNIT_MOVED,
                    actor="bench",
                    unit_id=unit.id,
                    payload={"unit_ids": [unit.id], "source": "naive"},
                )
            s.commit()
    elapsed = time.perf_counter() - start
    return {"positions": n, "seconds": round(elapsed, 3), "positions_per_s": round(n / elapsed)}


def run_backend(db: Database, units: int, rounds: int, naive_n: int) -> dict[str, Any]:
    trackers = seed_units(db, units)
    progress(f"{db.engine.dialect.name}: batched {rounds} x {units} ...")
    fast = batched(db, trackers, rounds)
    progress(f"{db.engine.dialect.name}: naive {naive_n} ...")
    slow = naive(db, trackers, naive_n)
    with db.session() as s:
        stored = int(s.scalar(select(func.count(Position.id))) or 0)
    assert stored == fast["positions"] + slow["positions"]
    return {
        "batched": fast,
        "naive": slow,
        "ratio": round(fast["positions_per_s"] / slow["positions_per_s"], 1),
        "budget_positions_per_s": 5000,
        "within_budget": fast["positions_per_s"] >= 5000,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--naive", type=int, default=2000)
    ap.add_argument("--pg", default=os.environ.get("CONSOLE_TEST_PG_URL"))
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    report: dict[str, Any] = {"units": args.units, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'ingest.sqlite3'}")
        upgrade_to_head(db.engine)
        report["sqlite"] = run_backend(db, args.units, args.rounds, args.naive)
        db.dispose()
    if args.pg and not args.sqlite_only:
        admin = create_engine(normalise_url(args.pg), isolation_level="AUTOCOMMIT")
        name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(normalise_url(args.pg)).set(database=name).render_as_string(hide_password=False)
            db = Database(url)
            upgrade_to_head(db.engine)
            report["postgresql"] = run_backend(db, args.units, args.rounds, args.naive)
            db.dispose()
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    emit(report)


if __name__ == "__main__":
    main()
