"""KPI dashboard benchmark (DESIGN.md §5: refresh ≤ 500 ms with 1,000,000 cases stored).

    python bench/bench_kpi.py [--cases 1000000] [--pg postgresql://postgres@127.0.0.1:5432/test] [--sqlite-only]

Seeds (once, reused by later runs) a county of 12 townships with three years of appeals at ~900 a day — statuses,
callbacks, repeats, assignments to departments and townships, dispatches of every unit kind — with bulk INSERTs,
then times one dashboard refresh (`dashboard_data`: the period's figures by a dimension, the hourly and daily series,
the emergency intervals) for every period and dimension, with the budget and whether the worst p95 meets it. The naive
way, measured in the same run on the same database for every period: ORM-load the period's cases (the same WHERE on
`received_at`) and the open ones, and count the figures by township, the hourly series and the intervals in Python;
timed whole. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, pg_database, progress, timed
from console.db import Database, upgrade_to_head
from console.enums import (
    OPEN_CASE_STATUSES,
    AssigneeKind,
    AssignmentStatus,
    CaseStatus,
    Category,
    Channel,
    FeedbackResult,
    Priority,
    UnitKind,
    UnitStatus,
)
from console.models import Assignment, Case, Department, Dispatch, Township, Unit
from console.periods import Period, period_bounds
from console.stats.dashboard import dashboard_data
from console.stats.kpi import COUNTS, Dimension

OUT = Path(__file__).resolve().parent / "out"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the county
TOWNSHIPS = 12
DEPARTMENTS = 8
UNITS = 400
BUDGET_MS = 500
BATCH = 20_000


def _count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Case.id))) or 0)


def seed(db: Database, total: int) -> None:  # noqa: C901, PLR0915
    """Bulk INSERT the county and `total` cases, ending at NOW (the last 30 days with open and unfinished ones)."""
    have = _count(db)
    if have >= total:
        return
    if have:
        raise SystemExit(f"the bench database holds {have} cases; delete it to reseed {total}")
    rng = random.Random(5)
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(
            insert(Township),
            [{"id": i + 1, "name": f"镇{i + 1:02d}", "code": f"T{i + 1:02d}"} for i in range(TOWNSHIPS)],
        )
        conn.execute(
            insert(Department),
            [
                {"id": i + 1, "name": f"部门{i + 1}", "code": f"D{i + 1:02d}", "categories": []}
                for i in range(DEPARTMENTS)
            ],
        )
        kinds = list(UnitKind)
        conn.execute(
            insert(Unit),
            [
                {
                    "id": i + 1,
                    "callsign": f"U{i + 1:04d}",
                    "kind": kinds[i % len(kinds)],
                    "capabilities": [],
                    "status": UnitStatus.AVAILABLE,
                    "status_since": NOW,
                    "version": 1,
                    "updated_at": NOW,
                }
                for i in range(UNITS)
            ],
        )
    span_s = 3 * 365 * 86400
    start = NOW - timedelta(seconds=span_s)
    channels, categories, priorities = list(Channel), list(Category), list(Priority)
    feedback = [FeedbackResult.SATISFIED] * 7 + [FeedbackResult.BASICALLY_SATISFIED] * 2 + [FeedbackResult.DISSATISFIED]
    case_rows: list[dict[str, Any]] = []
    assignment_rows: list[dict[str, Any]] = []
    dispatch_rows: list[dict[str, Any]] = []
    assignment_id = dispatch_id = 0

    def flush() -> None:
        with db.engine.begin() as conn:
            if case_rows:
                conn.execute(insert(Case), case_rows)
            if assignment_rows:
                conn.execute(insert(Assignment), assignment_rows)
            if dispatch_rows:
                conn.execute(insert(Dispatch), dispatch_rows)
        case_rows.clear()
        assignment_rows.clear()
        dispatch_rows.clear()

    for i in range(total):
        cid = i + 1
        received = start + timedelta(seconds=span_s * i / total + rng.uniform(0, 60))
        age_days = (NOW - received).total_seconds() / 86400
        priority = rng.choice(priorities)
        due = received + timedelta(
            hours={Priority.RED: 1, Priority.ORANGE: 4, Priority.YELLOW: 24, Priority.BLUE: 72}[priority]
        )
        roll = rng.random()
        status = CaseStatus.MERGED if roll < 0.03 else CaseStatus.INVALID if roll < 0.05 else CaseStatus.CLOSED
        if age_days < 3 and rng.random() < 0.3:
            status = rng.choice([CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE, CaseStatus.RESOLVED])
        dispatched = rng.random() < 0.45 and status != CaseStatus.INVALID
        first_dispatch = received + timedelta(seconds=rng.uniform(15, 240)) if dispatched else None
        on_scene = first_dispatch + timedelta(seconds=rng.uniform(180, 1800)) if first_dispatch else None
        resolved = None
        closed = None
        if status in (CaseStatus.CLOSED, CaseStatus.RESOLVED):
            resolved = received + timedelta(hours=rng.uniform(0.3, 60))
        if status in (CaseStatus.CLOSED, CaseStatus.MERGED, CaseStatus.INVALID):
            closed = (resolved or received) + timedelta(hours=rng.uniform(1, 30))
        fb = rng.choice(feedback) if status == CaseStatus.CLOSED and rng.random() < 0.8 else None
        assigned = rng.random() < 0.3 and status not in (CaseStatus.MERGED, CaseStatus.INVALID)
        returns = 1 if assigned and rng.random() < 0.06 else 0
        case_rows.append(
            {
                "id": cid,
                "number": f"B{cid:09d}",
                "channel": rng.choice(channels),
                "category": rng.choice(categories),
                "priority": priority,
                "status": status,
                "version": 1,
                "lat": 24.8,
                "lon": 113.6,
                "township_id": rng.randint(1, TOWNSHIPS),
                "description": "群众反映问题",
                "caller_phone": None,
                "received_at": received,
                "created_by": "bench",
                "due_at": due,
                "first_dispatched_at": first_dispatch,
                "first_on_scene_at": on_scene,
                "cleared_at": on_scene + timedelta(minutes=rng.uniform(10, 90)) if on_scene else None,
                "resolved_at": resolved,
                "closed_at": closed,
                "escalation": 0,
                "repeat_count": 0,
                "reopened_count": 0,
                "feedback": fb,
                "updated_at": received,
                "repeat_of_id": cid - rng.randint(1, 500) if cid > 500 and rng.random() < 0.04 else None,
                "assignment_count": (1 + returns) if assigned else 0,
                "return_count": returns,
                "dissatisfied_count": 1 if fb == FeedbackResult.DISSATISFIED else 0,
            }
        )
        if assigned:
            assignment_id += 1
            to_department = rng.random() < 0.6
            assignment_rows.append(
                {
                    "id": assignment_id,
                    "case_id": cid,
                    "assignee_kind": AssigneeKind.DEPARTMENT if to_department else AssigneeKind.TOWNSHIP,
                    "department_id": rng.randint(1, DEPARTMENTS) if to_department else None,
                    "township_id": None if to_department else rng.randint(1, TOWNSHIPS),
                    "status": AssignmentStatus.RETURNED if returns else AssignmentStatus.RESOLVED,
                    "version": 1,
                    "assigned_by": "bench",
                    "assigned_at": received,
                    "due_at": due + timedelta(hours=24),
                    "first_receiver": True,
                    "paused_seconds": 0.0,
                    "extended_count": 0,
                    "escalation": 0,
                }
            )
        if first_dispatch is not None:
            dispatch_id += 1
            dispatch_rows.append(
                {
                    "id": dispatch_id,
                    "case_id": cid,
                    "unit_id": rng.randint(1, UNITS),
                    "dispatched_by": "bench",
                    "dispatched_at": first_dispatch,
                    "on_scene_at": on_scene,
                }
            )
        if len(case_rows) >= BATCH:
            flush()
            if cid % 200_000 == 0:
                progress(f"  seeded {cid} cases")
    flush()
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    progress(f"seeded {total} cases in {time.perf_counter() - t0:.0f} s")


def naive_refresh(db: Database, period: Period) -> dict[str, Any]:
    """What a first version of the dashboard would do: ORM-load the period's cases (with the period's WHERE, on the
    same `received_at` index) and the open ones, and count in Python: the figures by township, the received-per-hour
    series and the emergency intervals. Timed whole, no extrapolation."""
    start, end = period_bounds(period, NOW)
    series_start, _ = period_bounds(Period.WEEK if period == Period.DAY else period, NOW)
    with db.session() as s:
        t0 = time.perf_counter()
        groups: dict[int | None, dict[str, int]] = {}
        hourly = [0] * 24
        dispatch_s: list[float] = []
        for c in s.scalars(select(Case).where(Case.received_at >= series_start, Case.received_at < end)):
            hourly[(c.received_at.hour + 8) % 24] += 1
            if c.received_at < start:
                continue
            g = groups.setdefault(c.township_id, dict.fromkeys(NAIVE_COUNTS, 0))
            g["received"] += 1
            g["merged"] += c.status == CaseStatus.MERGED
            g["invalid"] += c.status == CaseStatus.INVALID
            closed = c.status == CaseStatus.CLOSED
            g["resolved"] += closed
            g["resolved_on_time"] += closed and c.resolved_at is not None and c.resolved_at <= c.due_at
            g["callbacks"] += c.feedback is not None
            g["satisfied"] += c.feedback in (FeedbackResult.SATISFIED, FeedbackResult.BASICALLY_SATISFIED)
            g["dissatisfied"] += c.feedback == FeedbackResult.DISSATISFIED
            g["repeats"] += c.repeat_of_id is not None or c.status == CaseStatus.MERGED
            g["assignments"] += c.assignment_count
            g["returns"] += c.return_count
            if c.first_dispatched_at is not None:
                seconds = (c.first_dispatched_at - c.received_at).total_seconds()
                dispatch_s.append(seconds)
                g["dispatched"] += 1
                g["dispatched_60s"] += seconds <= 60
        open_cases = list(s.scalars(select(Case).where(Case.status.in_(list(OPEN_CASE_STATUSES)))))
        overdue = sum(1 for c in open_cases if c.due_at < NOW)
        dispatch_s.sort()
        seconds = time.perf_counter() - t0
    received = sum(g["received"] for g in groups.values())
    return {"ms": round(seconds * 1000, 1), "received": received, "open": len(open_cases), "overdue": overdue}


#: The counts the naive way tallies case by case (`valid` follows from them; `open` and `overdue` are the state now).
NAIVE_COUNTS = tuple(c for c in COUNTS if c not in ("valid", "open", "overdue"))


def bench_backend(db: Database, cases: int, rounds: int, naive_rounds: int) -> dict[str, Any]:
    upgrade_to_head(db.engine)
    seed(db, cases)
    out: dict[str, Any] = {"stored_cases": _count(db)}
    refresh: dict[str, Any] = {}
    worst = 0.0
    for period in Period:
        for dim in Dimension:

            def refresh_once(p: Period = period, d: Dimension = dim) -> Any:
                with db.session() as s:
                    return dashboard_data(s, period=p, by=d, now=NOW)

            stats, data = timed(refresh_once, rounds)
            stats["received_in_period"] = data.report.total.counts["received"]
            refresh[f"{period.value}/{dim.value}"] = stats
            worst = max(worst, stats["p95_ms"])
    out["dashboard_refresh"] = refresh
    out["worst_p95_ms"] = worst
    out["met"] = worst <= BUDGET_MS
    progress(f"[{db.engine.dialect.name}] naive ...")
    naive: dict[str, Any] = {}
    for period in Period:
        runs = [naive_refresh(db, period) for _ in range(naive_rounds)]
        ours = refresh[f"{period.value}/{Dimension.TOWNSHIP.value}"]
        assert runs[0]["received"] == ours["received_in_period"], "the naive way counts the same cases"
        samples = sorted(r["ms"] for r in runs)
        naive[period.value] = {
            "p50_ms": samples[len(samples) // 2],
            "max_ms": samples[-1],
            "received_in_period": runs[0]["received"],
            "ratio_over_ours_p50": round(samples[len(samples) // 2] / ours["p50_ms"], 1) if ours["p50_ms"] else None,
        }
    out["naive_orm_load_period_in_python"] = naive
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--naive-rounds", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("CONSOLE_TEST_PG_URL"))
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    report: dict[str, Any] = {"benchmark": "kpi_dashboard", "budget_ms": BUDGET_MS, "now": NOW.isoformat()}
    suffix = "" if args.cases == 1_000_000 else f"-{args.cases}"
    sqlite_db = Database(f"sqlite:///{OUT / f'kpi{suffix}.sqlite3'}")
    progress("[sqlite] ...")
    report["sqlite"] = bench_backend(sqlite_db, args.cases, args.rounds, args.naive_rounds)
    sqlite_db.dispose()
    if args.pg and not args.sqlite_only:
        pg = pg_database(args.pg, "console_bench_kpi")
        progress("[postgresql] ...")
        report["postgresql"] = bench_backend(pg, args.cases, args.rounds, args.naive_rounds)
        pg.dispose()
    emit(report)


if __name__ == "__main__":
    main()
