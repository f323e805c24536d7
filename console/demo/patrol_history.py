"""Thirty days of patrol in the demo county: plans and key sites, every shift's visits as positions, what they
prove, the shift leader's daily review and reports filed on patrol.

The plans and key sites go through their services at the start of the history. Shifts are made for every day; for
each shift that started before the demo's `now` the team's unit *plans* its visits — on time for most shifts, late
(in the grace period) for some, short or partly skipped for others — and the fixes of those visits are generated
(a fix every 30 s while standing or walking, every 10 s while driving or flying) and stored in bulk; the check-ins
are then computed by the matcher's own code from exactly those fixes (no replay of a day's worth of GPS, and the
figures agree with the stored positions by construction). The reviews (approve, or return the missed shifts with a
remark) and the reports filed on patrol (through the filing service, then resolved and closed) are side steps
played by the appeals' history in time order, so the events table stays one timeline.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from shapely.geometry import Point, shape
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import Category, Priority, TargetKind, UnitKind
from ..models import PatrolPlan, PatrolShift, Position
from ..patrol.config import patrol_settings
from ..patrol.drafts import PlanDraft, TargetDraft
from ..patrol.geometry import sample_route
from ..patrol.schedule import local_day
from ..periods import local_midnight
from ..services import cases as case_service
from ..services.actor import SYSTEM
from ..services.key_sites import import_sites
from ..services.patrol_filing import file_patrol_report
from ..services.patrol_matching import match_loaded
from ..services.patrol_plans import create_plan
from ..services.patrol_review import approve_shifts, return_shift
from ..services.patrol_shifts import days_between, ensure_days
from ..services.positions import Fix, ingest_in_transaction
from .county import County
from .patrol_plans import demo_patrol
from .reference import CountyIds, DemoActors

#: Shares of shifts done on time, late (in the grace period), and missed (a target cut short or skipped).
ON_TIME, LATE = 0.80, 0.09
STAND_STEP_S = 30.0
DRIVE_STEP_S = 10.0
SPEED_MS = {UnitKind.PATROL_CAR: 8.3, UnitKind.DRONE: 11.0, UnitKind.FOOT_PATROL: 1.2, UnitKind.VOLUNTEER_TEAM: 1.1}
RETURN_REMARK = "巡逻未按要求完成，请说明原因并整改"
EXPLAINED_REMARK = "已说明情况（车辆临时调派处置警情），同意"
REPORTS: dict[Category, tuple[str, ...]] = {
    Category.PUBLIC_ORDER: ("巡逻发现路口有人聚集争吵，已现场劝离，请派出所跟进", "巡逻发现可疑人员在小区周边徘徊"),
    Category.SAFETY_HAZARD: ("巡逻发现路边电线杆倾斜，存在安全隐患", "巡逻发现河边护栏破损，存在落水隐患"),
    Category.ENVIRONMENT: ("巡逻发现河道旁垃圾堆积，需清理", "巡逻发现有人在田边焚烧秸秆"),
    Category.DISPUTE: ("巡逻途中村民因宅基地发生口角，需调解", "巡逻发现两户因漏水发生纠纷"),
}

LatLon = tuple[float, float]


@dataclass
class _Shift:
    id: int
    plan: str
    unit_id: int
    kind: UnitKind
    start: float
    end: float
    draft: PlanDraft


@dataclass
class PatrolHistoryStats:
    plans: int = 0
    sites: int = 0
    shifts: int = 0
    fixes: int = 0
    reviews: int = 0
    reports: int = 0


@dataclass
class PatrolHistory:
    db: Database
    county: County
    ids: CountyIds
    actors: DemoActors
    seed: int
    start: datetime
    end: datetime
    stats: PatrolHistoryStats = field(default_factory=PatrolHistoryStats)
    _filed: dict[int, int] = field(default_factory=dict)  # report key -> case id

    # -- before the appeals' history ---------------------------------------------------------------------------

    def setup(self) -> list[tuple[float, Callable[[Session, datetime], None]]]:
        """Plans, key sites, shifts, the visits' positions and check-ins; returns the side steps for the history."""
        first = local_day(self.start) + timedelta(days=1)
        demo = demo_patrol(self.county, valid_from=first)

        def plans(s: Session) -> None:
            for draft in demo.plans:
                create_plan(s, draft, actor=self.actors.leader, now=self.start, source="demo")
            import_sites(s, list(demo.sites), actor=self.actors.admin, now=self.start)

        write_transaction(self.db.sessions, plans)
        self.stats.plans, self.stats.sites = len(demo.plans), len(demo.sites)
        days = days_between(first, local_day(self.end))
        write_transaction(self.db.sessions, lambda s: ensure_days(s, days, now=self.end, rematch=False))
        shifts = self._shifts({d.name: d for d in demo.plans})
        self.stats.shifts = len(shifts)
        rng = random.Random(self.seed * 17 + 3)
        outcomes: dict[int, str] = {}
        visits: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
        for shift in shifts:
            roll = rng.random()
            outcome = "on_time" if roll < ON_TIME else "late" if roll < ON_TIME + LATE else "missed"
            outcomes[shift.id] = outcome
            fixes = [f for f in self._visits(rng, shift, outcome) if f[0] <= self.end.timestamp()]
            if fixes:
                visits[(shift.id, shift.unit_id)] = fixes
        self._store(visits)
        return self._reviews(rng, shifts, outcomes) + self._reports(rng, shifts, visits)

    def _shifts(self, drafts: dict[str, PlanDraft]) -> list[_Shift]:
        with self.db.session() as s:
            rows = s.execute(
                select(PatrolShift.id, PatrolPlan.name, PatrolShift.starts_at, PatrolShift.ends_at)
                .join(PatrolPlan, PatrolPlan.id == PatrolShift.plan_id)
                .where(PatrolShift.starts_at < self.end)
                .order_by(PatrolShift.starts_at, PatrolShift.id)
            ).all()
        kinds = {u.callsign: u.kind for u in self.county.units}
        out = []
        for shift_id, name, starts, ends in rows:
            draft = drafts[name]
            unit = draft.team[0]
            out.append(
                _Shift(shift_id, name, self.ids.units[unit], kinds[unit], starts.timestamp(), ends.timestamp(), draft)
            )
        return out

    # -- visits ---------------------------------------------------------------------------------------------------

    def _visits(self, rng: random.Random, shift: _Shift, outcome: str) -> list[tuple[float, float, float]]:
        targets = shift.draft.targets
        failing = rng.randrange(len(targets)) if outcome != "on_time" else -1
        grace = patrol_settings().late_grace_s
        fixes: list[tuple[float, float, float]] = []
        t = shift.start + rng.uniform(120, 600)
        for n, target in enumerate(targets):
            if n == failing and outcome == "late":
                t = max(t, shift.end + rng.uniform(30, 180))
            cut = 0.45 if n == failing and outcome == "missed" else 1.0
            if n == failing and outcome == "missed" and rng.random() < 0.4:
                continue  # skipped altogether
            part = self._visit(rng, shift, target, t, cut)
            if part:
                fixes.extend(part)
                t = part[-1][0] + rng.uniform(60, 300)
        return [f for f in fixes if shift.start <= f[0] <= shift.end + grace]

    def _visit(
        self, rng: random.Random, shift: _Shift, target: TargetDraft, t: float, cut: float
    ) -> list[tuple[float, float, float]]:
        geometry = target.geometry
        if target.kind == TargetKind.POINT:
            lon, lat = geometry["coordinates"]
            stay = ((target.dwell_s or 0.0) + rng.uniform(60, 240)) * cut
            return [(t + k * STAND_STEP_S, *_jitter(rng, lat, lon, 8.0)) for k in range(int(stay // STAND_STEP_S) + 1)]
        if target.kind == TargetKind.ROUTE:
            route = sample_route(geometry["coordinates"])
            step = SPEED_MS.get(shift.kind, 8.3) * DRIVE_STEP_S
            along = np.arange(0.0, route.length_m * cut + step, step)
            out = []
            for k, metres in enumerate(along):
                i = min(int(metres / 10.0), route.count - 1)
                lat, lon = route.frame.latlon(float(route.xs[i]), float(route.ys[i]))
                out.append((t + k * DRIVE_STEP_S, *_jitter(rng, lat, lon, 5.0)))
            return out
        polygon = shape(geometry)
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        lat, lon = polygon.centroid.y, polygon.centroid.x
        minutes = ((target.min_minutes or 0.0) + rng.uniform(3, 8)) * cut
        out = []
        for k in range(int(minutes * 60 // STAND_STEP_S) + 1):
            for _ in range(10):  # a walk that stays inside the area
                nlat = lat + rng.gauss(0, (max_lat - min_lat) / 12)
                nlon = lon + rng.gauss(0, (max_lon - min_lon) / 12)
                if polygon.contains(Point(nlon, nlat)):
                    lat, lon = nlat, nlon
                    break
            out.append((t + k * STAND_STEP_S, round(lat, 6), round(lon, 6)))
        return out

    def _store(self, visits: dict[tuple[int, int], list[tuple[float, float, float]]]) -> None:
        """The positions in bulk, then what they prove, a week of shifts per transaction."""
        pairs = sorted(visits, key=lambda p: visits[p][0][0])
        for start in range(0, len(pairs), 400):
            chunk = {p: visits[p] for p in pairs[start : start + 400]}
            rows = [
                {
                    "unit_id": unit,
                    "fix_at": datetime.fromtimestamp(t, UTC),
                    "lat": lat,
                    "lon": lon,
                    "speed_kmh": None,
                    "course": None,
                    "source": "demo",
                }
                for (_, unit), fixes in chunk.items()
                for t, lat, lon in fixes
            ]

            def work(s: Session, rows: list[dict[str, Any]] = rows, chunk: Any = chunk) -> None:
                conn = s.connection()
                for n in range(0, len(rows), 2000):
                    conn.execute(insert(Position), rows[n : n + 2000])
                match_loaded(s, chunk, now=self.end, record=False)

            write_transaction(self.db.sessions, work)
            self.stats.fixes += len(rows)

    # -- side steps of the appeals' history -------------------------------------------------------------------

    def _reviews(
        self, rng: random.Random, shifts: list[_Shift], outcomes: dict[int, str]
    ) -> list[tuple[float, Callable[[Session, datetime], None]]]:
        """Every shift up to the day before yesterday is reviewed the next morning; yesterday's await review."""
        last = local_day(self.end) - timedelta(days=2)
        steps: list[tuple[float, Callable[[Session, datetime], None]]] = []
        done: dict[Any, list[int]] = {}
        for shift in shifts:
            day = local_day(shift.start)
            if day > last:
                continue
            if outcomes[shift.id] == "missed" and rng.random() < 0.8:
                at = local_midnight(day + timedelta(days=1)).timestamp() + 8 * 3600 + rng.uniform(0, 100 * 60)
                steps.append((at, self._return(shift.id)))
                if rng.random() < 0.5:
                    steps.append((at + rng.uniform(4, 30) * 3600, self._approve([shift.id], EXPLAINED_REMARK)))
            else:
                done.setdefault(day, []).append(shift.id)
        for day, ids in done.items():  # the rest of the day's shifts: "approve all" the next morning
            at = local_midnight(day + timedelta(days=1)).timestamp() + 8 * 3600 + rng.uniform(0, 100 * 60)
            steps.append((at, self._approve(ids, None)))
        self.stats.reviews = sum(len(ids) for ids in done.values()) + len(steps) - len(done)
        return steps

    def _approve(self, shift_ids: list[int], remark: str | None) -> Callable[[Session, datetime], None]:
        def step(s: Session, now: datetime) -> None:
            approve_shifts(s, shift_ids, actor=self.actors.leader, remark=remark, now=now)

        return step

    def _return(self, shift_id: int) -> Callable[[Session, datetime], None]:
        def step(s: Session, now: datetime) -> None:
            return_shift(s, shift_id, remark=RETURN_REMARK, actor=self.actors.leader, now=now)

        return step

    def _reports(
        self,
        rng: random.Random,
        shifts: list[_Shift],
        visits: dict[tuple[int, int], list[tuple[float, float, float]]],
    ) -> list[tuple[float, Callable[[Session, datetime], None]]]:
        """About one report a day filed on patrol by a brigade or a volunteer team, then resolved and closed."""
        steps: list[tuple[float, Callable[[Session, datetime], None]]] = []
        candidates = [
            s
            for s in shifts
            if s.kind in (UnitKind.PATROL_CAR, UnitKind.VOLUNTEER_TEAM) and (s.id, s.unit_id) in visits
        ]
        by_day: dict[Any, list[_Shift]] = {}
        for s in candidates:
            by_day.setdefault(local_day(s.start), []).append(s)
        key = 0
        for day in sorted(by_day):
            for shift in rng.sample(by_day[day], k=min(len(by_day[day]), 1 + (rng.random() < 0.3))):
                fixes = visits[(shift.id, shift.unit_id)]
                t, lat, lon = fixes[rng.randrange(len(fixes))]
                at = t + 1.0
                if at >= self.end.timestamp() - 60:
                    continue
                category = rng.choice(sorted(REPORTS))
                text = rng.choice(REPORTS[category])
                key += 1
                steps.append((at, self._file(key, shift.unit_id, lat, lon, category, text)))
                fate = rng.random()
                if fate < 0.12:
                    steps.append((at + rng.uniform(600, 3600), self._invalidate(key)))
                else:
                    resolved = at + rng.uniform(1, 4) * 3600
                    steps.append((resolved, self._resolve(key)))
                    steps.append((resolved + rng.uniform(2, 20) * 3600, self._close(key)))
        self.stats.reports = key
        return [s for s in steps if s[0] < self.end.timestamp()]

    def _file(
        self, key: int, unit_id: int, lat: float, lon: float, category: Category, text: str
    ) -> Callable[[Session, datetime], None]:
        def step(s: Session, now: datetime) -> None:
            # The unit reports where it stands (one more fix), then files what it found there.
            ingest_in_transaction(
                s, [Fix(fix_at=now, lat=lat, lon=lon, unit_id=unit_id)], source="demo", actor=SYSTEM, now=now
            )
            filed = file_patrol_report(
                s,
                unit_id=unit_id,
                category=category,
                priority=Priority.YELLOW,
                description=text,
                actor=self.actors.dispatcher,
                now=now,
            )
            self._filed[key] = filed.intake.case.id

        return step

    def _resolve(self, key: int) -> Callable[[Session, datetime], None]:
        def step(s: Session, now: datetime) -> None:
            case_service.resolve_case(
                s,
                case_id=self._filed[key],
                resolution="已由巡逻人员现场处置完毕",
                actor=self.actors.dispatcher,
                now=now,
            )

        return step

    def _close(self, key: int) -> Callable[[Session, datetime], None]:
        def step(s: Session, now: datetime) -> None:
            case_service.close_case(s, case_id=self._filed[key], actor=self.actors.leader, now=now)

        return step

    def _invalidate(self, key: int) -> Callable[[Session, datetime], None]:
        def step(s: Session, now: datetime) -> None:
            case_service.invalidate_case(
                s, case_id=self._filed[key], reason="重复上报，已有同类事件在办", actor=self.actors.dispatcher, now=now
            )

        return step


def _jitter(rng: random.Random, lat: float, lon: float, metres: float) -> LatLon:
    r = metres * math.sqrt(rng.random())
    a = rng.uniform(0, 2 * math.pi)
    dlat = r * math.sin(a) / 111_195.0
    dlon = r * math.cos(a) / (111_195.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)
