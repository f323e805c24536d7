"""What patrolling units do in the simulator while they are not dispatched: their plan's targets during its shifts.

A unit whose plan has a window running now (or starting within `LEAD_S`) goes from target to target in turn: to a
point, where it stands for the dwell and a little more; along a route, from its nearer end; into an area, where it
walks a few legs and stops a while. A unit under a relocation order goes to its post and stands by there. Anything
else, and any unit without a plan, patrols as before. Plans and orders are read again every `REFRESH_S`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import select

from ..db import Database
from ..enums import PlanStatus, TargetKind
from ..geo.distance import haversine_m
from ..models import PatrolPlan, PatrolPlanUnit, PatrolTarget
from ..patrol.config import patrol_settings
from ..patrol.schedule import Schedule, local_day
from ..services.relocation import standing_orders
from .motion import LatLon, Path, detour

REFRESH_S = 60.0
LEAD_S = 600.0
ARRIVED_M = 25.0


@dataclass(frozen=True)
class _Target:
    kind: TargetKind
    geometry: dict[str, Any]
    dwell_s: float
    min_minutes: float


@dataclass
class _Plan:
    id: int
    schedule: Schedule
    targets: list[_Target]


@dataclass
class PatrolPlanner:
    db: Database
    plans: dict[int, list[_Plan]] = field(default_factory=dict)  # unit id -> plans
    orders: dict[int, LatLon] = field(default_factory=dict)  # unit id -> post
    turn: dict[int, int] = field(default_factory=dict)  # unit id -> next target number
    going: dict[int, tuple[_Target, LatLon]] = field(default_factory=dict)  # unit id -> target and where it stops
    _loaded_at: float = -math.inf

    def _refresh(self, now: datetime) -> None:
        if now.timestamp() - self._loaded_at < REFRESH_S:
            return
        self._loaded_at = now.timestamp()
        with self.db.session() as s:
            plans = {
                p.id: _Plan(p.id, Schedule.of(p.days, p.windows, p.valid_from, p.valid_to), [])
                for p in s.scalars(select(PatrolPlan).where(PatrolPlan.status == PlanStatus.ACTIVE))
            }
            for t in s.scalars(
                select(PatrolTarget)
                .where(PatrolTarget.retired_at.is_(None))
                .order_by(PatrolTarget.plan_id, PatrolTarget.seq)
            ):
                if t.plan_id in plans:
                    plans[t.plan_id].targets.append(_Target(t.kind, t.geometry, t.dwell_s or 0.0, t.min_minutes or 0.0))
            by_unit: dict[int, list[_Plan]] = {}
            for plan_id, unit_id in s.execute(select(PatrolPlanUnit.plan_id, PatrolPlanUnit.unit_id)).tuples():
                if plan_id in plans and plans[plan_id].targets:
                    by_unit.setdefault(unit_id, []).append(plans[plan_id])
            self.plans = by_unit
            self.orders = {u: (o.lat, o.lon) for u, o in standing_orders(s).items()}

    def _on_shift(self, unit_id: int, now: datetime) -> _Plan | None:
        t = now.timestamp()
        grace = patrol_settings().late_grace_s
        day = local_day(now)
        for plan in self.plans.get(unit_id, ()):
            for d in (day, day.fromordinal(day.toordinal() - 1)):
                for span in plan.schedule.spans(d, grace):
                    if span.start - LEAD_S <= t <= span.end:
                        return plan
        return None

    def steer(self, unit_id: int, position: LatLon, now: datetime, rng: random.Random) -> tuple[Path, float] | None:
        """The path and the stop after it for a unit free to patrol, or None to let it patrol as it would."""
        self._refresh(now)
        if not self.plans and not self.orders:
            return None
        post = self.orders.get(unit_id)
        if post is not None:
            if haversine_m(position[0], position[1], post[0], post[1]) <= ARRIVED_M:
                return Path([post]), rng.uniform(300, 900)  # standing by at the post
            return Path(detour(rng, position, post, bends=1, wiggle=0.08)), 0.0
        plan = self._on_shift(unit_id, now)
        if plan is None:
            self.going.pop(unit_id, None)
            return None
        arrived = self.going.pop(unit_id, None)
        if arrived is not None:
            target, _ = arrived
            return Path([position]), _stay(target, rng)
        n = self.turn.get(unit_id, 0)
        self.turn[unit_id] = n + 1
        target = plan.targets[n % len(plan.targets)]
        path = _path_to(target, position, rng)
        self.going[unit_id] = (target, path[-1])
        return Path(path), 0.0


def _stay(target: _Target, rng: random.Random) -> float:
    if target.kind == TargetKind.POINT:
        return target.dwell_s + rng.uniform(30, 180)
    if target.kind == TargetKind.AREA:
        return rng.uniform(60, 300)
    return rng.uniform(30, 120)


def _path_to(target: _Target, position: LatLon, rng: random.Random) -> list[LatLon]:
    coords = target.geometry["coordinates"]
    if target.kind == TargetKind.POINT:
        spot = (coords[1] + rng.gauss(0, 0.00004), coords[0] + rng.gauss(0, 0.00004))
        return detour(rng, position, spot, bends=1, wiggle=0.08)
    if target.kind == TargetKind.ROUTE:
        line = [(c[1], c[0]) for c in coords]
        if haversine_m(*position, *line[-1]) < haversine_m(*position, *line[0]):
            line.reverse()
        return detour(rng, position, line[0], bends=1, wiggle=0.05) + line[1:]
    polygon = shape(target.geometry)
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    legs: list[LatLon] = []
    while len(legs) < 4:
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        if polygon.contains(Point(lon, lat)):
            legs.append((round(lat, 6), round(lon, 6)))
    return detour(rng, position, legs[0], bends=1, wiggle=0.05) + legs[1:]
