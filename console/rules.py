"""Dispatch rules read from `resources/config/dispatch.toml`: deadlines, unit speeds, ranking weights, duplicates."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from .enums import Category, Priority, UnitKind
from .paths import resource


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
    )


def load_rules(path: Path | None = None) -> Rules:
    with open(path or resource("config", "dispatch.toml"), "rb") as fh:
        return _parse(tomllib.load(fh))


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    return load_rules()
