"""Travel time of units to places: the one estimate that dispatch, readiness and the map share.

Two models answer the same questions:
- `StraightTravel`: straight-line distance × `road_factor` at the kind's speed (when no road network is stored);
- `RoadTravel`: over the stored road network (console.geo.roadnet), each kind with its travel profile (car,
  e-bike, foot); drones fly straight at their speed; a unit or place too far from any road keeps the straight-line
  estimate for that pair. Every answer says which estimate it is (`route`: road or straight).

Units come as columns: `kinds` (index into `KINDS`), `lats`, `lons` (NaN: no position).

- `to_point`: every unit's arrival at one place (the ranking; one bounded search per profile from the place over
  the reversed graph gives all units' arrivals at once);
- `nearest`: for many sites, the earliest unit and its arrival (readiness: one search per profile from all units);
- `matrix`: sites × units arrival seconds within a limit (coverage, relocation);
- `route`: the way one unit goes to one place, as GeoJSON-ready coordinates for the map.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from ..enums import UnitKind
from ..rules import Rules, TravelProfile
from .distance import EARTH_RADIUS_M, haversine_m, haversine_many_m
from .roadnet import AT_END_S, ProfileGraph, RoadGraph, Search, Snap, road_graph

KINDS: tuple[UnitKind, ...] = tuple(UnitKind)
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
ROAD = "road"
STRAIGHT = "straight"

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TravelEstimate:
    """Arrival of every unit at one place. `eta_s`: seconds, NaN without a position, inf when not reached within
    the search's limit (`lower_bound_s` then says how long it takes at least). `routed`: over the road network."""

    eta_s: F64
    routed: NDArray[np.bool_]
    lower_bound_s: F64
    limit_s: float
    _distance: Callable[[Sequence[int]], F64]

    def distances_m(self, index: Sequence[int]) -> F64:
        """Travel distance of the given units (routed distance along the way found, or straight-line)."""
        return self._distance(index)

    def route_of(self, i: int) -> str:
        return ROAD if self.routed[i] else STRAIGHT


@dataclass(frozen=True, slots=True)
class Route:
    """One unit's way to one place: `coordinates` are [lon, lat] pairs (GeoJSON LineString order)."""

    route: str  # road | straight
    eta_s: float  # inf when the place cannot be reached over the roads
    distance_m: float
    coordinates: list[list[float]]

    @property
    def reachable(self) -> bool:
        return math.isfinite(self.eta_s)

    def as_geojson(self) -> dict[str, object]:
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": self.coordinates},
            "properties": {
                "route": self.route,
                "eta_s": round(self.eta_s, 1) if self.reachable else None,
                "distance_m": round(self.distance_m, 1) if math.isfinite(self.distance_m) else None,
            },
        }


class TravelModel(Protocol):
    routed: bool

    def to_point(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, lat: float, lon: float, *, limit_s: float
    ) -> TravelEstimate: ...

    def nearest(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, site_lats: F64, site_lons: F64, *, limit_s: float
    ) -> tuple[F64, I64]: ...

    def matrix(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, site_lats: F64, site_lons: F64, *, limit_s: float
    ) -> F64: ...

    def route(self, kind: UnitKind, lat: float, lon: float, to_lat: float, to_lon: float) -> Route: ...


def _kind_speeds_ms(rules: Rules, kinds: NDArray[np.int8]) -> F64:
    speeds: F64 = np.array([rules.speed_kmh[k] / 3.6 for k in KINDS], dtype=np.float64)[kinds]
    return speeds


def _haversine_grid(lat1: F64, lon1: F64, lat2: F64, lon2: F64) -> F64:
    """Great-circle metres between every point of the first set (rows) and of the second (columns)."""
    p1, p2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dl = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    grid: F64 = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return grid


def _nearest_of(matrix: F64) -> tuple[F64, I64]:
    if matrix.shape[1] == 0:
        return np.full(matrix.shape[0], np.inf), np.full(matrix.shape[0], -1, dtype=np.int64)
    best = np.argmin(np.where(np.isnan(matrix), np.inf, matrix), axis=1)
    eta = matrix[np.arange(matrix.shape[0]), best]
    found = np.isfinite(eta)
    return np.where(found, eta, np.inf), np.where(found, best, -1).astype(np.int64)


