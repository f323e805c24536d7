"""Readiness of key sites (the "1-3-5 minutes" promise) and where to move units to restore it.

Live readiness = share of key sites with an available unit whose estimated arrival is within the site's target.
Arrivals come from ONE function, `arrival_seconds`, which is the estimate dispatch ranks by
(`geo.ranking.arrival_matrix`: over the stored road network when there is one — `geo.travel.travel_model` — else
straight line × road factor / the kind's speed; stale fixes penalised as in dispatch). The moves' posts are judged
by the straight-line estimate (a suggestion for the shift leader, who sees the routed figure once the unit is there).

When sites are uncovered (say a dispatch took their only unit), `suggest_moves` proposes which available unit to
move where, greedily (maximal covering): each step picks the (unit, post) whose move covers the most sites that no
unit covers, minus the sites that only that unit covered; the posts are the key sites' own positions; it stops after
`max_moves` moves or when no move gains `min_gain` sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from ..geo.distance import haversine_matrix_m
from ..geo.ranking import UnitArrays, arrival_matrix, unit_speeds_ms
from ..geo.travel import TravelModel, travel_model
from ..models import KeySite
from ..rules import Rules, default_rules
from ..services import scope
from ..services.actor import Actor
from ..services.dispatch import available_units
from ..stats.kpi import Ratio
from .config import patrol_settings


def arrival_seconds(
    units: UnitArrays,
    lats: NDArray[np.float64],
    lons: NDArray[np.float64],
    *,
    now: datetime,
    rules: Rules,
    travel: TravelModel | None = None,
    limit_s: float = math.inf,
) -> NDArray[np.float64]:
    """Estimated arrival (s) of each available unit at each site: shape (sites, units); inf beyond `limit_s`. The
    one place readiness asks how long a unit needs; it is the estimate dispatch uses."""
    return arrival_matrix(units, lats, lons, now=now, rules=rules, travel=travel, limit_s=limit_s)


@dataclass(frozen=True)
class Sites:
    ids: NDArray[np.int64]
    codes: list[str]
    names: list[str]
    kinds: list[str]
    lats: NDArray[np.float64]
    lons: NDArray[np.float64]
    target_s: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.ids)


def load_sites(session: Session, actor: Actor | None = None) -> Sites:
    """Every key site (those in `actor`'s scope when given)."""
    rows = session.execute(
        select(KeySite.id, KeySite.code, KeySite.name, KeySite.kind, KeySite.lat, KeySite.lon, KeySite.target_min)
        .where(scope.site_filter(actor) if actor is not None else true())
        .order_by(KeySite.code)
    ).all()
    return Sites(
        np.array([r[0] for r in rows], dtype=np.int64),
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        np.array([r[4] for r in rows], dtype=np.float64),
        np.array([r[5] for r in rows], dtype=np.float64),
        np.array([r[6] * 60.0 for r in rows], dtype=np.float64),
    )


@dataclass(frozen=True, slots=True)
class SiteCover:
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    target_min: float
    covered: bool
    best_unit: str | None
    best_eta_s: float | None
    units_within: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "lat": self.lat,
            "lon": self.lon,
            "target_min": self.target_min,
            "covered": self.covered,
            "best_unit": self.best_unit,
            "best_eta_s": None if self.best_eta_s is None else round(self.best_eta_s),
            "units_within": self.units_within,
        }


@dataclass(frozen=True, slots=True)
class Move:
    callsign: str
    unit_id: int
    to_site: str  # code of the key site whose position is the post
    lat: float
    lon: float
    covers: tuple[str, ...]  # sites uncovered before that the move covers
    uncovers: tuple[str, ...]  # sites only this unit covered that it leaves
    gain: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.callsign,
            "to_site": self.to_site,
            "lat": self.lat,
            "lon": self.lon,
            "covers": list(self.covers),
            "uncovers": list(self.uncovers),
            "gain": self.gain,
        }


