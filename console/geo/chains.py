"""Contraction of a road network into chains between junctions, shared by every travel profile.

Most nodes of a real network (OSM, the demo county) are shape points: a road bends, the node joins two edges and
nothing else. Searches need only the junctions: a node is a junction unless exactly two edges meet at it, with two
different other ends, the same class and the same one-way flag, and (if one-way) one leading in and one out.
A chain is the run of edges from a junction to the next one (computed with array operations, no loop per edge); it has one class and one kind of direction, so each
profile either uses it whole or not at all. Edges are numbered along their chain (`edge_rank`), the chain runs from
`start` to `end`, and a one-way chain is open from `start` to `end`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Chains:
    start: I64  # node where each chain begins (a junction)
    end: I64  # node where it ends (a junction; may equal start for a loop)
    oneway: NDArray[np.bool_]  # open from start to end only (for profiles that obey one-way streets)
    edges_ptr: I64  # chain c has edges edges[edges_ptr[c]:edges_ptr[c + 1]], in order from start to end
    edges: I64
    nodes_ptr: I64  # … and nodes nodes[nodes_ptr[c]:nodes_ptr[c + 1]], start first, end last
    nodes: I64
    edge_chain: I64  # chain of each edge
    edge_rank: I64  # position of each edge in its chain
    edge_along: NDArray[np.bool_]  # the edge's source → target runs the chain's way
    junction: NDArray[np.bool_]  # per node

    @property
    def count(self) -> int:
        return len(self.start)

    def chain_nodes(self, c: int) -> list[int]:
        return [int(v) for v in self.nodes[self.nodes_ptr[c] : self.nodes_ptr[c + 1]]]


def _junctions(
    n: int, source: I64, target: I64, classes: NDArray[np.int8], oneway: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], I64, I64]:
    """Which nodes are junctions, and the nodes' incident edges (CSR: ptr, edges)."""
    m = len(source)
    ends = np.concatenate([source, target])
    order = np.argsort(ends, kind="stable")
    inc_edge = (order % m).astype(np.int64) if m else np.zeros(0, dtype=np.int64)
    degree = np.bincount(ends, minlength=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=ptr[1:])
    junction = degree != 2
    two = np.flatnonzero(~junction)
    if len(two):
        e1, e2 = inc_edge[ptr[two]], inc_edge[ptr[two] + 1]
        other1 = np.where(source[e1] == two, target[e1], source[e1])
        other2 = np.where(source[e2] == two, target[e2], source[e2])
        same = (classes[e1] == classes[e2]) & (oneway[e1] == oneway[e2]) & (e1 != e2) & (other1 != other2)
        # One-way through the node: one edge must come in and the other go out.
        flows = ~oneway[e1] | ((target[e1] == two) != (target[e2] == two))
        junction[two[~(same & flows)]] = True
    return junction, ptr, inc_edge


def contract(n: int, source: I64, target: I64, classes: NDArray[np.int8], oneway: NDArray[np.bool_]) -> Chains:
    """Chains of the network, vectorised: the edges are linked across the shape points they share; the linked
    groups are the chains; a breadth-first pass (one csgraph search from every chain's first edge) numbers the
    edges along each chain."""
    m = len(source)
    junction, ptr, inc = _junctions(n, source, target, classes, oneway)
    if m == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Chains(
            empty,
            empty,
            np.zeros(0, dtype=bool),
            np.zeros(1, dtype=np.int64),
            empty,
            np.zeros(1, dtype=np.int64),
            empty,
            empty,
            empty,
            np.zeros(0, dtype=bool),
            junction,
        )
    while True:
        interior = np.flatnonzero(~junction)
        e1, e2 = inc[ptr[interior]], inc[ptr[interior] + 1]
        links = coo_matrix((np.ones(len(interior)), (e1, e2)), shape=(m, m))
        count, chain = connected_components(links, directed=False)
        # A ring of shape points has no junction: make the source of its first edge one, and link again.
        touches = junction[source] | junction[target]
        has_end = np.zeros(count, dtype=bool)
        np.logical_or.at(has_end, chain, touches)
        if has_end.all():
            break
        rings = np.flatnonzero(~has_end)
        first = np.full(count, m)
        np.minimum.at(first, chain, np.arange(m))
        junction[source[first[rings]]] = True
    # The first edge of each chain: the lowest-numbered edge with a junction end, starting from that end.
    candidate = np.where(touches, np.arange(m), m)
    first = np.full(count, m)
    np.minimum.at(first, chain, candidate)
    start = np.where(junction[source[first]], source[first], target[first])
    # Ranks: hops from the chain's first edge through the links (one multi-source search, unit weights).
    k = len(interior)
    rows = np.concatenate([e1, e2, np.full(count, m)])
    cols = np.concatenate([e2, e1, first])
    graph = csr_matrix((np.ones(2 * k + count), (rows, cols)), shape=(m + 1, m + 1))
    hops = dijkstra(graph, directed=True, indices=m, unweighted=True)
    rank = (hops[:m] - 1).astype(np.int64)
    order = np.lexsort((rank, chain))
    counts = np.bincount(chain, minlength=count)
    edges_ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(counts, out=edges_ptr[1:])
    # Entry node of each edge: the chain's start for the first, else the shape point it shares with the one before.
    entry = np.empty(m, dtype=np.int64)
    entry[first] = start
    later = order[rank[order] > 0]
    before = order[np.flatnonzero(rank[order] > 0) - 1]
    shared_src = ((source[later] == source[before]) | (source[later] == target[before])) & ~junction[source[later]]
    entry[later] = np.where(shared_src, source[later], target[later])
    along = source == entry
    exit_ = np.where(along, target, source)
    # One-way chains run the way their edges flow: turn round those that were numbered against it.
    flip = oneway[first] & ~along[first]
    last = order[edges_ptr[1:] - 1]
    end = exit_[last]
    start, end = np.where(flip, end, start), np.where(flip, start, end)
    size = counts[chain]
    rank = np.where(flip[chain], size - 1 - rank, rank)
    along = np.where(flip[chain], ~along, along)
    order = np.lexsort((rank, chain))
    entry_in_order = np.where(along[order], source[order], target[order])
    nodes_ptr = edges_ptr + np.arange(count + 1)
    nodes = np.empty(m + count, dtype=np.int64)
    position = np.arange(m) + chain[order]  # each chain's nodes start one further on per chain before it
    nodes[position] = entry_in_order
    nodes[nodes_ptr[1:] - 1] = end
    return Chains(
        start=start.astype(np.int64),
        end=end.astype(np.int64),
        oneway=oneway[first],
        edges_ptr=edges_ptr,
        edges=order.astype(np.int64),
        nodes_ptr=nodes_ptr,
        nodes=nodes,
        edge_chain=chain.astype(np.int64),
        edge_rank=rank,
        edge_along=along,
        junction=junction,
    )
