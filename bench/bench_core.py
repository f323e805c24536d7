"""Core benchmarks (DESIGN.md §5): intake save with 1,000,000 cases stored, dispatch commit, ranking 5,000 units,
change-feed latency (polling and NOTIFY), each on SQLite and (with --pg URL or CONSOLE_TEST_PG_URL) PostgreSQL.

    python bench/bench_core.py [--cases 1000000] [--pg postgresql://postgres@127.0.0.1:5432/test] [--sqlite-only]
    python bench/bench_core.py --quick            # 20,000 cases and fewer samples: minutes, not an hour

Prints one JSON document. The stored cases are seeded once into bench/out/ (SQLite) or the database named by
`--pg-db` (default `console_bench`, PostgreSQL) and reused by later runs.

How the hot paths are measured (issue 12):
- a warm-up first (intakes and dispatches not counted), then the collector in the state the console uses
  (`ui/gc_tuning.py`: enabled, thresholds untouched, what is alive after start-up frozen);
- interleaved with the hand-written sqlite3/psycopg transactions doing the essential work (`bench/naive_core.py`),
  the order alternating each round, so noise hits both alike; the ratio project/hand-written at p50 and p95;
- each figure next to its budget and whether it is met (`budgets`), the statements each hot operation sends
  (`statements`), and the machine's load average at start and end (a noisy run is visible).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BOX, emit, pg_database, progress, seed_cases, seed_events, stored_cases, summary_ms
from bench.naive_core import Naive, NaivePostgres, NaiveSqlite
from console.db import Database, upgrade_to_head, write_transaction, write_tx
from console.db.statements import count_statements
from console.enums import Category, EventKind, Role, UnitKind, UnitStatus
from console.events import ChangeFeed, record_event
from console.geo.distance import haversine_m
from console.geo.gridindex import grid_index
from console.geo.ranking import UnitArrays, rank
from console.models import Case, Event, Grid, Township, Unit
from console.ops import execute
from console.rules import default_rules
from console.services import dispatch, intake
from console.services.actor import Actor
from console.timeutil import utcnow

OUT = Path(__file__).resolve().parent / "out"
ACTOR = Actor(name="bench", role=Role.DISPATCHER)
GRID_ROWS = GRID_COLS = 12  # 144 grids over the county box


def ensure_county(db: Database) -> None:
    with db.session() as s:
        if s.scalar(select(func.count(Grid.id))):
            return
    min_lat, min_lon, max_lat, max_lon = BOX
    dlat, dlon = (max_lat - min_lat) / GRID_ROWS, (max_lon - min_lon) / GRID_COLS
    now = utcnow()
    rng = random.Random(3)

    def work(s: Any) -> None:
        towns = [Township(name=f"镇{i:02d}") for i in range(12)]
        s.add_all(towns)
        s.flush()
        for r in range(GRID_ROWS):
            for c in range(GRID_COLS):
                lat0, lon0 = min_lat + r * dlat, min_lon + c * dlon
                ring = [
                    [lon0, lat0],
                    [lon0 + dlon, lat0],
                    [lon0 + dlon, lat0 + dlat],
                    [lon0, lat0 + dlat],
                    [lon0, lat0],
                ]
                s.add(
                    Grid(
                        code=f"G{r:02d}{c:02d}",
                        name=f"网格{r}-{c}",
                        township_id=towns[r].id,
                        geometry={"type": "Polygon", "coordinates": [ring]},
                        min_lon=lon0,
                        min_lat=lat0,
                        max_lon=lon0 + dlon,
                        max_lat=lat0 + dlat,
                    )
                )
        kinds = list(UnitKind)
        for i in range(300):
            s.add(
                Unit(
                    callsign=f"U-{i:03d}",
                    kind=kinds[i % len(kinds)],
                    capabilities=["patrol"],
                    status=UnitStatus.AVAILABLE,
                    status_since=now,
                    version=1,
                    lat=rng.uniform(min_lat, max_lat),
                    lon=rng.uniform(min_lon, max_lon),
                    fix_at=now,
                    updated_at=now,
                )
            )

    write_transaction(db.sessions, work)


def run_rng(seed: int, db: Database) -> random.Random:
    """Appeals drawn afresh for each run (seeded by the cases stored): a rerun on the same database does not replay
    the same places and categories, which would make nearly every appeal a repeat of the previous run's."""
    with db.session() as s:
        stored = int(s.scalar(select(func.max(Case.id))) or 0)
    return random.Random(seed * 1_000_003 + stored)