@dataclass(frozen=True)
class Readiness:
    at: datetime
    sites: list[SiteCover]
    units_available: int
    moves: list[Move] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(1 for s in self.sites if s.covered)

    @property
    def rate(self) -> Ratio:
        return Ratio(self.covered, len(self.sites))

    def by_target(self) -> dict[str, Ratio]:
        out: dict[str, Ratio] = {}
        for minutes in sorted({s.target_min for s in self.sites}):
            group = [s for s in self.sites if s.target_min == minutes]
            out[f"{minutes:g}"] = Ratio(sum(1 for s in group if s.covered), len(group))
        return out

    def by_kind(self) -> dict[str, Ratio]:
        out: dict[str, Ratio] = {}
        for kind in sorted({s.kind for s in self.sites}):
            group = [s for s in self.sites if s.kind == kind]
            out[kind] = Ratio(sum(1 for s in group if s.covered), len(group))
        return out

    @property
    def uncovered(self) -> list[SiteCover]:
        return [s for s in self.sites if not s.covered]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "sites": len(self.sites),
            "covered": self.covered,
            "units_available": self.units_available,
            "readiness_rate": self.rate.as_dict(),
            "by_target_min": {k: v.as_dict() for k, v in self.by_target().items()},
            "by_kind": {k: v.as_dict() for k, v in self.by_kind().items()},
            "uncovered": [s.as_dict() for s in self.uncovered],
            "suggested_moves": [m.as_dict() for m in self.moves],
        }


def assess(
    units: UnitArrays,
    sites: Sites,
    *,
    now: datetime,
    rules: Rules,
    max_moves: int | None = None,
    min_gain: int | None = None,
    travel: TravelModel | None = None,
) -> Readiness:
    """Readiness of the sites with these available units, and the suggested moves (pure: no database). `travel`:
    the road network's model (default: straight line); the search goes no further than the longest target."""
    settings = patrol_settings()
    limit = float(sites.target_s.max()) if len(sites) else 0.0
    eta = arrival_seconds(units, sites.lats, sites.lons, now=now, rules=rules, travel=travel, limit_s=limit)
    within = eta <= sites.target_s[:, None]
    count = within.sum(axis=1) if len(units) else np.zeros(len(sites), dtype=np.int64)
    best = np.argmin(eta, axis=1) if len(units) else None
    covers = []
    for i in range(len(sites)):
        b = int(best[i]) if best is not None else None
        covers.append(
            SiteCover(
                sites.codes[i],
                sites.names[i],
                sites.kinds[i],
                float(sites.lats[i]),
                float(sites.lons[i]),
                float(sites.target_s[i] / 60.0),
                bool(count[i] > 0),
                units.callsigns[b] if b is not None and math.isfinite(eta[i, b]) else None,
                float(eta[i, b]) if b is not None and math.isfinite(eta[i, b]) else None,
                int(count[i]),
            )
        )
    moves = suggest_moves(
        units,
        sites,
        eta,
        rules=rules,
        max_moves=settings.max_moves if max_moves is None else max_moves,
        min_gain=settings.min_gain if min_gain is None else min_gain,
    )
    return Readiness(now, covers, len(units), moves)


