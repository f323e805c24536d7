"""Dispatch rules read from `resources/config/dispatch.toml`: deadlines, unit speeds, ranking weights, duplicates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config.dispatch_rules import AIR, DispatchFile, RoadsSection
from .config.loader import load_file, validate
from .enums import Category, Priority, RoadClass, UnitKind
from .paths import resource

DISPATCH_FILE = ("config", "dispatch.toml")


@dataclass(frozen=True)
class TravelProfile:
    """How one group of unit kinds moves on the road network: speed per road class (classes left out are not
    used), whether one-way streets bind it (vehicles) or not (on foot, e-bikes), and its speed off the road."""

    name: str
    speed_kmh: dict[RoadClass, float]
    oneway: bool
    off_road_kmh: float

    @property
    def max_speed_kmh(self) -> float:
        return max(self.speed_kmh.values())


@dataclass(frozen=True)
class RoadRules:
    """Routing over the stored road network (`[roads]` of dispatch.toml; defaults and bounds in `RoadsSection`)."""

    profiles: dict[str, TravelProfile]
    kind_profile: dict[UnitKind, str]
    #: The routed search stops at this travel time: a unit farther out is reported unreachable.
    search_limit_s: float
    #: A place farther than this from every road keeps the straight-line estimate.
    snap_max_m: float
    #: Spacing of the points along the edges that the snapping index holds.
    sample_m: float
    #: Half-width of the reach outlines (isochrones) around the reached roads.
    isochrone_buffer_m: float

    def profile_of(self, kind: UnitKind) -> TravelProfile | None:
        """The kind's profile, or None when the kind flies straight."""
        name = self.kind_profile[kind]
        return None if name == AIR else self.profiles[name]


def road_rules_from(section: RoadsSection) -> RoadRules:
    profiles = {
        name: TravelProfile(
            name,
            {c: float(v) for c, v in table.speed_kmh.items() if v > 0},
            oneway=table.oneway,
            off_road_kmh=float(table.off_road_kmh),
        )
        for name, table in section.all_profiles().items()
    }
    return RoadRules(
        profiles=profiles,
        kind_profile=section.all_kind_profiles(),
        search_limit_s=section.search_limit_s,
        snap_max_m=section.snap_max_m,
        sample_m=section.sample_m,
        isochrone_buffer_m=section.isochrone_buffer_m,
    )


@dataclass(frozen=True)
class Rules:
    """What the services need of the rules, flat; the defaults and bounds are in `DispatchFile` (written once)."""

    deadline_hours: dict[Priority, dict[str, float]]
    speed_kmh: dict[UnitKind, float]
    stale_fix_s: float
    stale_penalty_s: float
    no_fix_penalty_s: float
    capability_bonus_s: float
    own_grid_worker_bonus_s: float
    road_factor: float
    grid_matters: frozenset[Category]
    capabilities: dict[Category, frozenset[str]]
    same_phone_hours: float
    same_category_radius_m: float
    same_category_hours: float
    roads: RoadRules

    def deadline(self, category: Category, priority: Priority) -> timedelta:
        table = self.deadline_hours[priority]
        hours = table.get(category.value, table["default"])
        return timedelta(hours=float(hours))


def rules_from(file: DispatchFile) -> Rules:
    ranking, dup = file.ranking, file.duplicates
    return Rules(
        deadline_hours={p: {k: float(v) for k, v in row.items()} for p, row in file.deadline_hours.items()},
        speed_kmh=file.speed_kmh.by_kind(),
        stale_fix_s=ranking.stale_fix_s,
        stale_penalty_s=ranking.stale_penalty_s,
        no_fix_penalty_s=ranking.no_fix_penalty_s,
        capability_bonus_s=ranking.capability_bonus_s,
        own_grid_worker_bonus_s=ranking.own_grid_worker_bonus_s,
        road_factor=ranking.road_factor,
        grid_matters=frozenset(ranking.grid_matters),
        capabilities={c: frozenset(words) for c, words in file.capabilities.items()},
        same_phone_hours=dup.same_phone_hours,
        same_category_radius_m=dup.same_category_radius_m,
        same_category_hours=dup.same_category_hours,
        roads=road_rules_from(file.roads),
    )


def parse_rules(data: Mapping[str, Any]) -> Rules:
    """Rules from the tables of a dispatch.toml already read (ConfigError naming the key when one is wrong)."""
    return rules_from(validate(DispatchFile, data))


def load_rules(path: Path | None = None) -> Rules:
    return rules_from(load_file(DispatchFile, path or resource(*DISPATCH_FILE)))


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return load_rules()
