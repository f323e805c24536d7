"""The routable road network in memory: compressed sparse graphs per travel profile, snapping, bounded searches.

Built once per network version from the database (`road_graph(session)`), cached per process and rebuilt when a
new import shows up (the newest `road_networks.id` changes). For each travel profile (car, e-bike, foot…) the
graph holds the time of every edge and two CSR matrices of the arcs the profile may use: forward (from a unit
outwards) and reversed (towards a case: one search from the case's place gives every node's time to it).

A point is snapped to the nearest edge the profile may use: a KD-tree over points every `sample_m` metres along
the edges picks the candidates, the exact projection on each candidate chooses (the distance off the road is
exact; the edge chosen is the nearest one up to `sample_m / 2`).

The searches run over the junctions only (console.geo.chains: the runs of shape points between junctions are
contracted into chains), which on real networks is a fraction of the nodes. A place on the roads is a position on
a chain (seconds and metres from its start). Searches start at a virtual node (the last row of the CSR) joined to
both ends of the place's chain with the time along it, so a place in the middle of a road is reached the way the
road allows (a one-way chain from its start only).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from ..enums import RoadClass
from ..models import RoadEdge, RoadNetwork, RoadNode
from ..rules import TravelProfile
from .chains import contract
from .distance import EARTH_RADIUS_M

CLASSES: tuple[RoadClass, ...] = tuple(RoadClass)
CLASS_INDEX = {c: i for i, c in enumerate(CLASSES)}
#: Candidate sample points looked at per snapped point.
_SNAP_K = 8
#: … and at most this many when the nearest ones are all on roads the profile may not use.
_SNAP_K_MAX = 512
#: Smallest weight of an arc (scipy's searches need strictly positive weights to tell an arc from none).
_EPS_S = 1e-6
#: A place within this many seconds of a chain's end is at that end (rounding in the projection).
AT_END_S = 1e-6

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
    chain: I64  # the edge's chain (-1 with the edge)
    pos_s: F64  # seconds along the chain from its start
    pos_m: F64  # metres along the chain from its start

    def __len__(self) -> int:
        return len(self.edge)


@dataclass
class ProfileGraph:
    """One profile's view of the network: edge times, and the CSR of the chains it may take between junctions."""

    profile: TravelProfile
    off_road_ms: float  # metres per second off the road
    weight: F64  # seconds per edge (inf where the profile may not use the edge)
    forward_ok: NDArray[np.bool_]  # the edge may be taken from source to target
    backward_ok: NDArray[np.bool_]  # … from target to source
    chain_s: F64  # seconds along each chain (inf: not for this profile)
    chain_m: F64  # metres along each chain
    chain_fwd: NDArray[np.bool_]  # the chain may be taken from its start to its end
    chain_bwd: NDArray[np.bool_]  # … from its end to its start
    edge_pos_s: F64  # seconds from its chain's start to where the edge begins (in the chain's direction)
    edge_pos_m: F64
    forward: csr_matrix  # junction arcs tail → head, plus a virtual last row with room for two arcs
    reverse: csr_matrix  # junction arcs head → tail, same layout
    forward_chain: NDArray[np.int64]  # the chain of each stored arc (aligned with forward.data)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class Search:
    """The result of one search: seconds from (or to) the start for every node, and the search tree."""

    time_s: F64  # per junction (virtual node dropped); inf where not reached within the limit
    pred: NDArray[np.int32]  # parent junction in the search tree; the junction count is the virtual start
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
        self.chains = contract(len(lats), source, target, classes, oneway)
        self.junctions = np.flatnonzero(self.chains.junction)
        self.junction_of = np.full(len(lats), -1, dtype=np.int64)
        self.junction_of[self.junctions] = np.arange(len(self.junctions))
        self._profiles: dict[tuple[object, ...], ProfileGraph] = {}
        self._lock = threading.Lock()
        self._tree: cKDTree | None = None
        self._sample_edge: I64 = np.zeros(0, dtype=np.int64)

    # -- geometry -------------------------------------------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self.lats)

    @property
    def edge_count(self) -> int:
        return len(self.source)

    @property
    def junction_count(self) -> int:
        return len(self.junctions)

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
        # Chains: sums and running offsets of their edges, in the chains' order.
        ch = self.chains
        ordered = ch.edges
        counts = np.diff(ch.edges_ptr)
        w_ord, m_ord = weight[ordered], self.length_m[ordered]
        with np.errstate(invalid="ignore"):
            cum_w, cum_m = np.cumsum(np.where(np.isfinite(w_ord), w_ord, 0.0)), np.cumsum(m_ord)
        base_w = np.repeat(np.concatenate([[0.0], cum_w])[ch.edges_ptr[:-1]], counts)
        base_m = np.repeat(np.concatenate([[0.0], cum_m])[ch.edges_ptr[:-1]], counts)
        edge_pos_s = np.empty(self.edge_count)
        edge_pos_m = np.empty(self.edge_count)
        edge_pos_s[ordered] = cum_w - np.where(np.isfinite(w_ord), w_ord, 0.0) - base_w
        edge_pos_m[ordered] = cum_m - m_ord - base_m
        first = ordered[ch.edges_ptr[:-1]] if self.edge_count else np.zeros(0, dtype=np.int64)
        chain_ok = usable[first]
        chain_s = np.where(
            chain_ok,
            np.add.reduceat(np.where(np.isfinite(w_ord), w_ord, 0.0), ch.edges_ptr[:-1]) if len(first) else 0.0,
            np.inf,
        )
        chain_m = np.add.reduceat(m_ord, ch.edges_ptr[:-1]) if len(first) else np.zeros(0)
        chain_fwd = chain_ok
        chain_bwd = chain_ok & (~ch.oneway | (not profile.oneway))
        # Junction arcs: a chain from one junction to another (a loop back to its own start helps no search).
        a, b = self.junction_of[ch.start], self.junction_of[ch.end]
        ids = np.arange(ch.count, dtype=np.int64)
        fwd = chain_fwd & (a != b)
        bwd = chain_bwd & (a != b)
        tails = np.concatenate([a[fwd], b[bwd]])
        heads = np.concatenate([b[fwd], a[bwd]])
        arc_chain = np.concatenate([ids[fwd], ids[bwd]])
        forward, forward_chain = self._csr(tails, heads, chain_s[arc_chain], arc_chain)
        reverse, _ = self._csr(heads, tails, chain_s[arc_chain], arc_chain)
        return ProfileGraph(
            profile=profile,
            off_road_ms=profile.off_road_kmh / 3.6,
            weight=weight,
            forward_ok=forward_ok,
            backward_ok=backward_ok,
            chain_s=chain_s,
            chain_m=chain_m,
            chain_fwd=chain_fwd,
            chain_bwd=chain_bwd,
            edge_pos_s=edge_pos_s,
            edge_pos_m=edge_pos_m,
            forward=forward,
            reverse=reverse,
            forward_chain=forward_chain,
        )

    def _csr(self, rows: I64, cols: I64, data: F64, arc_chain: I64) -> tuple[csr_matrix, I64]:
        """CSR over the junctions plus a virtual last row holding two placeholder arcs that searches overwrite."""
        n = self.junction_count
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=n)
        indptr = np.zeros(n + 2, dtype=np.int32)
        np.cumsum(counts, out=indptr[1 : n + 1])
        indptr[n + 1] = indptr[n] + 2
        indices = np.concatenate([cols[order], [n, n]]).astype(np.int32)
        values = np.concatenate([data[order], [1.0, 1.0]]).astype(np.float64)
        matrix = csr_matrix((values, indices, indptr), shape=(n + 1, n + 1))
        return matrix, np.concatenate([arc_chain[order], [-1, -1]])

    def _snap_index(self) -> tuple[cKDTree | None, I64]:
        """A KD-tree over points every `sample_m` metres along every edge (built once, shared by the profiles)."""
        with self._lock:
            if self._tree is not None or self.edge_count == 0:
                return self._tree, self._sample_edge
            ax, ay = self.x[self.source], self.y[self.source]
            bx, by = self.x[self.target], self.y[self.target]
            pieces = np.maximum(1, np.ceil(np.hypot(bx - ax, by - ay) / self.sample_m).astype(np.int64))
            owner = np.repeat(np.arange(self.edge_count), pieces)
            start = np.repeat(np.cumsum(pieces) - pieces, pieces)
            t = (np.arange(len(owner)) - start + 0.5) / pieces[owner]  # the middles of the pieces
            px = ax[owner] + (bx - ax)[owner] * t
            py = ay[owner] + (by - ay)[owner] * t
            self._tree, self._sample_edge = cKDTree(np.column_stack([px, py])), owner.astype(np.int64)
            return self._tree, self._sample_edge

    def _nearest_edges(
        self, graph: ProfileGraph, qx: F64, qy: F64, k: int, max_m: float
    ) -> tuple[I64, F64, F64, F64, F64]:
        """For each point, the nearest edge the profile may use among the edges of its k nearest samples."""
        tree, sample_edge = self._snap_index()
        assert tree is not None
        k = min(k, tree.n)
        _, near = tree.query(np.column_stack([qx, qy]), k=k, distance_upper_bound=max_m + self.sample_m)
        near = np.asarray(near).reshape(len(qx), k)
        found = near < tree.n
        cand = np.where(found, sample_edge[np.minimum(near, tree.n - 1)], -1)
        e = np.maximum(cand, 0)
        usable = found & graph.forward_ok[e]
        ax, ay = self.x[self.source[e]], self.y[self.source[e]]
        dx, dy = self.x[self.target[e]] - ax, self.y[self.target[e]] - ay
        px, py = qx[:, None], qy[:, None]
        seg2 = dx * dx + dy * dy
        safe = np.where(seg2 > 0, seg2, 1.0)
        t = np.clip(np.where(seg2 > 0, ((px - ax) * dx + (py - ay) * dy) / safe, 0.0), 0, 1)
        t = np.where(t < 1e-9, 0.0, np.where(t > 1 - 1e-9, 1.0, t))
        cx, cy = ax + t * dx, ay + t * dy
        dist = np.where(usable, np.hypot(px - cx, py - cy), np.inf)
        best = np.argmin(dist, axis=1)
        rows = np.arange(len(best))
        return cand[rows, best], t[rows, best], dist[rows, best], cx[rows, best], cy[rows, best]

    def snap(self, graph: ProfileGraph, lats: F64, lons: F64, max_m: float) -> Snap:
        """Snap points to the profile's nearest usable edge (edge -1 beyond `max_m` or for NaN coordinates)."""
        px, py = self.to_xy(np.atleast_1d(lats), np.atleast_1d(lons))
        m = len(px)
        edge = np.full(m, -1, dtype=np.int64)
        frac = np.zeros(m)
        off = np.full(m, np.inf)
        sx, sy = px.copy(), py.copy()
        todo = np.flatnonzero(np.isfinite(px) & np.isfinite(py)) if self.edge_count else np.zeros(0, dtype=np.int64)
        k = _SNAP_K
        tree, _ = self._snap_index()
        while len(todo) and tree is not None:
            e, t, d, cx, cy = self._nearest_edges(graph, px[todo], py[todo], k, max_m)
            hit = d <= max_m
            idx = todo[hit]
            edge[idx], frac[idx], off[idx], sx[idx], sy[idx] = e[hit], t[hit], d[hit], cx[hit], cy[hit]
            # Points whose nearest samples all lie on roads the profile may not use (a car among footpaths):
            # look further, up to _SNAP_K_MAX samples.
            if k >= min(tree.n, _SNAP_K_MAX):
                break
            todo = todo[~hit & np.isinf(d)]
            k *= 8
        return self._on_chains(graph, edge, frac, off, sx, sy)

    def _on_chains(self, graph: ProfileGraph, edge: I64, frac: F64, off: F64, sx: F64, sy: F64) -> Snap:
        e = np.maximum(edge, 0)
        along = self.chains.edge_along[e]
        share = np.where(along, frac, 1.0 - frac)
        has = edge >= 0
        chain = np.where(has, self.chains.edge_chain[e], -1)
        pos_s = np.where(has, graph.edge_pos_s[e] + share * np.where(has, graph.weight[e], 0.0), 0.0)
        pos_m = np.where(has, graph.edge_pos_m[e] + share * self.length_m[e], 0.0)
        return Snap(edge, frac, off, sx, sy, chain, pos_s, pos_m)

    # -- searches -------------------------------------------------------------------------------------------------

    def ends(self, graph: ProfileGraph, chain: I64) -> tuple[I64, I64, F64]:
        """Junction indexes of the chains' start and end, and the chains' seconds."""
        c = np.maximum(chain, 0)
        return self.junction_of[self.chains.start[c]], self.junction_of[self.chains.end[c]], graph.chain_s[c]

    def search(self, graph: ProfileGraph, start: Snap, *, towards: bool, limit_s: float) -> Search:
        """One bounded search from one snapped place (`start` of length 1), over the junctions.

        towards=True searches the reversed graph: `time_s[j]` is the time from junction j to the place (what a unit
        there needs to reach a case at the place); towards=False: from the place to j (where a unit there can go).
        The place's own way off the road is not included (callers add it at their speed).
        """
        n = self.junction_count
        c = int(start.chain[0])
        a, b = int(self.junction_of[self.chains.start[c]]), int(self.junction_of[self.chains.end[c]])
        w = float(graph.chain_s[c])
        pos = float(start.pos_s[0])
        # A place at an end of its chain is that junction: no way along the chain, no direction to obey.
        at_a, at_b = pos <= AT_END_S, pos >= w - AT_END_S
        if towards:  # reach the place from a by going along the chain, from b by going against it
            to_a = (a, pos) if graph.chain_fwd[c] or at_a else (n, 1.0)
            to_b = (b, w - pos) if graph.chain_bwd[c] or at_b else (n, 1.0)
            matrix = graph.reverse
        else:  # leave the place towards b along the chain, towards a against it
            to_a = (a, pos) if graph.chain_bwd[c] or at_a else (n, 1.0)
            to_b = (b, w - pos) if graph.chain_fwd[c] or at_b else (n, 1.0)
            matrix = graph.forward
        with graph.lock:
            matrix.indices[-2:] = (to_a[0], to_b[0])
            matrix.data[-2:] = (max(to_a[1], _EPS_S), max(to_b[1], _EPS_S))
            dist, pred = dijkstra(matrix, directed=True, indices=n, limit=limit_s, return_predecessors=True)
        # Beyond the limit scipy may leave tentative (too long) times on the frontier: not answers.
        dist = np.where(dist <= limit_s, dist, np.inf)
        return Search(dist[:n], pred[:n], limit_s)

    def search_many(self, graph: ProfileGraph, starts: Snap, offsets_s: F64, *, limit_s: float) -> tuple[F64, I64]:
        """One search from many places at once (forward): for every junction, the earliest arrival from any of
        them (each starting `offsets_s` late: its way off the road) and which one (index into `starts`, -1 none)."""
        n = self.junction_count
        ok = np.flatnonzero(starts.edge >= 0)
        if len(ok) == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        a, b, w = self.ends(graph, starts.chain[ok])
        c = starts.chain[ok]
        pos = starts.pos_s[ok]
        virtual = n + np.arange(len(ok))
        go_a = graph.chain_bwd[c] | (pos <= AT_END_S)
        go_b = graph.chain_fwd[c] | (pos >= w - AT_END_S)
        rows = np.concatenate([virtual[go_a], virtual[go_b]])
        cols = np.concatenate([a[go_a], b[go_b]])
        vals = np.concatenate([(offsets_s[ok] + pos)[go_a], (offsets_s[ok] + w - pos)[go_b]])
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
        dist = np.where(dist <= limit_s, dist, np.inf)
        src = np.where(np.isfinite(dist[:n]), np.asarray(sources[:n], dtype=np.int64), -1)
        which = np.where(src >= n, ok[np.clip(src - n, 0, len(ok) - 1)], -1)
        return np.asarray(dist[:n]), which

    def hop(self, graph: ProfileGraph, tail: int, head: int) -> tuple[int, bool]:
        """The fastest chain the profile may take from junction `tail` to junction `head`, and whether it is taken
        from its start to its end."""
        matrix = graph.forward
        lo, hi = int(matrix.indptr[tail]), int(matrix.indptr[tail + 1])
        hits = np.flatnonzero(matrix.indices[lo:hi] == head)
        k = lo + int(hits[np.argmin(matrix.data[lo:hi][hits])])
        c = int(graph.forward_chain[k])
        return c, int(self.junction_of[self.chains.start[c]]) == tail

    def tree_path(self, search: Search, junction: int) -> list[int]:
        """Junctions from `junction` along the search tree to the start (the virtual node excluded)."""
        n = self.junction_count
        out = [junction]
        pred = search.pred
        while True:
            parent = int(pred[out[-1]])
            if parent < 0 or parent >= n:
                return out
            out.append(parent)

    def node_times(self, graph: ProfileGraph, search: Search, start: Snap, *, towards: bool) -> F64:
        """Seconds to (towards) or from every node of the network, from the junctions' times of a search."""
        ch = self.chains
        t = np.full(self.node_count, np.inf)
        t[self.junctions] = search.time_s
        counts = np.diff(ch.nodes_ptr)
        chain_of = np.repeat(np.arange(ch.count), counts)
        # Seconds from the chain's start to each of its nodes: the running sum of its edges' seconds.
        pos = np.zeros(len(ch.nodes))
        rank = np.arange(len(ch.nodes)) - np.repeat(ch.nodes_ptr[:-1], counts)
        inner = rank > 0
        edge_before = ch.edges[np.repeat(ch.edges_ptr[:-1], counts)[inner] + rank[inner] - 1]
        pos[inner] = graph.edge_pos_s[edge_before] + graph.weight[edge_before]
        w = graph.chain_s[chain_of]
        ta = search.time_s[self.junction_of[ch.start[chain_of]]]
        tb = search.time_s[self.junction_of[ch.end[chain_of]]]
        fwd, bwd = graph.chain_fwd[chain_of], graph.chain_bwd[chain_of]
        if towards:  # from the node to the place: via the start going back (bwd) or via the end going on (fwd)
            via = np.minimum(np.where(bwd, pos + ta, np.inf), np.where(fwd, (w - pos) + tb, np.inf))
        else:  # from the place to the node: from the start going on (fwd) or from the end going back (bwd)
            via = np.minimum(np.where(fwd, ta + pos, np.inf), np.where(bwd, tb + (w - pos), np.inf))
        c0, p0 = int(start.chain[0]), float(start.pos_s[0])
        here = chain_of == c0  # nodes on the place's own chain, reached straight along it
        ahead = pos >= p0
        direct = np.where(
            (ahead & (graph.chain_bwd[c0] if towards else graph.chain_fwd[c0]))
            | (~ahead & (graph.chain_fwd[c0] if towards else graph.chain_bwd[c0])),
            np.abs(pos - p0),
            np.inf,
        )
        via = np.where(here, np.minimum(via, direct), via)
        np.minimum.at(t, ch.nodes, via)
        return t


