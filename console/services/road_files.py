"""Reading a road network from a file, without the database: GeoJSON lines and OpenStreetMap extracts.

Both give a `RoadData`: nodes (lat, lon) and straight edges between them (length, class, direction, speed limit,
name). A polyline becomes one edge per pair of consecutive points. Lines join where they share a node: in GeoJSON
a coordinate (to 1e-7°, about 1 cm), in OSM a node id. A bad file is rejected whole with a `ValidationError`
naming the feature or the way and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..enums import RoadClass
from ..geo.distance import EARTH_RADIUS_M
from .errors import ValidationError
from .geojson_input import feature_list

#: OSM `highway` values → road class. Ways with other values (platform, construction, proposed…) are not roads.
OSM_HIGHWAY: dict[str, RoadClass] = {
    "motorway": RoadClass.MOTORWAY,
    "motorway_link": RoadClass.MOTORWAY,
    "trunk": RoadClass.TRUNK,
    "trunk_link": RoadClass.TRUNK,
    "primary": RoadClass.PRIMARY,
    "primary_link": RoadClass.PRIMARY,
    "secondary": RoadClass.SECONDARY,
    "secondary_link": RoadClass.SECONDARY,
    "tertiary": RoadClass.TERTIARY,
    "tertiary_link": RoadClass.TERTIARY,
    "unclassified": RoadClass.RESIDENTIAL,
    "residential": RoadClass.RESIDENTIAL,
    "living_street": RoadClass.RESIDENTIAL,
    "service": RoadClass.RESIDENTIAL,
    "road": RoadClass.RESIDENTIAL,
    "busway": RoadClass.RESIDENTIAL,
    "track": RoadClass.TRACK,
    "path": RoadClass.PATH,
    "footway": RoadClass.PATH,
    "pedestrian": RoadClass.PATH,
    "cycleway": RoadClass.PATH,
    "bridleway": RoadClass.PATH,
    "steps": RoadClass.PATH,
}
#: OSM highways that are one-way unless tagged otherwise.
_IMPLIED_ONEWAY = frozenset({"motorway", "motorway_link"})
_ROUNDABOUTS = frozenset({"roundabout", "circular"})
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)
_MAX_NAME = 128


@dataclass
class RoadData:
    """A whole network as columns: node i at (lats[i], lons[i]); edge j from source[j] to target[j]."""

    lats: NDArray[np.float64]
    lons: NDArray[np.float64]
    source: NDArray[np.int64]
    target: NDArray[np.int64]
    length_m: NDArray[np.float64]
    road_class: list[RoadClass]
    oneway: NDArray[np.bool_]
    maxspeed_kmh: NDArray[np.float64]  # NaN when the edge has no limit of its own
    names: list[str | None]
    skipped: int = 0  # OSM ways whose highway value is not a road

    @property
    def node_count(self) -> int:
        return len(self.lats)

    @property
    def edge_count(self) -> int:
        return len(self.source)

    def class_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.road_class:
            counts[c.value] = counts.get(c.value, 0) + 1
        return dict(sorted(counts.items()))


@dataclass
class NetworkBuilder:
    """Collects polylines into nodes and edges; nodes are shared by key (a rounded coordinate, an OSM node id)."""

    _index: dict[Hashable, int] = field(default_factory=dict)
    _lats: list[float] = field(default_factory=list)
    _lons: list[float] = field(default_factory=list)
    _source: list[int] = field(default_factory=list)
    _target: list[int] = field(default_factory=list)
    _length: list[float] = field(default_factory=list)
    _class: list[RoadClass] = field(default_factory=list)
    _oneway: list[bool] = field(default_factory=list)
    _maxspeed: list[float] = field(default_factory=list)
    _names: list[str | None] = field(default_factory=list)
    skipped: int = 0

    def node(self, key: Hashable, lat: float, lon: float) -> int:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._lats)
            self._lats.append(lat)
            self._lons.append(lon)
        return index

    def add_line(
        self,
        nodes: Sequence[int],
        road_class: RoadClass,
        direction: int,
        maxspeed_kmh: float | None,
        name: str | None,
    ) -> None:
        """Edges between consecutive nodes. direction: 0 both ways, 1 along the line only, -1 against it only."""
        ordered = list(reversed(nodes)) if direction < 0 else list(nodes)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a == b:
                continue
            length = _haversine(self._lats[a], self._lons[a], self._lats[b], self._lons[b])
            if length <= 0:
                continue
            self._source.append(a)
            self._target.append(b)
            self._length.append(length)
            self._class.append(road_class)
            self._oneway.append(direction != 0)
            self._maxspeed.append(math.nan if maxspeed_kmh is None else maxspeed_kmh)
            self._names.append(name)

    def build(self, where: str) -> RoadData:
        if not self._source:
            raise ValidationError(where, "holds no road: no line with two distinct points")
        return RoadData(
            lats=np.asarray(self._lats, dtype=np.float64),
            lons=np.asarray(self._lons, dtype=np.float64),
            source=np.asarray(self._source, dtype=np.int64),
            target=np.asarray(self._target, dtype=np.int64),
            length_m=np.asarray(self._length, dtype=np.float64),
            road_class=list(self._class),
            oneway=np.asarray(self._oneway, dtype=bool),
            maxspeed_kmh=np.asarray(self._maxspeed, dtype=np.float64),
            names=list(self._names),
            skipped=self.skipped,
        )


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# -- GeoJSON -------------------------------------------------------------------------------------------------------


def parse_roads_geojson(text: str) -> RoadData:
    """A FeatureCollection of LineString/MultiLineString features with `class` and optional `oneway`,
    `maxspeed_kmh`, `name`."""
    features = feature_list(text)
    builder = NetworkBuilder()
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValidationError(where, "must be a GeoJSON Feature")
        props = feature.get("properties")
        if not isinstance(props, dict):
            raise ValidationError(f"{where}.properties", "must be an object with at least `class`")
        road_class = _geojson_class(props.get("class"), f"{where}.properties.class")
        direction = _geojson_oneway(props.get("oneway"), f"{where}.properties.oneway")
        maxspeed = _geojson_maxspeed(props.get("maxspeed_kmh"), f"{where}.properties.maxspeed_kmh")
        name = _geojson_name(props.get("name"), f"{where}.properties.name")
        for part, coords in _geojson_lines(feature.get("geometry"), f"{where}.geometry"):
            nodes = [
                builder.node((round(lon, 7), round(lat, 7)), lat, lon)
                for lat, lon in _positions(coords, f"{where}.geometry{part}")
            ]
            builder.add_line(nodes, road_class, direction, maxspeed, name)
    return builder.build("features")


def _geojson_class(value: Any, where: str) -> RoadClass:
    if value is None:
        raise ValidationError(where, "is required: one of " + ", ".join(c.value for c in RoadClass))
    try:
        return RoadClass(value)
    except ValueError:
        raise ValidationError(
            where, f"unknown class {value!r}; expected one of {', '.join(c.value for c in RoadClass)}"
        ) from None


def _geojson_oneway(value: Any, where: str) -> int:
    if value is None or value is False or value in ("no", "false", "0", 0):
        return 0
    if value is True or value in ("yes", "true", "1", 1):
        return 1
    if value in ("-1", -1, "reverse"):
        return -1
    raise ValidationError(where, f"must be true, false or -1 (against the line's direction), not {value!r}")


def _geojson_maxspeed(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValidationError(where, f"must be a positive number of km/h, not {value!r}")
    return float(value)


def _geojson_name(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(where, "must be text")
    return value.strip()[:_MAX_NAME] or None


def _geojson_lines(geometry: Any, where: str) -> list[tuple[str, Any]]:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("LineString", "MultiLineString"):
        raise ValidationError(where, "must be a LineString or MultiLineString")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise ValidationError(f"{where}.coordinates", "must be a list of positions")
    if geometry["type"] == "LineString":
        return [("", coords)]
    if not coords:
        raise ValidationError(f"{where}.coordinates", "a MultiLineString needs at least one line")
    return [(f".coordinates[{k}]", line) for k, line in enumerate(coords)]


def _positions(coords: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValidationError(where, "a line needs at least two points")
    out: list[tuple[float, float]] = []
    for k, position in enumerate(coords):
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            raise ValidationError(f"{where}[{k}]", "must be a position [longitude, latitude]")
        lon, lat = float(position[0]), float(position[1])
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(f"{where}[{k}]", f"bad coordinates {position!r}: WGS-84 longitude, latitude")
        out.append((lat, lon))
    if len(set(out)) < 2:
        raise ValidationError(where, "a line needs at least two distinct points")
    return out


# -- OpenStreetMap -------------------------------------------------------------------------------------------------


def parse_osm_maxspeed(value: str | None) -> float | None:
    """OSM `maxspeed` in km/h: "50", "50 km/h", "30 mph"; None for "none", "signals", "CN:urban" and the like."""
    if not value:
        return None
    match = _MAXSPEED.match(value)
    if match is None:
        return None
    number = float(match.group(1))
    unit = (match.group(2) or "").lower()
    if unit == "mph":
        number *= 1.609344
    elif unit == "knots":
        number *= 1.852
    return number if number > 0 else None


def osm_direction(highway: str, oneway: str | None, junction: str | None) -> int:
    """0 both ways, 1 along the way, -1 against it (OSM `oneway=-1`)."""
    value = (oneway or "").strip().lower()
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0", "reversible", "alternating"):
        return 0
    return 1 if highway in _IMPLIED_ONEWAY or (junction or "") in _ROUNDABOUTS else 0


@dataclass(frozen=True, slots=True)
class OsmWay:
    """What the parser needs of one OSM way: its id, tags and (node id, lat, lon or None when unknown) list."""

    id: int
    tags: dict[str, str]
    nodes: Sequence[tuple[int, float | None, float | None]]


def roads_from_osm_ways(ways: Iterable[OsmWay]) -> RoadData:
    """The network of the ways that have a `highway` tag; `oneway`, `junction=roundabout` and `maxspeed` honoured."""
    builder = NetworkBuilder()
    for way in ways:
        highway = way.tags.get("highway")
        if highway is None:
            continue
        road_class = OSM_HIGHWAY.get(highway)
        if road_class is None:
            builder.skipped += 1
            continue
        where = f"way {way.id}"
        if not way.nodes:
            raise ValidationError(f"{where}: nodes", "the way has no nodes")
        if len(way.nodes) < 2:
            raise ValidationError(f"{where}: nodes", "a way needs at least two nodes")
        nodes: list[int] = []
        for ref, lat, lon in way.nodes:
            if lat is None or lon is None:
                raise ValidationError(f"{where}: node {ref}", "is not in the file or has no valid location")
            if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError(f"{where}: node {ref}", f"bad coordinates ({lat}, {lon})")
            nodes.append(builder.node(ref, lat, lon))
        direction = osm_direction(highway, way.tags.get("oneway"), way.tags.get("junction"))
        maxspeed = parse_osm_maxspeed(way.tags.get("maxspeed"))
        name = (way.tags.get("name") or "").strip()[:_MAX_NAME] or None
        builder.add_line(nodes, road_class, direction, maxspeed, name)
    return builder.build("ways")


def read_osm_ways(path: Path) -> list[OsmWay]:
    """The ways of an `.osm` or `.osm.pbf` file with a `highway` tag, with their nodes' locations (osmium)."""
    import osmium

    ways: list[OsmWay] = []
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way) or "highway" not in obj.tags:
                continue
            nodes = [
                (int(n.ref), float(n.location.lat), float(n.location.lon))
                if n.location.valid()
                else (int(n.ref), None, None)
                for n in obj.nodes
            ]
            ways.append(OsmWay(int(obj.id), {t.k: t.v for t in obj.tags}, nodes))
    except RuntimeError as exc:  # libosmium's parse errors (bad XML, bad PBF blocks, unknown format)
        raise ValidationError("file", f"not a readable OSM file: {exc}") from None
    return ways


def parse_roads_osm(path: Path) -> RoadData:
    return roads_from_osm_ways(read_osm_ways(path))


def is_osm_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.xml"))
