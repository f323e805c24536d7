"""Rank units for a case by estimated arrival (vectorised over all candidate units).

estimated arrival = travel time (console.geo.travel: over the road network when one is stored, else the
                    straight-line distance × road_factor at the kind's speed)
                    + penalty for a stale fix (or none at all)
                    − bonus when the unit has a capability the category wants
                    − bonus for the grid's own grid worker on a grid matter
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from ..enums import Category, UnitKind
from ..rules import Rules
from .distance import haversine_many_m
from .travel import KIND_INDEX, KINDS, ROAD, StraightTravel, TravelEstimate, TravelModel

__all__ = ["KINDS", "KIND_INDEX", "Ranked", "UnitArrays", "rank"]


@dataclass
class UnitArrays:
    """Columnar snapshot of candidate units, built once and reused for many rankings."""

    ids: NDArray[np.int64]
    callsigns: list[str]
    kinds: NDArray[np.int8]
    lats: NDArray[np.float64]  # NaN when the unit has no known place
    lons: NDArray[np.float64]
    fix_ts: NDArray[np.float64]  # POSIX seconds, NaN when no fix (also for an imported place)
    home_grid: NDArray[np.int64]  # -1 when none
    capabilities: list[frozenset[str]]
    capability_bits: NDArray[np.int64]  # bit i set when the unit has capability vocabulary[i]
    vocabulary: dict[str, int]

    def mask(self, wanted: frozenset[str]) -> int:
        bits = 0
        for name in wanted:
            if name in self.vocabulary:
                bits |= 1 << self.vocabulary[name]
        return bits

    @classmethod
    def build(
        cls,
        rows: Sequence[
            tuple[int, str, UnitKind, float | None, float | None, datetime | None, int | None, Sequence[str]]
        ],
    ) -> UnitArrays:
        n = len(rows)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        kinds = np.fromiter((KIND_INDEX[UnitKind(r[2])] for r in rows), dtype=np.int8, count=n)
        lats = np.fromiter((np.nan if r[3] is None else r[3] for r in rows), dtype=np.float64, count=n)
        lons = np.fromiter((np.nan if r[4] is None else r[4] for r in rows), dtype=np.float64, count=n)
        fix_ts = np.fromiter((np.nan if r[5] is None else r[5].timestamp() for r in rows), dtype=np.float64, count=n)
        home = np.fromiter((-1 if r[6] is None else r[6] for r in rows), dtype=np.int64, count=n)
        caps = [frozenset(r[7] or ()) for r in rows]
        vocabulary: dict[str, int] = {}
        for c in caps:
            for name in sorted(c):
                if name not in vocabulary and len(vocabulary) < 63:
                    vocabulary[name] = len(vocabulary)
        bits = np.fromiter(
            (sum(1 << vocabulary[name] for name in c if name in vocabulary) for c in caps), dtype=np.int64, count=n
        )
        return cls(ids, [r[1] for r in rows], kinds, lats, lons, fix_ts, home, caps, bits, vocabulary)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class Ranked:
    index: int  # position in the UnitArrays
    unit_id: int
    distance_m: float  # NaN when unknown (no position, unreachable)
    eta_s: float  # inf when the unit cannot reach the place over the roads
    reasons: tuple[str, ...]
    route: str = "straight"  # road | straight: which estimate eta_s and distance_m are


def unit_speeds_ms(units: UnitArrays, rules: Rules) -> NDArray[np.float64]:
    """Each unit's speed (m/s) by its kind, as the straight-line estimate uses it."""
    speeds: NDArray[np.float64] = np.array([rules.speed_kmh[k] / 3.6 for k in KINDS], dtype=np.float64)[units.kinds]
    return speeds


def stale_fixes(units: UnitArrays, *, now: datetime, rules: Rules) -> NDArray[np.bool_]:
    """Units whose position is too old to count on (older than `stale_fix_s`), or a place without a fix time (an
    imported base position): as unsure as an old fix. Units with no position at all are not in it."""
    has_fix = ~np.isnan(units.lats)
    age = now.timestamp() - units.fix_ts
    stale: NDArray[np.bool_] = has_fix & ((age > rules.stale_fix_s) | np.isnan(units.fix_ts))
    return stale


def arrival_matrix(
    units: UnitArrays,
    lats: NDArray[np.float64],
    lons: NDArray[np.float64],
    *,
    now: datetime,
    rules: Rules,
    travel: TravelModel | None = None,
    limit_s: float = math.inf,
) -> NDArray[np.float64]:
    """Estimated arrival (s) of every unit at every point, shape (points, units): the travel time dispatch ranks by
    (over the road network when `travel` routes, else straight line × road factor), plus the stale-fix penalty; a
    unit that never reported gets the no-fix penalty; inf where the unit cannot get there within `limit_s`. What
    dispatch ranks by before its capability and own-grid bonuses; the readiness of key sites asks this."""
    model = travel or StraightTravel(rules)
    has_fix = ~np.isnan(units.lats)
    if len(lats) == 0 or len(units) == 0:
        return np.zeros((len(lats), len(units)))
    travel_s = model.matrix(units.kinds, units.lats, units.lons, lats, lons, limit_s=limit_s)
    eta = np.where(has_fix[None, :], travel_s, rules.no_fix_penalty_s)
    out: NDArray[np.float64] = eta + np.where(stale_fixes(units, now=now, rules=rules), rules.stale_penalty_s, 0.0)
    return out