# -- the per-process cache ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, tuple[int | None, RoadGraph | None, float]] = {}
#: How long a graph is trusted before the database's network version is looked at again.
RECHECK_S = 5.0


def network_version(session: Session) -> int | None:
    """The id of the network in use (the newest import), or None when no network was imported."""
    return session.scalar(select(func.max(RoadNetwork.id)))


def _numbers(session: Session, statement: Select[Any], columns: int) -> F64:
    """The rows of a numeric select as one float array, fetched with the driver's cursor (no row objects)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        params = compiled.params
        if connection.dialect.name == "sqlite":
            cursor.execute(str(compiled), [params[k] for k in compiled.positiontup or ()])
        else:
            cursor.execute(str(compiled), params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return np.array(rows, dtype=np.float64).reshape(len(rows), columns)


def load_road_graph(session: Session, version: int, *, sample_m: float = 25.0) -> RoadGraph:
    """The network `version` from the database: two selects read straight into arrays."""
    nodes = _numbers(
        session,
        select(RoadNode.lat, RoadNode.lon).where(RoadNode.network_id == version).order_by(RoadNode.idx),
        2,
    )
    class_code = case({c.value: i for i, c in enumerate(CLASSES)}, value=RoadEdge.road_class, else_=-1)
    edges = _numbers(
        session,
        select(
            RoadEdge.source,
            RoadEdge.target,
            RoadEdge.length_m,
            class_code,
            case((RoadEdge.oneway, 1), else_=0),
            func.coalesce(RoadEdge.maxspeed_kmh, -1.0),
        )
        .where(RoadEdge.network_id == version)
        .order_by(RoadEdge.idx),
        6,
    )
    if (edges[:, 3] < 0).any():
        raise ValueError("the stored road network has an edge of an unknown class")
    maxspeed = edges[:, 5]
    return RoadGraph(
        version,
        nodes[:, 0].copy(),
        nodes[:, 1].copy(),
        edges[:, 0].astype(np.int64),
        edges[:, 1].astype(np.int64),
        edges[:, 2].copy(),
        edges[:, 3].astype(np.int8),
        edges[:, 4] > 0,
        np.where(maxspeed > 0, maxspeed, np.nan),
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
