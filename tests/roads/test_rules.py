"""The `[roads]` table of dispatch.toml: profiles per unit kind, speeds per road class, bad values named."""

from __future__ import annotations

import tomllib

import pytest

from console.enums import RoadClass, UnitKind
from console.paths import resource
from console.rules import AIR, _parse, default_rules


def shipped() -> dict[str, object]:
    with open(resource("config", "dispatch.toml"), "rb") as fh:
        return tomllib.load(fh)


def test_shipped_profiles() -> None:
    roads = default_rules().roads
    assert roads.kind_profile[UnitKind.DRONE] == AIR and roads.profile_of(UnitKind.DRONE) is None
    car = roads.profile_of(UnitKind.PATROL_CAR)
    assert car is not None and car.oneway and RoadClass.PATH not in car.speed_kmh
    foot = roads.profile_of(UnitKind.FOOT_PATROL)
    assert foot is not None and not foot.oneway and set(foot.speed_kmh) == set(RoadClass)
    assert roads.search_limit_s == 5400 and roads.snap_max_m == 3000


@pytest.mark.parametrize(
    ("roads", "message"),
    [
        ({"profiles": {"air": {"speed_kmh": {"path": 5}}}}, "roads.profiles.air"),
        ({"profiles": {"boat": {"speed_kmh": {"river": 5}}}}, "roads.profiles.boat.speed_kmh"),
        ({"profiles": {"boat": {"speed_kmh": {"path": -5}}}}, "roads.profiles.boat.speed_kmh"),
        ({"profiles": {"boat": {"speed_kmh": {"path": 0}}}}, "roads.profiles.boat.speed_kmh"),
        ({"profiles": {"boat": {"speed_kmh": {"path": 5}, "off_road_kmh": 0}}}, "roads.profiles.boat.off_road_kmh"),
        ({"kind_profile": {"patrol_car": "tank"}}, "roads.kind_profile.patrol_car"),
        ({"search_limit_s": 0}, "roads.search_limit_s"),
    ],
)
def test_bad_roads_tables_are_named(roads: dict[str, object], message: str) -> None:
    data = shipped()
    data["roads"] = roads
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        _parse(data)


def test_a_kind_can_get_a_profile_of_its_own() -> None:
    data = shipped()
    data["roads"] = {
        "profiles": {"boat": {"speed_kmh": {"path": 8}, "oneway": False, "off_road_kmh": 3}},
        "kind_profile": {"volunteer_team": "boat"},
    }
    roads = _parse(data).roads
    boat = roads.profile_of(UnitKind.VOLUNTEER_TEAM)
    assert boat is not None and boat.speed_kmh == {RoadClass.PATH: 8.0} and boat.off_road_kmh == 3
    assert roads.profile_of(UnitKind.PATROL_CAR) is not None  # the others keep the defaults
