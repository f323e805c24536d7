"""The routable road network in memory: compressed sparse graphs per travel profile, snapping, bounded searches.

Built once per network version from the database (`road_graph(session)`), cached per process and rebuilt when a
new import shows up (the newest `road_networks.id` changes). For each travel profile (car, e-bike, foot…) the
graph holds the time of every edge and two CSR matrices of the arcs the profile may use: forward (from a unit
outwards) and reversed (towards a case: one search from the case's place gives every node's time to it).

A point is snapped to the nearest edge the profile may use: a KD-tree over points every `sample_m` metres along
the edges picks the candidates, the exact projection on each candidate chooses (the distance off the road is
exact; the edge chosen is the nearest one up to `sample_m / 2`).

Searches start at a virtual node (row `n` of the CSR) joined to both ends of the snapped edge with the time along
it, so a place in the middle of a road is reached the way the road allows (a one-way edge from one end only).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..enums import RoadClass
from ..models import RoadEdge, RoadNetwork, RoadNode
from ..rules import TravelProfile
from .distance import EARTH_RADIUS_M

CLASSES: tuple[RoadClass, ...] = tuple(RoadClass)
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}
#: Candidate sample points looked at per snapped point.
_SNAP_K = 8
#: Smallest weight of an arc (scipy's searches need strictly positive weights to tell an arc from none).
_EPS_S = 1e-6

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Snap:
    """Points snapped to a profile's edges. `edge` is -1 where no usable edge lies within the search radius."""

    edge: I64
    frac: F64  # position along the edge, 0 at its source node, 1 at its target
    off_m: F64  # straight distance from the point to the road
    x: F64  # the snapped point, local metres
    y: F64

    def __len__(self) -> int:
        return len(self.edge)

    def take(self, index: I64) -> Snap:
        return Snap(self.edge[index], self.frac[index], self.off_m[index], self.x[index], self.y[index])


@dataclass
class ProfileGraph:
    """One profile's view of the network."""

    profile: TravelProfile
    off_road_ms: float  # metres per second off the road
    weight: F64  # seconds per edge (inf where the profile may not use the edge)
    forward_ok: NDArray[np.bool_]  # the edge may be taken from source to target
    backward_ok: NDArray[np.bool_]  # … from target to source
    forward: csr_matrix  # arcs tail → head, plus an empty virtual row n with room for two arcs
    reverse: csr_matrix  # arcs head → tail, same layout
    forward_edge: NDArray[np.int64]  # the edge of each stored arc (aligned with forward.data)
    reverse_edge: NDArray[np.int64]
    tree: cKDTree | None
    sample_edge: I64
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class Search:
    """The result of one search: seconds from (or to) the start for every node, and the search tree."""

    time_s: F64  # length n (virtual node dropped); inf where not reached within the limit
    pred: NDArray[np.int32]  # parent in the search tree; n is the virtual start, -9999 none
    limit_s: float


