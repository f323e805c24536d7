"""`resources/config/dispatch.toml`: deadlines per priority and category, unit speeds, ranking weights, duplicate
windows. Edited by the administrator; `console.rules` turns it into the `Rules` the services use."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ..enums import Category, Priority, RoadClass, UnitKind
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


#: The travel mode of unit kinds that fly straight over everything (drones): a `[roads.kind_profile]` value.
AIR = "air"


class ProfileTable(Section):
    """How one group of unit kinds moves on the road network."""

    speed_kmh: dict[RoadClass, Float] = Field(
        description="road class = km/h (a class left out, or 0, is not used; an edge's maxspeed only lowers it)"
    )
    oneway: bool = Field(True, description="one-way streets bind it (vehicles) or not (on foot, e-bikes)")
    off_road_kmh: Float = Field(
        4.5, gt=0, le=200, description="speed from a unit to its nearest road and on to the place"
    )

    @field_validator("speed_kmh")
    @classmethod
    def _some_road(cls, table: dict[RoadClass, float]) -> dict[RoadClass, float]:
        for road_class, kmh in table.items():
            if not 0 <= kmh <= 300:
                raise FieldProblem((road_class.value,), "must be between 0 and 300 km/h")
        if not any(kmh > 0 for kmh in table.values()):
            raise ValueError("give at least one road class a speed")
        return table


def _speeds(**kmh: float) -> dict[RoadClass, float]:
    return {RoadClass(name): value for name, value in kmh.items()}


#: The profiles a file may extend or override: cars, grid workers' e-bikes, walkers.
DEFAULT_PROFILES: dict[str, ProfileTable] = {
    "car": ProfileTable(
        speed_kmh=_speeds(motorway=80, trunk=60, primary=50, secondary=45, tertiary=40, residential=25, track=15),
        oneway=True,
        off_road_kmh=15,
    ),
    "ebike": ProfileTable(
        speed_kmh=_speeds(trunk=20, primary=20, secondary=20, tertiary=18, residential=15, track=12, path=10),
        oneway=False,
        off_road_kmh=10,
    ),
    "foot": ProfileTable(speed_kmh=dict.fromkeys(RoadClass, 4.5), oneway=False, off_road_kmh=4.5),
}
DEFAULT_KIND_PROFILE: dict[UnitKind, str] = {
    UnitKind.PATROL_CAR: "car",
    UnitKind.TRAFFIC_POLICE: "car",
    UnitKind.MEDIATOR: "car",
    UnitKind.GRID_WORKER: "ebike",
    UnitKind.FOOT_PATROL: "foot",
    UnitKind.VOLUNTEER_TEAM: "foot",
    UnitKind.DRONE: AIR,
}


class RoadsSection(Section):
    """Travel over the stored road network; without one the ranking keeps the straight-line estimate."""

    search_limit_s: Float = Field(5400, gt=0, le=86400, description="the routed search stops here (unreachable beyond)")
    snap_max_m: Float = Field(
        3000, gt=0, le=100_000, description="a place farther than this from every road keeps the straight-line estimate"
    )
    sample_m: Float = Field(25, gt=0, le=1000, description="spacing of the snapping index's points along the roads")
    isochrone_buffer_m: Float = Field(
        150, gt=0, le=5000, description="half-width of the reach outlines around the reached roads"
    )
    profiles: dict[Text, ProfileTable] = Field(
        default_factory=dict,
        description="profile name = { speed_kmh, oneway, off_road_kmh } (added to car, ebike, foot)",
    )
    kind_profile: dict[UnitKind, Text] = Field(
        default_factory=dict, description=f'unit kind = profile name, or "{AIR}" to fly straight'
    )

    @field_validator("profiles")
    @classmethod
    def _air_is_reserved(cls, table: dict[str, ProfileTable]) -> dict[str, ProfileTable]:
        if AIR in table:
            raise FieldProblem((AIR,), "the name is reserved for kinds that fly straight")
        return table

    @model_validator(mode="after")
    def _known_profiles(self) -> RoadsSection:
        known = set(DEFAULT_PROFILES) | set(self.profiles)
        for kind, name in self.kind_profile.items():
            if name != AIR and name not in known:
                raise FieldProblem(("kind_profile", kind.value), f"unknown profile {name!r}")
        return self

    def all_profiles(self) -> dict[str, ProfileTable]:
        return {**DEFAULT_PROFILES, **self.profiles}

    def all_kind_profiles(self) -> dict[UnitKind, str]:
        return {**DEFAULT_KIND_PROFILE, **self.kind_profile}


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
    roads: RoadsSection = Field(default_factory=RoadsSection, description="travel over the road network")

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
