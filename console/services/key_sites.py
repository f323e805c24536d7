"""Key sites (重点单位): `sites import FILE.geojson` — Point features with properties `code`, `name`, `kind`,
`target_min` (minutes within which an available unit should be able to arrive: 1, 3 or 5 for the "1-3-5" promise).
A bad file is rejected whole, naming the feature and field; a good one is applied in one transaction (existing codes
are updated) with one event."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..enums import EventKind
from ..events import record_event
from ..geo.gridindex import grid_index
from ..models import KeySite
from ..timeutil import utcnow
from . import scope
from .actor import Action, Actor
from .errors import OutOfScope, ValidationError
from .geojson_input import feature_list

_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
#: The kinds the console knows by name (others are accepted as lower-case codes).
KINDS = ("school", "hospital", "bank", "market", "station", "government", "other")


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where the grid index puts a site being imported (what `scope.case_in_scope` asks)."""

    township_id: int | None
    grid_id: int | None


@dataclass(frozen=True, slots=True)
class SiteRecord:
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    target_min: float


@dataclass(frozen=True, slots=True)
class SitesImport:
    created: int
    updated: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated}


def _text(props: dict[str, Any], key: str, where: str, limit: int) -> str:
    value = props.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ValidationError(f"{where}.properties.{key}", "is required (text)")
    text = str(value).strip()
    if len(text) > limit:
        raise ValidationError(f"{where}.properties.{key}", f"is too long (at most {limit} characters)")
    if any(ord(c) < 32 for c in text):
        raise ValidationError(f"{where}.properties.{key}", "contains control characters")
    return text


def _target_min(props: dict[str, Any], where: str) -> float:
    target = props.get("target_min")
    if isinstance(target, str):
        try:
            target = float(target)
        except ValueError:
            raise ValidationError(f"{where}.properties.target_min", "must be a number of minutes") from None
    if isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target):
        raise ValidationError(f"{where}.properties.target_min", "is required (a number of minutes)")
    if not 0 < target <= 120:
        raise ValidationError(f"{where}.properties.target_min", "must be more than 0 and at most 120 minutes")
    return float(target)


def _point(geometry: Any, where: str) -> tuple[float, float]:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise ValidationError(f"{where}.geometry", "must be a Point")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValidationError(f"{where}.geometry", "a Point needs [longitude, latitude]")
    lon, lat = coords[0], coords[1]
    if any(isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) for v in (lon, lat)):
        raise ValidationError(f"{where}.geometry", "coordinates must be numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(f"{where}.geometry", "coordinates must be WGS-84 longitude, latitude")
    return float(lat), float(lon)


def _site(feature: Any, where: str) -> SiteRecord:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValidationError(where, "must be a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ValidationError(f"{where}.properties", "must be an object with code, name, kind, target_min")
    code = _text(props, "code", where, 32)
    name = _text(props, "name", where, 128)
    kind = _text(props, "kind", where, 32)
    if not _KIND_RE.match(kind):
        raise ValidationError(f"{where}.properties.kind", f"must be a lower-case code such as {', '.join(KINDS)}")
    target = _target_min(props, where)
    lat, lon = _point(feature.get("geometry"), where)
    return SiteRecord(code, name, kind, lat, lon, target)


def parse_sites_geojson(text: str) -> list[SiteRecord]:
    features = feature_list(text)
    out: list[SiteRecord] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        site = _site(feature, f"features[{i}]")
        if site.code in seen:
            raise ValidationError(f"features[{i}].properties.code", f"duplicate code {site.code!r}")
        seen.add(site.code)
        out.append(site)
    return out


def import_sites(
    session: Session, records: Sequence[SiteRecord], *, actor: Actor, now: datetime | None = None
) -> SitesImport:
    """All or nothing. A scoped `actor` imports sites of its own scope only: a site located outside it, or a code
    naming another scope's site, refuses the whole import (`OutOfScope`)."""
    actor.require(Action.MANAGE_SITES)
    now = now or utcnow()
    index = grid_index(session)
    existing = {s.code: s for s in session.scalars(select(KeySite))}
    created = updated = 0
    for r in records:
        hit = index.locate(r.lat, r.lon)
        if actor.scoped:
            known = existing.get(r.code)
            if known is not None and not scope.case_in_scope(actor, known):
                raise OutOfScope("key site", r.code, scope.scope_name(actor))
            if not scope.case_in_scope(actor, _Placed(hit.township_id if hit else None, hit.grid_id if hit else None)):
                raise OutOfScope("key site", r.code, scope.scope_name(actor))
        values: dict[str, Any] = {
            "name": r.name,
            "kind": r.kind,
            "lat": r.lat,
            "lon": r.lon,
            "target_min": r.target_min,
            "grid_id": hit.grid_id if hit else None,
            "township_id": hit.township_id if hit else None,
            "updated_at": now,
        }
        site = existing.get(r.code)
        if site is None:
            session.add(KeySite(code=r.code, **values))
            created += 1
        else:
            for key, value in values.items():
                setattr(site, key, value)
            updated += 1
    session.flush()
    record_event(
        session,
        EventKind.KEY_SITES_IMPORTED,
        actor=actor.name,
        ts=now,
        payload={"created": created, "updated": updated},
    )
    return SitesImport(created, updated)