class RoadGraph:
    def __init__(
        self,
        version: int,
        lats: F64,
        lons: F64,
        source: I64,
        target: I64,
        length_m: F64,
        classes: NDArray[np.int8],
        oneway: NDArray[np.bool_],
        maxspeed_kmh: F64,
        *,
        sample_m: float = 25.0,
    ) -> None:
        self.version = version
        self.lats = lats
        self.lons = lons
        self.source = source
        self.target = target
        self.length_m = length_m
        self.classes = classes
        self.oneway = oneway
        self.maxspeed_kmh = maxspeed_kmh
        self.sample_m = sample_m
        self.lat0 = float(np.mean(lats)) if len(lats) else 0.0
        self.lon0 = float(np.mean(lons)) if len(lons) else 0.0
        self.m_per_deg_lat = math.pi * EARTH_RADIUS_M / 180.0
        self.m_per_deg_lon = self.m_per_deg_lat * math.cos(math.radians(self.lat0))
        self.x, self.y = self.to_xy(lats, lons)
        self._profiles: dict[tuple[object, ...], ProfileGraph] = {}
        self._lock = threading.Lock()

    # -- geometry -------------------------------------------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self.lats)

    @property
    def edge_count(self) -> int:
        return len(self.source)

    def to_xy(self, lats: F64, lons: F64) -> tuple[F64, F64]:
        x = (np.asarray(lons, dtype=np.float64) - self.lon0) * self.m_per_deg_lon
        y = (np.asarray(lats, dtype=np.float64) - self.lat0) * self.m_per_deg_lat
        return x, y

    def to_latlon(self, x: F64, y: F64) -> tuple[F64, F64]:
        return self.lat0 + np.asarray(y) / self.m_per_deg_lat, self.lon0 + np.asarray(x) / self.m_per_deg_lon

    # -- profiles -------------------------------------------------------------------------------------------------

    def profile(self, profile: TravelProfile) -> ProfileGraph:
        """The profile's graph, built on first use (a few hundred ms on 200,000 edges) and kept."""
        key = (profile.name, tuple(sorted(profile.speed_kmh.items())), profile.oneway, profile.off_road_kmh)
        with self._lock:
            cached = self._profiles.get(key)
            if cached is None:
                cached = self._profiles[key] = self._build_profile(profile)
            return cached

    def _build_profile(self, profile: TravelProfile) -> ProfileGraph:
        speeds = np.zeros(len(CLASSES))
        for cls, kmh in profile.speed_kmh.items():
            speeds[CLASS_INDEX[cls]] = kmh
        speed = speeds[self.classes]
        limited = ~np.isnan(self.maxspeed_kmh)
        speed = np.where(limited, np.minimum(speed, np.where(limited, self.maxspeed_kmh, 0.0)), speed)
        usable = speed > 0
        with np.errstate(divide="ignore"):
            weight = np.where(usable, np.maximum(self.length_m / (speed / 3.6), _EPS_S), np.inf)
        forward_ok = usable
        backward_ok = usable & (~self.oneway | (not profile.oneway))
        edges = np.arange(self.edge_count, dtype=np.int64)
        tails = np.concatenate([self.source[forward_ok], self.target[backward_ok]])
        heads = np.concatenate([self.target[forward_ok], self.source[backward_ok]])
        arc_edge = np.concatenate([edges[forward_ok], edges[backward_ok]])
        forward, forward_edge = self._csr(tails, heads, weight[arc_edge], arc_edge)
        reverse, reverse_edge = self._csr(heads, tails, weight[arc_edge], arc_edge)
        tree, sample_edge = self._snap_index(np.flatnonzero(usable))
        return ProfileGraph(
            profile=profile,
            off_road_ms=profile.off_road_kmh / 3.6,
            weight=weight,
            forward_ok=forward_ok,
            backward_ok=backward_ok,
            forward=forward,
            reverse=reverse,
            forward_edge=forward_edge,
            reverse_edge=reverse_edge,
            tree=tree,
            sample_edge=sample_edge,
        )

    def _csr(self, rows: I64, cols: I64, data: F64, arc_edge: I64) -> tuple[csr_matrix, I64]:
        """CSR of n + 1 rows; the last (virtual) row holds two placeholder arcs that searches overwrite."""
        n = self.node_count
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=n)
        indptr = np.zeros(n + 2, dtype=np.int32)
        np.cumsum(counts, out=indptr[1 : n + 1])
        indptr[n + 1] = indptr[n] + 2
        indices = np.concatenate([cols[order], [n, n]]).astype(np.int32)
        values = np.concatenate([data[order], [1.0, 1.0]]).astype(np.float64)
        matrix = csr_matrix((values, indices, indptr), shape=(n + 1, n + 1))
        return matrix, np.concatenate([arc_edge[order], [-1, -1]])

    def _snap_index(self, edges: I64) -> tuple[cKDTree | None, I64]:
        if len(edges) == 0:
            return None, np.zeros(0, dtype=np.int64)
        ax, ay = self.x[self.source[edges]], self.y[self.source[edges]]
        bx, by = self.x[self.target[edges]], self.y[self.target[edges]]
        pieces = np.maximum(1, np.ceil(np.hypot(bx - ax, by - ay) / self.sample_m).astype(np.int64))
        owner = np.repeat(np.arange(len(edges)), pieces + 1)
        start = np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
        t = (np.arange(len(owner)) - start) / pieces[owner]
        px = ax[owner] + (bx - ax)[owner] * t
        py = ay[owner] + (by - ay)[owner] * t
        return cKDTree(np.column_stack([px, py])), edges[owner]

    # -- snapping -------------------------------------------------------------------------------------------------

    def snap(self, graph: ProfileGraph, lats: F64, lons: F64, max_m: float) -> Snap:
        """Snap points to the profile's nearest usable edge (edge -1 beyond `max_m` or for NaN coordinates)."""
        px, py = self.to_xy(np.atleast_1d(lats), np.atleast_1d(lons))
        m = len(px)
        edge = np.full(m, -1, dtype=np.int64)
        frac = np.zeros(m)
        off = np.full(m, np.inf)
        sx, sy = px.copy(), py.copy()
        ok = np.isfinite(px) & np.isfinite(py)
        if graph.tree is None or not ok.any():
            return Snap(edge, frac, off, sx, sy)
        k = min(_SNAP_K, graph.tree.n)
        _, near = graph.tree.query(np.column_stack([px[ok], py[ok]]), k=k, distance_upper_bound=max_m + self.sample_m)
        near = np.asarray(near).reshape(int(ok.sum()), k)
        found = near < graph.tree.n
        cand = np.where(found, graph.sample_edge[np.minimum(near, graph.tree.n - 1)], -1)
        e = np.maximum(cand, 0)
        ax, ay = self.x[self.source[e]], self.y[self.source[e]]
        dx, dy = self.x[self.target[e]] - ax, self.y[self.target[e]] - ay
        qx, qy = px[ok][:, None], py[ok][:, None]
        seg2 = dx * dx + dy * dy
        t = np.clip(np.where(seg2 > 0, ((qx - ax) * dx + (qy - ay) * dy) / np.where(seg2 > 0, seg2, 1.0), 0.0), 0, 1)
        cx, cy = ax + t * dx, ay + t * dy
        dist = np.where(found, np.hypot(qx - cx, qy - cy), np.inf)
        best = np.argmin(dist, axis=1)
        rows = np.arange(len(best))
        best_dist = dist[rows, best]
        hit = best_dist <= max_m
        idx = np.flatnonzero(ok)
        edge[idx[hit]] = cand[rows, best][hit]
        frac[idx[hit]] = t[rows, best][hit]
        off[idx[hit]] = best_dist[hit]
        sx[idx[hit]] = cx[rows, best][hit]
        sy[idx[hit]] = cy[rows, best][hit]
        return Snap(edge, frac, off, sx, sy)

    # -- searches -------------------------------------------------------------------------------------------------

    def search(self, graph: ProfileGraph, start: Snap, *, towards: bool, limit_s: float) -> Search:
        """One bounded search from one snapped place (`start` of length 1).

        towards=True searches the reversed graph: `time_s[x]` is the time from node x to the place (what a unit at
        x needs to reach a case there); towards=False: from the place to x (where a unit there can go).
        The place's own way off the road is not included (callers add it at their speed).
        """
        n = self.node_count
        e = int(start.edge[0])
        frac = float(start.frac[0])
        w = float(graph.weight[e])
        u, v = int(self.source[e]), int(self.target[e])
        # A place at an end of its edge is that node: no way along the edge, so no rule of direction to obey.
        at_u, at_v = frac <= 0.0, frac >= 1.0
        if towards:  # reach the place from u by going along the edge, from v by going against it
            to_u = (u, frac * w) if graph.forward_ok[e] or at_u else (n, 1.0)
            to_v = (v, (1 - frac) * w) if graph.backward_ok[e] or at_v else (n, 1.0)
            matrix = graph.reverse
        else:  # leave the place towards v along the edge, towards u against it
            to_u = (u, frac * w) if graph.backward_ok[e] or at_u else (n, 1.0)
            to_v = (v, (1 - frac) * w) if graph.forward_ok[e] or at_v else (n, 1.0)
            matrix = graph.forward
        with graph.lock:
            matrix.indices[-2:] = (to_u[0], to_v[0])
            matrix.data[-2:] = (max(to_u[1], _EPS_S), max(to_v[1], _EPS_S))
            dist, pred = dijkstra(matrix, directed=True, indices=n, limit=limit_s, return_predecessors=True)
        return Search(dist[:n], pred[:n], limit_s)

    def search_many(self, graph: ProfileGraph, starts: Snap, offsets_s: F64, *, limit_s: float) -> tuple[F64, I64]:
        """One search from many places at once (forward): for every node, the earliest arrival from any of them
        (each starting `offsets_s` late: its way off the road) and which one (index into `starts`, -1 none)."""
        n = self.node_count
        ok = np.flatnonzero(starts.edge >= 0)
        if len(ok) == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        e = starts.edge[ok]
        w = graph.weight[e]
        frac = starts.frac[ok]
        virtual = n + np.arange(len(ok))
        go_u = graph.backward_ok[e] | (frac <= 0)
        go_v = graph.forward_ok[e] | (frac >= 1)
        rows = np.concatenate([virtual[go_u], virtual[go_v]])
        cols = np.concatenate([self.source[e][go_u], self.target[e][go_v]])
        vals = np.concatenate([(offsets_s[ok] + frac * w)[go_u], (offsets_s[ok] + (1 - frac) * w)[go_v]])
        base = graph.forward
        nnz = int(base.indptr[n])
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows - n, minlength=len(ok))
        indptr = np.concatenate([base.indptr[: n + 1], nnz + np.cumsum(counts)]).astype(np.int32)
        indices = np.concatenate([base.indices[:nnz], cols[order]]).astype(np.int32)
        data = np.concatenate([base.data[:nnz], np.maximum(vals[order], _EPS_S)])
        size = n + len(ok)
        matrix = csr_matrix((data, indices, indptr), shape=(size, size))
        dist, _, sources = dijkstra(
            matrix, directed=True, indices=virtual, limit=limit_s, min_only=True, return_predecessors=True
        )
        src = np.asarray(sources[:n], dtype=np.int64)
        which = np.where(src >= n, ok[np.clip(src - n, 0, len(ok) - 1)], -1)
        return np.asarray(dist[:n]), which

    def arc_length(self, graph: ProfileGraph, tail: int, head: int) -> tuple[int, float]:
        """The fastest edge from `tail` to `head` the profile may take, and its length in metres."""
        matrix = graph.forward
        lo, hi = int(matrix.indptr[tail]), int(matrix.indptr[tail + 1])
        hits = np.flatnonzero(matrix.indices[lo:hi] == head)
        k = lo + int(hits[np.argmin(matrix.data[lo:hi][hits])])
        edge = int(graph.forward_edge[k])
        return edge, float(self.length_m[edge])

    def chain(self, search: Search, node: int) -> list[int]:
        """Nodes from `node` along the search tree to the start (the virtual node excluded)."""
        n = self.node_count
        out = [node]
        pred = search.pred
        while True:
            parent = int(pred[out[-1]])
            if parent < 0 or parent >= n:
                return out
            out.append(parent)


