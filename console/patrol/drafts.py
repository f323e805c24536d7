"""Plan drafts: what a shift leader's form, an import file or a suggestion hands to the plan service, validated.

Validation is pure (no database): the service then checks what needs one (the team's callsigns). Every error names
the field, prefixed by where it is (`features[3].properties.radius_m`, `targets[1].geometry`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from ..enums import TargetKind
from ..services.errors import ValidationError
from .config import TargetDefaults, patrol_settings
from .geometry import polyline_length_m
from .schedule import days_text, parse_days, parse_windows

#: Parameters of each kind of target (the rest do not apply to it).
PARAMETERS: dict[TargetKind, tuple[str, ...]] = {
    TargetKind.POINT: ("radius_m", "dwell_s"),
    TargetKind.ROUTE: ("buffer_m", "min_share"),
    TargetKind.AREA: ("min_minutes",),
}
ALL_PARAMETERS = ("radius_m", "dwell_s", "buffer_m", "min_share", "min_minutes")
#: GeoJSON geometry type → target kind.
GEOMETRY_KINDS = {"Point": TargetKind.POINT, "LineString": TargetKind.ROUTE, "Polygon": TargetKind.AREA}
MAX_COORDINATES = 10_000
MAX_NAME = 64
MAX_TEAM = 50
#: Upper limits that catch a slip of the keyboard (a radius in kilometres typed as metres).
LIMITS = {
    "radius_m": (1.0, 5_000.0),
    "dwell_s": (0.0, 12 * 3600.0),
    "buffer_m": (1.0, 1_000.0),
    "min_share": (0.01, 1.0),
    "min_minutes": (0.5, 24 * 60.0),
}


@dataclass(frozen=True)
class TargetDraft:
    kind: TargetKind
    geometry: dict[str, Any]  # GeoJSON (lon, lat), WGS-84
    name: str = ""
    radius_m: float | None = None
    dwell_s: float | None = None
    buffer_m: float | None = None
    min_share: float | None = None
    min_minutes: float | None = None

    def with_defaults(self, defaults: TargetDefaults) -> TargetDraft:
        if self.kind == TargetKind.POINT:
            return replace(
                self,
                radius_m=defaults.radius_m if self.radius_m is None else self.radius_m,
                dwell_s=defaults.dwell_s if self.dwell_s is None else self.dwell_s,
            )
        if self.kind == TargetKind.ROUTE:
            return replace(
                self,
                buffer_m=defaults.buffer_m if self.buffer_m is None else self.buffer_m,
                min_share=defaults.min_share if self.min_share is None else self.min_share,
            )
        return replace(self, min_minutes=defaults.min_minutes if self.min_minutes is None else self.min_minutes)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "name": self.name, "geometry": self.geometry}
        for key in PARAMETERS[self.kind]:
            out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class PlanDraft:
    name: str
    team: tuple[str, ...]  # callsigns
    days: tuple[str, ...]  # weekday codes then ISO dates
    windows: tuple[str, ...]  # "07:10-07:50"
    targets: tuple[TargetDraft, ...]
    valid_from: date | None = None  # None: from now (the moment the plan is saved)
    valid_to: date | None = None
    # What the suggestion saw behind it (case numbers); informational, not stored with the plan.
    evidence: tuple[str, ...] = field(default=(), compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "team": list(self.team),
            "days": list(self.days),
            "windows": list(self.windows),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "targets": [t.as_dict() for t in self.targets],
        }


# -- checks -------------------------------------------------------------------------------------------------------


def check_name(value: Any, field: str, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "is required")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValidationError(field, "must be text")
    text = str(value).strip()
    if len(text) > MAX_NAME:
        raise ValidationError(field, f"is too long ({len(text)} characters; at most {MAX_NAME})")
    if any(ord(c) < 32 for c in text):
        raise ValidationError(field, "contains control characters")
    return text


def check_team(value: Any, field: str) -> tuple[str, ...]:
    """`PC-01;FP-03` or a list of callsigns → callsigns in the order given, without repeats."""
    parts = value.split(";") if isinstance(value, str) else value
    if not isinstance(parts, Sequence) or isinstance(parts, str | bytes):
        raise ValidationError(field, "must be callsigns separated by ';'")
    team: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise ValidationError(field, "must be callsigns separated by ';'")
        callsign = part.strip()
        if callsign and callsign not in team:
            if len(callsign) > 32:
                raise ValidationError(field, f"{callsign!r} is not a callsign (at most 32 characters)")
            team.append(callsign)
    if not team:
        raise ValidationError(field, "at least one unit's callsign is required")
    if len(team) > MAX_TEAM:
        raise ValidationError(field, f"at most {MAX_TEAM} units per team")
    return tuple(team)


def check_date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def check_number(value: Any, field: str, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(field, "must be a number")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValidationError(field, "must be a number") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(field, "must be a number")
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise ValidationError(field, f"must be between {low:g} and {high:g}")
    return float(value)


def _position(coord: Any, field: str) -> tuple[float, float]:
    if not isinstance(coord, list | tuple) or len(coord) < 2:
        raise ValidationError(field, "a position must be [longitude, latitude]")
    lon, lat = coord[0], coord[1]
    for value in (lon, lat):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError(field, "coordinates must be numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(field, "coordinates must be WGS-84 longitude, latitude")
    return float(lon), float(lat)


def check_geometry(geometry: Any, field: str) -> tuple[TargetKind, dict[str, Any]]:
    """A GeoJSON Point, LineString or Polygon → (kind, clean geometry)."""
    if not isinstance(geometry, Mapping) or geometry.get("type") not in GEOMETRY_KINDS:
        raise ValidationError(field, "must be a Point (point), LineString (route) or Polygon (area)")
    kind = GEOMETRY_KINDS[geometry["type"]]
    coords = geometry.get("coordinates")
    if kind == TargetKind.POINT:
        lon, lat = _position(coords, field)
        return kind, {"type": "Point", "coordinates": [lon, lat]}
    if kind == TargetKind.ROUTE:
        if not isinstance(coords, list) or len(coords) < 2:
            raise ValidationError(field, "a route needs at least two positions")
        if len(coords) > MAX_COORDINATES:
            raise ValidationError(field, f"at most {MAX_COORDINATES} positions")
        line = [list(_position(c, field)) for c in coords]
        if polyline_length_m(line) < 1.0:
            raise ValidationError(field, "the route has no length")
        return kind, {"type": "LineString", "coordinates": line}
    if not isinstance(coords, list) or not coords or not all(isinstance(r, list) for r in coords):
        raise ValidationError(field, "an area needs a ring of positions")
    if sum(len(r) for r in coords) > MAX_COORDINATES:
        raise ValidationError(field, f"at most {MAX_COORDINATES} positions")
    rings = [[list(_position(c, field)) for c in ring] for ring in coords]
    clean = {"type": "Polygon", "coordinates": rings}
    try:
        polygon = shape(clean)
    except Exception as exc:  # shapely raises several types for malformed rings
        raise ValidationError(field, f"malformed polygon: {exc}") from None
    if polygon.is_empty or polygon.area <= 0:
        raise ValidationError(field, "the area is empty")
    if not polygon.is_valid:
        raise ValidationError(field, f"invalid polygon: {explain_validity(polygon)}")
    return kind, clean


def check_parameters(kind: TargetKind, values: Mapping[str, Any], where: str) -> dict[str, float | None]:
    """The target's parameters (absent ones None); one that does not apply to its kind is refused."""
    out: dict[str, float | None] = {}
    for name in ALL_PARAMETERS:
        value = values.get(name)
        if value is None or value == "":
            continue
        if name not in PARAMETERS[kind]:
            allowed = ", ".join(PARAMETERS[kind])
            raise ValidationError(f"{where}{name}", f"does not apply to a {kind.value} (it takes {allowed})")
        out[name] = check_number(value, f"{where}{name}", name)
    return out


