"""Routing bench: a 200,000-edge road network stored in SQLite, 5,000 units, 500 key sites; and the demo county.

Figures (JSON on stdout, each with its budget, whether it is met, and the naive way measured in the same run):
- graph build from the database (read nodes and edges, CSR and snapping index of each travel profile) ≤ 2 s;
  naive: a networkx DiGraph built from the same rows;
- rank 5,000 units for a case, including the snap of the case (units' snaps kept while they stand still)
  ≤ 20 ms p95; naive: a networkx Dijkstra per unit (sampled, scaled to 5,000);
- readiness of 500 key sites with 300 units (nearest unit per site, 10 % of the units moved before each round)
  ≤ 50 ms p95; naive: a bounded networkx Dijkstra per unit (sampled, scaled to 300);
- on the demo county: how often the routed first choice differs from the straight-line one.

    python bench/bench_roads.py [--edges 200000] [--units 5000] [--cases 200] [--demo-cases 300]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, progress, summary_ms
from console.db import Database, upgrade_to_head, write_transaction
from console.enums import Category, RoadClass, UnitKind
from console.geo.ranking import UnitArrays, rank
from console.geo.roadnet import load_road_graph
from console.geo.travel import RoadTravel
from console.rules import default_rules
from console.services.actor import SYSTEM
from console.services.road_files import RoadData
from console.services.road_import import import_roads

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LAT0, LON0 = 24.80, 113.60
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
KIND_MIX = (
    (UnitKind.PATROL_CAR, 0.2),
    (UnitKind.TRAFFIC_POLICE, 0.05),
    (UnitKind.FOOT_PATROL, 0.15),
    (UnitKind.GRID_WORKER, 0.4),
    (UnitKind.VOLUNTEER_TEAM, 0.1),
    (UnitKind.MEDIATOR, 0.05),
    (UnitKind.DRONE, 0.05),
)


def synthetic_network(edges: int, seed: int = 11) -> RoadData:
    """A county-like network: a jittered street lattice (some links missing), each link drawn with three shape
    points, arterials every 8th line, a tenth of the residential links one-way."""
    rng = np.random.default_rng(seed)
    links_wanted = edges / 4 / 0.92
    side = int(math.sqrt(links_wanted / 2)) + 1
    cols, rows = int(side * 1.3), int(side / 1.3)
    spacing = 200.0
    gx, gy = np.meshgrid(np.arange(cols) * spacing, np.arange(rows) * spacing)
    x = (gx + rng.normal(0, 25, gx.shape)).ravel()
    y = (gy + rng.normal(0, 25, gy.shape)).ravel()
    idx = np.arange(rows * cols).reshape(rows, cols)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    line_no = np.concatenate([np.repeat(np.arange(rows), cols - 1), np.tile(np.arange(cols), rows - 1)])
    keep = rng.random(len(a)) > 0.08
    a, b, line_no = a[keep], b[keep], line_no[keep]
    cls = np.where(line_no % 24 == 0, 2, np.where(line_no % 8 == 0, 3, np.where(rng.random(len(a)) < 0.3, 4, 5)))
    oneway_link = (cls == 5) & (rng.random(len(a)) < 0.1)
    n0 = len(x)
    pieces = 4
    k = len(a)
    # Shape points: three per link, a little off the straight line.
    t = np.arange(1, pieces)[None, :] / pieces
    sx = x[a][:, None] + (x[b] - x[a])[:, None] * t + rng.normal(0, 6, (k, pieces - 1))
    sy = y[a][:, None] + (y[b] - y[a])[:, None] * t + rng.normal(0, 6, (k, pieces - 1))
    shape_ids = n0 + np.arange(k * (pieces - 1)).reshape(k, pieces - 1)
    chain = np.column_stack([a, shape_ids, b])
    src = chain[:, :-1].ravel()
    dst = chain[:, 1:].ravel()
    all_x = np.concatenate([x, sx.ravel()])
    all_y = np.concatenate([y, sy.ravel()])
    length = np.hypot(all_x[dst] - all_x[src], all_y[dst] - all_y[src])
    classes = list(RoadClass)
    edge_cls = np.repeat(cls, pieces)
    return RoadData(
        lats=LAT0 + all_y / M_PER_DEG_LAT,
        lons=LON0 + all_x / M_PER_DEG_LON,
        source=src.astype(np.int64),
        target=dst.astype(np.int64),
        length_m=length,
        road_class=[classes[c] for c in edge_cls.tolist()],
        oneway=np.repeat(oneway_link, pieces),
        maxspeed_kmh=np.full(len(src), np.nan),
        names=[None] * len(src),
    )


def units_at(rng: random.Random, data: RoadData, count: int) -> UnitArrays:
    lat_lo, lat_hi = float(data.lats.min()), float(data.lats.max())
    lon_lo, lon_hi = float(data.lons.min()), float(data.lons.max())
    kinds = [k for k, _ in KIND_MIX]
    weights = [w for _, w in KIND_MIX]
    rows = [
        (
            i + 1,
            f"U{i + 1:05d}",
            rng.choices(kinds, weights)[0],
            rng.uniform(lat_lo, lat_hi),
            rng.uniform(lon_lo, lon_hi),
            NOW,
            None,
            ("patrol",),
        )
        for i in range(count)
    ]
    return UnitArrays.build(rows)


def nx_graph(graph: Any, profile: Any) -> Any:
    import networkx as nx

    g = nx.DiGraph()
    ok_f, ok_b = profile.forward_ok, profile.backward_ok
    w = profile.weight
    g.add_weighted_edges_from(
        zip(graph.source[ok_f].tolist(), graph.target[ok_f].tolist(), w[ok_f].tolist(), strict=True)
    )
    g.add_weighted_edges_from(
        zip(graph.target[ok_b].tolist(), graph.source[ok_b].tolist(), w[ok_b].tolist(), strict=True)
    )
    return g


def nearest_node(graph: Any, lat: float, lon: float) -> int:
    x, y = graph.to_xy(np.array([lat]), np.array([lon]))
    return int(np.argmin((graph.x - x[0]) ** 2 + (graph.y - y[0]) ** 2))


def met(value: float, budget: float) -> dict[str, Any]:
    return {"budget": budget, "met": bool(value <= budget)}


def bench_build(args: argparse.Namespace, workdir: Path) -> tuple[Any, RoadData, dict[str, Any]]:
    """Store the network, then time building the graph from the database (and networkx's from the same rows)."""
    import networkx as nx
    from sqlalchemy import select

    from console.models import RoadEdge

    rules = default_rules()
    progress(f"generating a {args.edges}-edge network ...")
    data = synthetic_network(args.edges)
    db = Database(f"sqlite:///{workdir / 'roads.sqlite3'}")
    upgrade_to_head(db.engine)
    started = time.perf_counter()
    report = write_transaction(db.sessions, lambda s: import_roads(s, data, actor=SYSTEM, source="bench"))
    import_s = time.perf_counter() - started
    progress(f"stored {report.nodes} nodes, {report.edges} edges in {import_s:.1f} s; building the graph ...")
    builds, naive_builds = [], []
    graph = None
    for _ in range(args.repeat_build):
        t0 = time.perf_counter()
        with db.session() as s:
            graph = load_road_graph(s, report.network_id, sample_m=rules.roads.sample_m)
        for name in ("car", "ebike", "foot"):
            graph.profile(rules.roads.profiles[name])
        graph.snap(graph.profile(rules.roads.profiles["car"]), np.array([LAT0]), np.array([LON0]), 1.0)
        builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with db.session() as s:
            rows = s.execute(
                select(RoadEdge.source, RoadEdge.target, RoadEdge.length_m).where(
                    RoadEdge.network_id == report.network_id
                )
            ).all()
        naive = nx.DiGraph()
        naive.add_weighted_edges_from(rows)
        naive_builds.append(time.perf_counter() - t0)
    db.dispose()
    build_s = float(np.median(builds))
    naive_s = float(np.median(naive_builds))
    figures = {
        "network": {
            "nodes": report.nodes,
            "edges": report.edges,
            "oneway_edges": report.oneway_edges,
            "junctions": graph.junction_count if graph else None,
            "import_s": round(import_s, 2),
        },
        "graph_build_from_db_s": {
            "median": round(build_s, 3),
            "max": round(max(builds), 3),
            **met(build_s, 2.0),
            "includes": "read nodes and edges, chains, CSR of car/ebike/foot, snapping index",
            "naive_networkx_s": round(naive_s, 3),
            "ratio": round(naive_s / build_s, 2),
        },
    }
    return graph, data, figures


def bench_rank(args: argparse.Namespace, graph: Any, data: RoadData) -> dict[str, Any]:
    import networkx as nx

    rules = default_rules()
    rng = random.Random(5)
    model = RoadTravel(graph, rules)
    units = units_at(rng, data, args.units)
    t0 = time.perf_counter()
    model.to_point(units.kinds, units.lats, units.lons, float(units.lats[0]), float(units.lons[0]), limit_s=60)
    cold_snap_s = time.perf_counter() - t0
    lat_lo, lat_hi, lon_lo, lon_hi = (
        float(data.lats.min()),
        float(data.lats.max()),
        float(data.lons.min()),
        float(data.lons.max()),
    )
    cases = [(rng.uniform(lat_lo, lat_hi), rng.uniform(lon_lo, lon_hi)) for _ in range(args.cases)]
    samples = []
    for lat, lon in cases:
        t0 = time.perf_counter()
        ranked = rank(
            units, lat=lat, lon=lon, category=Category.PUBLIC_ORDER, grid_id=None, now=NOW, rules=rules, travel=model
        )
        samples.append(time.perf_counter() - t0)
        assert ranked
    rank_ms = summary_ms(samples)
    # Naive: a networkx Dijkstra from each unit's nearest node to the case's nearest node (car times for all).
    g = nx_graph(graph, graph.profile(rules.roads.profiles["car"]))
    naive = []
    for lat, lon in cases[:3]:
        target = nearest_node(graph, lat, lon)
        for i in range(args.naive_units):
            source = nearest_node(graph, float(units.lats[i]), float(units.lons[i]))
            t0 = time.perf_counter()
            with contextlib.suppress(nx.NetworkXNoPath):
                nx.dijkstra_path_length(g, source, target)
            naive.append(time.perf_counter() - t0)
    naive_ms = float(np.mean(naive)) * 1000 * args.units
    return {
        **rank_ms,
        **met(rank_ms["p95_ms"], 20.0),
        "units": args.units,
        "includes": "snap of the case, bounded searches (car, ebike, foot), drones straight, top 3 with distances",
        "cold_snap_of_all_units_ms": round(cold_snap_s * 1000, 1),
        "naive_networkx_per_unit_ms": round(float(np.mean(naive)) * 1000, 3),
        "naive_sampled_units": len(naive),
        "naive_estimated_ms": round(naive_ms, 1),
        "ratio": round(naive_ms / rank_ms["p50_ms"], 1),
    }


def bench_readiness(args: argparse.Namespace, graph: Any, data: RoadData) -> dict[str, Any]:
    import networkx as nx

    rules = default_rules()
    rng = random.Random(9)
    model = RoadTravel(graph, rules)
    lat_lo, lat_hi, lon_lo, lon_hi = (
        float(data.lats.min()),
        float(data.lats.max()),
        float(data.lons.min()),
        float(data.lons.max()),
    )
    sites_lat = np.array([rng.uniform(lat_lo, lat_hi) for _ in range(args.sites)])
    sites_lon = np.array([rng.uniform(lon_lo, lon_hi) for _ in range(args.sites)])
    crew = units_at(rng, data, args.crew)
    lats, lons = crew.lats.copy(), crew.lons.copy()
    limit = 300.0
    model.nearest(crew.kinds, lats, lons, sites_lat, sites_lon, limit_s=limit)  # the sites' snaps, kept
    ready = []
    covered = 0.0
    for _ in range(args.rounds):
        moved = np.array(rng.sample(range(args.crew), args.crew // 10))
        lats[moved] += np.array([rng.gauss(0, 0.001) for _ in moved])
        lons[moved] += np.array([rng.gauss(0, 0.001) for _ in moved])
        t0 = time.perf_counter()
        eta, _ = model.nearest(crew.kinds, lats, lons, sites_lat, sites_lon, limit_s=limit)
        ready.append(time.perf_counter() - t0)
        covered = float(np.mean(eta <= 180))
    ready_ms = summary_ms(ready)
    g = nx_graph(graph, graph.profile(rules.roads.profiles["car"]))
    naive = []
    for i in range(args.naive_units):
        source = nearest_node(graph, float(lats[i]), float(lons[i]))
        t0 = time.perf_counter()
        nx.single_source_dijkstra_path_length(g, source, cutoff=limit)
        naive.append(time.perf_counter() - t0)
    naive_ms = float(np.mean(naive)) * 1000 * args.crew
    return {
        **ready_ms,
        **met(ready_ms["p95_ms"], 50.0),
        "sites": args.sites,
        "units": args.crew,
        "limit_s": limit,
        "includes": "snap of the moved units, one search per profile from all units, each site's nearest unit",
        "share_within_3_min": round(covered, 3),
        "naive_networkx_per_unit_ms": round(float(np.mean(naive)) * 1000, 3),
        "naive_estimated_ms": round(naive_ms, 1),
        "ratio": round(naive_ms / ready_ms["p50_ms"], 1),
    }


def bench_demo(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from console.demo import build_demo
    from console.demo.county import generate_county
    from console.demo.roads import demo_roads
    from console.geo.travel import travel_model
    from console.services.dispatch import available_units

    progress("building the demo county (3 days) ...")
    db = Database(f"sqlite:///{workdir / 'demo.sqlite3'}")
    upgrade_to_head(db.engine)
    t0 = time.perf_counter()
    build_demo(db, days=3, per_day=90, now=NOW)
    build_s = time.perf_counter() - t0
    rules = default_rules()
    roads = demo_roads(generate_county())
    rng = random.Random(3)
    with db.session() as s:
        model = travel_model(s, rules)
        units = available_units(s)
    county = generate_county()
    places = [(p.lat, p.lon) for p in county.places]
    categories = list(Category)
    differ = across = across_differ = 0
    times = []
    for n in range(args.demo_cases):
        lat, lon = rng.choice(places)
        lat += rng.gauss(0, 0.003)
        lon += rng.gauss(0, 0.003)
        category = categories[n % len(categories)]
        t = time.perf_counter()
        routed = rank(
            units, lat=lat, lon=lon, category=category, grid_id=None, now=NOW, rules=rules, travel=model, limit=1
        )
        times.append(time.perf_counter() - t)
        straight = rank(units, lat=lat, lon=lon, category=category, grid_id=None, now=NOW, rules=rules, limit=1)
        changed = routed[0].unit_id != straight[0].unit_id
        differ += changed
        s_unit = straight[0].index
        if roads.east_of_river(lat, lon) != roads.east_of_river(float(units.lats[s_unit]), float(units.lons[s_unit])):
            across += 1
            across_differ += changed
    return {
        "demo_build_3_days_s": round(build_s, 2),
        "cases": args.demo_cases,
        "routed_first_choice_differs": differ,
        "share_differs": round(differ / args.demo_cases, 3),
        "straight_choice_across_the_river": across,
        "of_which_routed_differs": across_differ,
        "rank_ms": summary_ms(times),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edges", type=int, default=200_000)
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--sites", type=int, default=500)
    ap.add_argument("--crew", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--naive-units", type=int, default=5)
    ap.add_argument("--repeat-build", type=int, default=3)
    ap.add_argument("--demo-cases", type=int, default=300)
    ap.add_argument("--skip-demo", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        graph, data, figures = bench_build(args, Path(tmp))
        result: dict[str, Any] = {"bench": "roads", **figures}
        result["rank_5000_units"] = bench_rank(args, graph, data)
        result["readiness_500_sites"] = bench_readiness(args, graph, data)
        if not args.skip_demo:
            result["demo_county"] = bench_demo(args, Path(tmp))
    emit(result)


if __name__ == "__main__":
    main()
