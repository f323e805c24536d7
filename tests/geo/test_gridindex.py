"""The grid index's answer table gives, for every point, the grid the STRtree alone gives (issue 12: the table lets
an intake locate its appeal without asking shapely in most of the county)."""

from __future__ import annotations

import math
import random

from shapely import STRtree
from shapely.geometry import Point, Polygon, box

from console.geo.gridindex import GridHit, GridIndex


def _tree_answer(geoms: list[Polygon], lat: float, lon: float) -> int | None:
    for i in STRtree(geoms).query(Point(lon, lat), predicate="intersects"):
        return int(i)
    return None


def _index(geoms: list[Polygon]) -> GridIndex:
    return GridIndex([GridHit(i + 1, f"G{i}", f"grid {i}", 1, "town") for i in range(len(geoms))], geoms)


def _check(geoms: list[Polygon], points: list[tuple[float, float]]) -> int:
    """Every point located as the tree alone locates it; how many of them the table answered."""
    index = _index(geoms)
    tree = STRtree(geoms)
    answered = 0
    for lat, lon in points:
        want = next((int(i) for i in tree.query(Point(lon, lat), predicate="intersects")), None)
        hit = index.locate(lat, lon)
        assert (hit.grid_id - 1 if hit else None) == want, (lat, lon)
    for lat, lon in points:
        x, y = (lon - index._x0) * index._sx, (lat - index._y0) * index._sy
        if 0 <= x < 256 and 0 <= y < 256 and index._table[int(x) * 256 + int(y)] != -1:
            answered += 1
    return answered


def _squares(rows: int, cols: int) -> list[Polygon]:
    return [
        box(113.45 + c * 0.03, 24.7 + r * 0.02, 113.45 + (c + 1) * 0.03, 24.7 + (r + 1) * 0.02)
        for r in range(rows)
        for c in range(cols)
    ]


def test_table_agrees_with_the_tree_inside_on_edges_and_outside() -> None:
    geoms = _squares(12, 12)
    rng = random.Random(4)
    points = [(rng.uniform(24.6, 25.0), rng.uniform(113.4, 113.9)) for _ in range(20_000)]
    # the grids' shared edges and corners, the extent's edges, and just either side of them
    for r in range(13):
        for c in range(13):
            lat, lon = 24.7 + r * 0.02, 113.45 + c * 0.03
            for d in (0.0, 1e-12, -1e-12, 1e-9, -1e-9):
                points += [
                    (lat + d, lon),
                    (lat, lon + d),
                    (lat + d, lon + d),
                    (lat + 0.01, lon + d),
                    (lat + d, lon + 0.015),
                ]
    _check(geoms, points)
    inside = [(rng.uniform(24.7, 24.94), rng.uniform(113.45, 113.81)) for _ in range(5_000)]
    assert _check(geoms, inside) > 0.8 * len(inside)  # most of a county's points never reach shapely


def test_irregular_overlapping_and_holed_grids() -> None:
    rng = random.Random(9)
    geoms: list[Polygon] = []
    for k in range(25):  # star-shaped blobs that overlap their neighbours
        cx, cy = 113.5 + (k % 5) * 0.05, 24.75 + (k // 5) * 0.04
        ring = [
            (cx + rng.uniform(0.01, 0.04) * math.cos(a), cy + rng.uniform(0.01, 0.03) * math.sin(a))
            for a in (2 * math.pi * t / 17 for t in range(17))
        ]
        geoms.append(Polygon(ring))
    geoms.append(
        Polygon(
            [(113.4, 24.7), (113.8, 24.7), (113.8, 24.95), (113.4, 24.95)],
            [[(113.6, 24.8), (113.65, 24.8), (113.65, 24.85), (113.6, 24.85)]],
        )
    )
    points = [(rng.uniform(24.65, 25.0), rng.uniform(113.35, 113.85)) for _ in range(20_000)]
    _check(geoms, points)


def test_no_grids_and_nan() -> None:
    assert _index([]).locate(24.8, 113.5) is None
    index = _index(_squares(2, 2))
    assert index.locate(float("nan"), 113.5) is None
    assert index.locate(24.71, 113.46) is not None
