"""Scoped queue and dashboard benchmark (issue 11 item 6; DESIGN.md §5: queue of 10,000 open cases loads ≤ 300 ms,
KPI refresh ≤ 500 ms with 1,000,000 cases stored) — as a township center's user sees them.

    python bench/bench_scope.py [--cases 1000000] [--open 10000] [--pg URL] [--sqlite-only] [--rounds 5]

Seeds (once, reused by later runs) the county of `bench_kpi` — 12 townships, three years of appeals — plus `--open`
open cases in township 1, so that the township's queue is 10,000 open cases among all stored. Times, for a township
user (`Level.TOWNSHIP`, township 1) and for the county's user on the same database:

- `queue_load`: the console's snapshot read (`load_snapshot`: the open case ids in the scope, their views with
  assignments and units, the scope's units), the data the queue model is built from;
- `dashboard_refresh`: `dashboard_data` for the day, week and month by township (scoped by the same filter).

The naive way, measured in the same run: load every open case of the county and keep the township's in Python.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_kpi import NOW, seed
from bench.common import emit, progress, summary_ms
from console.db import Database, upgrade_to_head
from console.db.engine import normalise_url
from console.enums import OPEN_CASE_STATUSES, CaseStatus, Category, Channel, Level, Priority, Role
from console.live.state import load_snapshot
from console.models import Case
from console.periods import Period
from console.services import queries
from console.services.actor import Actor
from console.stats.dashboard import dashboard_data
from console.stats.kpi import Dimension

OUT = Path(__file__).resolve().parent / "out"
QUEUE_BUDGET_MS = 300
KPI_BUDGET_MS = 500
TOWN = 1
TOWNSHIP_USER = Actor("bench-town", Role.DISPATCHER, level=Level.TOWNSHIP, township_id=TOWN)
COUNTY_USER = Actor("bench-county", Role.DISPATCHER)


def _open_in_town(db: Database) -> int:
    with db.session() as s:
        q = select(func.count(Case.id)).where(Case.status.in_(list(OPEN_CASE_STATUSES)), Case.township_id == TOWN)
        return int(s.scalar(q) or 0)


def seed_open(db: Database, wanted: int) -> None:
    """Top the township's open cases up to `wanted` (received over the last ten days, none overdue by design)."""
    have = _open_in_town(db)
    if have >= wanted:
        return
    with db.session() as s:
        next_id = int(s.scalar(select(func.max(Case.id))) or 0) + 1
    rows = []
    statuses = [CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE]
    for i in range(wanted - have):
        cid = next_id + i
        received = NOW - timedelta(minutes=1 + (i * 7) % (10 * 1440))
        rows.append(
            {
                "id": cid,
                "number": f"S{cid:09d}",
                "channel": list(Channel)[i % len(Channel)],
                "category": list(Category)[i % len(Category)],
                "priority": list(Priority)[i % len(Priority)],
                "status": statuses[i % 3],
                "version": 1,
                "lat": 24.8,
                "lon": 113.6,
                "township_id": TOWN,
                "description": "镇综治中心受理",
                "received_at": received,
                "created_by": "bench",
                "due_at": received + timedelta(days=3),
                "escalation": 0,
                "repeat_count": 0,
                "reopened_count": 0,
                "updated_at": received,
                "assignment_count": 0,
                "return_count": 0,
                "dissatisfied_count": 0,
                "level": Level.TOWNSHIP,
            }
        )
    with db.engine.begin() as conn:
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(Case), rows[start : start + 20_000])
    progress(f"added {len(rows)} open cases in township {TOWN}")


def _timed(fn: Any, rounds: int) -> tuple[dict[str, float], Any]:
    samples, value = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        value = fn()
        samples.append(time.perf_counter() - t0)
    return summary_ms(samples), value


def bench_backend(db: Database, cases: int, open_cases: int, rounds: int) -> dict[str, Any]:
    upgrade_to_head(db.engine)
    seed(db, cases)
    seed_open(db, open_cases)
    with db.session() as s:
        stored = int(s.scalar(select(func.count(Case.id))) or 0)
        county_open = int(s.scalar(select(func.count(Case.id)).where(Case.status.in_(list(OPEN_CASE_STATUSES)))) or 0)
    out: dict[str, Any] = {"stored_cases": stored, "county_open": county_open}
    for label, actor in (("township", TOWNSHIP_USER), ("county", COUNTY_USER)):

        def load(a: Actor = actor) -> Any:
            with db.session() as s:
                return load_snapshot(s, actor=a, last_event_id=0)

        stats, snap = _timed(load, rounds)
        stats["open_cases_loaded"] = len(snap.cases)
        stats["units_loaded"] = len(snap.units)
        stats["met"] = stats["p95_ms"] <= QUEUE_BUDGET_MS
        refresh: dict[str, Any] = {}
        worst = 0.0
        for period in Period:

            def refresh_once(p: Period = period, a: Actor = actor) -> Any:
                with db.session() as s:
                    return dashboard_data(s, period=p, by=Dimension.TOWNSHIP, now=NOW, actor=a)

            r, data = _timed(refresh_once, rounds)
            r["received_in_period"] = data.report.total.counts["received"]
            refresh[period.value] = r
            worst = max(worst, r["p95_ms"])
        out[label] = {
            "queue_load": stats,
            "dashboard_refresh": refresh,
            "dashboard_worst_p95_ms": worst,
            "dashboard_met": worst <= KPI_BUDGET_MS,
        }

    def naive() -> int:  # every open case of the county, the township's kept in Python
        with db.session() as s:
            views = queries.list_open_cases(s, actor=COUNTY_USER)
        return sum(1 for v in views if v.township_id == TOWN)

    naive_stats, kept = _timed(naive, max(1, rounds // 2))
    naive_stats["kept"] = kept
    ours = out["township"]["queue_load"]["p50_ms"]
    naive_stats["ratio_over_ours_p50"] = round(naive_stats["p50_ms"] / ours, 1) if ours else None
    out["naive_county_queue_filtered_in_python"] = naive_stats
    return out


def pg_database(url: str) -> Database:
    """A database of its own (`console_bench_scope`): the open cases added here stay out of `bench_kpi`'s."""
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname='console_bench_scope'")).first():
            c.execute(text('CREATE DATABASE "console_bench_scope"'))
    admin.dispose()
    return Database(
        make_url(normalise_url(url)).set(database="console_bench_scope").render_as_string(hide_password=False)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pg", default=os.environ.get("CONSOLE_TEST_PG_URL"))
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    report: dict[str, Any] = {
        "benchmark": "scoped_queue_and_dashboard",
        "queue_budget_ms": QUEUE_BUDGET_MS,
        "kpi_budget_ms": KPI_BUDGET_MS,
        "now": NOW.isoformat(),
        "cases_requested": args.cases,
    }
    suffix = "" if args.cases == 1_000_000 else f"-{args.cases}"
    sqlite_db = Database(f"sqlite:///{OUT / f'scope{suffix}.sqlite3'}")
    progress("[sqlite] ...")
    report["sqlite"] = bench_backend(sqlite_db, args.cases, args.open, args.rounds)
    sqlite_db.dispose()
    if args.pg and not args.sqlite_only:
        pg = pg_database(args.pg)
        progress("[postgresql] ...")
        report["postgresql"] = bench_backend(pg, args.cases, args.open, args.rounds)
        pg.dispose()
    emit(report)


if __name__ == "__main__":
    main()
