"""Planar helpers for the demo county: a local kilometre grid around the centre, Voronoi tiling with Lloyd steps.

All shapes are built in kilometres (x east, y north) and converted to WGS-84 degrees at the very end, so the
tiling (shared edges between neighbours) survives the conversion.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
#: Coordinates are rounded to this many decimals (≈ 0.1 m), enough for a map and stable across platforms.
DECIMALS = 6


class LocalFrame:
    """An equirectangular frame in kilometres around a centre point; exact enough for a 40 km county."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self.km_per_deg_lon = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        lat = self.lat0 + y / KM_PER_DEG_LAT
        lon = self.lon0 + x / self.km_per_deg_lon
        return round(lat, DECIMALS), round(lon, DECIMALS)

    def to_xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.km_per_deg_lon, (lat - self.lat0) * KM_PER_DEG_LAT

    def geometry_to_wgs84(self, geom: BaseGeometry) -> BaseGeometry:
        def convert(xy: NDArray[np.float64]) -> NDArray[np.float64]:
            lon = self.lon0 + xy[:, 0] / self.km_per_deg_lon
            lat = self.lat0 + xy[:, 1] / KM_PER_DEG_LAT
            out: NDArray[np.float64] = np.column_stack([lon, lat]).round(DECIMALS)
            return out

        return shapely.transform(geom, convert)

    def geojson(self, geom: BaseGeometry) -> dict[str, Any]:
        """GeoJSON (lon, lat) of a planar polygon or multipolygon, with plain lists (JSON-ready)."""
        result: dict[str, Any] = _listify(mapping(self.geometry_to_wgs84(geom)))
        return result


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_listify(v) for v in value]
    return value


def wobbly_outline(rng: random.Random, a_km: float, b_km: float, vertices: int = 72) -> Polygon:
    """An irregular, county-like outline: an ellipse whose radius wanders with a few random harmonics."""
    harmonics = [(k, rng.uniform(0.02, 0.09) / math.sqrt(k - 1), rng.uniform(0, 2 * math.pi)) for k in (2, 3, 5, 7)]
    points = []
    for i in range(vertices):
        theta = 2 * math.pi * i / vertices
        wobble = 1.0 + sum(amp * math.sin(k * theta + phase) for k, amp, phase in harmonics)
        wobble += rng.uniform(-0.015, 0.015)
        points.append((a_km * wobble * math.cos(theta), b_km * wobble * math.sin(theta)))
    return Polygon(points)


def random_points_in(rng: random.Random, polygon: BaseGeometry, count: int) -> list[tuple[float, float]]:
    min_x, min_y, max_x, max_y = polygon.bounds
    shapely.prepare(polygon)
    points: list[tuple[float, float]] = []
    while len(points) < count:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if polygon.contains(Point(x, y)):
            points.append((x, y))
    return points


def polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Keep only the polygonal parts of an intersection result."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts)


def voronoi_cells(seeds: list[tuple[float, float]], clip: BaseGeometry) -> list[Polygon | MultiPolygon]:
    """The Voronoi cell of every seed (in seed order), clipped to `clip`: together they tile it."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=clip, ordered=True)
    return [polygonal(cell.intersection(clip)) for cell in cells.geoms]


def lloyd_tiling(
    rng: random.Random, clip: BaseGeometry, count: int, iterations: int = 3
) -> tuple[list[tuple[float, float]], list[Polygon | MultiPolygon]]:
    """Irregular but well-shaped cells: random seeds moved a few times to the centres of their cells."""
    seeds = random_points_in(rng, clip, count)
    cells = voronoi_cells(seeds, clip)
    for _ in range(iterations):
        moved = []
        for seed, cell in zip(seeds, cells, strict=True):
            c = cell.representative_point() if cell.is_empty else cell.centroid
            if not clip.contains(c):
                c = cell.representative_point()
            # Keep a little of the old position so the cells stay irregular.
            moved.append((0.25 * seed[0] + 0.75 * c.x, 0.25 * seed[1] + 0.75 * c.y))
        seeds = moved
        cells = voronoi_cells(seeds, clip)
    return seeds, cells


def jagged_regions(
    rng: random.Random, clip: BaseGeometry, seeds: list[tuple[float, float]], *, cells: int, noise_km: float
) -> list[Polygon | MultiPolygon]:
    """Regions around `seeds` that tile `clip`, with wandering borders: `clip` is cut into many small Voronoi
    cells, and each goes to the seed nearest to it (the distance blurred by up to `noise_km`)."""
    points = random_points_in(rng, clip, cells)
    small = voronoi_cells(points, clip)
    members: list[list[BaseGeometry]] = [[] for _ in seeds]
    for (x, y), cell in zip(points, small, strict=True):
        best = min(
            range(len(seeds)),
            key=lambda i: math.hypot(x - seeds[i][0], y - seeds[i][1]) + rng.uniform(0, noise_km),
        )
        members[best].append(cell)
    regions: list[BaseGeometry] = [shapely.union_all(parts) for parts in members]
    # No exclaves: every stray piece of a region goes to the neighbour it shares the longest border with.
    for i in range(len(regions)):
        region = regions[i]
        if not isinstance(region, MultiPolygon):
            continue
        pieces = sorted(region.geoms, key=lambda g: g.area, reverse=True)
        regions[i] = pieces[0]
        for piece in pieces[1:]:
            border = piece.boundary
            j = max(
                (k for k in range(len(regions)) if k != i),
                key=lambda k: regions[k].boundary.intersection(border).length,
            )
            regions[j] = shapely.union_all([regions[j], piece])
    return [polygonal(r) for r in regions]


def point_in(rng: random.Random, polygon: BaseGeometry, near: tuple[float, float] | None, spread_km: float) -> Point:
    """A random point inside `polygon`, near `near` when given (falls back to anywhere inside)."""
    for _ in range(50):
        if near is None:
            break
        p = Point(near[0] + rng.gauss(0, spread_km), near[1] + rng.gauss(0, spread_km))
        if polygon.contains(p):
            return p
    return Point(*random_points_in(rng, polygon, 1)[0])
