"""Shared helpers of the benchmarks: percentiles, JSON output, a seeded county and a million stored cases."""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, func, insert, make_url, select, text

from console.db import Database
from console.db.engine import normalise_url
from console.enums import CaseStatus, Category, Channel, Priority
from console.models import Case


def pg_database(url: str, name: str, *, fresh: bool = False) -> Database:
    """The bench's own PostgreSQL database `name` on the server of `url`, made if missing (kept between runs, so a
    million seeded cases are seeded once); `fresh` drops it first (a kept one may hold another revision's schema)."""
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if fresh:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Database(make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def timed(fn: Callable[[], Any], rounds: int) -> tuple[dict[str, Any], Any]:
    """Call `fn` `rounds` times; its wall times summarised (`summary_ms`), with this process's CPU time per call at
    p50 / p95 beside them (`cpu_p50_ms`, `cpu_p95_ms`: on a busy machine the wall time waits for a CPU, the CPU time
    much less; a database server's own work is not in it), and the value of the last call."""
    samples: list[float] = []
    cpu: list[float] = []
    value: Any = None
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        samples.append(time.perf_counter() - t0)
        cpu.append((time.process_time() - c0) * 1000)
    stats: dict[str, Any] = dict(summary_ms(samples))
    stats["cpu_p50_ms"] = round(percentile(cpu, 50), 3)
    stats["cpu_p95_ms"] = round(percentile(cpu, 95), 3)
    return stats, value


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (printed beside figures: a busy machine inflates them)."""
    return [round(x, 2) for x in os.getloadavg()]


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - start
    elapsed.append(time.perf_counter() - start)


def emit(result: dict[str, Any]) -> None:
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


def progress(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


BOX = (24.70, 113.45, 24.95, 113.80)  # min lat, min lon, max lat, max lon


def stored_cases(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Case.id))) or 0)


def seed_cases(db: Database, total: int, *, seed: int = 7, batch: int = 20_000) -> None:
    """Bulk-insert closed historical cases (3 years) until `total` are stored; numbers use year prefix 2023."""
    have = stored_cases(db)
    if have >= total:
        return
    rng = random.Random(seed + have)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    channels, categories, priorities = list(Channel), list(Category), list(Priority)
    phones = [f"13{rng.randrange(10**9):09d}" for _ in range(200_000)]
    progress(f"seeding {total - have} cases ...")
    i = have
    while i < total:
        rows: list[dict[str, Any]] = []
        for _ in range(min(batch, total - i)):
            i += 1
            received = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
            rows.append(
                {
                    "number": f"H-{i:08d}",
                    "channel": rng.choice(channels).value,
                    "category": rng.choice(categories).value,
                    "priority": rng.choice(priorities).value,
                    "status": CaseStatus.CLOSED.value,
                    "version": 1,
                    "lat": rng.uniform(BOX[0], BOX[2]),
                    "lon": rng.uniform(BOX[1], BOX[3]),
                    "description": "历史诉求",
                    "caller_phone": rng.choice(phones),
                    "received_at": received,
                    "created_by": "seed",
                    "due_at": received + timedelta(hours=24),
                    "resolved_at": received + timedelta(hours=rng.randrange(1, 48)),
                    "closed_at": received + timedelta(hours=rng.randrange(48, 96)),
                    "escalation": 0,
                    "repeat_count": 0,
                    "reopened_count": 0,
                    "updated_at": received,
                }
            )
        with db.engine.begin() as conn:
            conn.execute(insert(Case), rows)
        progress(f"  {i}/{total}")
    if db.is_postgres:
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE cases"))
            conn.commit()
    else:
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def seed_events(db: Database, total: int, *, batch: int = 20_000) -> None:
    """Bulk-insert old note events until `total` are stored (so the poll query is measured on a real-sized table)."""
    from console.models import Event

    with db.session() as s:
        have = int(s.scalar(select(func.count(Event.id))) or 0)
    if have >= total:
        return
    progress(f"seeding {total - have} events ...")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    i = have
    while i < total:
        n = min(batch, total - i)
        rows = [
            {"ts": start + timedelta(seconds=30 * (i + k)), "actor": "seed", "kind": "case_note", "payload": {}}
            for k in range(n)
        ]
        i += n
        with db.engine.begin() as conn:
            conn.execute(insert(Event), rows)
    # The statistics a server's autovacuum would gather after such a load (a test server may run without it).
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE events"))
        conn.commit()
