"""Scoped queue and dashboard benchmark (issue 11 item 6; DESIGN.md §5: queue of 10,000 open cases loads ≤ 300 ms,
KPI refresh ≤ 500 ms with 1,000,000 cases stored) — as a township center's user and the county's see them.

    python bench/bench_scope.py [--cases 1000000] [--open 10000] [--pg URL] [--sqlite-only] [--rounds 5]

Seeds (once, reused by later runs: `bench/out/scope*.sqlite3`, PostgreSQL database `console_bench_scope`) the county
of `bench_kpi` — 12 townships, three years of appeals — plus `--open` open cases in township 1, so that the
township's queue is 10,000 open cases among all stored. Times, for a township user (`Level.TOWNSHIP`, township 1)
and for the county's user on the same database:

- `queue_load`: the console's snapshot read (`load_snapshot`: the open cases in the scope as views, with their
  assignments and units, and the scope's units), the data the queue model is built from;
- `dashboard_refresh`: `dashboard_data` for the day, week and month by township (scoped by the same filter).

The naive way, measured in the same run for each scope: what one writes first — an ORM query of the `Case`
entities with the scope's filter, each copied into its view (with the same assignments and units). Its views must
equal the snapshot's (checked). Prints one JSON document, with the load average at start and end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_kpi import NOW, seed
from bench.common import emit, load_average, pg_database, progress, timed
from console.db import Database, upgrade_to_head
from console.enums import (
    OPEN_CASE_STATUSES,
    AssigneeKind,
    AssignmentStatus,
    CaseStatus,
    Category,
    Channel,
    Level,
    Priority,
    Role,
)
from console.live.state import load_snapshot
from console.models import Assignment, Case, Department, Dispatch, Township
from console.models.cases import dispatch_is_active
from console.periods import Period
from console.services import queries, scope
from console.services.actor import Actor
from console.stats.dashboard import dashboard_data
from console.stats.kpi import Dimension
from console.views import CaseView

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


def naive_queue(db: Database, actor: Actor) -> list[CaseView]:
    """What one writes first: the open `Case` entities in the scope through the ORM, each copied into its view
    (`queries.case_view`, which masks the caller for the role), with its latest live assignment and active units."""
    with db.session() as s:
        q = select(Case).where(Case.status.in_(list(OPEN_CASE_STATUSES)))
        if actor.scoped:
            q = q.where(scope.case_filter(actor))
        cases = sorted(s.scalars(q), key=lambda c: c.id)
        ids = [c.id for c in cases]
        deps = dict(s.execute(select(Department.id, Department.name)).tuples().all())
        towns = dict(s.execute(select(Township.id, Township.name)).tuples().all())
        assignments: dict[int, tuple[str, str]] = {}
        units: dict[int, list[int]] = {}
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for a in s.scalars(
                select(Assignment)
                .where(Assignment.case_id.in_(chunk), Assignment.status != AssignmentStatus.TRANSFERRED)
                .order_by(Assignment.id)
            ):
                name = (
                    deps.get(a.department_id or -1, "")
                    if a.assignee_kind == AssigneeKind.DEPARTMENT
                    else towns.get(a.township_id or -1, "")
                )
                assignments[a.case_id] = (a.status.value, name)
            for d in s.scalars(
                select(Dispatch).where(Dispatch.case_id.in_(chunk), dispatch_is_active()).order_by(Dispatch.id)
            ):
                units.setdefault(d.case_id, []).append(d.unit_id)
        return [
            queries.case_view(c, actor, assignment=assignments.get(c.id), unit_ids=units.get(c.id, ())) for c in cases
        ]


def bench_backend(db: Database, cases: int, open_cases: int, rounds: int) -> dict[str, Any]:
    upgrade_to_head(db.engine)
    seed(db, cases)
    seed_open(db, open_cases)
    with db.session() as s:
        stored = int(s.scalar(select(func.count(Case.id))) or 0)
        county_open = int(s.scalar(select(func.count(Case.id)).where(Case.status.in_(list(OPEN_CASE_STATUSES)))) or 0)
    out: dict[str, Any] = {"stored_cases": stored, "county_open": county_open}
    gc.freeze()  # as the console does once started (ui/gc_tuning.py): what is alive now is never walked again
    for label, actor in (("township", TOWNSHIP_USER), ("county", COUNTY_USER)):

        def load(a: Actor = actor) -> Any:
            with db.session() as s:
                return load_snapshot(s, actor=a, last_event_id=0)

        stats, snap = timed(load, rounds)
        stats["open_cases_loaded"] = len(snap.cases)
        stats["units_loaded"] = len(snap.units)
        stats["met"] = stats["p95_ms"] <= QUEUE_BUDGET_MS
        naive, naive_views = timed(lambda a=actor: naive_queue(db, a), max(1, rounds // 2 + 1))
        if naive_views != snap.cases:
            raise SystemExit(f"[{label}] the snapshot's views differ from the ORM entities' views")
        naive["ratio_over_ours_p50"] = round(naive["p50_ms"] / stats["p50_ms"], 1) if stats["p50_ms"] else None
        refresh: dict[str, Any] = {}
        worst = 0.0
        for period in Period:

            def refresh_once(p: Period = period, a: Actor = actor) -> Any:
                with db.session() as s:
                    return dashboard_data(s, period=p, by=Dimension.TOWNSHIP, now=NOW, actor=a)

            r, data = timed(refresh_once, rounds)
            r["received_in_period"] = data.report.total.counts["received"]
            refresh[period.value] = r
            worst = max(worst, r["p95_ms"])
        out[label] = {
            "queue_load": stats,
            "naive_orm_entities_queue_load": naive,
            "dashboard_refresh": refresh,
            "dashboard_worst_p95_ms": worst,
            "dashboard_met": worst <= KPI_BUDGET_MS,
        }
    return out


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
        "load_average_start": load_average(),
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
        pg = pg_database(args.pg, "console_bench_scope")
        progress("[postgresql] ...")
        report["postgresql"] = bench_backend(pg, args.cases, args.open, args.rounds)
        pg.dispose()
    report["load_average_end"] = load_average()
    emit(report)


if __name__ == "__main__":
    main()