def check_plan(draft: PlanDraft, where: str = "") -> PlanDraft:
    """Validate a draft built in code (a form, a suggestion); fills the defaults of absent target parameters."""
    name = check_name(draft.name, f"{where}name")
    team = check_team(list(draft.team), f"{where}team")
    weekdays, dates = parse_days(list(draft.days), f"{where}days")
    windows = parse_windows(list(draft.windows), f"{where}windows")
    if draft.valid_to is not None and draft.valid_from is not None and draft.valid_to < draft.valid_from:
        raise ValidationError(f"{where}valid_to", "is before valid_from")
    if not draft.targets:
        raise ValidationError(f"{where}targets", "a plan needs at least one target")
    defaults = patrol_settings().defaults
    targets = []
    names: set[str] = set()
    for i, t in enumerate(draft.targets):
        at = f"{where}targets[{i}]."
        kind, geometry = check_geometry(t.geometry, f"{at}geometry")
        if kind != t.kind:
            raise ValidationError(f"{at}kind", f"a {t.kind.value} needs a {_geometry_name(t.kind)} geometry")
        params = check_parameters(kind, {k: getattr(t, k) for k in ALL_PARAMETERS}, at)
        target_name = check_name(t.name, f"{at}name", required=False) or f"{kind.value} {i + 1}"
        if target_name in names:
            raise ValidationError(f"{at}name", f"two targets of the plan are named {target_name!r}")
        names.add(target_name)
        targets.append(TargetDraft(kind, geometry, target_name, **params).with_defaults(defaults))
    return PlanDraft(
        name,
        team,
        tuple(days_text(weekdays, dates)),
        tuple(w.text() for w in windows),
        tuple(targets),
        draft.valid_from,
        draft.valid_to,
        draft.evidence,
    )


def _geometry_name(kind: TargetKind) -> str:
    return next(name for name, k in GEOMETRY_KINDS.items() if k == kind)
