"""The demo county's routable road network, as the GeoJSON that `import roads` reads.

Built from the county's roads (county roads between township seats, village roads, the seat's streets) with what
makes routing matter: the 清溪 river runs north–south just east of the county seat and every road that met it is
cut at its banks, except at two bridges (城关大桥 near the seat, 南渡大桥 far to the south); a switchback hill road
(盘山路, a slow track) joins two townships; the seat's centre is a grid of one-way streets. Pieces left apart by
the cuts are joined to the rest of their bank by short connecting roads, so every road is reachable.

Deterministic: everything derives from the county (no random numbers of its own).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from ..services.road_files import RoadData, parse_roads_geojson
from .county import CENTRE_LAT, CENTRE_LON, County
from .geometry import LocalFrame

#: The river's course: x = seat_x + RIVER_EAST_KM + RIVER_MEANDER_KM · sin(y / RIVER_WAVE_KM).
RIVER_EAST_KM = 2.6
RIVER_MEANDER_KM = 0.9
RIVER_WAVE_KM = 3.5
#: Half the gap cut into a road at the river (the banks).
BANK_KM = 0.04
#: Bridges: north–south offset from the seat (km) and name.
BRIDGES = ((1.0, "城关大桥"), (-9.0, "南渡大桥"))
#: The seat's one-way grid: streets every STREET_KM, STREETS of them each way, centred on the seat.
STREET_KM = 0.3
STREETS = 5
EW_NAMES = ("解放路", "中山路", "人民路", "建设路", "和平路")
NS_NAMES = ("东风街", "新华街", "文化街", "胜利街", "青年街")

Coords = list[tuple[float, float]]  # (x, y) km


@dataclass(frozen=True)
class DemoRoads:
    geojson: dict[str, Any]
    river: dict[str, Any]  # GeoJSON LineString of the river (lon, lat)
    bridges: tuple[tuple[float, float], ...]  # (lat, lon) of the bridges' middles
    seat: tuple[float, float]
    river_x_km: float  # the river's mean x (km east of the county centre)

    def data(self) -> RoadData:
        return parse_roads_geojson(json.dumps(self.geojson, ensure_ascii=False))

    def by_the_river(self, north_km: float, east_km: float) -> tuple[float, float]:
        """(lat, lon) of the point `north_km` north of the seat and `east_km` east of the river there."""
        frame = LocalFrame(CENTRE_LAT, CENTRE_LON)
        seat_x, seat_y = frame.to_xy(*self.seat)
        y = seat_y + north_km
        return frame.to_latlon(_river_x(seat_x, seat_y, y) + east_km, y)

    def east_of_river(self, lat: float, lon: float) -> bool:
        frame = LocalFrame(CENTRE_LAT, CENTRE_LON)
        x, y = frame.to_xy(lat, lon)
        seat_x, seat_y = frame.to_xy(*self.seat)
        return x > _river_x(seat_x, seat_y, y)


def _river_x(seat_x: float, seat_y: float, y: float) -> float:
    return seat_x + RIVER_EAST_KM + RIVER_MEANDER_KM * math.sin((y - seat_y) / RIVER_WAVE_KM)


class _Roads:
    def __init__(self, frame: LocalFrame) -> None:
        self.frame = frame
        self.features: list[dict[str, Any]] = []

    def add(self, points: Coords, cls: str, name: str | None = None, oneway: bool = False) -> None:
        coords: list[list[float]] = []
        for x, y in points:
            lat, lon = self.frame.to_latlon(x, y)
            if not coords or coords[-1] != [lon, lat]:
                coords.append([lon, lat])
        if len(coords) < 2:
            return
        props: dict[str, Any] = {"class": cls}
        if name:
            props["name"] = name
        if oneway:
            props["oneway"] = True
        self.features.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}
        )


def _pieces(geom: BaseGeometry) -> list[Coords]:
    if geom.is_empty:
        return []
    parts = geom.geoms if hasattr(geom, "geoms") else [geom]
    return [list(p.coords) for p in parts if isinstance(p, LineString) and p.length > 0]


def demo_roads(county: County) -> DemoRoads:
    frame = LocalFrame(CENTRE_LAT, CENTRE_LON)
    seat = county.townships[0].seat
    sx, sy = frame.to_xy(*seat)
    outline = shapely.geometry.shape(county.boundary)
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    _, y_lo = frame.to_xy(min_lat, min_lon)
    _, y_hi = frame.to_xy(max_lat, max_lon)
    ys = np.linspace(y_lo - 1, y_hi + 1, 200)
    river = LineString([(_river_x(sx, sy, float(y)), float(y)) for y in ys])
    banks = river.buffer(BANK_KM)
    roads = _Roads(frame)

    # The seat's one-way grid (on the west bank): alternate directions, the middle street of each way two-way.
    half = STREETS // 2
    offsets = [(k - half) * STREET_KM for k in range(STREETS)]
    for row, dy in enumerate(offsets):
        line = [(sx + dx, sy + dy) for dx in offsets]
        if row != half and row % 2:
            line.reverse()
        roads.add(line, "residential", EW_NAMES[row], oneway=row != half)
    for col, dx in enumerate(offsets):
        line = [(sx + dx, sy + dy) for dy in offsets]
        if col != half and col % 2:
            line.reverse()
        roads.add(line, "residential", NS_NAMES[col], oneway=col != half)

    # The county's roads, cut at the river.
    for road in county.roads:
        cls = (
            "secondary" if road.kind == "trunk" else ("residential" if road.end in _communities(county) else "tertiary")
        )
        line = LineString([frame.to_xy(lat, lon) for lat, lon in road.points])
        for piece in _pieces(line.difference(banks)) if line.intersects(banks) else [list(line.coords)]:
            roads.add(piece, cls, road.code)

    # The bridges: straight across, joined below to the nearest roads of each bank.
    bridge_points: list[tuple[float, float]] = []
    for dy, name in BRIDGES:
        y = sy + dy
        xr = _river_x(sx, sy, y)
        roads.add([(xr - 0.25, y), (xr + 0.25, y)], "primary", name)
        bridge_points.append(frame.to_latlon(xr, y))

    # The hill road: a switchback track between the two nearest seats on the west bank not joined by a county road.
    _hill_road(county, frame, roads, banks)

    fc = {"type": "FeatureCollection", "features": roads.features}
    _join_pieces(fc, frame, banks)
    river_lonlat = [[lon, lat] for lat, lon in (frame.to_latlon(x, y) for x, y in river.coords)]
    return DemoRoads(
        geojson=fc,
        river={"type": "LineString", "coordinates": river_lonlat},
        bridges=tuple(bridge_points),
        seat=seat,
        river_x_km=sx + RIVER_EAST_KM,
    )


def _communities(county: County) -> set[str]:
    return {p.name for p in county.places if p.kind == "community"}


def _hill_road(county: County, frame: LocalFrame, roads: _Roads, banks: BaseGeometry) -> None:
    joined = {frozenset((r.start, r.end)) for r in county.roads if r.kind == "trunk"}
    seats = [(t.code, frame.to_xy(*t.seat)) for t in county.townships[1:]]
    pairs = sorted(
        (math.dist(a, b), ca, cb, a, b)
        for i, (ca, a) in enumerate(seats)
        for cb, b in seats[i + 1 :]
        if frozenset((ca, cb)) not in joined and not LineString([a, b]).intersects(banks)
    )
    if not pairs:
        return
    _, _, _, (ax, ay), (bx, by) = pairs[0]
    length = math.hypot(bx - ax, by - ay)
    nx, ny = -(by - ay) / length, (bx - ax) / length
    bends = 14
    points = [(ax, ay)]
    for k in range(1, bends):
        t = k / bends
        side = 0.45 * (1 if k % 2 else -1) * math.sin(math.pi * t)
        points.append((ax + (bx - ax) * t + nx * side, ay + (by - ay) * t + ny * side))
    points.append((bx, by))
    if not LineString(points).intersects(banks):
        roads.add(points, "track", "盘山路")


def _join_pieces(fc: dict[str, Any], frame: LocalFrame, banks: BaseGeometry) -> None:
    """Join every piece of road cut off from the main network to the nearest road of its own bank."""
    for _ in range(200):
        data = parse_roads_geojson(json.dumps(fc, ensure_ascii=False))
        n = data.node_count
        adjacency = coo_matrix((np.ones(data.edge_count), (data.source, data.target)), shape=(n, n))
        count, labels = connected_components(adjacency, directed=False)
        if count == 1:
            return
        main = int(np.argmax(np.bincount(labels)))
        xy = np.array([frame.to_xy(float(a), float(b)) for a, b in zip(data.lats, data.lons, strict=True)])
        main_nodes = np.flatnonzero(labels == main)
        tree = cKDTree(xy[main_nodes])
        joined = False
        for comp in range(count):
            if comp == main:
                continue
            nodes = np.flatnonzero(labels == comp)
            dist, near = tree.query(xy[nodes], k=min(40, len(main_nodes)))
            dist = np.atleast_2d(dist).reshape(len(nodes), -1)
            near = np.atleast_2d(near).reshape(len(nodes), -1)
            for flat in np.argsort(dist, axis=None):
                i, j = np.unravel_index(flat, dist.shape)
                a = xy[nodes[i]]
                b = xy[main_nodes[near[i, j]]]
                link = LineString([tuple(a), tuple(b)])
                if not link.intersects(banks) and not Point(*a).within(banks):
                    coords = [[float(data.lons[k]), float(data.lats[k])] for k in (nodes[i], main_nodes[near[i, j]])]
                    fc["features"].append(
                        {
                            "type": "Feature",
                            "properties": {"class": "tertiary"},
                            "geometry": {"type": "LineString", "coordinates": coords},
                        }
                    )
                    joined = True
                    break
        if not joined:
            return