def random_intake(rng: random.Random) -> dict[str, Any]:
    return {
        "channel": "hotline_12345",
        "category": rng.choice([c.value for c in Category]),
        "priority": rng.choice(["red", "orange", "yellow", "blue"]),
        "description": "群众反映小区门口道路积水严重，影响出行",
        "caller_phone": f"13{rng.randrange(10**9):09d}",
        "lat": rng.uniform(BOX[0], BOX[2]),
        "lon": rng.uniform(BOX[1], BOX[3]),
    }


def _naive_prefix() -> str:
    """The hand-written cases' number prefix, new each run (numbers are unique; `N` + 6 hex + `-` + 7 digits)."""
    return "N" + os.urandom(3).hex()


def naive_for(db: Database) -> Naive:
    """The hand-written partner on the same database."""
    if db.is_postgres:
        url = db.engine.url.set(drivername="postgresql")
        return NaivePostgres(url.render_as_string(hide_password=False), prefix=_naive_prefix())
    database = db.engine.url.database
    assert database is not None
    return NaiveSqlite(database, prefix=_naive_prefix())


def _ratio(ours: dict[str, float], theirs: dict[str, float]) -> dict[str, float]:
    return {
        "p50": round(ours["p50_ms"] / theirs["p50_ms"], 1),
        "p95": round(ours["p95_ms"] / theirs["p95_ms"], 1),
    }


def _intake_once(db: Database, req: intake.IntakeRequest) -> int:
    """One intake as the intake operation (`intake.create`) runs it: on a Core connection's transaction (`Tx`)."""
    return write_tx(db.engine, lambda tx: intake.create_case(tx, req, actor=ACTOR)).case.id


def warm_up(db: Database, naive: Naive, rounds: int) -> None:
    """Intakes and dispatches not measured: caches, compiled statements, the database's pages."""
    rng = run_rng(1, db)
    with db.session() as s:
        unit_id = int(s.scalars(select(Unit.id).order_by(Unit.id)).first() or 0)
    for _ in range(rounds):
        data = random_intake(rng)
        case_id = _intake_once(db, intake.parse_intake(data))
        naive.intake(data, utcnow())
        write_transaction(
            db.sessions, lambda s, c=case_id: dispatch.dispatch_unit(s, case_id=c, unit_id=unit_id, actor=ACTOR)
        )
        write_transaction(
            db.sessions,
            lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.AVAILABLE, actor=ACTOR),
        )


def bench_intake(db: Database, naive: Naive, n: int = 300) -> dict[str, Any]:
    rng = run_rng(11, db)
    samples: list[float] = []
    hand: list[float] = []
    for i in range(n):
        data = random_intake(rng)
        req = intake.parse_intake(data)
        for turn in (0, 1) if i % 2 == 0 else (1, 0):
            t0 = time.perf_counter()
            if turn == 0:
                _intake_once(db, req)
                samples.append(time.perf_counter() - t0)
            else:
                naive.intake(data, utcnow())
                hand.append(time.perf_counter() - t0)
    ours, theirs = summary_ms(samples), summary_ms(hand)
    result: dict[str, Any] = {
        "save": ours,
        "hand_written": theirs,
        "ratio": _ratio(ours, theirs),
        "stored_cases": stored_cases(db),
    }
    # Components against their naive way, same run: grid lookup (STRtree vs testing every polygon) and the
    # duplicate query (indexed vs the same query with the index defeated).
    with db.session() as s:
        index = grid_index(s)
        polys = [(g.id, shape(g.geometry)) for g in s.scalars(select(Grid))]
        pts = [(rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])) for _ in range(2000)]
        t0 = time.perf_counter()
        for lat, lon in pts:
            index.locate(lat, lon)
        fast = (time.perf_counter() - t0) / len(pts)
        t0 = time.perf_counter()
        for lat, lon in pts:
            p = Point(lon, lat)
            next((gid for gid, poly in polys if poly.contains(p)), None)
        slow = (time.perf_counter() - t0) / len(pts)
        result["grid_lookup"] = {
            "strtree_us": round(fast * 1e6, 2),
            "naive_scan_us": round(slow * 1e6, 2),
            "ratio": round(slow / fast, 1),
        }
        phone = s.scalar(select(Case.caller_phone).where(Case.caller_phone.is_not(None)).limit(1))
        since = utcnow() - timedelta(days=400 * 3)
        q_fast = select(Case.id).where(Case.caller_phone == phone, Case.received_at >= since).limit(20)
        q_slow = (
            select(Case.id)
            .where(func.lower(Case.caller_phone) == phone, func.coalesce(Case.received_at, Case.received_at) >= since)
            .limit(20)
        )
        times = {}
        for name, q in (("indexed", q_fast), ("unindexed", q_slow)):
            reps = 20 if name == "indexed" else 3
            t0 = time.perf_counter()
            for _ in range(reps):
                s.execute(q).all()
            times[name] = (time.perf_counter() - t0) / reps
        result["duplicate_query"] = {
            "indexed_ms": round(times["indexed"] * 1e3, 3),
            "unindexed_ms": round(times["unindexed"] * 1e3, 3),
            "ratio": round(times["unindexed"] / times["indexed"], 1),
        }
    return result