# -- the per-process cache ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, tuple[int | None, RoadGraph | None, float]] = {}
#: How long a graph is trusted before the database's network version is looked at again.
RECHECK_S = 5.0


def network_version(session: Session) -> int | None:
    """The id of the network in use (the newest import), or None when no network was imported."""
    return session.scalar(select(func.max(RoadNetwork.id)))


def load_road_graph(session: Session, version: int, *, sample_m: float = 25.0) -> RoadGraph:
    nodes = session.execute(
        select(RoadNode.lat, RoadNode.lon).where(RoadNode.network_id == version).order_by(RoadNode.idx)
    ).all()
    edges = session.execute(
        select(
            RoadEdge.source,
            RoadEdge.target,
            RoadEdge.length_m,
            RoadEdge.road_class,
            RoadEdge.oneway,
            RoadEdge.maxspeed_kmh,
        )
        .where(RoadEdge.network_id == version)
        .order_by(RoadEdge.idx)
    ).all()
    m = len(edges)
    lat, lon = (np.array(c, dtype=np.float64) for c in zip(*nodes, strict=True)) if nodes else (np.zeros(0),) * 2
    if m:
        src, dst, length, cls, oneway, maxspeed = zip(*edges, strict=True)
    else:
        src = dst = length = cls = oneway = maxspeed = ()
    class_codes = {c.value: i for i, c in enumerate(CLASSES)}
    return RoadGraph(
        version,
        lat,
        lon,
        np.array(src, dtype=np.int64),
        np.array(dst, dtype=np.int64),
        np.array(length, dtype=np.float64),
        np.fromiter((class_codes[c] for c in cls), dtype=np.int8, count=m),
        np.array(oneway, dtype=bool),
        np.array([math.nan if s is None else s for s in maxspeed], dtype=np.float64),
        sample_m=sample_m,
    )


def road_graph(session: Session, *, sample_m: float = 25.0) -> RoadGraph | None:
    """The road graph of the session's database (None without a network), rebuilt only when a new one is stored."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[2] < RECHECK_S:
            return cached[1]
    version = network_version(session)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version and (cached[1] is None or cached[1].sample_m == sample_m):
            _cache[key] = (version, cached[1], time.monotonic())
            return cached[1]
    graph = None if version is None else load_road_graph(session, version, sample_m=sample_m)
    with _lock:
        _cache[key] = (version, graph, time.monotonic())
    return graph


def forget_road_graph(session: Session) -> None:
    """Drop the cached graph of the session's database (after an import in this process)."""
    with _lock:
        _cache.pop(session.get_bind().engine.url.render_as_string(hide_password=True), None)
