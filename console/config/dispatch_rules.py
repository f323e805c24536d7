"""`resources/config/dispatch.toml`: deadlines per priority and category, unit speeds, ranking weights, duplicate
windows. Edited by the administrator; `console.rules` turns it into the `Rules` the services use."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..enums import Category, Priority, UnitKind
from .base import FieldProblem, Float, Section, Text

#: The longest deadline or window in hours that makes sense (a year).
YEAR_H = 24 * 366
DEADLINE_KEYS = ("default", *(c.value for c in Category))


class SpeedTable(Section):
    """Typical travel speed of each unit kind over county roads (km/h), for the estimated arrival."""

    patrol_car: Float = Field(gt=0, le=500, description="patrol car")
    foot_patrol: Float = Field(gt=0, le=500, description="foot patrol")
    traffic_police: Float = Field(gt=0, le=500, description="traffic police")
    grid_worker: Float = Field(gt=0, le=500, description="grid worker (e-bike)")
    volunteer_team: Float = Field(gt=0, le=500, description="volunteer team")
    mediator: Float = Field(gt=0, le=500, description="mediator")
    drone: Float = Field(gt=0, le=500, description="drone")

    def by_kind(self) -> dict[UnitKind, float]:
        return {kind: float(getattr(self, kind.value)) for kind in UnitKind}


class RankingSection(Section):
    stale_fix_s: Float = Field(300, gt=0, le=86400, description="a fix older than this counts as stale")
    stale_penalty_s: Float = Field(600, ge=0, le=86400, description="added to the arrival of a unit with a stale fix")
    no_fix_penalty_s: Float = Field(3600, ge=0, le=7 * 86400, description="a unit that never reported a position")
    capability_bonus_s: Float = Field(300, ge=0, le=86400, description="subtracted for a capability the category wants")
    own_grid_worker_bonus_s: Float = Field(
        900, ge=0, le=86400, description="subtracted for the grid's own grid worker, for grid matters"
    )
    road_factor: Float = Field(1.3, ge=1, le=5, description="straight-line distance × this ≈ road distance")
    grid_matters: tuple[Category, ...] = Field((), description="categories where the grid's own grid worker goes first")


class DuplicatesSection(Section):
    same_phone_hours: Float = Field(24, gt=0, le=YEAR_H, description="the same phone within this many hours")
    same_category_radius_m: Float = Field(300, gt=0, le=100_000, description="the same category within this distance")
    same_category_hours: Float = Field(2, gt=0, le=YEAR_H, description="… and within this many hours")


class DispatchFile(Section):
    deadline_hours: dict[Priority, dict[str, Float]] = Field(
        description="priority = { default = H, category = H, … }: the field response deadline in hours"
    )
    speed_kmh: SpeedTable = Field(description="unit kind = km/h")
    ranking: RankingSection = Field(default_factory=RankingSection, description="ranking weights")
    capabilities: dict[Category, tuple[Text, ...]] = Field(
        default_factory=dict, description="category = capabilities that suit it (they earn the capability bonus)"
    )
    duplicates: DuplicatesSection = Field(default_factory=DuplicatesSection, description="duplicate candidates")

    @field_validator("deadline_hours")
    @classmethod
    def _every_priority_with_a_default(
        cls, table: dict[Priority, dict[str, float]]
    ) -> dict[Priority, dict[str, float]]:
        for priority in Priority:
            if priority not in table:
                raise FieldProblem((priority.value,), "is required: every priority needs a row with a default")
            row = table[priority]
            for key, hours in row.items():
                if key not in DEADLINE_KEYS:
                    raise FieldProblem(
                        (priority.value, key), f"unknown category; expected default or one of {', '.join(Category)}"
                    )
                if not 0 < hours <= YEAR_H:
                    raise FieldProblem((priority.value, key), f"must be more than 0 and at most {YEAR_H} hours")
            if "default" not in row:
                raise FieldProblem((priority.value, "default"), "is required")
        return table
