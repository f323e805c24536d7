"""The geometry of an imported grid, checked as GeoJSON (RFC 7946) says it must be, before shapely sees it.

shapely is lenient where an import must not be: it turns text into numbers, closes open rings, keeps a third
coordinate and knows nothing of a `crs` member. Here a position is exactly `[longitude, latitude]`, two finite
numbers in range; a ring has at least four positions and ends where it starts; a `crs` member may only name WGS-84
(RFC 7946 dropped the member: coordinates are WGS-84 longitude, latitude); and grids of one county must not overlap
(a place in two grids would belong to two grid workers). Each refusal names the feature and what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import shape
from shapely.validation import explain_validity

from .errors import ValidationError

#: `crs` names that mean WGS-84 longitude, latitude (the only coordinates a grid file may have).
WGS84_NAMES = frozenset(
    {
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "urn:ogc:def:crs:EPSG::4326",
        "urn:ogc:def:crs:EPSG:4326",
        "EPSG:4326",
        "CRS84",
        "OGC:CRS84",
    }
)
#: Two grids overlap when they share a patch wider than this on average (metres); thinner is the noise of digitised
#: or rounded borders (centimetres along a border kilometres long).
OVERLAP_TOLERANCE_WIDTH_M = 1.0
_M_PER_DEGREE = 111_320.0


def check_crs(container: dict[str, Any], where: str) -> None:
    """A `crs` member, if present, must name WGS-84 (`{"type": "name", "properties": {"name": …}}`)."""
    if "crs" not in container or container["crs"] is None:
        return
    crs = container["crs"]
    name = None
    if isinstance(crs, dict) and crs.get("type") == "name" and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if not isinstance(name, str) or name.strip() not in WGS84_NAMES:
        shown = name if isinstance(name, str) else "an unnamed or linked reference system"
        raise ValidationError(
            f"{where}crs".rstrip("."),
            f"coordinates must be WGS-84 longitude, latitude (CRS84, EPSG:4326); this file names {shown[:60]}",
        )


def _position(value: Any, where: str) -> None:
    if not isinstance(value, list) or len(value) != 2:
        count = f"{len(value)} numbers" if isinstance(value, list) else "not a list"
        raise ValidationError(where, f"a position must be [longitude, latitude] ({count})")
    for axis, number, limit in (("longitude", value[0], 180.0), ("latitude", value[1], 90.0)):
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValidationError(where, f"the {axis} must be a number, not {type(number).__name__}")
        try:
            finite = math.isfinite(float(number))
        except OverflowError:
            finite = False
        if not finite or not -limit <= number <= limit:
            raise ValidationError(where, f"the {axis} must be between -{limit:g} and {limit:g}")


def _polygon(rings: Any, where: str) -> None:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(where, "a polygon is a non-empty list of rings")
    for r, ring in enumerate(rings):
        at = f"{where}[{r}]"
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValidationError(at, "a ring is a list of at least 4 positions")
        for p, position in enumerate(ring):
            _position(position, f"{at}[{p}]")
        if ring[0] != ring[-1]:
            raise ValidationError(at, "the ring is not closed (its last position must repeat its first)")


def check_geometry(geometry: Any, where: str) -> Any:
    """The shapely shape of a checked Polygon or MultiPolygon; `where` is e.g. `features[3].geometry`."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(where, "must be a Polygon or MultiPolygon")
    check_crs(geometry, f"{where}.")
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        _polygon(coordinates, f"{where}.coordinates")
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError(f"{where}.coordinates", "a MultiPolygon is a non-empty list of polygons")
        for i, polygon in enumerate(coordinates):
            _polygon(polygon, f"{where}.coordinates[{i}]")
    geom = shape(geometry)
    if geom.is_empty or geom.area == 0:
        raise ValidationError(where, "has no area")
    if not geom.is_valid:
        raise ValidationError(where, f"invalid polygon: {explain_validity(geom)}")
    return geom


def overlap_m2(a: Any, b: Any) -> tuple[float, float]:
    """The area two shapes share (m²) and its mean width (m: twice the area over the perimeter), measured in a local
    metric frame at their latitude (plenty for a tolerance). Borders digitised or rounded apart leave slivers a few
    centimetres wide however long the border; two grids that really overlap share a patch metres wide."""
    shared = a.intersection(b)
    if shared.is_empty or shared.area == 0:
        return 0.0, 0.0
    lat = shared.centroid.y
    local = affinity.scale(
        shared, xfact=_M_PER_DEGREE * math.cos(math.radians(lat)), yfact=_M_PER_DEGREE, origin=(0, 0)
    )
    area = float(local.area)
    return area, 2 * area / float(local.length) if local.length else 0.0


def first_overlap(shapes: Sequence[Any], others: Sequence[Any] = ()) -> tuple[int, int, float] | None:
    """The first pair (i, j, m² shared) of overlapping shapes: j < len(shapes) is another of `shapes` (j > i), j ≥
    len(shapes) is `others[j - len(shapes)]`. None when no two overlap by more than the tolerance."""
    every = [*shapes, *others]
    if len(every) < 2:
        return None
    tree = shapely.STRtree(every)
    left, right = tree.query(np.asarray(shapes, dtype=object), predicate="intersects")
    for i, j in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if j <= i and j < len(shapes):
            continue  # each pair of the file once; a shape with itself never
        area, width = overlap_m2(every[i], every[j])
        if width > OVERLAP_TOLERANCE_WIDTH_M:
            return i, j, area
    return None
