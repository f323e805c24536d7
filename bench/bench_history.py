"""History that stays fast (DESIGN.md §5): one unit's track for a shift ≤ 50 ms p95 with 50,000,000 fixes stored, and
GPS ingest still ≥ 5,000 positions/s on top of them.

    python bench/bench_history.py --pg URL [--fixes 50000000] [--units 300] [--shifts 40] [--keep] [--prune]
    python bench/bench_history.py --db URL_OR_FILE ...      # an existing bench database (topped up to --fixes)
    python bench/bench_history.py [--fixes N]               # SQLite, a temporary file

The history is laid out as a center's database is after running for weeks: 300 units reporting every 10 s
(2,592,000 fixes a day), one day partition per day on PostgreSQL (`console/db/partitions.py`), seeded on the server
(`generate_series` / a recursive CTE). Measured in the same run on the same data:

- track: `console.services.tracks.unit_track` for a random unit and a random 8-hour shift; the naive way reads the
  unit's whole history and cuts the shift out in Python;
- ingest: `console.services.positions.ingest_positions`, one batch per round of every unit (a GPS poll); the naive
  way is one transaction per fix (look the unit up, set its last fix, add the position and an event, commit);
- with `--prune` (destructive, at the end): `prune_positions` dropping the oldest day against one DELETE of the
  next day's rows.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import seed_units
from bench.common import BOX, emit, progress, summary_ms
from console.db import Database, upgrade_to_head
from console.db.engine import normalise_url
from console.db.partitions import POSITIONS, create_layout, floor, list_partitions
from console.enums import EventKind
from console.events import record_event
from console.models import Position, Unit
from console.services.actor import SYSTEM
from console.services.positions import Fix, ingest_positions
from console.services.retention import prune_positions
from console.services.tracks import unit_track
from ui.gc_tuning import freeze_long_lived

EVERY_S = 10
PER_UNIT_DAY = 86_400 // EVERY_S
SHIFT = timedelta(hours=8)
TRACK_BUDGET_MS = 50.0
INGEST_BUDGET = 5000


def stored(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM positions")).scalar() or 0)


def plan_days(fixes: int, units: int, now: datetime) -> list[datetime]:
    days = math.ceil(fixes / (units * PER_UNIT_DAY))
    today = floor(now, "day")
    return [today - timedelta(days=days - d) for d in range(days)]


def day_seeded(db: Database, unit_id: int, day: datetime) -> bool:
    """The day's fixes are there (one unit's, by the (unit_id, fix_at) index; a pruned day is seeded again)."""
    with db.session() as s:
        query = select(Position.id).where(
            Position.unit_id == unit_id,
            Position.fix_at >= day,
            Position.fix_at < day + timedelta(days=1),
            Position.source == "bench",
        )
        return s.scalar(query.limit(1)) is not None


def seed(db: Database, fixes: int, units: int, now: datetime) -> tuple[list[int], list[datetime]]:
    with db.session() as s:
        unit_ids = list(s.scalars(select(Unit.id).order_by(Unit.id)))
    if not unit_ids:
        seed_units(db, units)
        with db.session() as s:
            unit_ids = list(s.scalars(select(Unit.id).order_by(Unit.id)))
    days = plan_days(fixes, len(unit_ids), now)
    have = stored(db)
    if db.is_postgres and have == 0:
        with db.engine.begin() as conn:  # the day partitions a database running since the first day has
            for part in list_partitions(conn, "positions"):
                conn.execute(text(f"DROP TABLE {part.name}"))
            create_layout(conn, POSITIONS, first=days[0], now=now)
    per_day = len(unit_ids) * PER_UNIT_DAY
    lo, hi = min(unit_ids), max(unit_ids)
    for day in days:
        if day_seeded(db, lo, day):
            continue
        started = time.perf_counter()
        with db.engine.begin() as conn:
            if db.is_postgres:
                conn.execute(
                    text(
                        "INSERT INTO positions (unit_id, fix_at, lat, lon, speed_kmh, course, source)"
                        " SELECT u, CAST(:day AS timestamptz) + make_interval(secs => s * CAST(:every AS integer) + u % CAST(:every AS integer)),"
                        " :lat + (u * 37 + s) % 1000 * 0.0002, :lon + (u * 53 + s) % 1000 * 0.0003, 30, 90, 'bench'"
                        " FROM generate_series(0, CAST(:steps AS integer) - 1) AS s, generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS u"
                    ),
                    {
                        "day": day,
                        "every": EVERY_S,
                        "steps": PER_UNIT_DAY,
                        "lo": lo,
                        "hi": hi,
                        "lat": BOX[0],
                        "lon": BOX[1],
                    },
                )
            else:
                conn.execute(
                    text(
                        "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < :steps - 1),"
                        " u(id) AS (SELECT id FROM units)"
                        " INSERT INTO positions (unit_id, fix_at, lat, lon, speed_kmh, course, source)"
                        " SELECT u.id, strftime('%Y-%m-%d %H:%M:%f', :day, '+' || (s.i * :every + u.id % :every) || ' seconds'),"
                        " :lat + (u.id * 37 + s.i) % 1000 * 0.0002, :lon + (u.id * 53 + s.i) % 1000 * 0.0003, 30, 90, 'bench'"
                        " FROM s, u"
                    ),
                    {
                        "day": day.replace(tzinfo=None).isoformat(sep=" "),
                        "every": EVERY_S,
                        "steps": PER_UNIT_DAY,
                        "lat": BOX[0],
                        "lon": BOX[1],
                    },
                )
        progress(f"seeded {day:%Y-%m-%d}: {per_day} fixes in {time.perf_counter() - started:.0f} s")
    last = days[-1] + timedelta(days=1) - timedelta(seconds=1)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE units SET fix_at = :t"), {"t": last if db.is_postgres else last.replace(tzinfo=None)})
    # What autovacuum does to past days' partitions on its own (insert-triggered since PostgreSQL 13): statistics,
    # and the visibility map that lets a track be read from the index alone.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE positions" if db.is_postgres else "ANALYZE positions"))
    return unit_ids, days


def track(db: Database, unit_ids: list[int], days: list[datetime], shifts: int, rng: random.Random) -> dict[str, Any]:
    """Wall time of each read, and beside it what the read itself cost (this process's CPU time, and the server's
    execution time of the same query from EXPLAIN ANALYZE on PostgreSQL): on a shared machine the wall time's tail
    is mostly waiting for a core."""
    span = (days[-1] + timedelta(days=1) - SHIFT - days[0]).total_seconds()
    samples: list[float] = []
    cpu: list[float] = []
    server: list[float] = []
    points: list[int] = []
    for _ in range(shifts):
        unit = rng.choice(unit_ids)
        start = days[0] + timedelta(seconds=rng.uniform(0, span))
        with db.session() as s:
            c, t = time.process_time(), time.perf_counter()
            got = unit_track(s, unit_id=unit, start=start, end=start + SHIFT)
            samples.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            if db.is_postgres:
                plan = s.execute(
                    text(
                        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT fix_at, lat, lon, speed_kmh, course FROM positions"
                        " WHERE unit_id = :u AND fix_at >= :a AND fix_at < :b ORDER BY fix_at"
                    ),
                    {"u": unit, "a": start, "b": start + SHIFT},
                ).scalar()
                server.append(float(plan[0]["Execution Time"]) / 1000)
        points.append(len(got))
    out = {**summary_ms(samples), "points_per_track": round(sum(points) / len(points))}
    out["client_cpu_ms"] = {k: v for k, v in summary_ms(cpu).items() if k in ("p50_ms", "p95_ms")}
    if server:
        out["server_execution_ms"] = {k: v for k, v in summary_ms(server).items() if k in ("p50_ms", "p95_ms")}
    return out


def naive_track(db: Database, unit_ids: list[int], days: list[datetime], n: int, rng: random.Random) -> dict[str, Any]:
    """The unit's whole history read, the shift cut out in Python."""
    samples: list[float] = []
    for _ in range(n):
        unit = rng.choice(unit_ids)
        start = days[0] + timedelta(days=rng.uniform(0, len(days) - 1))
        with db.session() as s:
            t = time.perf_counter()
            rows = s.execute(
                select(Position.fix_at, Position.lat, Position.lon, Position.speed_kmh, Position.course).where(
                    Position.unit_id == unit
                )
            ).all()
            shift = sorted((r for r in rows if start <= r.fix_at < start + SHIFT), key=lambda r: r.fix_at)
            samples.append(time.perf_counter() - t)
        assert shift
    return summary_ms(samples)


