"""Which grid (and township) contains a point: a shapely STRtree over the grid polygons.

The index is built once per database and reused; it is rebuilt when the grids change (an import records a
GRIDS_IMPORTED event, and the cheap signature below — count, max id and summed extents — changes with it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Point, shape
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from ..models import Grid, Township


@dataclass(frozen=True, slots=True)
class GridHit:
    grid_id: int
    grid_code: str
    grid_name: str
    township_id: int
    township_name: str


#: The cells of the answer table per side (`CELLS` × `CELLS` over the grids' extent).
CELLS = 256
_UNKNOWN = -1  # a cell that more than one grid touches, or one grid only partly: ask the tree
_OUTSIDE = -2  # a cell no grid touches


class GridIndex:
    """The grids of a county, for `locate`: an answer table over their extent first (a cell wholly covered by one
    grid and touched by no other answers without shapely: most of a county), the STRtree for the cells on a
    boundary. Built once per loaded set of grids (`grid_index` rebuilds it when they change)."""

    def __init__(self, hits: list[GridHit], geometries: list[Any]) -> None:
        self._hits = hits
        self._geoms = geometries
        for g in geometries:
            shapely.prepare(g)
        self._tree = STRtree(geometries) if geometries else None
        self._table: list[int] = []
        self._x0 = self._y0 = 0.0
        self._sx = self._sy = 0.0
        if self._tree is not None:
            self._build_table()

    def _build_table(self) -> None:
        """Which grid answers each cell of the extent, where one grid alone does. A cell is tested as a box a little
        larger than itself (by a millionth of a cell), so a point that floating point puts in a neighbouring cell's
        edge is still inside the box that was tested; a cell whose answer is not certain asks the tree."""
        assert self._tree is not None
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(np.asarray(self._geoms, dtype=object)))
        if not (x1 > x0 and y1 > y0):
            return
        dx, dy = (x1 - x0) / CELLS, (y1 - y0) / CELLS
        ex, ey = dx * 1e-6, dy * 1e-6
        i, j = np.meshgrid(np.arange(CELLS), np.arange(CELLS), indexing="ij")  # i: column (x), j: row (y)
        boxes = shapely.box(
            (x0 + i * dx - ex).ravel(),
            (y0 + j * dy - ey).ravel(),
            (x0 + (i + 1) * dx + ex).ravel(),
            (y0 + (j + 1) * dy + ey).ravel(),
        )
        try:
            cell, geom = self._tree.query(boxes, predicate="intersects")
            covered_by = np.asarray(self._geoms, dtype=object)
            touching = np.bincount(cell, minlength=boxes.size)
            alone = touching[cell] == 1
            covered = shapely.covers(covered_by[geom[alone]], boxes[cell[alone]])
        except shapely.errors.GEOSException:  # a grid GEOS cannot compare whole: the tree answers every point
            return
        table = np.full(boxes.size, _UNKNOWN, dtype=np.int64)
        table[touching == 0] = _OUTSIDE
        cell, geom = cell[alone], geom[alone]
        table[cell[covered]] = geom[covered]
        self._table = table.tolist()
        self._x0, self._y0 = x0, y0
        self._sx, self._sy = CELLS / (x1 - x0), CELLS / (y1 - y0)

    @classmethod
    def from_session(cls, session: Session | Connection) -> GridIndex:
        rows = session.execute(
            select(Grid.id, Grid.code, Grid.name, Grid.township_id, Township.name, Grid.geometry)
            .join(Township, Township.id == Grid.township_id)
            .order_by(Grid.id)
        ).all()
        hits = [GridHit(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        geoms = [shape(r[5]) for r in rows]
        return cls(hits, geoms)

    def __len__(self) -> int:
        return len(self._hits)

    def locate(self, lat: float, lon: float) -> GridHit | None:
        if self._tree is None:
            return None
        if self._table:
            x, y = (lon - self._x0) * self._sx, (lat - self._y0) * self._sy
            if 0.0 <= x < CELLS and 0.0 <= y < CELLS:  # (false for NaN: the tree answers)
                answer = self._table[int(x) * CELLS + int(y)]
                if answer >= 0:
                    return self._hits[answer]
                if answer == _OUTSIDE:
                    return None
        point = Point(lon, lat)
        for i in self._tree.query(point, predicate="intersects"):
            return self._hits[int(i)]
        return None

    def locate_ids(self, lats: Sequence[float], lons: Sequence[float]) -> list[int | None]:
        """The grid id of each point (None outside every grid), in one vectorised query."""
        out: list[int | None] = [None] * len(lats)
        if self._tree is None or not out:
            return out
        points = shapely.points(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
        found, grids = self._tree.query(points, predicate="intersects")
        for point, grid in zip(found.tolist(), grids.tolist(), strict=True):
            if out[point] is None:
                out[point] = self._hits[grid].grid_id
        return out

    def touching(self, geometry: Any) -> list[GridHit]:
        """The grids a shape (a route, an area) intersects, in id order."""
        if self._tree is None:
            return []
        return [self._hits[int(i)] for i in sorted(self._tree.query(geometry, predicate="intersects"))]


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int, float], GridIndex, float]] = {}

#: How long an index is trusted before its signature is checked again (grids change only by an import).
RECHECK_S = 5.0


def grid_index(session: Session | Connection) -> GridIndex:
    """The grid index of the session's (or connection's) database, rebuilt only when the grids changed."""
    engine = session.engine if isinstance(session, Connection) else session.get_bind().engine
    key = engine.url.render_as_string(hide_password=True)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[2] < RECHECK_S:
            return cached[1]
    count, max_id, extent = session.execute(
        select(
            func.count(Grid.id),
            func.coalesce(func.max(Grid.id), 0),
            func.coalesce(func.sum(Grid.min_lon + Grid.min_lat + Grid.max_lon + Grid.max_lat), 0.0),
        )
    ).one()
    signature = (int(count), int(max_id), round(float(extent), 9))
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            _cache[key] = (signature, cached[1], time.monotonic())
            return cached[1]
    index = GridIndex.from_session(session)
    with _lock:
        _cache[key] = (signature, index, time.monotonic())
    return index


def forget_grid_index(session: Session) -> None:
    """Drop the cached index of the session's database (after an import in this process)."""
    with _lock:
        _cache.pop(session.get_bind().engine.url.render_as_string(hide_password=True), None)
