"""Administrator imports: grids from GeoJSON and units from CSV. A bad file is rejected whole, naming the feature
or line and the field; a good one is applied in one transaction (existing codes and callsigns are updated)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shapely.geometry import shape
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
from .grid_geometry import check_crs, check_geometry, first_overlap
from .inputs import check_number, check_text, shown

UNIT_HEADER = ["callsign", "kind", "tracker_id", "lat", "lon", "home_grid", "capabilities"]
#: Longest text per field, as long as its column (a longer one is refused on both databases alike).
MAX_LEN = {
    "code": 32,
    "name": 64,
    "township": 64,
    "callsign": 32,
    "tracker_id": 64,
    "home_grid": 32,
    "capabilities": 32,
}
MAX_CAPABILITIES = 16


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


def _property(props: dict[str, Any], key: str, where: str) -> str:
    value = props.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10 ** MAX_LEN[key]:
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError(f"{where}.properties.{key}", "is required (text)")
    text = check_text(value, f"{where}.properties.{key}", max_len=MAX_LEN[key], required=True)
    assert text is not None
    return text


def parse_grids_geojson(text: str) -> list[GridRecord]:
    features = feature_list(text)  # JSON, a FeatureCollection naming no CRS but WGS-84, with features
    out: list[GridRecord] = []
    shapes: list[Any] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValidationError(where, "must be a GeoJSON Feature")
        check_crs(feature, f"{where}.")
        props = feature.get("properties")
        if not isinstance(props, dict):
            raise ValidationError(f"{where}.properties", "must be an object with code, name, township")
        code, name, township = (_property(props, key, where) for key in ("code", "name", "township"))
        if code in seen:
            raise ValidationError(f"{where}.properties.code", f"duplicate code {code!r}")
        seen.add(code)
        geom = check_geometry(feature.get("geometry"), f"{where}.geometry")
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        out.append(GridRecord(code, name, township, feature["geometry"], (min_lon, min_lat, max_lon, max_lat)))
        shapes.append(geom)
    overlap = first_overlap(shapes)
    if overlap is not None:
        i, j, area = overlap
        raise ValidationError(
            f"features[{j}].geometry",
            f"overlaps grid {out[i].code!r} (features[{i}]) by about {area:,.0f} m²; grids must not overlap",
        )
    return out


def _row(reader: Any) -> list[str] | None:
    """The next row, or None at the end; a malformed row (a field over the reader's limit) refused by line."""
    try:
        row: list[str] = next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise ValidationError(f"line {reader.line_num}", f"cannot be read as CSV: {exc}") from None
    return row


def _unit_text(value: str, line: int, key: str, *, required: bool = False) -> str | None:
    return check_text(value, f"line {line}: {key}", max_len=MAX_LEN[key], required=required)


def _capabilities(value: str, line: int) -> tuple[str, ...]:
    names = [c.strip() for c in value.split(";") if c.strip()]
    if len(names) > MAX_CAPABILITIES:
        raise ValidationError(f"line {line}: capabilities", f"at most {MAX_CAPABILITIES} capabilities")
    return tuple(_unit_text(name, line, "capabilities") or "" for name in names)


def parse_units_csv(text: str) -> list[UnitRecord]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    first = _row(reader)
    if first is None:
        raise ValidationError("line 1", "the file is empty; expected the header " + ",".join(UNIT_HEADER))
    if [h.strip() for h in first] != UNIT_HEADER:
        raise ValidationError("line 1", "the header must be exactly " + ",".join(UNIT_HEADER))
    out: list[UnitRecord] = []
    seen_callsigns: set[str] = set()
    seen_trackers: set[str] = set()
    while (row := _row(reader)) is not None:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(UNIT_HEADER):
            raise ValidationError(f"line {line}", f"has {len(row)} fields; expected {len(UNIT_HEADER)}")
        callsign = _unit_text(row[0], line, "callsign", required=True)
        assert callsign is not None
        if callsign in seen_callsigns:
            raise ValidationError(f"line {line}: callsign", f"duplicate callsign {callsign!r}")
        seen_callsigns.add(callsign)
        kind = row[1].strip()
        try:
            unit_kind = UnitKind(kind)
        except ValueError:
            raise ValidationError(
                f"line {line}: kind",
                f"unknown kind {shown(kind)!r}; expected one of {', '.join(k.value for k in UnitKind)}",
            ) from None
        tracker = _unit_text(row[2], line, "tracker_id")
        if tracker:
            if tracker in seen_trackers:
                raise ValidationError(f"line {line}: tracker_id", f"duplicate tracker id {tracker!r}")
            seen_trackers.add(tracker)
        lat_v = check_number(row[3], f"line {line}: lat", low=-90, high=90)
        lon_v = check_number(row[4], f"line {line}: lon", low=-180, high=180)
        if (lat_v is None) != (lon_v is None):
            raise ValidationError(
                f"line {line}: {'lon' if lon_v is None else 'lat'}", "give both lat and lon, or neither"
            )
        home = _unit_text(row[5], line, "home_grid")
        out.append(UnitRecord(callsign, unit_kind, tracker, lat_v, lon_v, home, _capabilities(row[6], line), line))
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
    _refuse_overlap_with_stored(records, [g for code, g in existing.items() if code not in {r.code for r in records}])
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


def _refuse_overlap_with_stored(records: Sequence[GridRecord], kept: Sequence[Grid]) -> None:
    """The file's grids must not overlap the stored grids the file leaves as they are."""
    if not kept:
        return
    overlap = first_overlap([shape(r.geometry) for r in records], [shape(g.geometry) for g in kept])
    if overlap is not None:
        i, j, area = overlap
        other = records[j].code if j < len(records) else kept[j - len(records)].code
        raise ValidationError(
            f"features[{i}].geometry",
            f"overlaps the stored grid {other!r} by about {area:,.0f} m²; grids must not overlap",
        )


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
        unit = existing.get(r.callsign)
        if r.lat is not None and (unit is None or unit.fix_at is None):
            # The file's place is where the unit is based, not a GPS fix: no fix time, so the unit shows as not
            # reporting until its tracker does (any real fix, however old, is then newer than nothing). A unit
            # that has reported keeps its last fix.
            values.update(lat=r.lat, lon=r.lon, fix_at=None)
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