def bench_dispatch(db: Database, naive: Naive, n: int = 200) -> dict[str, Any]:
    rng = run_rng(5, db)
    with db.session() as s:
        unit_ids = list(s.scalars(select(Unit.id).order_by(Unit.id)))
    samples: list[float] = []
    hand: list[float] = []
    for i in range(n):
        ours_case = _intake_once(db, intake.parse_intake(random_intake(rng)))
        their_case = naive.intake(random_intake(rng), utcnow())
        ours_unit, their_unit = unit_ids[(2 * i) % len(unit_ids)], unit_ids[(2 * i + 1) % len(unit_ids)]
        for turn in (0, 1) if i % 2 == 0 else (1, 0):
            t0 = time.perf_counter()
            if turn == 0:
                write_transaction(
                    db.sessions,
                    lambda s, c=ours_case, u=ours_unit: dispatch.dispatch_unit(s, case_id=c, unit_id=u, actor=ACTOR),
                )
                samples.append(time.perf_counter() - t0)
            else:
                assert naive.dispatch(their_case, their_unit, utcnow())
                hand.append(time.perf_counter() - t0)
        for u in (ours_unit, their_unit):
            write_transaction(
                db.sessions,
                lambda s, u=u: dispatch.set_unit_status(s, unit_id=u, status=UnitStatus.AVAILABLE, actor=ACTOR),
            )
    ours, theirs = summary_ms(samples), summary_ms(hand)
    return {"commit": ours, "hand_written": theirs, "ratio": _ratio(ours, theirs)}


def statement_counts(db: Database) -> dict[str, int]:
    """How many statements each hot operation sends (tests/services/test_statement_counts.py guards the same); the
    dispatch also as the interface runs it (`dispatch_op`, the named operation)."""
    rng = run_rng(17, db)
    with db.session() as s:
        unit_id = int(s.scalars(select(Unit.id).order_by(Unit.id.desc())).first() or 0)
    req = intake.parse_intake(random_intake(rng))
    with count_statements(db.engine) as log:
        case_id = _intake_once(db, req)
    out = {"intake": log.count}
    with count_statements(db.engine) as log:
        write_transaction(
            db.sessions, lambda s: dispatch.dispatch_unit(s, case_id=case_id, unit_id=unit_id, actor=ACTOR)
        )
    out["dispatch"] = log.count
    with count_statements(db.engine) as log:
        write_transaction(
            db.sessions,
            lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.AVAILABLE, actor=ACTOR),
        )
    out["unit_status"] = log.count
    # The interface's way to the same dispatch: the named operation (`console.ops`), by id.
    other = _intake_once(db, intake.parse_intake(random_intake(rng)))
    with count_statements(db.engine) as log:
        execute(db, ACTOR, "dispatch.unit", case_id=other, unit_id=unit_id)
    out["dispatch_op"] = log.count
    write_transaction(
        db.sessions,
        lambda s: dispatch.set_unit_status(s, unit_id=unit_id, status=UnitStatus.AVAILABLE, actor=ACTOR),
    )
    return out