def ingest(db: Database, unit_ids: list[int], today: datetime, rounds: int, per_round: int) -> dict[str, Any]:
    """Each round is one GPS poll: the last `per_round` fixes (10 s apart) of every unit."""
    samples: list[float] = []
    for r in range(rounds):
        base = today + timedelta(seconds=EVERY_S * per_round * r)
        fixes = [
            Fix(
                fix_at=base + timedelta(seconds=EVERY_S * (k + 1)),
                lat=BOX[0] + k * 1e-5,
                lon=BOX[1] + u * 1e-6,
                unit_id=u,
                speed_kmh=30.0,
            )
            for u in unit_ids
            for k in range(per_round)
        ]
        t = time.perf_counter()
        report = ingest_positions(db, fixes, source="bench", now=base + timedelta(seconds=EVERY_S * per_round))
        samples.append(time.perf_counter() - t)
        assert report.accepted == len(fixes), report.as_dict()
    total = rounds * per_round * len(unit_ids)
    return {
        "positions": total,
        "batch": per_round * len(unit_ids),
        **summary_ms(samples),
        "positions_per_s": round(total / sum(samples)),
    }


def naive_ingest(db: Database, unit_ids: list[int], after: datetime, n: int) -> dict[str, Any]:
    """One transaction per fix, through the ORM."""
    started = time.perf_counter()
    for k in range(n):
        at = after + timedelta(seconds=1 + k)
        uid = unit_ids[k % len(unit_ids)]
        with db.sessions() as s:
            unit = s.get(Unit, uid)
            assert unit is not None
            unit.lat, unit.lon, unit.fix_at = BOX[0], BOX[1], at
            s.add(Position(unit_id=uid, fix_at=at, lat=BOX[0], lon=BOX[1], speed_kmh=30.0, course=90.0, source="naive"))
            record_event(s, EventKind.UNIT_MOVED, actor="bench", unit_id=uid, payload={"unit_ids": [uid]})
            s.commit()
    elapsed = time.perf_counter() - started
    return {"positions": n, "seconds": round(elapsed, 3), "positions_per_s": round(n / elapsed)}