class StraightTravel:
    """The estimate without a road network: straight-line distance × road_factor at the kind's speed."""

    routed = False

    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    def to_point(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, lat: float, lon: float, *, limit_s: float = math.inf
    ) -> TravelEstimate:
        dist = haversine_many_m(lat, lon, lats, lons) * self.rules.road_factor
        eta = dist / _kind_speeds_ms(self.rules, kinds)
        return TravelEstimate(
            eta, np.zeros(len(eta), dtype=bool), eta, math.inf, lambda index: dist[np.asarray(index, dtype=np.int64)]
        )

    def matrix(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, site_lats: F64, site_lons: F64, *, limit_s: float
    ) -> F64:
        speeds = _kind_speeds_ms(self.rules, kinds)
        out = np.empty((len(site_lats), len(lats)))
        for i, (a, b) in enumerate(zip(site_lats.tolist(), site_lons.tolist(), strict=True)):
            out[i] = haversine_many_m(a, b, lats, lons) * self.rules.road_factor / speeds
        return np.where(out <= limit_s, out, np.where(np.isnan(out), np.nan, np.inf))

    def nearest(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, site_lats: F64, site_lons: F64, *, limit_s: float
    ) -> tuple[F64, I64]:
        return _nearest_of(self.matrix(kinds, lats, lons, site_lats, site_lons, limit_s=limit_s))

    def route(self, kind: UnitKind, lat: float, lon: float, to_lat: float, to_lon: float) -> Route:
        dist = haversine_m(lat, lon, to_lat, to_lon) * self.rules.road_factor
        return Route(STRAIGHT, dist / (self.rules.speed_kmh[kind] / 3.6), dist, [[lon, lat], [to_lon, to_lat]])


@dataclass
class _Group:
    """The units of one profile in one question, snapped."""

    graph: ProfileGraph
    index: I64  # positions in the caller's arrays
    snap: Snap