def rank(
    units: UnitArrays,
    *,
    lat: float,
    lon: float,
    category: Category,
    grid_id: int | None,
    now: datetime,
    rules: Rules,
    limit: int = 3,
    travel: TravelModel | None = None,
) -> list[Ranked]:
    """The `limit` best units by estimated arrival, with the reasons that moved each one.

    With a road model, a unit that cannot reach the place over the roads is ranked after every unit that can,
    with the reason `unreachable`."""
    n = len(units)
    if n == 0:
        return []
    has_fix = ~np.isnan(units.lats)
    stale = stale_fixes(units, now=now, rules=rules)
    adjust = np.where(stale, rules.stale_penalty_s, 0.0)
    wanted = rules.capabilities.get(category, frozenset())
    wanted_bits = units.mask(wanted)
    capable = (units.capability_bits & wanted_bits) != 0
    if wanted_bits:
        adjust = adjust - np.where(capable, rules.capability_bonus_s, 0.0)
    own = np.zeros(n, dtype=bool)
    if grid_id is not None and category in rules.grid_matters:
        own = (units.home_grid == grid_id) & (units.kinds == KIND_INDEX[UnitKind.GRID_WORKER])
        adjust = adjust - np.where(own, rules.own_grid_worker_bonus_s, 0.0)

    k = min(limit, n)
    est = _estimate(travel or StraightTravel(rules), units, lat, lon, adjust, has_fix, k, rules)
    travel_s = np.where(has_fix, est.eta_s, rules.no_fix_penalty_s)
    score = np.where(np.isfinite(travel_s), travel_s + adjust, np.inf)
    order = np.argpartition(score, k - 1)[:k] if k < n else np.arange(n)
    order = order[np.lexsort((order, score[order]))]
    distances = est.distances_m(order.tolist())
    out: list[Ranked] = []
    for i, distance in zip(order.tolist(), distances.tolist(), strict=True):
        reasons: list[str] = []
        if own[i]:
            reasons.append("own_grid_worker")
        if capable[i]:
            reasons.extend(f"capability:{c}" for c in sorted(units.capabilities[i] & wanted))
        if not has_fix[i]:
            reasons.append("no_fix")
        elif stale[i]:
            reasons.append("stale_fix")
        reachable = bool(np.isfinite(travel_s[i]))
        if not reachable:
            reasons.append("unreachable")
        reasons.append("nearest" if not reasons else "distance")
        route = est.route_of(i) if has_fix[i] else "straight"
        if has_fix[i] and reachable:
            reasons.append("road" if route == ROAD else "straight_line")
        out.append(
            Ranked(
                index=i,
                unit_id=int(units.ids[i]),
                distance_m=float(distance) if has_fix[i] and reachable else float("nan"),
                eta_s=max(0.0, float(travel_s[i])) if reachable else float("inf"),
                reasons=tuple(reasons),
                route=route,
            )
        )
    return out


def _estimate(
    model: TravelModel,
    units: UnitArrays,
    lat: float,
    lon: float,
    adjust: NDArray[np.float64],
    has_fix: NDArray[np.bool_],
    k: int,
    rules: Rules,
) -> TravelEstimate:
    """Travel times with a search bounded just far enough that the `k` best scores are exact: start from twice the
    k-th best straight-line time, and widen (×4) while a unit beyond the bound could still beat the k-th best."""
    if not model.routed or not has_fix.any():
        return model.to_point(units.kinds, units.lats, units.lons, lat, lon, limit_s=math.inf)
    most = rules.roads.search_limit_s
    speeds = np.array([rules.speed_kmh[kind] / 3.6 for kind in KINDS])[units.kinds[has_fix]]
    straight = haversine_many_m(lat, lon, units.lats[has_fix], units.lons[has_fix]) * rules.road_factor / speeds
    kth = float(np.partition(straight, min(k, len(straight)) - 1)[min(k, len(straight)) - 1])
    bound = min(most, max(300.0, 2 * kth + 300.0))
    while True:
        est = model.to_point(units.kinds, units.lats, units.lons, lat, lon, limit_s=bound)
        if bound >= most:
            return est
        known = np.where(has_fix, est.eta_s, rules.no_fix_penalty_s) + adjust
        known = np.where(np.isfinite(known), known, np.inf)
        beyond = has_fix & np.isinf(est.eta_s)
        if not beyond.any():
            return est
        best_beyond = float(np.min(est.lower_bound_s[beyond] + adjust[beyond]))
        kth_known = float(np.partition(known, k - 1)[k - 1])
        if kth_known <= best_beyond:
            return est
        bound = min(most, bound * 4)
