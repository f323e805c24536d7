"""Routed times equal a plain Dijkstra (heapq over the edges, one-way rules applied by hand) on random networks."""

from __future__ import annotations

import heapq
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.enums import RoadClass, UnitKind
from console.geo.travel import KIND_INDEX, RoadTravel
from console.rules import default_rules

from .networks import collection, graph_of, line, parse

RULES = default_rules()
CLASSES = [c.value for c in RoadClass]


def plain_dijkstra(n: int, arcs: list[tuple[int, int, float]], target: int) -> list[float]:
    """Seconds from every node to `target` (arcs reversed, textbook Dijkstra)."""
    incoming: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in arcs:
        incoming[b].append((a, w))
    best = [math.inf] * n
    best[target] = 0.0
    heap = [(0.0, target)]
    while heap:
        d, x = heapq.heappop(heap)
        if d > best[x]:
            continue
        for y, w in incoming[x]:
            if d + w < best[y]:
                best[y] = d + w
                heapq.heappush(heap, (d + w, y))
    return best


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[tuple[float, float]], list[tuple[int, int, str, bool]]]:
    """Nodes on a 5 × 5 lattice (0.004° apart); edges only between lattice neighbours, so two edges meet only at a
    shared node (a place snaps to the road it is on, never to another one crossing it unseen). Parallel edges of
    different classes and one-way edges both ways are allowed."""
    cells = draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=14, unique=True))
    nodes = [(24.80 + 0.004 * i, 113.60 + 0.004 * j) for i, j in cells]
    index = {c: k for k, c in enumerate(cells)}
    pairs = [
        (index[c], index[(c[0] + di, c[1] + dj)])
        for c in cells
        for di, dj in ((0, 1), (1, 0))
        if (c[0] + di, c[1] + dj) in index
    ]
    if not pairs:
        pairs = [(0, 1)] if abs(cells[0][0] - cells[1][0]) + abs(cells[0][1] - cells[1][1]) == 1 else []
    if not pairs:
        return nodes, []
    chosen = draw(
        st.lists(
            st.tuples(st.sampled_from(pairs), st.booleans(), st.sampled_from(CLASSES), st.booleans()),
            min_size=1,
            max_size=25,
        )
    )
    return nodes, [((b, a) if flip else (a, b)) + (cls, oneway) for (a, b), flip, cls, oneway in chosen]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks(), kind=st.sampled_from([UnitKind.PATROL_CAR, UnitKind.GRID_WORKER, UnitKind.FOOT_PATROL]))
def test_routed_times_equal_a_plain_dijkstra(
    net: tuple[list[tuple[float, float]], list[tuple[int, int, str, bool]]], kind: UnitKind
) -> None:
    nodes, edges = net
    if not edges:
        return
    fc = collection(*(line([nodes[a], nodes[b]], cls, oneway=oneway) for a, b, cls, oneway in edges))
    data = parse(fc)
    model = RoadTravel(graph_of(data), RULES)
    profile = RULES.roads.profile_of(kind)
    assert profile is not None
    # The arcs the profile may take, with their times, straight from the parsed edges.
    arcs: list[tuple[int, int, float]] = []
    for j in range(data.edge_count):
        kmh = profile.speed_kmh.get(data.road_class[j], 0.0)
        if kmh <= 0:
            continue
        seconds = float(data.length_m[j]) / (kmh / 3.6)
        a, b = int(data.source[j]), int(data.target[j])
        arcs.append((a, b, seconds))
        if not (data.oneway[j] and profile.oneway):
            arcs.append((b, a, seconds))
    used = sorted({a for a, _, _ in arcs} | {b for _, b, _ in arcs})
    if not used:
        return
    target = used[0]
    expected = plain_dijkstra(data.node_count, arcs, target)
    kinds = np.full(len(used), KIND_INDEX[kind], dtype=np.int8)
    est = model.to_point(kinds, data.lats[used], data.lons[used], float(data.lats[target]), float(data.lons[target]))
    for k, node in enumerate(used):
        want = expected[node]
        got = float(est.eta_s[k])
        if math.isinf(want):
            assert math.isinf(got), (node, got)
        else:
            assert got == np.float64(want) or abs(got - want) <= 1e-4 + 1e-9 * want, (node, got, want)