class RoadTravel:
    """The estimate over the stored road network."""

    routed = True

    def __init__(self, graph: RoadGraph, rules: Rules) -> None:
        self.graph = graph
        self.rules = rules
        self.roads = rules.roads
        self._snaps: dict[str, tuple[bytes, Snap]] = {}
        self._searches: dict[tuple[str, float, float], Search] = {}
        self._lock = threading.Lock()

    # -- units and profiles ---------------------------------------------------------------------------------------

    def _profile_of_kinds(self) -> list[TravelProfile | None]:
        return [self.roads.profile_of(k) for k in KINDS]

    def _groups(self, kinds: NDArray[np.int8], lats: F64, lons: F64) -> tuple[list[_Group], I64]:
        """Units by profile, snapped (the units' snaps are kept while their positions stay); and the rest (drones,
        no profile) as indexes."""
        profiles = self._profile_of_kinds()
        codes = {p.name: i for i, p in enumerate({p.name: p for p in profiles if p is not None}.values())}
        table = np.array([codes[p.name] if p else -1 for p in profiles], dtype=np.int64)
        of_unit = table[kinds] if len(kinds) else np.zeros(0, dtype=np.int64)
        groups: list[_Group] = []
        for name, code in codes.items():
            index = np.flatnonzero(of_unit == code)
            if len(index) == 0:
                continue
            graph = self.graph.profile(self.roads.profiles[name])
            groups.append(_Group(graph, index, self._snap_units(graph, lats[index], lons[index])))
        return groups, np.flatnonzero(of_unit < 0).astype(np.int64)

    def _snap_units(self, graph: ProfileGraph, lats: F64, lons: F64) -> Snap:
        return self._snap_cached("units", graph, lats, lons)

    def _snap_cached(self, what: str, graph: ProfileGraph, lats: F64, lons: F64) -> Snap:
        """Snaps of a set of points (the units, the key sites), kept while the points stay where they are."""
        key = lats.tobytes() + lons.tobytes()
        slot = f"{what}:{graph.profile.name}"
        with self._lock:
            cached = self._snaps.get(slot)
        if cached is not None and cached[0] == key:
            return cached[1]
        snap = self.graph.snap(graph, lats, lons, self.roads.snap_max_m)
        with self._lock:
            self._snaps[slot] = (key, snap)
        return snap

    def _straight(self, kinds: NDArray[np.int8], dist_m: F64, flying: bool) -> F64:
        factor = 1.0 if flying else self.rules.road_factor
        result: F64 = dist_m * factor / _kind_speeds_ms(self.rules, kinds)
        return result

    # -- one place ------------------------------------------------------------------------------------------------

    def _arrivals(self, g: _Group, search: Search, place: Snap) -> tuple[F64, I64]:
        """Network seconds of the group's units to the searched place, and how (0 via their chain's start, 1 via
        its end, 2 straight along the place's own chain; -1 none)."""
        graph, snap = g.graph, g.snap
        a, b, w = self.graph.ends(graph, snap.chain)
        c = np.maximum(snap.chain, 0)
        pos = snap.pos_s
        via_a = np.where(graph.chain_bwd[c] | (pos <= AT_END_S), pos + search.time_s[a], np.inf)
        via_b = np.where(graph.chain_fwd[c] | (pos >= w - AT_END_S), (w - pos) + search.time_s[b], np.inf)
        pc, pp = int(place.chain[0]), float(place.pos_s[0])
        ahead = pp >= pos
        direct = np.where(
            snap.chain == pc,
            np.where(
                ahead,
                np.where(graph.chain_fwd[c], pp - pos, np.inf),
                np.where(graph.chain_bwd[c], pos - pp, np.inf),
            ),
            np.inf,
        )
        options = np.stack([via_a, via_b, direct])
        how = np.argmin(options, axis=0)
        best = options[how, np.arange(len(how))]
        how = np.where(np.isfinite(best) & (snap.edge >= 0), how, -1)
        return np.where(snap.edge >= 0, best, np.inf), how.astype(np.int64)

    def to_point(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, lat: float, lon: float, *, limit_s: float | None = None
    ) -> TravelEstimate:
        """Every unit's arrival at (lat, lon). Units whose network time exceeds `limit_s` get inf, with a lower
        bound; `limit_s` at most the configured search limit (beyond it a unit counts as unreachable)."""
        limit = min(limit_s or self.roads.search_limit_s, self.roads.search_limit_s)
        n = len(kinds)
        straight_m = haversine_many_m(lat, lon, lats, lons)
        eta = np.full(n, np.nan)
        lower = np.full(n, np.nan)
        routed = np.zeros(n, dtype=bool)
        dist_m = straight_m.copy()  # replaced for routed units on demand
        groups, flying = self._groups(kinds, lats, lons)
        eta[flying] = self._straight(kinds[flying], straight_m[flying], flying=True)
        # For the distances asked later: each routed unit's group, search, place and way (how).
        plans: list[tuple[_Group, Search, Snap, I64]] = []
        plan_of = np.full(n, -1, dtype=np.int64)
        row_of = np.zeros(n, dtype=np.int64)
        for g in groups:
            place = self.graph.snap(g.graph, np.array([lat]), np.array([lon]), self.roads.snap_max_m)
            on_road = g.snap.edge >= 0
            if place.edge[0] < 0:  # the place is far from this profile's roads: straight line for all of them
                on_road[:] = False
            off = g.index[~on_road]
            eta[off] = self._straight(kinds[off], straight_m[off], flying=False)
            dist_m[off] = straight_m[off] * self.rules.road_factor
            if not on_road.any():
                continue
            search, network, how = self._search_to(g, place, lat, lon, limit)
            ms = g.graph.off_road_ms
            walk = (g.snap.off_m + float(place.off_m[0])) / ms
            total = network + walk
            use_road = on_road & np.isfinite(total)
            idx = g.index[on_road]
            eta[idx] = total[on_road]
            routed[idx] = True  # over the roads, reachable or not
            reached = search.limit_s + walk
            lower[idx] = np.where(np.isfinite(total[on_road]), total[on_road], reached[on_road])
            plan_of[g.index[use_road]] = len(plans)
            row_of[g.index] = np.arange(len(g.index))
            plans.append((g, search, place, how))
        lower = np.where(np.isnan(lower), eta, lower)
        eta = np.where(np.isnan(lats) | np.isnan(lons), np.nan, eta)

        def distances(index: Sequence[int]) -> F64:
            out = np.empty(len(index))
            for j, i in enumerate(int(v) for v in index):
                if plan_of[i] < 0 or not np.isfinite(eta[i]):
                    out[j] = dist_m[i] if np.isfinite(eta[i]) else math.nan
                else:
                    g, search, place, how = plans[int(plan_of[i])]
                    k = int(row_of[i])
                    out[j] = self._routed_distance(g, search, place, np.array([k, how[k]]))
            return out

        return TravelEstimate(eta, routed, lower, limit, distances)

    def _search_to(self, g: _Group, place: Snap, lat: float, lon: float, limit: float) -> tuple[Search, F64, I64]:
        """The search towards the place, reused from the last questions about the same place (the recommendation
        and then the dispatch of its first unit) when it went far enough."""
        key = (g.graph.profile.name, lat, lon)
        with self._lock:
            cached = self._searches.get(key)
        if cached is not None:
            network, how = self._arrivals(g, cached, place)
            if cached.limit_s >= limit or bool(np.isfinite(network[g.snap.edge >= 0]).all()):
                return cached, network, how
        search = self.graph.search(g.graph, place, towards=True, limit_s=limit)
        with self._lock:
            if len(self._searches) >= 16:
                self._searches.pop(next(iter(self._searches)))
            self._searches[key] = search
        network, how = self._arrivals(g, search, place)
        return search, network, how

    def _walk(self, g: _Group, search: Search, place: Snap, k: int, how: int) -> tuple[list[int], float]:
        """Nodes of unit k's way to the searched place, and its length on the roads (without the ways off them)."""
        graph, ch = self.graph, self.graph.chains
        c, pos_m = int(g.snap.chain[k]), float(g.snap.pos_m[k])
        rank = int(ch.edge_rank[int(g.snap.edge[k])])
        nodes_c = ch.chain_nodes(c)
        pc, place_m = int(place.chain[0]), float(place.pos_m[0])
        place_rank = int(ch.edge_rank[int(place.edge[0])])
        if how == 2:  # along the place's own chain
            if place_m >= pos_m:
                return nodes_c[rank + 1 : place_rank + 1], place_m - pos_m
            return nodes_c[place_rank + 1 : rank + 1][::-1], pos_m - place_m
        if how == 0:
            nodes = nodes_c[: rank + 1][::-1]
            metres = pos_m
        else:
            nodes = nodes_c[rank + 1 :]
            metres = float(g.graph.chain_m[c]) - pos_m
        hops = graph.tree_path(search, int(graph.junction_of[nodes[-1]]))
        for tail, head in zip(hops, hops[1:], strict=False):
            hop, along = graph.hop(g.graph, tail, head)
            hop_nodes = ch.chain_nodes(hop)
            nodes += (hop_nodes if along else hop_nodes[::-1])[1:]
            metres += float(g.graph.chain_m[hop])
        last = int(graph.junction_of[nodes[-1]])
        nodes_p = ch.chain_nodes(pc)
        start_j, end_j = int(graph.junction_of[ch.start[pc]]), int(graph.junction_of[ch.end[pc]])
        if last == start_j and (last != end_j or self._entered_from_start(g, place)):
            nodes += nodes_p[1 : place_rank + 1]
            metres += place_m
        else:
            nodes += nodes_p[place_rank + 1 : -1][::-1]
            metres += float(g.graph.chain_m[pc]) - place_m
        return nodes, metres

    @staticmethod
    def _entered_from_start(g: _Group, place: Snap) -> bool:
        """For a place on a loop (its chain starts and ends at one junction): which way round is shorter."""
        c, pos = int(place.chain[0]), float(place.pos_s[0])
        from_start = pos if g.graph.chain_fwd[c] else math.inf
        from_end = float(g.graph.chain_s[c]) - pos if g.graph.chain_bwd[c] else math.inf
        return from_start <= from_end

    def _routed_distance(self, g: _Group, search: Search, place: Snap, plan: I64) -> float:
        k, how = int(plan[0]), int(plan[1])
        _, metres = self._walk(g, search, place, k, how)
        return float(g.snap.off_m[k]) + metres + float(place.off_m[0])

    # -- many sites -----------------------------------------------------------------------------------------------

    def nearest(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, site_lats: F64, site_lons: F64, *, limit_s: float
    ) -> tuple[F64, I64]:
        """For every site, the earliest unit (index) and its arrival in seconds (inf, -1: none within `limit_s`).
        One search per profile from all its units at once."""
        m = len(site_lats)
        best = np.full(m, np.inf)
        who = np.full(m, -1, dtype=np.int64)

        def take(eta: F64, unit: I64) -> None:
            better = eta < best
            best[better] = eta[better]
            who[better] = unit[better]

        groups, flying = self._groups(kinds, lats, lons)
        straight_units: list[I64] = [flying]
        for g in groups:
            on_road = g.snap.edge >= 0
            straight_units.append(g.index[~on_road])
            if not on_road.any():
                continue
            ms = g.graph.off_road_ms
            offsets = np.where(on_road, g.snap.off_m / ms, np.inf)
            arrival, origin = self.graph.search_many(g.graph, g.snap, offsets, limit_s=limit_s)
            sites = self._snap_cached("sites", g.graph, site_lats, site_lons)
            ok = sites.edge >= 0
            a, b, w = self.graph.ends(g.graph, sites.chain)
            c = np.maximum(sites.chain, 0)
            pos = sites.pos_s
            via_a = np.where(g.graph.chain_fwd[c] | (pos <= AT_END_S), arrival[a] + pos, np.inf)
            via_b = np.where(g.graph.chain_bwd[c] | (pos >= w - AT_END_S), arrival[b] + (w - pos), np.inf)
            eta = np.minimum(via_a, via_b) + sites.off_m / ms
            from_unit = np.where(via_a <= via_b, origin[a], origin[b])
            eta = np.where(ok & (from_unit >= 0), eta, np.inf)
            unit = np.where(from_unit >= 0, g.index[np.maximum(from_unit, 0)], -1)
            take(np.where(eta <= limit_s, eta, np.inf), unit)
            # A unit on the very edge of a site may go straight along it (not through either end).
            same = self._same_edge(g, sites, ok)
            for site, k, seconds in same:
                if seconds <= limit_s and seconds < best[site]:
                    best[site], who[site] = seconds, int(g.index[k])
        rest = np.concatenate(straight_units)
        if len(rest):
            sub = self._straight_matrix(kinds, lats, lons, rest, flying, site_lats, site_lons, limit_s)
            eta, col = _nearest_of(sub)
            take(eta, np.where(col >= 0, rest[np.maximum(col, 0)], -1))
        return best, who

    def _same_edge(self, g: _Group, sites: Snap, ok: NDArray[np.bool_]) -> list[tuple[int, int, float]]:
        """Units on the very chain of a site, going straight along it (not through either end)."""
        by_chain: dict[int, list[int]] = {}
        for k, c in enumerate(g.snap.chain.tolist()):
            if c >= 0:
                by_chain.setdefault(c, []).append(k)
        out: list[tuple[int, int, float]] = []
        ms = g.graph.off_road_ms
        for site in np.flatnonzero(ok).tolist():
            c = int(sites.chain[site])
            for k in by_chain.get(c, ()):
                s, t = float(g.snap.pos_s[k]), float(sites.pos_s[site])
                if g.graph.chain_fwd[c] if t >= s else g.graph.chain_bwd[c]:
                    walk = (float(g.snap.off_m[k]) + float(sites.off_m[site])) / ms
                    out.append((site, k, abs(t - s) + walk))
        return out

    def _straight_matrix(
        self,
        kinds: NDArray[np.int8],
        lats: F64,
        lons: F64,
        index: I64,
        flying: I64,
        site_lats: F64,
        site_lons: F64,
        limit_s: float,
    ) -> F64:
        factor = np.where(np.isin(index, flying), 1.0, self.rules.road_factor)
        speeds = _kind_speeds_ms(self.rules, kinds[index])
        out = _haversine_grid(site_lats, site_lons, lats[index], lons[index]) * factor / speeds
        return np.where(out <= limit_s, out, np.inf)

    def matrix(
        self, kinds: NDArray[np.int8], lats: F64, lons: F64, site_lats: F64, site_lons: F64, *, limit_s: float
    ) -> F64:
        """Arrival seconds of every unit (columns) at every site (rows); inf beyond `limit_s`, NaN no position.
        One bounded search per site and profile."""
        out = np.empty((len(site_lats), len(kinds)))
        for i, (a, b) in enumerate(zip(site_lats.tolist(), site_lons.tolist(), strict=True)):
            est = self.to_point(kinds, lats, lons, a, b, limit_s=limit_s)
            out[i] = np.where(est.eta_s <= limit_s, est.eta_s, np.where(np.isnan(est.eta_s), np.nan, np.inf))
        return out

    # -- one way, for the map -------------------------------------------------------------------------------------

    def route(self, kind: UnitKind, lat: float, lon: float, to_lat: float, to_lon: float) -> Route:
        """The way a unit of `kind` at (lat, lon) takes to (to_lat, to_lon), with its time and length."""
        profile = self.roads.profile_of(kind)
        straight = haversine_m(lat, lon, to_lat, to_lon)
        line = [[lon, lat], [to_lon, to_lat]]
        if profile is None:
            return Route(STRAIGHT, straight / (self.rules.speed_kmh[kind] / 3.6), straight, line)
        graph = self.graph.profile(profile)
        unit = self.graph.snap(graph, np.array([lat]), np.array([lon]), self.roads.snap_max_m)
        place = self.graph.snap(graph, np.array([to_lat]), np.array([to_lon]), self.roads.snap_max_m)
        if unit.edge[0] < 0 or place.edge[0] < 0:
            dist = straight * self.rules.road_factor
            return Route(STRAIGHT, dist / (self.rules.speed_kmh[kind] / 3.6), dist, line)
        g = _Group(graph, np.array([0]), unit)
        search = self.graph.search(graph, place, towards=True, limit_s=self.roads.search_limit_s)
        network, how = self._arrivals(g, search, place)
        walk = (float(unit.off_m[0]) + float(place.off_m[0])) / graph.off_road_ms
        if how[0] < 0:
            return Route(ROAD, math.inf, math.nan, line)
        nodes, metres = self._walk(g, search, place, 0, int(how[0]))
        ux, uy = self.graph.to_latlon(unit.x, unit.y)
        px, py = self.graph.to_latlon(place.x, place.y)
        coords = [[lon, lat], [float(uy[0]), float(ux[0])]]
        coords += [[float(self.graph.lons[k]), float(self.graph.lats[k])] for k in nodes]
        coords += [[float(py[0]), float(px[0])], [to_lon, to_lat]]
        distance = float(unit.off_m[0]) + metres + float(place.off_m[0])
        return Route(ROAD, float(network[0]) + walk, distance, _dedupe(coords))


