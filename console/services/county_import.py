"""Administrator imports: grids from GeoJSON and units from CSV. A bad file is rejected whole, naming the feature
or line and the field; a good one is applied in one transaction (existing codes and callsigns are updated)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import EventKind, UnitKind, UnitStatus
from ..events import record_event
from ..geo.gridindex import forget_grid_index
from ..models import Grid, Township, Unit
from ..timeutil import utcnow
from .actor import Action, Actor
from .errors import ValidationError
from .geojson_input import feature_list

UNIT_HEADER = ["callsign", "kind", "tracker_id", "lat", "lon", "home_grid", "capabilities"]


@dataclass(frozen=True, slots=True)
class GridRecord:
    code: str
    name: str
    township: str
    geometry: dict[str, Any]
    bounds: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True, slots=True)
class UnitRecord:
    callsign: str
    kind: UnitKind
    tracker_id: str | None
    lat: float | None
    lon: float | None
    home_grid: str | None
    capabilities: tuple[str, ...]
    line: int = 0  # line of the file, for messages


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int
    updated: int
    townships_created: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "townships_created": self.townships_created}


# -- parsing (no database) ----------------------------------------------------------------------------------------


def parse_grids_geojson(text: str) -> list[GridRecord]:
    features = feature_list(text)
    out: list[GridRecord] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValidationError(where, "must be a GeoJSON Feature")
        props = feature.get("properties")
        if not isinstance(props, dict):
            raise ValidationError(f"{where}.properties", "must be an object with code, name, township")
        values: dict[str, str] = {}
        for key in ("code", "name", "township"):
            value = props.get(key)
            if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
                raise ValidationError(f"{where}.properties.{key}", "is required (text)")
            values[key] = str(value).strip()
            if len(values[key]) > (32 if key == "code" else 64):
                raise ValidationError(f"{where}.properties.{key}", "is too long")
        if values["code"] in seen:
            raise ValidationError(f"{where}.properties.code", f"duplicate code {values['code']!r}")
        seen.add(values["code"])
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValidationError(f"{where}.geometry", "must be a Polygon or MultiPolygon")
        try:
            geom = shape(geometry)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise ValidationError(f"{where}.geometry", f"malformed coordinates: {exc}") from None
        if geom.is_empty:
            raise ValidationError(f"{where}.geometry", "is empty")
        if not geom.is_valid:
            raise ValidationError(f"{where}.geometry", f"invalid polygon: {explain_validity(geom)}")
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise ValidationError(f"{where}.geometry", "coordinates must be WGS-84 longitude, latitude")
        out.append(
            GridRecord(
                values["code"], values["name"], values["township"], geometry, (min_lon, min_lat, max_lon, max_lat)
            )
        )
    return out


def _float(value: str, field: str, limit: float) -> float | None:
    if value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(field, "must be a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValidationError(field, f"must be between -{limit:g} and {limit:g}")
    return number


def parse_units_csv(text: str) -> list[UnitRecord]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError("line 1", "the file is empty; expected the header " + ",".join(UNIT_HEADER)) from None
    if header != UNIT_HEADER:
        raise ValidationError("line 1", "the header must be exactly " + ",".join(UNIT_HEADER))
    out: list[UnitRecord] = []
    seen_callsigns: set[str] = set()
    seen_trackers: set[str] = set()
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(UNIT_HEADER):
            raise ValidationError(f"line {line}", f"has {len(row)} fields; expected {len(UNIT_HEADER)}")
        callsign, kind, tracker, lat, lon, home, caps = (c.strip() for c in row)
        if not callsign or len(callsign) > 32:
            raise ValidationError(f"line {line}: callsign", "is required (at most 32 characters)")
        if callsign in seen_callsigns:
            raise ValidationError(f"line {line}: callsign", f"duplicate callsign {callsign!r}")
        seen_callsigns.add(callsign)
        try:
            unit_kind = UnitKind(kind)
        except ValueError:
            raise ValidationError(
                f"line {line}: kind", f"unknown kind {kind!r}; expected one of {', '.join(k.value for k in UnitKind)}"
            ) from None
        if tracker:
            if tracker in seen_trackers:
                raise ValidationError(f"line {line}: tracker_id", f"duplicate tracker id {tracker!r}")
            seen_trackers.add(tracker)
        lat_v = _float(lat, f"line {line}: lat", 90)
        lon_v = _float(lon, f"line {line}: lon", 180)
        if (lat_v is None) != (lon_v is None):
            raise ValidationError(
                f"line {line}: {'lon' if lon_v is None else 'lat'}", "give both lat and lon, or neither"
            )
        capabilities = tuple(c.strip() for c in caps.split(";") if c.strip())
        out.append(UnitRecord(callsign, unit_kind, tracker or None, lat_v, lon_v, home or None, capabilities, line))
    if not out:
        raise ValidationError("file", "has no unit rows")
    return out


# -- applying (one transaction) -----------------------------------------------------------------------------------


def import_grids(
    session: Session, records: Sequence[GridRecord], *, actor: Actor, now: datetime | None = None
) -> ImportReport:
    actor.require(Action.MANAGE_COUNTY)
    now = now or utcnow()
    towns = {t.name: t for t in session.scalars(select(Township))}
    new_towns = 0
    for name in sorted({r.township for r in records} - set(towns)):
        town = Township(name=name)
        session.add(town)
        towns[name] = town
        new_towns += 1
    session.flush()
    existing = {g.code: g for g in session.scalars(select(Grid))}
    created = updated = 0
    for r in records:
        grid = existing.get(r.code)
        values = dict(
            name=r.name,
            township_id=towns[r.township].id,
            geometry=r.geometry,
            min_lon=r.bounds[0],
            min_lat=r.bounds[1],
            max_lon=r.bounds[2],
            max_lat=r.bounds[3],
        )
        if grid is None:
            session.add(Grid(code=r.code, **values))
            created += 1
        else:
            for key, value in values.items():
                setattr(grid, key, value)
            updated += 1
    session.flush()
    _refresh_township_outlines(session)
    forget_grid_index(session)
    record_event(
        session,
        EventKind.GRIDS_IMPORTED,
        actor=actor.name,
        ts=now,
        payload={"created": created, "updated": updated, "townships_created": new_towns},
    )
    return ImportReport(created, updated, new_towns)


def _refresh_township_outlines(session: Session) -> None:
    from shapely import union_all
    from shapely.geometry import mapping

    by_town: dict[int, list[Any]] = {}
    for grid in session.scalars(select(Grid)):
        by_town.setdefault(grid.township_id, []).append(shape(grid.geometry))
    for town in session.scalars(select(Township)):
        shapes = by_town.get(town.id)
        town.geometry = dict(mapping(union_all(shapes).buffer(0))) if shapes else None


def import_units(
    session: Session, records: Sequence[UnitRecord], *, actor: Actor, now: datetime | None = None
) -> ImportReport:
    actor.require(Action.MANAGE_COUNTY)
    now = now or utcnow()
    grids = {g.code: g for g in session.scalars(select(Grid))}
    for r in records:
        if r.home_grid is not None and r.home_grid not in grids:
            raise ValidationError(f"line {r.line}: home_grid", f"no grid with code {r.home_grid!r}")
    existing = {u.callsign: u for u in session.scalars(select(Unit))}
    trackers = {u.tracker_id: u.callsign for u in existing.values() if u.tracker_id}
    created = updated = 0
    for r in records:
        if r.tracker_id and trackers.get(r.tracker_id, r.callsign) != r.callsign:
            raise ValidationError(f"line {r.line}: tracker_id", f"already used by unit {trackers[r.tracker_id]}")
        home = grids.get(r.home_grid) if r.home_grid else None
        values: dict[str, Any] = dict(
            kind=r.kind,
            tracker_id=r.tracker_id,
            capabilities=list(r.capabilities),
            home_grid_id=home.id if home else None,
            township_id=home.township_id if home else None,
            updated_at=now,
        )
        if r.lat is not None:
            values.update(lat=r.lat, lon=r.lon, fix_at=now)
        unit = existing.get(r.callsign)
        if unit is None:
            unit = Unit(callsign=r.callsign, status=UnitStatus.AVAILABLE, status_since=now, version=1, **values)
            session.add(unit)
            created += 1
        else:
            for key, value in values.items():
                setattr(unit, key, value)
            unit.version += 1
            updated += 1
    session.flush()
    record_event(
        session,
        EventKind.UNIT_CREATED,
        actor=actor.name,
        ts=now,
        payload={"created": created, "updated": updated, "source": "import"},
    )
    return ImportReport(created, updated)