def bench_ranking(n_units: int = 5000, reps: int = 200) -> dict[str, Any]:
    rng = random.Random(9)
    now = utcnow()
    kinds = list(UnitKind)
    rows = [
        (
            i,
            f"U{i}",
            kinds[i % len(kinds)],
            rng.uniform(BOX[0], BOX[2]),
            rng.uniform(BOX[1], BOX[3]),
            now - timedelta(seconds=rng.randrange(900)),
            rng.randrange(150),
            ["patrol"] if i % 3 else ["mediation"],
        )
        for i in range(n_units)
    ]
    rules = default_rules()
    t0 = time.perf_counter()
    arrays = UnitArrays.build(rows)
    build = time.perf_counter() - t0
    samples = []
    for _ in range(reps):
        lat, lon = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
        t0 = time.perf_counter()
        rank(arrays, lat=lat, lon=lon, category=Category.DISPUTE, grid_id=7, now=now, rules=rules)
        samples.append(time.perf_counter() - t0)
    naive = []
    for _ in range(10):
        lat, lon = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
        t0 = time.perf_counter()
        scored = []
        for r in rows:
            eta = haversine_m(lat, lon, r[3], r[4]) * rules.road_factor / (rules.speed_kmh[r[2]] / 3.6)
            if (now - r[5]).total_seconds() > rules.stale_fix_s:
                eta += rules.stale_penalty_s
            if "mediation" in r[7]:
                eta -= rules.capability_bonus_s
            if r[6] == 7 and r[2] == UnitKind.GRID_WORKER:
                eta -= rules.own_grid_worker_bonus_s
            scored.append((eta, r[0]))
        sorted(scored)[:3]
        naive.append(time.perf_counter() - t0)
    s = summary_ms(samples)
    nv = summary_ms(naive)
    return {
        "units": n_units,
        "rank": s,
        "build_arrays_ms": round(build * 1e3, 3),
        "naive_python_loop": nv,
        "ratio_p50": round(nv["p50_ms"] / s["p50_ms"], 1),
    }