def _dedupe(coords: list[list[float]]) -> list[list[float]]:
    out = [coords[0]]
    for c in coords[1:]:
        if abs(c[0] - out[-1][0]) > 1e-9 or abs(c[1] - out[-1][1]) > 1e-9:
            out.append(c)
    return out


def travel_eta(
    model: TravelModel, kind: UnitKind, lat: float, lon: float, to_lat: float, to_lon: float
) -> float | None:
    """One unit's arrival in seconds by the model (the one the ranking showed); None when it cannot get there."""
    if isinstance(model, StraightTravel):  # one pair: plain arithmetic, the same formula as the arrays'
        speed_ms = model.rules.speed_kmh[UnitKind(kind)] / 3.6
        if speed_ms <= 0:
            return None
        return haversine_m(lat, lon, to_lat, to_lon) * model.rules.road_factor / speed_ms
    est = model.to_point(
        np.array([KIND_INDEX[UnitKind(kind)]], dtype=np.int8),
        np.array([lat]),
        np.array([lon]),
        to_lat,
        to_lon,
        limit_s=math.inf,
    )
    eta = float(est.eta_s[0])
    return eta if math.isfinite(eta) else None


_models_lock = threading.Lock()
_models: dict[int, tuple[RoadGraph, Rules, RoadTravel]] = {}


def road_travel(graph: RoadGraph, rules: Rules) -> RoadTravel:
    """The model for this graph and rules, kept so that the units' snaps carry over from one question to the next."""
    key = id(graph) ^ (id(rules) << 1)
    with _models_lock:
        cached = _models.get(key)
        if cached is not None and cached[0] is graph and cached[1] is rules:
            return cached[2]
        model = RoadTravel(graph, rules)
        if len(_models) >= 8:
            _models.pop(next(iter(_models)))
        _models[key] = (graph, rules, model)
        return model


def travel_model(session: Session, rules: Rules) -> TravelModel:
    """The estimate of the session's database: over its road network when one is stored, straight-line otherwise."""
    graph = road_graph(session, sample_m=rules.roads.sample_m)
    return StraightTravel(rules) if graph is None else road_travel(graph, rules)