def suggest_moves(
    units: UnitArrays,
    sites: Sites,
    eta: NDArray[np.float64],
    *,
    rules: Rules,
    max_moves: int,
    min_gain: int,
) -> list[Move]:
    """Greedy maximal covering: repeatedly the move with the largest net gain of covered sites."""
    n_sites, n_units = eta.shape
    if n_sites == 0 or n_units == 0 or max_moves <= 0:
        return []
    eta = eta.copy()
    target = sites.target_s
    speeds = unit_speeds_ms(units, rules)
    kinds = sorted(set(units.kinds.tolist()))
    post_dist, reach = _posts(sites, rules, {k: float(speeds[units.kinds == k][0]) for k in kinds})
    moved = np.zeros(n_units, dtype=bool)
    out: list[Move] = []
    for _ in range(max_moves):
        within = eta <= target[:, None]
        count = within.sum(axis=1)
        uncovered = (count == 0).astype(np.float32)
        sole = (within & (count == 1)[:, None]).astype(np.float32)  # (sites, units): sites only this unit covers
        sole_count = sole.sum(axis=0)
        best_gain, best = 0.0, None
        for k in kinds:
            members = np.flatnonzero((units.kinds == k) & ~moved)
            if not len(members):
                continue
            cover = reach[k]  # (posts, sites), 1.0 where a unit of this kind at the post reaches the site in time
            gain = cover @ uncovered  # (posts,)
            posts = np.flatnonzero(gain >= max(min_gain, best_gain + 1))  # no other post can do better
            if not len(posts):
                continue
            net = gain[posts][:, None] - sole_count[members][None, :]
            # A unit that is some site's only cover keeps those of its sites it still reaches from the post (few
            # units and fewer sites: gathered column by column, no matrix product).
            for column in np.flatnonzero(sole_count[members] > 0):
                mine = np.flatnonzero(sole[:, members[column]])
                net[:, column] += cover[np.ix_(posts, mine)].sum(axis=1)
            at, member = (int(v) for v in np.unravel_index(int(np.argmax(net)), net.shape))
            if net[at, member] > best_gain:
                best_gain, best = float(net[at, member]), (int(posts[at]), int(members[member]))
        if best is None or best_gain < min_gain:
            break
        post, unit = best
        new_row = post_dist[post] / float(speeds[unit])
        newly = [sites.codes[s] for s in range(n_sites) if uncovered[s] and new_row[s] <= target[s]]
        lost = [sites.codes[s] for s in range(n_sites) if sole[s, unit] and new_row[s] > target[s]]
        out.append(
            Move(
                units.callsigns[unit],
                int(units.ids[unit]),
                sites.codes[post],
                float(sites.lats[post]),
                float(sites.lons[post]),
                tuple(newly),
                tuple(lost),
                int(round(best_gain)),
            )
        )
        eta[:, unit] = new_row
        moved[unit] = True
    return out


_posts_cache: dict[tuple[Any, ...], tuple[NDArray[np.float64], dict[int, NDArray[np.float32]]]] = {}


def _posts(
    sites: Sites, rules: Rules, speeds: dict[int, float]
) -> tuple[NDArray[np.float64], dict[int, NDArray[np.float32]]]:
    """Road distance from each post (a key site's position) to each site, and per unit kind which sites a unit
    standing at each post reaches within their targets. The sites change by an import only: kept for the next
    calls (the live figure is asked for after every dispatch)."""
    key = (
        sites.lats.tobytes(),
        sites.lons.tobytes(),
        sites.target_s.tobytes(),
        rules.road_factor,
        tuple(sorted(speeds.items())),
    )
    hit = _posts_cache.get(key)
    if hit is None:
        dist = haversine_matrix_m(sites.lats, sites.lons, sites.lats, sites.lons) * rules.road_factor
        reach = {k: (dist / v <= sites.target_s[None, :]).astype(np.float32) for k, v in speeds.items()}
        if len(_posts_cache) >= 4:
            _posts_cache.clear()
        hit = _posts_cache[key] = (dist, reach)
    return hit


def readiness(
    session: Session,
    *,
    now: datetime,
    rules: Rules | None = None,
    max_moves: int | None = None,
    min_gain: int | None = None,
    actor: Actor | None = None,
) -> Readiness:
    """The live figure: available units now, every key site, by the estimate dispatch uses (roads when stored).
    A scoped `actor`: its scope's key sites and the available units it may send (`scope.unit_filter`, as dispatch
    recommends), so the figure and the suggested moves are what its own units can do."""
    rules = rules or default_rules()
    return assess(
        available_units(session, actor),
        load_sites(session, actor),
        now=now,
        rules=rules,
        max_moves=max_moves,
        min_gain=min_gain,
        travel=travel_model(session, rules),
    )
