"""Road network operations: import a network (GeoJSON or an OpenStreetMap extract), and the reads the map and the
command line draw from it (the network in use, a unit's way to a case, reach outlines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..enums import UnitKind
from ..errors import ValidationError
from ..services import road_files, road_import, routing
from ..services.actor import Action
from . import refs
from .changes import OpChanges, OpResult
from .registry import Kind, OpContext, operation
from .setup import read_text_file


@operation("import.roads", action=Action.MANAGE_COUNTY)
def import_roads(ctx: OpContext, *, path: str) -> OpResult[dict[str, Any]]:
    """The road network from GeoJSON lines or an OSM `.osm`/`.osm.pbf` extract; replaces the stored one whole."""
    file = Path(path)
    if road_files.is_osm_file(file):
        if not file.is_file():
            raise ValidationError("file", f"file not found: {path}")
        data = road_files.parse_roads_osm(file)
    else:
        data = road_files.parse_roads_geojson(read_text_file(file, "file"))
    result = ctx.write(lambda s: road_import.import_roads(s, data, actor=ctx.actor, source=file.name).as_dict())
    return OpResult(result.value, result.changes | OpChanges(reference=True))


@operation("roads.info", action=None, kind=Kind.READ)
def network_info(ctx: OpContext) -> OpResult[dict[str, Any] | None]:
    """The road network in use (id, source, nodes, edges), or None when none is stored."""
    return ctx.read(routing.network_summary)


@operation("roads.route", action=None, kind=Kind.READ)
def unit_route(ctx: OpContext, *, number: str, callsign: str) -> OpResult[dict[str, Any]]:
    """A unit's way to a case by the estimate dispatch uses, as a GeoJSON LineString."""

    def read(s: Any) -> dict[str, Any]:
        route = routing.unit_route(s, unit_id=refs.unit_id(s, None, callsign), case_id=refs.case_id(s, None, number))
        return route.as_geojson()

    return ctx.read(read)


@operation("roads.reach", action=None, kind=Kind.READ)
def reach(
    ctx: OpContext,
    *,
    minutes: tuple[float, ...] = (1, 3, 5),
    callsign: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    kind: str = UnitKind.PATROL_CAR.value,
    towards: bool = False,
) -> OpResult[dict[str, Any]]:
    """Reach outlines (isochrones) around a unit, or from/towards a place for a unit kind, as GeoJSON."""
    try:
        unit_kind = UnitKind(kind)
    except ValueError:
        raise ValidationError("kind", f"unknown unit kind {kind!r}") from None

    def read(s: Any) -> dict[str, Any]:
        if callsign is not None:
            return routing.unit_reach(s, unit_id=refs.unit_id(s, None, callsign), minutes=minutes)
        if lat is None or lon is None:
            raise ValidationError("at", "give a unit or a place")
        return routing.reach(s, lat=lat, lon=lon, kind=unit_kind, minutes=minutes, towards=towards)

    return ctx.read(read)
