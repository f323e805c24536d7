"""Rank units for a case by estimated arrival (vectorised over all candidate units).

estimated arrival = road distance / the kind's speed
                    + penalty for a stale fix (or none at all)
                    − bonus when the unit has a capability the category wants
                    − bonus for the grid's own grid worker on a grid matter
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from ..enums import Category, UnitKind
from ..rules import Rules
from .distance import haversine_many_m

KINDS: tuple[UnitKind, ...] = tuple(UnitKind)
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}


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
    distance_m: float
    eta_s: float
    reasons: tuple[str, ...]


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
) -> list[Ranked]:
    """The `limit` best units by estimated arrival, with the reasons that moved each one."""
    n = len(units)
    if n == 0:
        return []
    speeds_ms = np.array([rules.speed_kmh[k] / 3.6 for k in KINDS], dtype=np.float64)[units.kinds]
    has_fix = ~np.isnan(units.lats)
    dist = np.full(n, np.nan)
    if has_fix.any():
        dist[has_fix] = haversine_many_m(lat, lon, units.lats[has_fix], units.lons[has_fix]) * rules.road_factor
    eta = np.where(has_fix, dist / speeds_ms, rules.no_fix_penalty_s)
    age = now.timestamp() - units.fix_ts
    # A place without a fix time (an imported base position) is as unsure as an old fix.
    stale = has_fix & ((age > rules.stale_fix_s) | np.isnan(units.fix_ts))
    eta = eta + np.where(stale, rules.stale_penalty_s, 0.0)

    wanted = rules.capabilities.get(category, frozenset())
    wanted_bits = units.mask(wanted)
    capable = (units.capability_bits & wanted_bits) != 0
    if wanted_bits:
        eta = eta - np.where(capable, rules.capability_bonus_s, 0.0)
    own = np.zeros(n, dtype=bool)
    if grid_id is not None and category in rules.grid_matters:
        own = (units.home_grid == grid_id) & (units.kinds == KIND_INDEX[UnitKind.GRID_WORKER])
        eta = eta - np.where(own, rules.own_grid_worker_bonus_s, 0.0)

    k = min(limit, n)
    order = np.argpartition(eta, k - 1)[:k] if k < n else np.arange(n)
    order = order[np.argsort(eta[order], kind="stable")]
    out: list[Ranked] = []
    for i in order:
        reasons: list[str] = []
        if own[i]:
            reasons.append("own_grid_worker")
        if capable[i]:
            reasons.extend(f"capability:{c}" for c in sorted(units.capabilities[i] & wanted))
        if not has_fix[i]:
            reasons.append("no_fix")
        elif stale[i]:
            reasons.append("stale_fix")
        reasons.append("nearest" if not reasons else "distance")
        travel = float(dist[i] / speeds_ms[i]) if has_fix[i] else float(rules.no_fix_penalty_s)
        out.append(
            Ranked(
                index=int(i),
                unit_id=int(units.ids[i]),
                distance_m=float(dist[i]) if has_fix[i] else float("nan"),
                eta_s=max(0.0, travel),
                reasons=tuple(reasons),
            )
        )
    return out
