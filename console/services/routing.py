"""Read-only routing questions for the consoles and the command line: the network in use, a unit's way to a case,
reach outlines around a unit or a place. The answers are plain data (GeoJSON-ready) for the map to draw."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import UnitKind
from ..geo.isochrone import reach_outlines
from ..geo.roadnet import road_graph
from ..geo.travel import Route, travel_model
from ..models import Case, RoadNetwork, Unit
from ..rules import Rules, default_rules
from .errors import NotFound, ValidationError


def network_summary(session: Session) -> dict[str, Any] | None:
    """The network in use (the newest import), or None when no road network is stored."""
    row = session.scalars(select(RoadNetwork).order_by(RoadNetwork.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {
        "network_id": row.id,
        "source": row.source,
        "imported_at": row.imported_at.isoformat(),
        "imported_by": row.imported_by,
        "nodes": row.node_count,
        "edges": row.edge_count,
    }


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("unit", unit_id)
    if unit.lat is None or unit.lon is None:
        raise ValidationError("unit", f"unit {unit.callsign} has not reported a position")
    return unit


def unit_route(session: Session, *, unit_id: int, case_id: int, rules: Rules | None = None) -> Route:
    """The way the unit takes from its last position to the case, by the estimate dispatch uses."""
    rules = rules or default_rules()
    unit = _unit(session, unit_id)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case", case_id)
    if case.lat is None or case.lon is None:
        raise ValidationError("location", f"case {case.number} has no location")
    assert unit.lat is not None and unit.lon is not None
    return travel_model(session, rules).route(unit.kind, unit.lat, unit.lon, case.lat, case.lon)


def reach(
    session: Session,
    *,
    lat: float,
    lon: float,
    kind: UnitKind,
    minutes: tuple[float, ...] = (1, 3, 5),
    towards: bool = False,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """Reach outlines as a GeoJSON FeatureCollection: where a unit of `kind` at (lat, lon) gets to in each time
    (towards=True: from where such a unit reaches the place — a key site's reach)."""
    rules = rules or default_rules()
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("at", "must be a WGS-84 latitude, longitude")
    if not minutes or any(not 0 < m <= 120 for m in minutes):
        raise ValidationError("minutes", "give one or more times between 0 and 120 minutes")
    graph = road_graph(session, sample_m=rules.roads.sample_m)
    if graph is None:
        raise ValidationError("roads", "no road network is stored; import one with `import roads FILE`")
    features = reach_outlines(graph, rules, kind=kind, lat=lat, lon=lon, minutes=minutes, towards=towards)
    return {"type": "FeatureCollection", "features": features}


def unit_reach(
    session: Session, *, unit_id: int, minutes: tuple[float, ...] = (1, 3, 5), rules: Rules | None = None
) -> dict[str, Any]:
    unit = _unit(session, unit_id)
    assert unit.lat is not None and unit.lon is not None
    return reach(session, lat=unit.lat, lon=unit.lon, kind=unit.kind, minutes=minutes, rules=rules)
