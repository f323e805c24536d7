"""Patrol benchmarks (DESIGN.md §5), each against the naive way measured in the same run:

    python bench/bench_patrol.py [--only matching,report,readiness,playback] [--pg URL] [--rounds 40]
                                 [--playback-units 300] [--playback-hours 24]

- matching: 300 units in 150 teams of two, 2,000 active targets (points, routes, areas). The matcher's cost per fix
  (the state machine over the unit's own shift targets, as the ingest runs it) against testing every fix against
  every active target with shapely; and ingest throughput with the matching on (one batch of 300 fixes per round,
  through `ingest_positions`) against the same batches of 300 units without plans in the same database.
- report: 30 days of those 150 plans (two windows a day: 9,000 shifts, ~117,000 shift targets) with stored rows
  equal to 78 million fixes' worth of check-ins (300 units, one fix per 10 s, 24 h); `patrol_report` by plan, by unit
  and in total, against replaying raw positions through the matcher (measured on one team-day of fixes and scaled
  to the 78 million: the naive way cannot be stored here in full).
- readiness: 500 key sites and 300 available units (arrivals, share, greedy relocation), against Python loops.
- playback: one unit's day of fixes (one every 10 s) loaded from a history of `--playback-units` units, against ORM
  objects; a frame of 300 units from their loaded tracks, against a per-unit Python search.

Prints one JSON document: every figure with its budget, whether it is met, and the ratio to the naive way.
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, progress, summary_ms
from console.db import Database, upgrade_to_head, write_transaction
from console.db.engine import normalise_url
from console.enums import ReviewStatus, Role, TargetKind, UnitKind
from console.geo.distance import haversine_m
from console.models import (
    Grid,
    PatrolCheckin,
    PatrolShift,
    PatrolShiftGrid,
    PatrolShiftTarget,
    PatrolShiftUnit,
    PatrolTarget,
    Position,
    Township,
    Unit,
)
from console.patrol.config import patrol_settings
from console.patrol.drafts import PlanDraft, TargetDraft
from console.patrol.matching import ShiftSpec, UnitTrack, advance, compute_shift
from console.patrol.playback import Frames, load_tracks
from console.patrol.readiness import assess, load_sites, readiness
from console.patrol.report import patrol_report
from console.patrol.targets import compile_row
from console.rules import default_rules
from console.services.actor import Actor
from console.services.dispatch import available_units
from console.services.key_sites import SiteRecord, import_sites
from console.services.patrol_plans import create_plan
from console.services.patrol_shifts import days_between, ensure_days
from console.services.positions import Fix, ingest_positions

LAT0, LON0 = 24.70, 113.45
M_LAT = 111_195.0
M_LON = M_LAT * math.cos(math.radians(LAT0))
#: Thursday 2026-11-26 10:00 in the county: inside the plans' windows.
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
LEADER = Actor("bench", Role.ADMIN)
UNITS, TEAMS = 300, 150


def ll(x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of a point x metres east and y north of the county's corner."""
    return LAT0 + y / M_LAT, LON0 + x / M_LON


def judged(value: float, budget: float, *, at_most: bool = True) -> dict[str, Any]:
    return {"value": round(value, 3), "budget": budget, "met": value <= budget if at_most else value >= budget}


# -- the county -----------------------------------------------------------------------------------------------------


