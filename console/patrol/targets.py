"""Patrol targets as the matcher uses them: points, routes and areas with their limits precomputed.

Built from the stored target rows (`PatrolTarget`) or from a draft being validated; immutable once built (an edited
plan gets new target rows, so a compiled target never goes stale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape

from ..enums import TargetKind
from ..geo.distance import EARTH_RADIUS_M
from .geometry import SampledRoute, sample_route

_DEG_M = EARTH_RADIUS_M * math.pi / 180.0


def _pad_deg(lat: float, metres: float) -> tuple[float, float]:
    """Degrees of latitude and longitude that span at least `metres` around latitude `lat`."""
    dlat = metres / _DEG_M
    dlon = metres / (_DEG_M * max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat)))))
    return dlat * 1.001, dlon * 1.001


@dataclass(frozen=True, slots=True)
class PointSpec:
    id: int
    lat: float
    lon: float
    radius: float
    dwell: float
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


@dataclass(frozen=True, slots=True)
class AreaSpec:
    id: int
    polygon: Any  # shapely Polygon/MultiPolygon (lon, lat), prepared
    min_s: float
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


#: Side (m) of the squares that index a route's samples, so a stretch of track looks only at the samples near it.
CELL_M = 40.0


@dataclass(frozen=True, slots=True)
class RouteSpec:
    id: int
    route: SampledRoute
    buffer: float
    min_share: float
    min_lat: float  # bounding box of the route, grown by the buffer
    max_lat: float
    min_lon: float
    max_lon: float
    xs: tuple[float, ...]  # the samples on the route's plane, as plain floats
    ys: tuple[float, ...]
    cells: dict[tuple[int, int], tuple[int, ...]]  # square → samples in it

    @property
    def count(self) -> int:
        return self.route.count

    @property
    def length_m(self) -> float:
        return self.route.length_m

    def covered(self, ax: float, ay: float, bx: float, by: float) -> int:
        """Bit set of the samples within the buffer of the segment a–b (a point when a == b) on the route's plane."""
        r = self.buffer
        lo_x, hi_x = int(math.floor((min(ax, bx) - r) / CELL_M)), int(math.floor((max(ax, bx) + r) / CELL_M))
        lo_y, hi_y = int(math.floor((min(ay, by) - r) / CELL_M)), int(math.floor((max(ay, by) + r) / CELL_M))
        cells = self.cells
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        limit = r * r + 1e-6
        xs, ys = self.xs, self.ys
        bits = 0
        for cx in range(lo_x, hi_x + 1):
            for cy in range(lo_y, hi_y + 1):
                for i in cells.get((cx, cy), ()):
                    px, py = xs[i] - ax, ys[i] - ay
                    if length2 > 0.0:
                        t = (px * dx + py * dy) / length2
                        t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
                        px -= t * dx
                        py -= t * dy
                    if px * px + py * py <= limit:
                        bits |= 1 << i
        return bits


TargetSpec = PointSpec | AreaSpec | RouteSpec


def compile_target(
    target_id: int,
    kind: TargetKind,
    geometry: dict[str, Any],
    *,
    radius_m: float | None = None,
    dwell_s: float | None = None,
    buffer_m: float | None = None,
    min_share: float | None = None,
    min_minutes: float | None = None,
) -> TargetSpec:
    if kind == TargetKind.POINT:
        lon, lat = (float(v) for v in geometry["coordinates"][:2])
        radius = float(radius_m or 0.0)
        dlat, dlon = _pad_deg(lat, radius)
        return PointSpec(
            target_id, lat, lon, radius, float(dwell_s or 0.0), lat - dlat, lat + dlat, lon - dlon, lon + dlon
        )
    if kind == TargetKind.AREA:
        polygon = shape(geometry)
        shapely.prepare(polygon)
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        return AreaSpec(target_id, polygon, float(min_minutes or 0.0) * 60.0, min_lat, max_lat, min_lon, max_lon)
    route = sample_route(geometry["coordinates"])
    buffer = float(buffer_m or 0.0)
    lons = [float(c[0]) for c in geometry["coordinates"]]
    lats = [float(c[1]) for c in geometry["coordinates"]]
    dlat, dlon = _pad_deg(max(abs(min(lats)), abs(max(lats))), buffer)
    xs, ys = tuple(float(v) for v in route.xs), tuple(float(v) for v in route.ys)
    cells: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        cells.setdefault((int(math.floor(x / CELL_M)), int(math.floor(y / CELL_M))), []).append(i)
    return RouteSpec(
        target_id,
        route,
        buffer,
        float(min_share or 0.0),
        min(lats) - dlat,
        max(lats) + dlat,
        min(lons) - dlon,
        max(lons) + dlon,
        xs,
        ys,
        {k: tuple(v) for k, v in cells.items()},
    )


def compile_row(row: Any) -> TargetSpec:
    """A `PatrolTarget` row (or any object with its attributes)."""
    return compile_target(
        row.id,
        TargetKind(row.kind),
        row.geometry,
        radius_m=row.radius_m,
        dwell_s=row.dwell_s,
        buffer_m=row.buffer_m,
        min_share=row.min_share,
        min_minutes=row.min_minutes,
    )
