"""Patrol settings read from `resources/config/patrol.toml` (late grace, stale days, defaults, points, suggestions)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..enums import Category
from ..paths import resource


@dataclass(frozen=True)
class TargetDefaults:
    radius_m: float = 50.0
    dwell_s: float = 300.0
    buffer_m: float = 30.0
    min_share: float = 0.8
    min_minutes: float = 15.0


@dataclass(frozen=True)
class PointRates:
    shift_met: float = 10.0
    shift_late: float = 4.0
    report_valid: float = 5.0


@dataclass(frozen=True)
class SuggestSettings:
    days: int = 30
    categories: tuple[Category, ...] = (Category.PUBLIC_ORDER, Category.SAFETY_HAZARD, Category.DISPUTE)
    cell_m: float = 250.0
    min_cases: int = 4
    max_plans: int = 10
    window_hours: int = 2


@dataclass(frozen=True)
class PatrolSettings:
    late_grace_min: float = 30.0
    stale_days: int = 3
    defaults: TargetDefaults = TargetDefaults()
    points: PointRates = PointRates()
    max_moves: int = 3
    min_gain: int = 1
    suggest: SuggestSettings = SuggestSettings()

    @property
    def late_grace_s(self) -> float:
        return self.late_grace_min * 60.0


def _number(table: dict[str, Any], key: str, default: float, *, where: str, low: float = 0.0) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise ValueError(f"{where}.{key}: must be a number ≥ {low:g}")
    return float(value)


def _parse(data: dict[str, Any]) -> PatrolSettings:
    shifts = data.get("shifts", {})
    d = data.get("defaults", {})
    p = data.get("points", {})
    r = data.get("readiness", {})
    s = data.get("suggest", {})
    base = TargetDefaults()
    defaults = TargetDefaults(
        radius_m=_number(d, "radius_m", base.radius_m, where="defaults", low=1),
        dwell_s=_number(d, "dwell_s", base.dwell_s, where="defaults"),
        buffer_m=_number(d, "buffer_m", base.buffer_m, where="defaults", low=1),
        min_share=_number(d, "min_share", base.min_share, where="defaults"),
        min_minutes=_number(d, "min_minutes", base.min_minutes, where="defaults"),
    )
    if not 0 < defaults.min_share <= 1:
        raise ValueError("defaults.min_share: must be in (0, 1]")
    rates = PointRates(
        shift_met=_number(p, "shift_met", 10, where="points"),
        shift_late=_number(p, "shift_late", 4, where="points"),
        report_valid=_number(p, "report_valid", 5, where="points"),
    )
    sbase = SuggestSettings()
    suggest = SuggestSettings(
        days=int(_number(s, "days", sbase.days, where="suggest", low=1)),
        categories=tuple(Category(c) for c in s.get("categories", [c.value for c in sbase.categories])),
        cell_m=_number(s, "cell_m", sbase.cell_m, where="suggest", low=20),
        min_cases=int(_number(s, "min_cases", sbase.min_cases, where="suggest", low=1)),
        max_plans=int(_number(s, "max_plans", sbase.max_plans, where="suggest", low=1)),
        window_hours=int(_number(s, "window_hours", sbase.window_hours, where="suggest", low=1)),
    )
    return PatrolSettings(
        late_grace_min=_number(shifts, "late_grace_min", 30, where="shifts"),
        stale_days=int(_number(shifts, "stale_days", 3, where="shifts", low=1)),
        defaults=defaults,
        points=rates,
        max_moves=int(_number(r, "max_moves", 3, where="readiness")),
        min_gain=int(_number(r, "min_gain", 1, where="readiness", low=1)),
        suggest=suggest,
    )


def load_settings(path: Path | None = None) -> PatrolSettings:
    with open(path or resource("config", "patrol.toml"), "rb") as fh:
        return _parse(tomllib.load(fh))


@lru_cache(maxsize=1)
def patrol_settings() -> PatrolSettings:
    return load_settings()
