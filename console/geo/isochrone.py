"""Reach outlines (isochrones): where a unit gets to in 1, 3, 5 minutes, or from where a site is reached in that time.

Computed in the core from one bounded search over the road network: every reached edge (up to the point reached
within the time, for an edge left part way) is widened by `isochrone_buffer_m`, and the union is the outline —
GeoJSON polygons in WGS-84 for the map. A drone, or a place too far from any road, gets a circle at its speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from ..enums import UnitKind
from ..rules import Rules
from .roadnet import RoadGraph

#: Outlines are simplified to this many metres (a map does not need more).
SIMPLIFY_M = 10.0


def _feature(graph: RoadGraph, geom: Any, minutes: float, route: str) -> dict[str, Any]:
    def to_lonlat(xy: Any) -> Any:
        lat, lon = graph.to_latlon(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat]).round(6)

    wgs = shapely.transform(shapely.simplify(geom, SIMPLIFY_M), to_lonlat)
    return {"type": "Feature", "geometry": _plain(mapping(wgs)), "properties": {"minutes": minutes, "route": route}}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def reach_outlines(
    graph: RoadGraph,
    rules: Rules,
    *,
    kind: UnitKind,
    lat: float,
    lon: float,
    minutes: Sequence[float] = (1, 3, 5),
    towards: bool = False,
) -> list[dict[str, Any]]:
    """One GeoJSON Feature per time (properties `minutes`, `route`: road | straight), smallest first.

    towards=False: where a unit of `kind` standing at (lat, lon) gets to; towards=True: from where a unit of
    `kind` reaches (lat, lon) — the reach of a key site."""
    times = sorted(float(m) for m in minutes if m > 0)
    profile = rules.roads.profile_of(kind)
    px, py = graph.to_xy(np.array([lat]), np.array([lon]))
    centre = shapely.points(px[0], py[0])
    if profile is None:
        speed = rules.speed_kmh[kind] / 3.6
        return [_feature(graph, shapely.buffer(centre, speed * 60 * t), t, "straight") for t in times]
    pg = graph.profile(profile)
    snap = graph.snap(pg, np.array([lat]), np.array([lon]), rules.roads.snap_max_m)
    if snap.edge[0] < 0 or not times:
        return [_feature(graph, shapely.buffer(centre, pg.off_road_ms * 60 * t), t, "straight") for t in times]
    search = graph.search(pg, snap, towards=towards, limit_s=60 * times[-1])
    node_s = graph.node_times(pg, search, snap, towards=towards)
    offset = float(snap.off_m[0]) / pg.off_road_ms
    src, dst = graph.source, graph.target
    # From an end an edge is left along the way the search went: leaving the source towards the target is allowed
    # for a unit going out when the edge is open forwards; for a unit coming in (towards) when it is open backwards.
    from_source = pg.backward_ok if towards else pg.forward_ok
    from_target = pg.forward_ok if towards else pg.backward_ok
    out = []
    for t in times:
        budget = 60 * t - offset
        if budget <= 0:
            out.append(_feature(graph, shapely.buffer(centre, pg.off_road_ms * 60 * t), t, "road"))
            continue
        parts = []
        for start, end, allowed in ((src, dst, from_source), (dst, src, from_target)):
            left = budget - node_s[start]
            ok = allowed & (left > 0)
            if not ok.any():
                continue
            f = np.minimum(1.0, left[ok] / pg.weight[ok])
            a, b = start[ok], end[ok]
            xa, ya = graph.x[a], graph.y[a]
            xb, yb = xa + (graph.x[b] - xa) * f, ya + (graph.y[b] - ya) * f
            parts.append(np.stack([np.column_stack([xa, ya]), np.column_stack([xb, yb])], axis=1))
        # The snapped edge itself, from the place both ways as far as it is open and the time allows.
        e = int(snap.edge[0])
        frac = float(snap.frac[0])
        length_s = float(pg.weight[e])
        sx, sy = float(snap.x[0]), float(snap.y[0])
        for tip, open_, share in (
            (int(dst[e]), bool(from_source[e]), 1 - frac),
            (int(src[e]), bool(from_target[e]), frac),
        ):
            if open_ and share > 0:
                part = min(1.0, budget / (length_s * share))
                tx, ty = float(graph.x[tip]), float(graph.y[tip])
                parts.append(np.array([[[sx, sy], [sx + (tx - sx) * part, sy + (ty - sy) * part]]]))
        lines = shapely.linestrings(np.concatenate(parts)) if parts else []
        geom = shapely.union_all(
            [shapely.buffer(shapely.multilinestrings(lines), rules.roads.isochrone_buffer_m)]
            + [shapely.buffer(centre, max(float(snap.off_m[0]), rules.roads.isochrone_buffer_m))]
        )
        out.append(_feature(graph, geom, t, "road"))
    return out
