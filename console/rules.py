"""Dispatch rules read from `resources/config/dispatch.toml`: deadlines, unit speeds, ranking weights, duplicates."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from .enums import Category, Priority, RoadClass, UnitKind
from .paths import resource

#: The travel mode of unit kinds that fly straight over everything (drones): `[roads.kind_profile]` value.
AIR = "air"


@dataclass(frozen=True)
class TravelProfile:
    """How one group of unit kinds moves on the road network: speed per road class (classes left out are not
    used), and whether one-way streets bind it (vehicles) or not (on foot, e-bikes)."""

    name: str
    speed_kmh: dict[RoadClass, float]
    oneway: bool = True
    #: Speed off the road: from a unit to its nearest road, from the road to the place it goes to.
    off_road_kmh: float = 4.5

    @property
    def max_speed_kmh(self) -> float:
        return max(self.speed_kmh.values())


def _default_profiles() -> dict[str, TravelProfile]:
    car = {
        RoadClass.MOTORWAY: 80.0,
        RoadClass.TRUNK: 60.0,
        RoadClass.PRIMARY: 50.0,
        RoadClass.SECONDARY: 45.0,
        RoadClass.TERTIARY: 40.0,
        RoadClass.RESIDENTIAL: 25.0,
        RoadClass.TRACK: 15.0,
    }
    ebike = {c: float(v) for c, v in zip(RoadClass, (0, 20, 20, 20, 18, 15, 12, 10), strict=True) if v}
    foot = dict.fromkeys(RoadClass, 4.5)
    return {
        "car": TravelProfile("car", car, oneway=True, off_road_kmh=15.0),
        "ebike": TravelProfile("ebike", ebike, oneway=False, off_road_kmh=10.0),
        "foot": TravelProfile("foot", foot, oneway=False, off_road_kmh=4.5),
    }


def _default_kind_profile() -> dict[UnitKind, str]:
    return {
        UnitKind.PATROL_CAR: "car",
        UnitKind.TRAFFIC_POLICE: "car",
        UnitKind.MEDIATOR: "car",
        UnitKind.GRID_WORKER: "ebike",
        UnitKind.FOOT_PATROL: "foot",
        UnitKind.VOLUNTEER_TEAM: "foot",
        UnitKind.DRONE: AIR,
    }


@dataclass(frozen=True)
class RoadRules:
    """Routing over the stored road network (`[roads]` of dispatch.toml)."""

    profiles: dict[str, TravelProfile] = field(default_factory=_default_profiles)
    kind_profile: dict[UnitKind, str] = field(default_factory=_default_kind_profile)
    #: The routed search stops at this travel time: a unit farther out is reported unreachable.
    search_limit_s: float = 5400
    #: A place farther than this from every road keeps the straight-line estimate.
    snap_max_m: float = 3000
    #: Spacing of the points along the edges that the snapping index holds.
    sample_m: float = 25
    #: Half-width of the reach outlines (isochrones) around the reached roads.
    isochrone_buffer_m: float = 150

    def profile_of(self, kind: UnitKind) -> TravelProfile | None:
        """The kind's profile, or None when the kind flies straight."""
        name = self.kind_profile[kind]
        return None if name == AIR else self.profiles[name]


@dataclass(frozen=True)
class Rules:
    deadline_hours: dict[Priority, dict[str, float]]
    speed_kmh: dict[UnitKind, float]
    stale_fix_s: float = 300
    stale_penalty_s: float = 600
    no_fix_penalty_s: float = 3600
    capability_bonus_s: float = 300
    own_grid_worker_bonus_s: float = 900
    road_factor: float = 1.3
    grid_matters: frozenset[Category] = field(default_factory=frozenset)
    capabilities: dict[Category, frozenset[str]] = field(default_factory=dict)
    same_phone_hours: float = 24
    same_category_radius_m: float = 300
    same_category_hours: float = 2
    roads: RoadRules = field(default_factory=RoadRules)

    def deadline(self, category: Category, priority: Priority) -> timedelta:
        table = self.deadline_hours[priority]
        hours = table.get(category.value, table["default"])
        return timedelta(hours=float(hours))


