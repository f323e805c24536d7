"""The demo county as pure data (no database): boundary, townships, grids, places, roads, departments, units.

`generate_county(seed)` is deterministic: the same seed gives the same county, coordinate for coordinate.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import asdict, dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from ..enums import UnitKind, UnitStatus
from . import names
from .geometry import LocalFrame, jagged_regions, lloyd_tiling, point_in, random_points_in, wobbly_outline

DEFAULT_SEED = 20261123
CENTRE_LAT = 24.80
CENTRE_LON = 113.60
#: Half extents of the county outline (≈ 40 × 30 km).
HALF_WIDTH_KM = 20.0
HALF_HEIGHT_KM = 15.0
GRID_COUNT = 150
#: The county seat's subdistrict is small and dense: it gets this many grids.
SEAT_GRIDS = 24

#: How many units of each kind, besides one grid worker per grid.
UNIT_COUNTS: dict[UnitKind, int] = {
    UnitKind.PATROL_CAR: 40,
    UnitKind.FOOT_PATROL: 36,
    UnitKind.TRAFFIC_POLICE: 18,
    UnitKind.VOLUNTEER_TEAM: 24,
    UnitKind.MEDIATOR: 20,
    UnitKind.DRONE: 8,
}
CALLSIGN_PREFIX: dict[UnitKind, str] = {
    UnitKind.PATROL_CAR: "PC",
    UnitKind.FOOT_PATROL: "FP",
    UnitKind.TRAFFIC_POLICE: "TP",
    UnitKind.GRID_WORKER: "GW",
    UnitKind.VOLUNTEER_TEAM: "VT",
    UnitKind.MEDIATOR: "MD",
    UnitKind.DRONE: "DR",
}
#: Capabilities every unit of a kind has, and extras some of them have (with the chance).
BASE_CAPABILITIES: dict[UnitKind, tuple[str, ...]] = {
    UnitKind.PATROL_CAR: ("patrol", "policing"),
    UnitKind.FOOT_PATROL: ("patrol",),
    UnitKind.TRAFFIC_POLICE: ("traffic", "policing"),
    UnitKind.GRID_WORKER: ("inspection", "mediation"),
    UnitKind.VOLUNTEER_TEAM: ("patrol",),
    UnitKind.MEDIATOR: ("mediation",),
    UnitKind.DRONE: ("aerial", "inspection"),
}
EXTRA_CAPABILITIES: dict[UnitKind, tuple[tuple[str, float], ...]] = {
    UnitKind.PATROL_CAR: (("first_aid", 0.5), ("rescue", 0.2)),
    UnitKind.FOOT_PATROL: (("first_aid", 0.3),),
    UnitKind.TRAFFIC_POLICE: (("first_aid", 0.6),),
    UnitKind.GRID_WORKER: (("first_aid", 0.15),),
    UnitKind.VOLUNTEER_TEAM: (("first_aid", 0.5), ("fire", 0.4), ("rescue", 0.3)),
    UnitKind.MEDIATOR: (("legal", 0.5),),
    UnitKind.DRONE: (("fire", 0.25),),
}

LatLon = tuple[float, float]


@dataclass(frozen=True)
class TownshipSpec:
    code: str
    name: str
    kind: str  # 街道 or 镇
    geometry: dict[str, Any]
    seat: LatLon
    #: Relative share of the county's appeals (the county seat is busiest).
    weight: float


@dataclass(frozen=True)
class GridSpec:
    code: str
    name: str
    township_code: str
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    centre: LatLon


@dataclass(frozen=True)
class PlaceSpec:
    name: str
    kind: str  # village, community, school, market, hospital, police_station, government, ...
    lat: float
    lon: float
    grid_code: str
    township_code: str


@dataclass(frozen=True)
class RoadSpec:
    """A road-like polyline between two nodes of the road graph (township seats and villages)."""

    code: str
    kind: str  # trunk (seat to seat) or local (seat to village)
    start: str
    end: str
    points: tuple[LatLon, ...]


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class UnitSpec:
    callsign: str
    kind: UnitKind
    tracker_id: str
    capabilities: tuple[str, ...]
    lat: float
    lon: float
    home_grid_code: str
    township_code: str
    status: UnitStatus


@dataclass(frozen=True)
class County:
    seed: int
    name: str
    centre: LatLon
    boundary: dict[str, Any]
    townships: tuple[TownshipSpec, ...]
    grids: tuple[GridSpec, ...]
    places: tuple[PlaceSpec, ...]
    roads: tuple[RoadSpec, ...]
    nodes: dict[str, LatLon]
    departments: tuple[DepartmentSpec, ...]
    units: tuple[UnitSpec, ...]

    def township(self, code: str) -> TownshipSpec:
        return next(t for t in self.townships if t.code == code)

    def grids_geojson(self) -> dict[str, Any]:
        """The grids as the `import grids` FeatureCollection (properties code, name, township)."""
        by_code = {t.code: t.name for t in self.townships}
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": g.code, "name": g.name, "township": by_code[g.township_code]},
                    "geometry": g.geometry,
                }
                for g in self.grids
            ],
        }

    def digest(self) -> str:
        """A fingerprint of everything generated (same seed → same digest)."""
        data = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


def _bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return float(min_lon), float(min_lat), float(max_lon), float(max_lat)


def _name_townships(seeds: list[tuple[float, float]]) -> list[int]:
    """Order the township cells so that the seat is central and 东/西/南/北 names sit on their side."""
    remaining = list(range(len(seeds)))
    order: list[int] = []
    seat = min(remaining, key=lambda i: math.hypot(*seeds[i]))
    order.append(seat)
    remaining.remove(seat)
    for direction in ((1, 0), (-1, 0), (0, -1), (0, 1)):  # 东 西 南 北
        best = max(remaining, key=lambda i: seeds[i][0] * direction[0] * 0.75 + seeds[i][1] * direction[1])
        order.append(best)
        remaining.remove(best)
    remaining.sort(key=lambda i: math.atan2(seeds[i][1], seeds[i][0]))
    return order + remaining


def _grid_counts(areas: list[float], total: int, seat_grids: int) -> list[int]:
    """Grids per township: the seat gets `seat_grids`, the rest share the remainder by area (at least 6 each)."""
    counts = [seat_grids] + [0] * (len(areas) - 1)
    rural = sum(areas[1:])
    left = total - seat_grids
    shares = [left * a / rural for a in areas[1:]]
    for i, share in enumerate(shares, start=1):
        counts[i] = max(6, int(share))
    i = 1
    while sum(counts) < total:  # hand out what rounding left, largest remainders first
        order = sorted(range(1, len(areas)), key=lambda j: shares[j - 1] - int(shares[j - 1]), reverse=True)
        counts[order[(i - 1) % len(order)]] += 1
        i += 1
    while sum(counts) > total:
        biggest = max(range(1, len(areas)), key=lambda j: counts[j])
        counts[biggest] -= 1
    return counts


def _unique_village_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(names.VILLAGE_FIRST) + rng.choice(names.VILLAGE_SECOND)
        if name not in used and name[0] != name[1]:
            used.add(name)
            return name


def _road_points(
    rng: random.Random, frame: LocalFrame, a: tuple[float, float], b: tuple[float, float], bends: int, wiggle_km: float
) -> tuple[LatLon, ...]:
    """A polyline from a to b with a few bends to the side, like a county road following the terrain."""
    ax, ay = a
    bx, by = b
    length = math.hypot(bx - ax, by - ay) or 1.0
    nx, ny = -(by - ay) / length, (bx - ax) / length
    points = [frame.to_latlon(ax, ay)]
    for k in range(1, bends + 1):
        t = k / (bends + 1)
        off = rng.uniform(-wiggle_km, wiggle_km) * math.sin(math.pi * t)
        points.append(frame.to_latlon(ax + (bx - ax) * t + nx * off, ay + (by - ay) * t + ny * off))
    points.append(frame.to_latlon(bx, by))
    return tuple(points)


def generate_county(seed: int = DEFAULT_SEED) -> County:  # noqa: PLR0915
    rng = random.Random(seed)
    frame = LocalFrame(CENTRE_LAT, CENTRE_LON)
    outline = wobbly_outline(rng, HALF_WIDTH_KM, HALF_HEIGHT_KM)

    # Townships: around Lloyd-relaxed seeds, each made of the small cells nearest to it (with a little noise), so
    # the borders wander like the valleys and ridges they follow instead of running straight.
    t_seeds, _ = lloyd_tiling(rng, outline, len(names.TOWNSHIPS), iterations=4)
    t_cells = jagged_regions(rng, outline, t_seeds, cells=900, noise_km=0.9)
    order = _name_townships(t_seeds)
    t_seeds = [t_seeds[i] for i in order]
    t_cells = [t_cells[i] for i in order]
    areas = [c.area for c in t_cells]
    counts = _grid_counts(areas, GRID_COUNT, SEAT_GRIDS)

    townships: list[TownshipSpec] = []
    grids: list[GridSpec] = []
    places: list[PlaceSpec] = []
    nodes: dict[str, LatLon] = {}
    roads: list[RoadSpec] = []
    grid_cells: dict[str, Polygon | MultiPolygon] = {}
    grid_township: dict[str, int] = {}
    used_names: set[str] = set()
    seat_xy: list[tuple[float, float]] = []
    villages_of: dict[str, list[tuple[str, tuple[float, float]]]] = {}

    for t_index, ((t_name, t_kind), cell, count) in enumerate(zip(names.TOWNSHIPS, t_cells, counts, strict=True)):
        t_code = f"T{t_index + 1:02d}"
        seat = point_in(rng, cell, t_seeds[t_index], 0.3)
        seat_xy.append((seat.x, seat.y))
        nodes[t_code] = frame.to_latlon(seat.x, seat.y)
        townships.append(
            TownshipSpec(
                code=t_code,
                name=t_name,
                kind=t_kind,
                geometry=frame.geojson(cell),
                seat=frame.to_latlon(seat.x, seat.y),
                weight=3.0 if t_index == 0 else round(0.6 + cell.area / max(areas), 3),
            )
        )
        # Grids: denser around the township seat for the county seat (a town centre), even elsewhere.
        g_seeds, g_cells = lloyd_tiling(rng, cell, count, iterations=3)
        g_order = sorted(range(count), key=lambda i: (round(-g_seeds[i][1], 1), g_seeds[i][0]))
        villages_of[t_code] = []
        for n, gi in enumerate(g_order, start=1):
            g_cell = g_cells[gi]
            g_code = f"G{t_index + 1:02d}{n:02d}"
            geom = frame.geojson(g_cell)
            wgs = frame.geometry_to_wgs84(g_cell)
            centre = g_cell.representative_point()
            grids.append(
                GridSpec(
                    code=g_code,
                    name=f"{t_name}第{n}网格",
                    township_code=t_code,
                    geometry=geom,
                    bbox=_bbox(wgs),
                    centre=frame.to_latlon(centre.x, centre.y),
                )
            )
            grid_cells[g_code] = g_cell
            grid_township[g_code] = t_index
            # A community (街道) or one or two villages (镇) per grid.
            if t_kind == "街道":
                base = names.COMMUNITIES[(n - 1) % len(names.COMMUNITIES)]
                p_name = f"{base}社区" if n <= len(names.COMMUNITIES) else f"{base}{n}社区"
                p = point_in(rng, g_cell, (centre.x, centre.y), 0.15)
                lat, lon = frame.to_latlon(p.x, p.y)
                places.append(PlaceSpec(p_name, "community", lat, lon, g_code, t_code))
            else:
                for _ in range(1 if rng.random() < 0.6 else 2):
                    v_name = _unique_village_name(rng, used_names) + "村"
                    p = point_in(rng, g_cell, (centre.x, centre.y), 0.6)
                    lat, lon = frame.to_latlon(p.x, p.y)
                    places.append(PlaceSpec(v_name, "village", lat, lon, g_code, t_code))
                    villages_of[t_code].append((v_name, (p.x, p.y)))
        # Landmarks near the seat.
        seat_grid = _grid_containing(grid_cells, seat) or grids[-1].code
        landmarks = (
            names.SEAT_LANDMARKS
            if t_index == 0
            else tuple(
                (t_name.removesuffix("镇") + suffix if suffix == "派出所" else t_name + suffix, kind)
                for suffix, kind in names.TOWNSHIP_LANDMARKS
            )
        )
        for l_name, l_kind in landmarks:
            spread = 1.2 if t_index == 0 else 0.5
            p = point_in(rng, cell, (seat.x, seat.y), spread)
            lat, lon = frame.to_latlon(p.x, p.y)
            places.append(PlaceSpec(l_name, l_kind, lat, lon, _grid_containing(grid_cells, p) or seat_grid, t_code))

    # Roads: trunk roads between neighbouring seats (Delaunay edges), local roads from each seat to its villages.
    seat_points = shapely.MultiPoint(seat_xy)
    edges = shapely.delaunay_triangles(seat_points, only_edges=True)
    seat_index = {(round(x, 9), round(y, 9)): i for i, (x, y) in enumerate(seat_xy)}
    trunk = 0
    for edge in sorted(edges.geoms, key=lambda e: (e.coords[0], e.coords[1])):
        (ax, ay), (bx, by) = edge.coords[0], edge.coords[1]
        if math.hypot(bx - ax, by - ay) > 22 or not outline.buffer(0.5).contains(edge):
            continue
        ia, ib = seat_index[(round(ax, 9), round(ay, 9))], seat_index[(round(bx, 9), round(by, 9))]
        trunk += 1
        roads.append(
            RoadSpec(
                code=f"R{trunk:02d}",
                kind="trunk",
                start=f"T{ia + 1:02d}",
                end=f"T{ib + 1:02d}",
                points=_road_points(rng, frame, (ax, ay), (bx, by), 4, 0.8),
            )
        )
    for t_index, t in enumerate(townships):
        for v_name, (vx, vy) in villages_of[t.code]:
            nodes[v_name] = frame.to_latlon(vx, vy)
            roads.append(
                RoadSpec(
                    code=f"L-{v_name}",
                    kind="local",
                    start=t.code,
                    end=v_name,
                    points=_road_points(rng, frame, seat_xy[t_index], (vx, vy), 2, 0.4),
                )
            )
        if t.kind == "街道":  # streets of the seat: short loops between its communities
            community = [p for p in places if p.township_code == t.code and p.kind == "community"]
            for c in community:
                cx, cy = frame.to_xy(c.lat, c.lon)
                nodes[c.name] = (c.lat, c.lon)
                roads.append(
                    RoadSpec(
                        f"L-{c.name}",
                        "local",
                        t.code,
                        c.name,
                        _road_points(rng, frame, seat_xy[t_index], (cx, cy), 1, 0.2),
                    )
                )

    departments = tuple(DepartmentSpec(code, name, cats) for code, name, cats in names.DEPARTMENTS)
    units = _units(rng, frame, townships, grids, grid_cells)
    return County(
        seed=seed,
        name=names.COUNTY_NAME,
        centre=(CENTRE_LAT, CENTRE_LON),
        boundary=frame.geojson(outline),
        townships=tuple(townships),
        grids=tuple(grids),
        places=tuple(places),
        roads=tuple(roads),
        nodes=nodes,
        departments=departments,
        units=units,
    )


def _grid_containing(cells: dict[str, Polygon | MultiPolygon], p: Point) -> str | None:
    for code, cell in cells.items():
        if cell.contains(p):
            return code
    return None


def _units(
    rng: random.Random,
    frame: LocalFrame,
    townships: list[TownshipSpec],
    grids: list[GridSpec],
    cells: dict[str, Polygon | MultiPolygon],
) -> tuple[UnitSpec, ...]:
    units: list[UnitSpec] = []
    tracker = 0

    def capabilities(kind: UnitKind) -> tuple[str, ...]:
        extra = tuple(c for c, p in EXTRA_CAPABILITIES[kind] if rng.random() < p)
        return BASE_CAPABILITIES[kind] + extra

    def add(callsign: str, kind: UnitKind, grid: GridSpec, near: tuple[float, float] | None, spread: float) -> None:
        nonlocal tracker
        tracker += 1
        p = point_in(rng, cells[grid.code], near, spread)
        lat, lon = frame.to_latlon(p.x, p.y)
        status = UnitStatus.OFF_DUTY if kind != UnitKind.PATROL_CAR and rng.random() < 0.08 else UnitStatus.AVAILABLE
        units.append(
            UnitSpec(
                callsign=callsign,
                kind=kind,
                tracker_id=f"86{seedless_digits(tracker)}",
                capabilities=capabilities(kind),
                lat=lat,
                lon=lon,
                home_grid_code=grid.code,
                township_code=grid.township_code,
                status=status,
            )
        )

    for grid in grids:
        cx, cy = frame.to_xy(*grid.centre)
        add(f"GW-{grid.code}", UnitKind.GRID_WORKER, grid, (cx, cy), 0.3)

    weights = [t.weight for t in townships]
    by_township: dict[str, list[GridSpec]] = {}
    for g in grids:
        by_township.setdefault(g.township_code, []).append(g)
    for kind, count in UNIT_COUNTS.items():
        prefix = CALLSIGN_PREFIX[kind]
        for n in range(1, count + 1):
            # The first of each kind go round the townships in turn so every township has some; the rest by weight.
            town = townships[(n - 1) % len(townships)] if n <= len(townships) else rng.choices(townships, weights)[0]
            if kind in (UnitKind.PATROL_CAR, UnitKind.TRAFFIC_POLICE, UnitKind.DRONE):
                sx, sy = frame.to_xy(*town.seat)
                grid = next(
                    (g for g in by_township[town.code] if cells[g.code].distance(Point(sx, sy)) == 0),
                    by_township[town.code][0],
                )
                add(f"{prefix}-{n:02d}", kind, grid, (sx, sy), 1.0)
            else:
                grid = rng.choice(by_township[town.code])
                cx, cy = frame.to_xy(*grid.centre)
                add(f"{prefix}-{n:02d}", kind, grid, (cx, cy), 0.4)
    return tuple(units)


def seedless_digits(n: int) -> str:
    """A 13-digit, IMEI-like tracker number derived from the unit's running number (stable, no RNG)."""
    return f"{(n * 7_919_993 + 1_000_003) % 10**13:013d}"


def grid_polygons(county: County) -> dict[str, BaseGeometry]:
    """Shapely geometries (WGS-84) of the grids by code, for tests and the simulator."""
    from shapely.geometry import shape

    return {g.code: shape(g.geometry) for g in county.grids}


def random_point_in_grid(rng: random.Random, county: County, grid: GridSpec, near: LatLon | None = None) -> LatLon:
    """A point inside the grid (near `near` when given, within about 300 m)."""
    from shapely.geometry import shape

    poly = shape(grid.geometry)
    if near is not None:
        for _ in range(30):
            lat = near[0] + rng.gauss(0, 0.0025)
            lon = near[1] + rng.gauss(0, 0.0025)
            if poly.contains(Point(lon, lat)):
                return round(lat, 6), round(lon, 6)
    lon, lat = random_points_in(rng, poly, 1)[0]
    return round(lat, 6), round(lon, 6)