def prune(db: Database, days: list[datetime], now: datetime) -> dict[str, Any]:
    t = time.perf_counter()
    report = prune_positions(db, older_than=now - (days[0] + timedelta(days=1)), actor=SYSTEM, now=now)
    fast = time.perf_counter() - t
    nxt = days[1]
    t = time.perf_counter()
    with db.engine.begin() as conn:
        deleted = conn.execute(
            text("DELETE FROM positions WHERE fix_at >= :a AND fix_at < :b"),
            {"a": nxt, "b": nxt + timedelta(days=1)}
            if db.is_postgres
            else {"a": nxt.replace(tzinfo=None), "b": (nxt + timedelta(days=1)).replace(tzinfo=None)},
        ).rowcount
    slow = time.perf_counter() - t
    return {
        "prune_one_day_s": round(fast, 3),
        "pruned": report.deleted,
        "partitions_dropped": report.partitions_dropped,
        "naive_delete_one_day_s": round(slow, 3),
        "naive_deleted": deleted,
        "ratio": round(slow / fast, 1) if fast else None,
    }


def run(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    now = datetime.now(UTC)
    rng = random.Random(args.seed)
    unit_ids, days = seed(db, args.fixes, args.units, now)
    total = stored(db)
    # The reads run as in a console's database worker: with the console's collector settings (what is alive after
    # start-up frozen, so a full collection does not walk it in the middle of a read; ui/gc_tuning.py).
    freeze_long_lived()
    progress(f"{db.engine.dialect.name}: {total} fixes stored; tracks ...")
    fast = track(db, unit_ids, days, args.shifts, rng)
    slow = naive_track(db, unit_ids, days, args.naive_tracks, rng)
    progress("ingest ...")
    batched = ingest(db, unit_ids, floor(now, "day"), args.rounds, args.per_round)
    after = floor(now, "day") + timedelta(seconds=EVERY_S * args.per_round * args.rounds)
    naive = naive_ingest(db, unit_ids, after, args.naive)
    result: dict[str, Any] = {
        "backend": db.engine.dialect.name,
        "fixes_stored": total,
        "units": len(unit_ids),
        "days": len(days),
        "track_shift": {**fast, "budget_p95_ms": TRACK_BUDGET_MS, "within_budget": fast["p95_ms"] <= TRACK_BUDGET_MS},
        "track_naive_whole_history": slow,
        "track_ratio_p50": round(slow["p50_ms"] / fast["p50_ms"], 1),
        "ingest": {
            **batched,
            "budget_positions_per_s": INGEST_BUDGET,
            "within_budget": batched["positions_per_s"] >= INGEST_BUDGET,
        },
        "ingest_naive_one_commit_per_fix": naive,
        "ingest_ratio": round(batched["positions_per_s"] / naive["positions_per_s"], 1),
    }
    if args.prune:
        progress("prune ...")
        result["prune"] = prune(db, days, now)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixes", type=int, default=5_000_000, help="fixes stored (the budget is for 50,000,000)")
    ap.add_argument("--units", type=int, default=300)
    ap.add_argument("--shifts", type=int, default=40, help="tracks measured")
    ap.add_argument("--naive-tracks", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=30, help="ingest rounds (GPS polls)")
    ap.add_argument("--per-round", type=int, default=6, help="fixes of every unit per poll (default: a minute's)")
    ap.add_argument("--naive", type=int, default=1000, help="fixes written one transaction each")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pg", help="PostgreSQL server URL: a throw-away database is made there")
    ap.add_argument("--db", help="an existing bench database to use (topped up), SQLite file or URL")
    ap.add_argument("--keep", action="store_true", help="keep the throw-away database (prints its URL)")
    ap.add_argument("--prune", action="store_true", help="also measure prune (removes the two oldest days)")
    args = ap.parse_args()
    if args.db:
        db = Database(args.db)
        upgrade_to_head(db.engine)
        try:
            emit(run(db, args))
        finally:
            db.dispose()
        return
    if args.pg:
        admin = create_engine(normalise_url(args.pg), isolation_level="AUTOCOMMIT")
        name = f"bench_history_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(normalise_url(args.pg)).set(database=name).render_as_string(hide_password=False)
        try:
            db = Database(url)
            upgrade_to_head(db.engine)
            result = run(db, args)
            db.dispose()
            if args.keep:
                result["database"] = url
            emit(result)
        finally:
            if not args.keep:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'history.sqlite3'}")
        upgrade_to_head(db.engine)
        try:
            emit(run(db, args))
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
