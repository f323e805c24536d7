"""Contraction into chains: shape points vanish from the searches, junctions stay where roads meet or change."""

from __future__ import annotations

import numpy as np

from console.geo.chains import contract

from .networks import collection, graph_of, line, parse, river_network


def test_river_network_contracts_to_its_junctions() -> None:
    graph = graph_of(parse(river_network()))
    # Junctions: the two ends of the one-way street (where it meets the two-way roads) and the island's two ends;
    # the west road, the bridge and the east road are one chain of shape points between them.
    assert graph.junction_count == 4
    assert graph.chains.count == 3
    assert sorted(len(graph.chains.chain_nodes(c)) for c in range(3)) == [2, 2, 10]


def test_one_way_chain_runs_its_way_and_class_changes_make_junctions() -> None:
    fc = collection(
        line([(24.80, 113.60), (24.80, 113.61), (24.80, 113.62)], "residential", oneway=-1),
        line([(24.80, 113.62), (24.80, 113.63)], "primary"),
    )
    data = parse(fc)
    chains = contract(data.node_count, data.source, data.target, np.array([0] * 2 + [1], dtype=np.int8), data.oneway)
    assert chains.count == 2
    one = int(chains.edge_chain[0])
    assert chains.oneway[one]
    nodes = chains.chain_nodes(one)
    # oneway=-1 runs against the drawn line: from 113.62 to 113.60.
    assert [round(float(data.lons[v]), 2) for v in nodes] == [113.62, 113.61, 113.60]
    assert chains.edge_along[chains.edges[chains.edges_ptr[one] : chains.edges_ptr[one + 1]]].all()


def test_a_ring_of_shape_points_gets_a_junction() -> None:
    ring = [(24.80, 113.60), (24.80, 113.61), (24.81, 113.61), (24.81, 113.60), (24.80, 113.60)]
    data = parse(collection(line(ring, "tertiary")))
    chains = contract(data.node_count, data.source, data.target, np.zeros(data.edge_count, dtype=np.int8), data.oneway)
    assert chains.count == 1 and int(chains.junction.sum()) == 1
    assert chains.start[0] == chains.end[0] and len(chains.chain_nodes(0)) == 5
