"""How simulated units move: paths of points followed at a speed, and the road graph of the demo county."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from ..geo import roadnet
from ..geo.distance import haversine_m
from .county import County

LatLon = tuple[float, float]


def bearing_deg(a: LatLon, b: LatLon) -> float:
    """Initial course from a to b, degrees clockwise from north."""
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    dlon = math.radians(b[1] - a[1])
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0


@dataclass
class Path:
    """Points to follow in order; `advance` moves along them and says where we are."""

    points: list[LatLon] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.points

    def advance(self, position: LatLon, metres: float) -> tuple[LatLon, float | None]:
        """Move up to `metres` along the path from `position`; returns the new position and the course taken."""
        course: float | None = None
        while self.points and metres > 0:
            target = self.points[0]
            gap = haversine_m(position[0], position[1], target[0], target[1])
            if gap > 0.01:
                course = bearing_deg(position, target)
            if gap <= metres:
                position = target
                metres -= gap
                self.points.pop(0)
                continue
            f = metres / gap
            position = (position[0] + (target[0] - position[0]) * f, position[1] + (target[1] - position[1]) * f)
            metres = 0
        return (round(position[0], 6), round(position[1], 6)), course


class RoadGraph:
    """Nodes joined by road polylines, for patrols that drive along the roads: the county's own roads
    (`RoadGraph(county)`), or the stored routable network with its one-way streets (`RoadGraph.of_network`)."""

    def __init__(self, county: County | None = None) -> None:
        self.nodes: dict[str, LatLon] = dict(county.nodes) if county else {}
        self.edges: dict[str, list[tuple[str, tuple[LatLon, ...]]]] = {}
        for road in county.roads if county else ():
            self.edges.setdefault(road.start, []).append((road.end, road.points))
            self.edges.setdefault(road.end, []).append((road.start, tuple(reversed(road.points))))
        self._names = sorted(self.nodes)

    @classmethod
    def of_network(cls, graph: roadnet.RoadGraph, profile: roadnet.ProfileGraph) -> RoadGraph:
        """Every node of the network, each edge a leg in the directions the profile may take it."""
        out = cls()
        out.nodes = {
            str(i): (round(float(a), 6), round(float(b), 6))
            for i, (a, b) in enumerate(zip(graph.lats, graph.lons, strict=True))
        }
        for tail, head, ok in (
            (graph.source, graph.target, profile.forward_ok),
            (graph.target, graph.source, profile.backward_ok),
        ):
            for a, b in zip(tail[ok].tolist(), head[ok].tolist(), strict=True):
                out.edges.setdefault(str(a), []).append((str(b), (out.nodes[str(a)], out.nodes[str(b)])))
        out._names = sorted(out.nodes)
        return out

    def nearest(self, position: LatLon) -> str:
        return min(
            self._names, key=lambda n: (self.nodes[n][0] - position[0]) ** 2 + (self.nodes[n][1] - position[1]) ** 2
        )

    def next_leg(self, rng: random.Random, node: str, previous: str | None) -> tuple[str, list[LatLon]]:
        """A random road out of `node`, not straight back where we came from when there is another."""
        options = self.edges.get(node, [])
        if not options:
            return node, [self.nodes[node]]
        forward = [o for o in options if o[0] != previous] or options
        other, points = rng.choice(forward)
        return other, list(points[1:])


def detour(rng: random.Random, start: LatLon, end: LatLon, bends: int = 2, wiggle: float = 0.12) -> list[LatLon]:
    """A road-like way from start to end: a few bends to the side (a fraction `wiggle` of the distance)."""
    points: list[LatLon] = []
    dlat, dlon = end[0] - start[0], end[1] - start[1]
    for k in range(1, bends + 1):
        t = k / (bends + 1)
        off = rng.uniform(-wiggle, wiggle) * math.sin(math.pi * t)
        points.append((start[0] + dlat * t - dlon * off, start[1] + dlon * t + dlat * off))
    points.append(end)
    return points