def bench_feed(db: Database, n: int = 100, poll_interval: float = 0.05) -> dict[str, Any]:
    """Commit → seen by another console's feed. SQLite: polling; PostgreSQL: NOTIFY wake-up (and polling too)."""
    reader_db = Database(db.url)
    out: dict[str, Any] = {}
    modes = ["poll"] + (["notify"] if db.is_postgres else [])
    for mode in modes:
        feed = ChangeFeed(reader_db, poll_interval=poll_interval)
        if mode == "notify":
            feed.wait(0.01)
        latencies: list[float] = []
        stop = threading.Event()

        def reader(
            feed: ChangeFeed = feed, mode: str = mode, stop: threading.Event = stop, latencies: list[float] = latencies
        ) -> None:
            while not stop.is_set():
                for e in feed.poll():
                    if e.actor == "feedbench":
                        latencies.append(time.perf_counter() - e.payload["t"])
                if mode == "notify":
                    feed.wait(0.5)
                else:
                    time.sleep(poll_interval)

        t = threading.Thread(target=reader)
        t.start()
        time.sleep(0.2)
        for _ in range(n):
            write_transaction(
                db.sessions,
                lambda s: record_event(s, EventKind.CASE_NOTE, actor="feedbench", payload={"t": time.perf_counter()}),
            )
            time.sleep(random.uniform(0.01, 0.05))
        deadline = time.time() + 5
        while len(latencies) < n and time.time() < deadline:
            time.sleep(0.05)
        stop.set()
        t.join()
        feed.close()
        out[mode] = {**summary_ms(latencies), "poll_interval_ms": poll_interval * 1000 if mode == "poll" else None}
    # The poll query itself as the feed sends it (`ChangeFeed.poll`: by id, in batches), vs the same by an unindexed
    # timestamp expression. (Without its LIMIT, and on a table the planner has no statistics of, PostgreSQL's
    # estimate for `id > n` is a third of the table and it scans every partition: 24 ms on a million events.)
    batch = feed.batch
    with reader_db.session() as s:
        last = int(s.scalar(select(func.max(Event.id))) or 0)
        q_id = select(Event).where(Event.id > last - 5).order_by(Event.id).limit(batch)
        since = s.scalar(select(Event.ts).where(Event.id == max(1, last - 5)))
        q_ts = select(Event).where(func.coalesce(Event.ts, Event.ts) > since).order_by(Event.id).limit(batch)
        times = {}
        for name, q in (("by_id", q_id), ("by_unindexed_ts", q_ts)):
            t0 = time.perf_counter()
            for _ in range(20):
                s.execute(q).all()
            times[name] = (time.perf_counter() - t0) / 20
        events = s.scalar(select(func.count(Event.id)))
    out["poll_query"] = {
        "events_stored": events,
        "by_id_ms": round(times["by_id"] * 1e3, 3),
        "by_unindexed_ts_ms": round(times["by_unindexed_ts"] * 1e3, 3),
        "ratio": round(times["by_unindexed_ts"] / times["by_id"], 1),
    }
    reader_db.dispose()
    return out


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def run_backend(db: Database, cases: int, *, quick: bool) -> dict[str, Any]:
    upgrade_to_head(db.engine)
    ensure_county(db)
    seed_cases(db, cases)
    seed_events(db, min(cases, 300_000))
    name = db.engine.dialect.name
    naive = naive_for(db)
    progress(f"[{name}] warm-up ...")
    warm_up(db, naive, 10 if quick else 40)
    # The collector as the console leaves it (ui/gc_tuning.py): enabled, default thresholds, what is alive after
    # start-up frozen.
    gc.collect()
    gc.freeze()
    result: dict[str, Any] = {"load_average_start": load_average()}
    progress(f"[{name}] intake ...")
    result["intake"] = bench_intake(db, naive, 100 if quick else 300)
    progress(f"[{name}] dispatch ...")
    result["dispatch"] = bench_dispatch(db, naive, 60 if quick else 200)
    result["statements"] = statement_counts(db)
    naive.close()
    progress(f"[{name}] change feed ...")
    result["change_feed"] = bench_feed(db, 40 if quick else 100)
    result["load_average_end"] = load_average()
    gc.unfreeze()
    return result


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every budgeted figure with its budget and whether it is met."""
    rows: list[dict[str, Any]] = []

    def add(figure: str, value: float, budget: float, unit: str = "ms") -> None:
        rows.append({"figure": figure, "value": value, "budget": budget, "unit": unit, "met": value <= budget})

    add("rank 5,000 units p95", report["ranking"]["rank"]["p95_ms"], BUDGETS["rank"])
    for backend in ("sqlite", "postgresql"):
        if backend not in report:
            continue
        r = report[backend]
        add(f"intake save p95, {backend}", r["intake"]["save"]["p95_ms"], BUDGETS["intake_p95"])
        add(f"dispatch commit p95, {backend}", r["dispatch"]["commit"]["p95_ms"], BUDGETS[f"dispatch_p95_{backend}"])
        add(f"intake / hand-written p50, {backend}", r["intake"]["ratio"]["p50"], BUDGETS["intake_ratio"], "×")
        add(f"dispatch / hand-written p50, {backend}", r["dispatch"]["ratio"]["p50"], BUDGETS["dispatch_ratio"], "×")
    return rows


BUDGETS = {
    "intake_p95": 10,
    "dispatch_p95_sqlite": 5,
    "dispatch_p95_postgresql": 10,
    "rank": 5,
    "intake_ratio": 4,
    "dispatch_ratio": 3,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=None, help="cases stored (default 1,000,000; 20,000 with --quick)")
    ap.add_argument("--quick", action="store_true", help="fewer cases and samples: a run of minutes")
    ap.add_argument("--pg", default=os.environ.get("CONSOLE_TEST_PG_URL"))
    ap.add_argument("--pg-db", default="console_bench", help="the PostgreSQL database the bench seeds and uses")
    ap.add_argument("--sqlite-only", action="store_true")
    ap.add_argument("--pg-only", action="store_true")
    args = ap.parse_args()
    cases = args.cases if args.cases is not None else (20_000 if args.quick else 1_000_000)
    OUT.mkdir(exist_ok=True)
    report: dict[str, Any] = {
        "benchmark": "core",
        "budgets_ms": BUDGETS,
        "cases_requested": cases,
        "load_average_start": load_average(),
    }
    report["ranking"] = bench_ranking(reps=60 if args.quick else 200)
    if not args.pg_only:
        sqlite_db = Database(f"sqlite:///{OUT / ('core.sqlite3' if cases >= 1_000_000 else f'core-{cases}.sqlite3')}")
        report["sqlite"] = run_backend(sqlite_db, cases, quick=args.quick)
        sqlite_db.dispose()
    if args.pg and not args.sqlite_only:
        pg = pg_database(args.pg, args.pg_db if cases >= 1_000_000 else f"{args.pg_db}_{cases}")
        report["postgresql"] = run_backend(pg, cases, quick=args.quick)
        pg.dispose()
    report["load_average_end"] = load_average()
    report["budgets"] = verdicts(report)
    emit(report)
    for row in report["budgets"]:
        progress(
            f"{'met   ' if row['met'] else 'MISSED'} {row['figure']}: {row['value']} {row['unit']} (budget {row['budget']})"
        )


if __name__ == "__main__":
    main()
