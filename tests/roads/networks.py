"""Small hand-built road networks with known shortest times, as `import roads` GeoJSON.

The "river" network (0.01° of longitude ≈ 1,011 m, of latitude ≈ 1,106 m at 24.8°N):

      W (lon 113.60)        E (lon 113.62)
    24.82 o====== bridge ======o            primary, both ways
          |                    |
    24.80 o U_west             |            W and E: primary, both ways, 24.78–24.82
          |                    o 24.79 case
    24.78 o<---- one-way ------o            primary, one-way westwards only
                                            island: a road at lon 113.70, joined to nothing
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from console.db import Database, write_transaction
from console.geo.roadnet import CLASS_INDEX, RoadGraph
from console.services.actor import SYSTEM
from console.services.road_files import RoadData, parse_roads_geojson
from console.services.road_import import RoadImportReport, import_roads


def line(coords: list[tuple[float, float]], cls: str = "primary", **props: Any) -> dict[str, Any]:
    """A feature from (lat, lon) points."""
    return {
        "type": "Feature",
        "properties": {"class": cls, **props},
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in coords]},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


W, E, ISLAND = 113.60, 113.62, 113.70


def river_network() -> dict[str, Any]:
    return collection(
        line([(24.78, W), (24.79, W), (24.80, W), (24.81, W), (24.82, W)], name="west road"),
        line([(24.78, E), (24.79, E), (24.80, E), (24.81, E), (24.82, E)], name="east road"),
        line([(24.82, W), (24.82, E)], name="bridge"),
        line([(24.78, E), (24.78, W)], oneway=True, name="one-way"),
        line([(24.80, ISLAND), (24.81, ISLAND)], "residential", name="island"),
    )


def graph_of(data: RoadData, version: int = 1) -> RoadGraph:
    classes = np.array([CLASS_INDEX[c] for c in data.road_class], dtype=np.int8)
    return RoadGraph(
        version, data.lats, data.lons, data.source, data.target, data.length_m, classes, data.oneway, data.maxspeed_kmh
    )


def parse(fc: dict[str, Any]) -> RoadData:
    return parse_roads_geojson(json.dumps(fc))


def store(db: Database, fc: dict[str, Any], source: str = "test.geojson") -> RoadImportReport:
    data = parse(fc)
    return write_transaction(db.sessions, lambda s: import_roads(s, data, actor=SYSTEM, source=source))