def _parse(data: dict[str, Any]) -> Rules:
    deadlines = {Priority(p): {k: float(v) for k, v in row.items()} for p, row in data["deadline_hours"].items()}
    missing = [p.value for p in Priority if p not in deadlines or "default" not in deadlines[p]]
    if missing:
        raise ValueError(f"deadline_hours: every priority needs a default (missing: {', '.join(missing)})")
    speeds = {UnitKind(k): float(v) for k, v in data["speed_kmh"].items()}
    if set(speeds) != set(UnitKind):
        raise ValueError("speed_kmh: every unit kind needs a speed")
    ranking = data.get("ranking", {})
    dup = data.get("duplicates", {})
    return Rules(
        deadline_hours=deadlines,
        speed_kmh=speeds,
        stale_fix_s=float(ranking.get("stale_fix_s", 300)),
        stale_penalty_s=float(ranking.get("stale_penalty_s", 600)),
        no_fix_penalty_s=float(ranking.get("no_fix_penalty_s", 3600)),
        capability_bonus_s=float(ranking.get("capability_bonus_s", 300)),
        own_grid_worker_bonus_s=float(ranking.get("own_grid_worker_bonus_s", 900)),
        road_factor=float(ranking.get("road_factor", 1.3)),
        grid_matters=frozenset(Category(c) for c in ranking.get("grid_matters", [])),
        capabilities={Category(k): frozenset(v) for k, v in data.get("capabilities", {}).items()},
        same_phone_hours=float(dup.get("same_phone_hours", 24)),
        same_category_radius_m=float(dup.get("same_category_radius_m", 300)),
        same_category_hours=float(dup.get("same_category_hours", 2)),
        roads=_parse_roads(data.get("roads", {})),
    )


def _positive(table: dict[str, Any], key: str, default: float, where: str) -> float:
    value = float(table.get(key, default))
    if not value > 0:
        raise ValueError(f"{where}.{key}: must be a positive number")
    return value


def _parse_roads(data: dict[str, Any]) -> RoadRules:
    defaults = RoadRules()
    profiles = dict(defaults.profiles)
    for name, table in data.get("profiles", {}).items():
        if name == AIR:
            raise ValueError(f"roads.profiles.{AIR}: the name is reserved for kinds that fly straight")
        try:
            speeds = {RoadClass(c): float(v) for c, v in table.get("speed_kmh", {}).items()}
        except ValueError as exc:
            raise ValueError(f"roads.profiles.{name}.speed_kmh: {exc}") from None
        if any(v < 0 for v in speeds.values()):
            raise ValueError(f"roads.profiles.{name}.speed_kmh: speeds must not be negative")
        speeds = {c: v for c, v in speeds.items() if v > 0}
        if not speeds:
            raise ValueError(f"roads.profiles.{name}.speed_kmh: give at least one road class a speed")
        profiles[name] = TravelProfile(
            name,
            speeds,
            oneway=bool(table.get("oneway", True)),
            off_road_kmh=_positive(table, "off_road_kmh", 4.5, f"roads.profiles.{name}"),
        )
    kind_profile = dict(defaults.kind_profile)
    for kind, name in data.get("kind_profile", {}).items():
        if name != AIR and name not in profiles:
            raise ValueError(f"roads.kind_profile.{kind}: unknown profile {name!r}")
        kind_profile[UnitKind(kind)] = str(name)
    return RoadRules(
        profiles=profiles,
        kind_profile=kind_profile,
        search_limit_s=_positive(data, "search_limit_s", defaults.search_limit_s, "roads"),
        snap_max_m=_positive(data, "snap_max_m", defaults.snap_max_m, "roads"),
        sample_m=_positive(data, "sample_m", defaults.sample_m, "roads"),
        isochrone_buffer_m=_positive(data, "isochrone_buffer_m", defaults.isochrone_buffer_m, "roads"),
    )


def load_rules(path: Path | None = None) -> Rules:
    with open(path or resource("config", "dispatch.toml"), "rb") as fh:
        return _parse(tomllib.load(fh))


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return load_rules()