def seed_county(
    db: Database, *, with_plans: bool = True, windows: tuple[str, ...] = ("08:00-20:00",)
) -> dict[str, Any]:
    """A 30 × 30 km county of 400 grids, 300 units in 150 teams (a 1 km square each), 13 targets per team; and 300
    more units without plans (the ingest baseline)."""
    rng = random.Random(7)

    def grids(s: Any) -> None:
        town = Township(name="bench", code="B1")
        s.add(town)
        s.flush()
        rows = []
        for i in range(20):
            for j in range(20):
                lat0, lon0 = ll(i * 1500, j * 1500)
                lat1, lon1 = ll((i + 1) * 1500, (j + 1) * 1500)
                ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
                rows.append(
                    {
                        "code": f"G{i:02d}{j:02d}",
                        "name": f"网格{i}-{j}",
                        "township_id": town.id,
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                        "min_lon": lon0,
                        "min_lat": lat0,
                        "max_lon": lon1,
                        "max_lat": lat1,
                    }
                )
        s.execute(insert(Grid), rows)
        units = [
            Unit(
                callsign=f"U{k:03d}",
                kind=UnitKind.FOOT_PATROL,
                tracker_id=f"T{k:03d}",
                capabilities=[],
                lat=LAT0,
                lon=LON0,
                fix_at=T0 - timedelta(days=40),
            )
            for k in range(2 * UNITS)
        ]
        s.add_all(units)

    write_transaction(db.sessions, grids)
    centres = [(1000 + 1900 * (t % 15), 1000 + 2800 * (t // 15)) for t in range(TEAMS)]
    if with_plans:
        for t, (cx, cy) in enumerate(centres):
            targets: list[TargetDraft] = []
            for k in range(8):
                lat, lon = ll(cx + rng.uniform(-450, 450), cy + rng.uniform(-450, 450))
                targets.append(
                    TargetDraft(
                        TargetKind.POINT,
                        {"type": "Point", "coordinates": [lon, lat]},
                        f"p{k}",
                        radius_m=50,
                        dwell_s=300,
                    )
                )
            for k in range(3):
                y = cy - 300 + 300 * k
                a, b = ll(cx - 400, y), ll(cx + 400, y + 50)
                targets.append(
                    TargetDraft(
                        TargetKind.ROUTE,
                        {"type": "LineString", "coordinates": [[a[1], a[0]], [b[1], b[0]]]},
                        f"r{k}",
                        buffer_m=30,
                        min_share=0.8,
                    )
                )
            for k in range(2):
                x0, y0 = cx - 450 + 600 * k, cy - 150
                corners = [ll(x0, y0), ll(x0 + 300, y0), ll(x0 + 300, y0 + 300), ll(x0, y0 + 300), ll(x0, y0)]
                targets.append(
                    TargetDraft(
                        TargetKind.AREA,
                        {"type": "Polygon", "coordinates": [[[c[1], c[0]] for c in corners]]},
                        f"a{k}",
                        min_minutes=20,
                    )
                )
            draft = PlanDraft(
                name=f"team-{t:03d}",
                team=(f"U{2 * t:03d}", f"U{2 * t + 1:03d}"),
                days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                windows=windows,
                targets=tuple(targets),
                valid_from=date(2026, 10, 1),
            )
            write_transaction(
                db.sessions, lambda s, d=draft: create_plan(s, d, actor=LEADER, now=T0 - timedelta(days=40))
            )
    return {"centres": centres}


class Walkers:
    """Units walking about their team's square: one fix per unit per round, 10 s apart."""

    def __init__(self, centres: list[tuple[int, int]], first_unit: int) -> None:
        self.rng = random.Random(11)
        self.pos = [[float(centres[k // 2][0]), float(centres[k // 2][1])] for k in range(UNITS)]
        self.first = first_unit
        self.heading = [self.rng.uniform(0, 2 * math.pi) for _ in range(UNITS)]

    def round(self, n: int) -> list[Fix]:
        at = T0 + timedelta(seconds=10 * n)
        out = []
        for k in range(UNITS):
            if self.rng.random() < 0.15:
                self.heading[k] += self.rng.uniform(-1.5, 1.5)
            step = 0.0 if self.rng.random() < 0.3 else 14.0
            self.pos[k][0] += step * math.cos(self.heading[k])
            self.pos[k][1] += step * math.sin(self.heading[k])
            lat, lon = ll(*self.pos[k])
            out.append(Fix(fix_at=at, lat=lat, lon=lon, tracker_id=f"T{self.first + k:03d}", speed_kmh=5.0))
        return out


# -- matching -------------------------------------------------------------------------------------------------------


def _shift_specs(db: Database) -> dict[int, ShiftSpec]:
    """The ShiftSpec of each unit's running shift (read once, as the matcher caches them)."""
    grace = patrol_settings().late_grace_s
    with db.session() as s:
        shifts = s.scalars(select(PatrolShift).where(PatrolShift.starts_at <= T0, PatrolShift.ends_at >= T0)).all()
        targets = {t.id: compile_row(t) for t in s.scalars(select(PatrolTarget))}
        members = s.execute(select(PatrolShiftTarget.shift_id, PatrolShiftTarget.target_id)).tuples().all()
        plan_units = s.execute(text("SELECT plan_id, unit_id FROM patrol_plan_units")).all()
    by_shift: dict[int, list[int]] = {}
    for shift_id, target_id in members:
        by_shift.setdefault(shift_id, []).append(target_id)
    spec_of_plan = {
        sh.plan_id: ShiftSpec.of(
            sh.id,
            sh.starts_at.timestamp(),
            sh.ends_at.timestamp(),
            sh.ends_at.timestamp() + grace,
            [targets[t] for t in by_shift[sh.id]],
        )
        for sh in shifts
    }
    return {unit: spec_of_plan[plan] for plan, unit in plan_units if plan in spec_of_plan}


def bench_matching(db: Database, rounds: int) -> dict[str, Any]:
    info = seed_county(db)
    with db.session() as s:
        ids = dict(s.execute(select(Unit.tracker_id, Unit.id)).tuples().all())
        active = int(s.scalar(select(func.count(PatrolTarget.id)).where(PatrolTarget.retired_at.is_(None))) or 0)
    planned, idle = Walkers(info["centres"], 0), Walkers(info["centres"], UNITS)
    rounds_planned = [planned.round(n) for n in range(rounds)]
    rounds_idle = [idle.round(n) for n in range(rounds)]
    # Warm the caches (grid index, team index, compiled targets) and make the day's shifts once, as a running feed has.
    ingest_positions(
        db,
        [Fix(fix_at=T0 - timedelta(seconds=5), lat=LAT0, lon=LON0, tracker_id="T000")],
        source="warm",
        now=T0 + timedelta(hours=1),
    )
    timings: dict[str, list[float]] = {"planned": [], "idle": []}
    for n in range(rounds):
        for key, batch in (("planned", rounds_planned[n]), ("idle", rounds_idle[n])):
            t = time.perf_counter()
            ingest_positions(db, batch, source="bench", now=T0 + timedelta(hours=1))
            timings[key].append(time.perf_counter() - t)
    fixes = rounds * UNITS
    with_rate = fixes / sum(timings["planned"])
    without_rate = fixes / sum(timings["idle"])
    matching_db_us = (sum(timings["planned"]) - sum(timings["idle"])) / fixes * 1e6
    # The state machine alone, over the same fixes.
    specs = _shift_specs(db)
    per_unit: dict[int, list[tuple[float, float, float, int | None]]] = {}
    for batch in rounds_planned:
        for f in batch:
            per_unit.setdefault(ids[f.tracker_id], []).append((f.fix_at.timestamp(), f.lat, f.lon, None))
    tracks = {u: UnitTrack() for u in per_unit}
    t = time.perf_counter()
    for n in range(rounds):
        for u, fl in per_unit.items():
            advance(tracks[u], specs[u], fl[n : n + 1])
    cpu_us = (time.perf_counter() - t) / fixes * 1e6
    naive_us = _naive_matching_us(specs, per_unit)
    return {
        "units": UNITS,
        "active_targets": active,
        "fixes": fixes,
        "per_fix_us": judged(cpu_us, 50.0),
        "per_fix_with_database_writes_us": round(matching_db_us, 1),
        "ingest_with_matching_per_s": judged(with_rate, 5000.0, at_most=False),
        "ingest_without_plans_per_s": round(without_rate),
        "batch_with_matching": summary_ms(timings["planned"]),
        "naive_per_fix_us": round(naive_us, 1),
        "ratio": round(naive_us / cpu_us, 1),
        "naive": "every fix tested against every active target with shapely (no team, no bounding boxes)",
    }


def _naive_matching_us(
    specs: dict[int, ShiftSpec], per_unit: dict[int, list[tuple[float, float, float, int | None]]]
) -> float:
    every = {t.id: t for spec in specs.values() for t in spec.targets}
    geoms = []
    for t in every.values():
        if hasattr(t, "polygon"):
            geoms.append(("area", t.polygon))
        elif hasattr(t, "route"):
            xs, ys = t.route.xs, t.route.ys
            geoms.append(("route", (t.route.frame, shapely.LineString(np.column_stack([xs, ys])), t.buffer)))
        else:
            geoms.append(("point", (t.lat, t.lon, t.radius)))
    sample = [f for fl in per_unit.values() for f in fl[:1]][:200]
    t0 = time.perf_counter()
    hits = 0
    for _, lat, lon, _g in sample:
        p = shapely.Point(lon, lat)
        for kind, g in geoms:
            if kind == "point":
                hits += haversine_m(lat, lon, g[0], g[1]) <= g[2]
            elif kind == "area":
                hits += bool(g.contains(p))
            else:
                frame, line, buffer = g
                hits += bool(line.distance(shapely.Point(*frame.xy(lat, lon))) <= buffer)
    return (time.perf_counter() - t0) / len(sample) * 1e6


# -- report ---------------------------------------------------------------------------------------------------------


def bench_report(db: Database) -> dict[str, Any]:
    seed_county(db, windows=("08:00-12:00", "14:00-20:00"))
    last = date(2026, 11, 25)
    first = last - timedelta(days=29)
    now = T0
    write_transaction(db.sessions, lambda s: ensure_days(s, days_between(first, last), now=now, rematch=False))
    rng = random.Random(3)
    with db.session() as s:
        shifts = s.execute(
            select(PatrolShift.id, PatrolShift.plan_id, PatrolShift.starts_at, PatrolShift.ends_at)
        ).all()
        targets = s.execute(
            select(
                PatrolShiftTarget.shift_id, PatrolShiftTarget.target_id, PatrolShiftTarget.kind, PatrolShiftTarget.due
            )
        ).all()
        team = s.execute(text("SELECT plan_id, unit_id FROM patrol_plan_units")).all()
        grids = list(s.scalars(select(Grid.id)))
    members: dict[int, list[int]] = {}
    for plan, unit in team:
        members.setdefault(plan, []).append(unit)
    progress(f"report: filling {len(shifts)} shifts and {len(targets)} shift targets ...")
    met_rows, unit_rows, checkins, grid_rows, shift_rows = [], [], [], [], []
    fixes_total = 0
    by_shift = {sid: (plan, a, b) for sid, plan, a, b in shifts}
    met_count: dict[int, int] = {}
    sums: dict[int, dict[str, float]] = {}
    for sid, tid, kind, due in targets:
        ok = rng.random() < 0.85
        achieved = due if ok else due * rng.uniform(0.2, 0.7)
        late = (not ok) and rng.random() < 0.3
        met_rows.append(
            {"shift_id": sid, "target_id": tid, "achieved": achieved, "met": ok, "late": late, "visits": int(ok)}
        )
        met_count[sid] = met_count.get(sid, 0) + ok
        mine = sums.setdefault(sid, {"points_met": 0, "route_m_covered": 0.0, "area_s_spent": 0.0, "targets_late": 0})
        mine["targets_late"] += late
        if kind == TargetKind.POINT:
            mine["points_met"] += ok
        else:
            mine["route_m_covered" if kind == TargetKind.ROUTE else "area_s_spent"] += min(achieved, due)
        if ok:
            plan, a, b = by_shift[sid]
            unit = members[plan][rng.randrange(2)]
            at = a + timedelta(seconds=rng.uniform(0, (b - a).total_seconds() - 600))
            checkins.append(
                {
                    "shift_id": sid,
                    "target_id": tid,
                    "unit_id": unit,
                    "n": 0,
                    "arrived_at": at,
                    "left_at": at + timedelta(seconds=420),
                    "dwell_s": 420.0,
                    "covered_m": None,
                    "late": False,
                }
            )
    for sid, plan, a, b in shifts:
        span = (b - a).total_seconds()
        for unit in members[plan]:
            n = int(span // 10)
            fixes_total += n
            unit_rows.append(
                {
                    "shift_id": sid,
                    "unit_id": unit,
                    "fixes": n,
                    "distance_m": n * 8.0,
                    "first_t": a.timestamp(),
                    "last_w": b.timestamp(),
                    "state": {},
                    "revision": 1,
                }
            )
        for g in rng.sample(grids, 3):
            grid_rows.append({"shift_id": sid, "grid_id": g})
        shift_rows.append(
            {"id": sid, "targets_met": met_count.get(sid, 0), **sums[sid], "review_status": ReviewStatus.APPROVED}
        )

    def fill(s: Any) -> None:
        conn = s.connection()
        s.execute(update(PatrolShiftTarget), met_rows)
        s.execute(update(PatrolShift), shift_rows)
        for table, rows in ((PatrolShiftUnit, unit_rows), (PatrolCheckin, checkins), (PatrolShiftGrid, grid_rows)):
            for n in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[n : n + 5000])

    write_transaction(db.sessions, fill)
    if db.is_postgres:
        with db.engine.connect() as c:
            c.execute(text("ANALYZE"))
            c.commit()
    # The night's fixes are not in patrol windows: 78 million is 300 units × 30 days × 8,640 fixes a day.
    worth = UNITS * 30 * 8640
    results: dict[str, Any] = {
        "shifts": len(shifts),
        "shift_targets": len(targets),
        "checkins": len(checkins),
        "fixes_worth": worth,
        "fixes_in_windows": fixes_total,
    }
    for by in (None, "plan", "unit"):
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            with db.session() as s:
                data = patrol_report(s, first=first, last=last, now=now, by=by).as_dict()
            samples.append(time.perf_counter() - t)
        assert data["total"]["shifts_due"] == len(shifts)
        results[f"by_{by or 'total'}_s"] = judged(statistics.median(samples), 1.0)
    naive_per_fix = _naive_replay_per_fix_s()
    results["naive_replay_per_fix_us"] = round(naive_per_fix * 1e6, 2)
    results["naive_estimated_s"] = round(naive_per_fix * worth)
    results["ratio"] = round(naive_per_fix * worth / results["by_plan_s"]["value"])
    results["naive"] = (
        "replay the period's raw positions through the matcher; measured on one team-day in memory (no database reads) and scaled to the 78 million fixes"
    )
    return results


def _naive_replay_per_fix_s() -> float:
    """The matcher from scratch over one team's shift of fixes (in memory: the cheapest possible replay)."""
    rng = random.Random(5)
    targets = []
    for k in range(8):
        lat, lon = ll(1000 + rng.uniform(-450, 450), 1000 + rng.uniform(-450, 450))
        targets.append(
            compile_row(
                _Row(k + 1, TargetKind.POINT, {"type": "Point", "coordinates": [lon, lat]}, radius_m=50, dwell_s=300)
            )
        )
    for k in range(3):
        a, b = ll(600, 700 + 300 * k), ll(1400, 750 + 300 * k)
        targets.append(
            compile_row(
                _Row(
                    10 + k,
                    TargetKind.ROUTE,
                    {"type": "LineString", "coordinates": [[a[1], a[0]], [b[1], b[0]]]},
                    buffer_m=30,
                    min_share=0.8,
                )
            )
        )
    spec = ShiftSpec.of(1, T0.timestamp(), T0.timestamp() + 12 * 3600, T0.timestamp() + 12 * 3600 + 1800, targets)
    fixes = {}
    for unit in (1, 2):
        x, y, out = 1000.0, 1000.0, []
        for n in range(4320):
            x += rng.uniform(-10, 10)
            y += rng.uniform(-10, 10)
            lat, lon = ll(x, y)
            out.append((T0.timestamp() + 10 * n, lat, lon, None))
        fixes[unit] = out
    t = time.perf_counter()
    compute_shift(spec, fixes)
    return (time.perf_counter() - t) / 8640


class _Row:
    def __init__(self, id: int, kind: TargetKind, geometry: dict[str, Any], **params: float) -> None:
        self.id, self.kind, self.geometry = id, kind, geometry
        for name in ("radius_m", "dwell_s", "buffer_m", "min_share", "min_minutes"):
            setattr(self, name, params.get(name))


# -- readiness ------------------------------------------------------------------------------------------------------


def bench_readiness(db: Database) -> dict[str, Any]:
    seed_county(db, with_plans=False)
    rng = random.Random(9)
    now = T0

    def positions(s: Any) -> None:
        sites = []
        for k in range(500):
            lat, lon = ll(rng.uniform(0, 30_000), rng.uniform(0, 30_000))
            sites.append(
                SiteRecord(
                    f"S{k:03d}",
                    f"站点{k}",
                    rng.choice(["school", "hospital", "bank", "market"]),
                    lat,
                    lon,
                    rng.choice([1.0, 3.0, 5.0]),
                )
            )
        import_sites(s, sites, actor=LEADER, now=now)
        for k in range(UNITS):
            lat, lon = ll(rng.uniform(0, 30_000), rng.uniform(0, 30_000))
            kind = rng.choice(
                [UnitKind.PATROL_CAR, UnitKind.FOOT_PATROL, UnitKind.GRID_WORKER, UnitKind.VOLUNTEER_TEAM]
            )
            s.execute(
                update(Unit)
                .where(Unit.callsign == f"U{k:03d}")
                .values(lat=lat, lon=lon, fix_at=now - timedelta(seconds=20), kind=kind)
            )
        s.execute(update(Unit).where(Unit.callsign >= f"U{UNITS:03d}").values(status="off_duty"))

    write_transaction(db.sessions, positions)
    rules = default_rules()
    live, figure = [], []
    with db.session() as s:
        units, sites = available_units(s), load_sites(s)
        for _ in range(20):
            t = time.perf_counter()
            result = readiness(s, now=now)
            live.append(time.perf_counter() - t)
            t = time.perf_counter()
            assess(units, sites, now=now, rules=rules, max_moves=0)
            figure.append(time.perf_counter() - t)
    t = time.perf_counter()
    naive_rate = _naive_readiness(units, sites, now, rules)
    naive_s = time.perf_counter() - t
    assert abs(naive_rate - result.rate.numerator) <= 2, (naive_rate, result.rate)
    return {
        "sites": len(sites),
        "units": len(units),
        "covered": result.rate.as_dict(),
        "moves_suggested": len(result.moves),
        "readiness_with_moves_ms": judged(statistics.median(live) * 1000, 50.0),
        "readiness_figure_ms": round(statistics.median(figure) * 1000, 2),
        "live": summary_ms(live),
        "naive_ms": round(naive_s * 1000, 1),
        "ratio": round(naive_s / statistics.median(figure), 1),
        "naive": "a Python loop over every (site, unit) pair with the scalar haversine",
    }


def _naive_readiness(units: Any, sites: Any, now: datetime, rules: Any) -> int:
    covered = 0
    speeds = {k: rules.speed_kmh[k] / 3.6 for k in UnitKind}
    kinds = list(UnitKind)
    for i in range(len(sites)):
        for u in range(len(units)):
            d = (
                haversine_m(float(sites.lats[i]), float(sites.lons[i]), float(units.lats[u]), float(units.lons[u]))
                * rules.road_factor
            )
            eta = d / speeds[kinds[int(units.kinds[u])]]
            if now.timestamp() - float(units.fix_ts[u]) > rules.stale_fix_s:
                eta += rules.stale_penalty_s
            if eta <= float(sites.target_s[i]):
                covered += 1
                break
    return covered


# -- playback -------------------------------------------------------------------------------------------------------


def bench_playback(db: Database, n_units: int, hours: int) -> dict[str, Any]:
    seed_county(db, with_plans=False)
    with db.session() as s:
        unit_ids = list(s.scalars(select(Unit.id).order_by(Unit.id)))[:n_units]
    start = T0 - timedelta(hours=hours)
    steps = hours * 360
    progress(f"playback: storing {n_units * steps} fixes ...")
    rng = random.Random(2)
    for chunk in range(0, len(unit_ids), 20):
        rows = []
        for uid in unit_ids[chunk : chunk + 20]:
            x, y = rng.uniform(0, 30_000), rng.uniform(0, 30_000)
            for n in range(steps):
                x += rng.uniform(-15, 15)
                y += rng.uniform(-15, 15)
                lat, lon = ll(x, y)
                rows.append(
                    {
                        "unit_id": uid,
                        "fix_at": start + timedelta(seconds=10 * n),
                        "lat": lat,
                        "lon": lon,
                        "speed_kmh": 5.0,
                        "course": None,
                        "source": "bench",
                    }
                )

        def store(s: Any, rows: list[dict[str, Any]] = rows) -> None:
            conn = s.connection()
            for n in range(0, len(rows), 5000):
                conn.execute(insert(Position), rows[n : n + 5000])

        write_transaction(db.sessions, store)
    if db.is_postgres:
        with db.engine.connect() as c:
            c.execute(text("ANALYZE positions"))
            c.commit()
    day_end = start + timedelta(hours=hours)
    day_start = day_end - timedelta(hours=24) if hours >= 24 else start
    one, naive_one = [], []
    for uid in unit_ids[:10]:
        with db.session() as s:
            t = time.perf_counter()
            tracks = load_tracks(s, [uid], day_start, day_end)
            one.append(time.perf_counter() - t)
        with db.session() as s:
            t = time.perf_counter()
            rows = s.scalars(
                select(Position)
                .where(Position.unit_id == uid, Position.fix_at >= day_start, Position.fix_at <= day_end)
                .order_by(Position.fix_at)
            ).all()
            naive_one.append(time.perf_counter() - t)
        assert len(tracks[uid]) == len(rows)
    window = (day_end - timedelta(hours=2), day_end)
    with db.session() as s:
        t = time.perf_counter()
        many = load_tracks(s, unit_ids[:300], *window)
        load_300 = time.perf_counter() - t
    frames = Frames(many)
    moments = [window[0].timestamp() + k * 36.0 for k in range(200)]
    frame_samples = []
    for m in moments:
        t = time.perf_counter()
        frames.frame_json(m)
        frame_samples.append(time.perf_counter() - t)
    t = time.perf_counter()
    for m in moments[:20]:
        _naive_frame(many, m)
    naive_frame = (time.perf_counter() - t) / 20
    return {
        "fixes_stored": n_units * steps,
        "one_unit_day_fixes": len(rows),
        "one_unit_day_ms": judged(statistics.median(one) * 1000, 100.0),
        "one_unit_day": summary_ms(one),
        "naive_one_unit_day_ms": round(statistics.median(naive_one) * 1000, 1),
        "load_ratio": round(statistics.median(naive_one) / statistics.median(one), 1),
        "load_300_units_2h_ms": round(load_300 * 1000, 1),
        "frame_300_units_ms": judged(sorted(frame_samples)[int(0.95 * len(frame_samples))] * 1000, 20.0),
        "frame": summary_ms(frame_samples),
        "naive_frame_ms": round(naive_frame * 1000, 2),
        "frame_ratio": round(naive_frame / statistics.median(frame_samples), 1),
        "naive": "ORM Position objects for loading; a per-unit bisect and interpolation in Python, as dicts, for frames",
    }


def _naive_frame(tracks: dict[int, Any], moment: float) -> list[dict[str, Any]]:
    out = []
    for uid, tr in tracks.items():
        times = tr.t.tolist()
        j = bisect.bisect_right(times, moment) - 1
        if j < 0:
            continue
        k = min(j + 1, len(times) - 1)
        f = 0.0 if k == j or times[k] - times[j] > 120 else (moment - times[j]) / (times[k] - times[j])
        out.append(
            {"id": uid, "lat": tr.lat[j] + (tr.lat[k] - tr.lat[j]) * f, "lon": tr.lon[j] + (tr.lon[k] - tr.lon[j]) * f}
        )
    return out


# -- running ---------------------------------------------------------------------------------------------------------


def with_database(kind: str, pg: str | None, work: Callable[[Database], dict[str, Any]]) -> dict[str, Any]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{Path(tmp) / 'patrol.sqlite3'}")
            upgrade_to_head(db.engine)
            try:
                return work(db)
            finally:
                db.dispose()
    assert pg
    admin = create_engine(normalise_url(pg), isolation_level="AUTOCOMMIT")
    name = f"bench_patrol_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db = Database(make_url(normalise_url(pg)).set(database=name).render_as_string(hide_password=False))
        upgrade_to_head(db.engine)
        try:
            return work(db)
        finally:
            db.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="matching,report,readiness,playback")
    ap.add_argument("--pg", default=os.environ.get("CONSOLE_TEST_PG_URL"))
    ap.add_argument("--sqlite-only", action="store_true")
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--playback-units", type=int, default=300)
    ap.add_argument("--playback-hours", type=int, default=24)
    args = ap.parse_args()
    wanted = set(args.only.split(","))
    backends = ["sqlite"] + (["postgresql"] if args.pg and not args.sqlite_only else [])
    benches: dict[str, Callable[[Database], dict[str, Any]]] = {
        "matching": lambda db: bench_matching(db, args.rounds),
        "report": bench_report,
        "readiness": bench_readiness,
        "playback": lambda db: bench_playback(db, args.playback_units, args.playback_hours),
    }
    # The machine's load when the run began (the figures of a shared machine are read against it).
    out: dict[str, Any] = {"load_average": [round(v, 1) for v in os.getloadavg()], "cpus": os.cpu_count()}
    for name, work in benches.items():
        if name not in wanted:
            continue
        for backend in backends:
            progress(f"{name} on {backend} ...")
            out.setdefault(name, {})[backend] = with_database(backend, args.pg, work)
    emit(out)


if __name__ == "__main__":
    main()
