"""`import places FILE`: the county's own gazetteer (标准地址库) — standard addresses and landmarks with their
coordinates — from CSV (`name,kind,lat,lon`) or GeoJSON (a FeatureCollection of Points with properties `name` and
`kind`). The whole file is checked before anything is stored; the first bad line or feature is named with its
field. A place of a name already stored is updated (its kind and point), a new one created; each gets the grid it
lies in. The address completion of the form and the geocoding of appeals from the command line and the feeds
(`console.geo.gazetteer`) read them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..events import record_event
from ..geo.gazetteer import forget
from ..geo.gridindex import grid_index
from ..models import Place
from ..timeutil import utcnow
from .actor import Action, Actor
from .errors import ValidationError
from .geojson_input import feature_list
from .inputs import check_number, check_text

PLACE_HEADER = ["name", "kind", "lat", "lon"]
#: The kind of a place whose file gives none.
DEFAULT_KIND = "address"
MAX_NAME = 128
MAX_KIND = 32


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    where: str  # "line 3" or "features[2]", for errors
    name: str
    kind: str
    lat: float
    lon: float


def _record(where: str, sep: str, name: Any, kind: Any, lat: Any, lon: Any) -> PlaceRecord:
    checked_name = check_text(name, f"{where}{sep}name", max_len=MAX_NAME, required=True)
    checked_kind = check_text(kind, f"{where}{sep}kind", max_len=MAX_KIND) or DEFAULT_KIND
    lat_v = check_number(lat, f"{where}{sep}lat", low=-90, high=90)
    lon_v = check_number(lon, f"{where}{sep}lon", low=-180, high=180)
    if lat_v is None:
        raise ValidationError(f"{where}{sep}lat", "is required")
    if lon_v is None:
        raise ValidationError(f"{where}{sep}lon", "is required")
    assert checked_name is not None
    return PlaceRecord(where, checked_name, checked_kind, lat_v, lon_v)


def parse_places_csv(text: str) -> list[PlaceRecord]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValidationError("line 1", f"cannot be read as CSV: {exc}") from None
    if header is None:
        raise ValidationError("line 1", "the file is empty; expected the header " + ",".join(PLACE_HEADER))
    if [h.strip() for h in header] != PLACE_HEADER:
        raise ValidationError("line 1", "the header must be exactly " + ",".join(PLACE_HEADER))
    out: list[PlaceRecord] = []
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise ValidationError(f"line {reader.line_num}", f"cannot be read as CSV: {exc}") from None
        if row is None:
            break
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(PLACE_HEADER):
            raise ValidationError(f"line {line}", f"has {len(row)} fields; expected {len(PLACE_HEADER)}")
        out.append(_record(f"line {line}", ": ", *row))
    return out


def parse_places_geojson(text: str) -> list[PlaceRecord]:
    out: list[PlaceRecord] = []
    for i, feature in enumerate(feature_list(text)):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValidationError(where, "must be a GeoJSON Feature")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            raise ValidationError(f"{where}.geometry", "must be a Point")
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise ValidationError(f"{where}.geometry.coordinates", "must be [lon, lat]")
        props = feature.get("properties")
        if not isinstance(props, dict):
            raise ValidationError(f"{where}.properties", "must be an object with name (and kind)")
        out.append(_record(where, ".properties.", props.get("name"), props.get("kind"), coords[1], coords[0]))
    return out


def parse_places(text: str) -> list[PlaceRecord]:
    """CSV or GeoJSON (by its first character), checked whole; refused if it holds no place or a name twice."""
    records = parse_places_geojson(text) if text.lstrip("\ufeff \t\r\n").startswith("{") else parse_places_csv(text)
    if not records:
        raise ValidationError("file", "holds no place")
    seen: set[str] = set()
    for r in records:
        if r.name in seen:
            raise ValidationError(f"{r.where}: name", f"duplicate name {r.name!r}")
        seen.add(r.name)
    return records


@dataclass(frozen=True, slots=True)
class PlacesReport:
    created: int
    updated: int
    outside: int  # places outside every grid (kept, with no grid)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "outside_grids": self.outside}


def import_places(
    session: Session,
    records: Sequence[PlaceRecord],
    *,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> PlacesReport:
    actor.require(Action.MANAGE_COUNTY)
    now = now or utcnow()
    existing = {p.name: p for p in session.scalars(select(Place))}
    index = grid_index(session)
    created = updated = outside = 0
    for n, r in enumerate(records, 1):
        hit = index.locate(r.lat, r.lon)
        outside += hit is None
        place = existing.get(r.name)
        if place is None:
            session.add(Place(name=r.name, kind=r.kind, lat=r.lat, lon=r.lon, grid_id=hit.grid_id if hit else None))
            created += 1
        else:
            place.kind, place.lat, place.lon = r.kind, r.lat, r.lon
            place.grid_id = hit.grid_id if hit else None
            updated += 1
        if progress is not None and n % 500 == 0:
            progress(500)
    session.flush()
    record_event(
        session,
        EventKind.PLACES_IMPORTED,
        actor=actor.name,
        ts=now,
        payload={"created": created, "updated": updated, "outside_grids": outside},
    )
    forget(session)
    return PlacesReport(created, updated, outside)
