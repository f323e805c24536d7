"""Bad data the attack found accepted, or crashing one database and not the other: each refused, naming its field.

Parsers are checked without a database; what reaches a database is checked on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from console.db import Database, write_transaction
from console.enums import Role
from console.models import Case, Event, Grid, Unit
from console.services import cases, county_import, intake
from console.services.errors import ValidationError
from console.services.inputs import BIDI_CONTROLS, check_number, check_text
from tests.county import MiniCounty, square

APPEAL = {"channel": "walk_in", "category": "other", "priority": "blue", "description": "路灯不亮"}


def refused(fn: Any, *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    return info.value


# -- intake -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"received_at": "0001-01-01T00:00:00+08:00"}, "received_at", "ISO 8601"),  # was an OverflowError
        ({"received_at": "1900-03-01T08:00:00+08:00"}, "received_at", "before 2000-01-01"),  # was case 1900-000001
        ({"lat": 10**400, "lon": 113.6}, "lat", "between"),  # a 400-digit number: was an OverflowError
        ({"lat": "1" * 500, "lon": 113.6}, "lat", "number"),
        ({"description": "\u202e已解决 gnp.exe"}, "description", "U+202E"),
        ({"description": "line\x00end"}, "description", "U+0000"),
        ({"description": "bell\x07"}, "description", "U+0007"),
        ({"caller_name": "张\x1b[31m三"}, "caller_name", "U+001B"),
        ({"caller_name": "张三\n李四"}, "caller_name", "U+000A"),
        ({"address": "\ud800路"}, "address", "surrogate"),
        ({"address": "x" * 257}, "address", "at most 256"),
        ({"caller_name": "名" * 65}, "caller_name", "at most 64"),
        ({"\x00bad\u202e": 1}, "\\u0000bad\\u202e", "unknown field"),
    ],
)
def test_intake_refuses_what_the_attack_got_through(changes: dict[str, Any], field: str, words: str) -> None:
    exc = refused(intake.parse_intake, {**APPEAL, **changes})
    assert exc.field == field and words in exc.reason


def test_intake_keeps_multiline_text_and_every_other_script() -> None:
    req = intake.parse_intake({**APPEAL, "description": "两车相撞\r\n一人受伤\tب😀", "caller_name": "Zoë O'Brien"})
    assert req.description == "两车相撞\n一人受伤\tب😀" and req.caller_name == "Zoë O'Brien"


def test_every_bidi_control_is_refused() -> None:
    for ch in sorted(BIDI_CONTROLS):
        assert refused(check_text, f"a{ch}b", "t", max_len=9).field == "t"


def test_numbers_of_any_size_are_answered() -> None:
    for value in (10**400, -(10**5000), "1e400", "nan", "-inf", float("nan"), True, [1], {"a": 1}):
        assert refused(check_number, value, "x", low=-90, high=90).field == "x"
    assert check_number("24.5", "x", low=-90, high=90) == 24.5


# -- grids GeoJSON ------------------------------------------------------------------------------------------------


def _grids(n: int = 2) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": f"N{i}", "name": f"新{i}网格", "township": "北山镇"},
                "geometry": square(114.0 + 0.01 * i, 25.0, 0.01),
            }
            for i in range(n)
        ],
    }


def _ring(fc: dict[str, Any], i: int = 0) -> list[Any]:
    ring: list[Any] = fc["features"][i]["geometry"]["coordinates"][0]
    return ring


def _set_position(fc: dict[str, Any], value: Any) -> None:
    _ring(fc)[1] = value


def _open_ring(fc: dict[str, Any]) -> None:
    _ring(fc).pop()


def _overlap(fc: dict[str, Any]) -> None:
    fc["features"][1]["geometry"] = square(114.005, 25.0, 0.01)


GRID_CASES: list[tuple[Any, str, str]] = [
    (lambda fc: _set_position(fc, ["114.01", "25.0"]), "features[0].geometry.coordinates[0][1]", "must be a number"),
    (lambda fc: _set_position(fc, [114.01, 25.0, 120.0]), "features[0].geometry.coordinates[0][1]", "3 numbers"),
    (_open_ring, "features[0].geometry.coordinates[0]", "not closed"),
    (
        lambda fc: fc.update(crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}),
        "crs",
        "EPSG::3857",
    ),
    (
        lambda fc: fc["features"][1].update(crs={"type": "name", "properties": {"name": "EPSG:3857"}}),
        "features[1].crs",
        "EPSG:3857",
    ),
    (_overlap, "features[1].geometry", "overlaps grid 'N0'"),
    (lambda fc: fc["features"][0]["properties"].update(name="第\x00网格"), "features[0].properties.name", "U+0000"),
    (
        lambda fc: fc["features"][1]["properties"].update(township="北\x1b镇"),
        "features[1].properties.township",
        "U+001B",
    ),
    (lambda fc: fc["features"][1]["properties"].update(code="N\x07"), "features[1].properties.code", "U+0007"),
    (lambda fc: fc["features"][1]["properties"].update(name="\u202e格网"), "features[1].properties.name", "U+202E"),
]


@pytest.mark.parametrize(("mutate", "field", "words"), GRID_CASES)
def test_grids_file_refused_naming_feature_and_field(mutate: Any, field: str, words: str) -> None:
    fc = _grids()
    mutate(fc)
    exc = refused(county_import.parse_grids_geojson, json.dumps(fc, ensure_ascii=False))
    assert exc.field == field and words in exc.reason


def test_grids_file_nested_5000_deep_or_with_huge_numbers_is_answered() -> None:
    deep = '{"type": "FeatureCollection", "features": ' + "[" * 5000 + "]" * 5000 + "}"
    assert "nested too deeply" in refused(county_import.parse_grids_geojson, deep).reason
    huge = json.dumps(_grids()).replace("114.0,", "1" + "0" * 5000 + ",", 1)
    assert refused(county_import.parse_grids_geojson, huge).field == "file"
    coordinates = json.dumps(_grids()).replace("114.0,", "1" + "0" * 400 + ",", 1)
    exc = refused(county_import.parse_grids_geojson, coordinates)
    assert exc.field == "features[0].geometry.coordinates[0][0]" and "longitude" in exc.reason


def test_a_strip_two_metres_wide_overlaps_a_rounding_sliver_does_not() -> None:
    fc = _grids()
    ring = _ring(fc, 1)
    for position in ring:
        if position[0] == 114.01:
            position[0] = 114.01 - 0.00002  # about 2 m into N0 along the shared border
    assert "overlaps grid 'N0'" in refused(county_import.parse_grids_geojson, json.dumps(fc)).reason
    for position in ring:
        if position[0] < 114.01:
            position[0] = 114.01 - 0.0000002  # 2 cm: the noise of rounded coordinates
    assert len(county_import.parse_grids_geojson(json.dumps(fc))) == 2


def test_grids_sharing_a_border_or_naming_wgs84_are_fine() -> None:
    fc = _grids(3)
    fc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    records = county_import.parse_grids_geojson(json.dumps(fc))
    assert [r.code for r in records] == ["N0", "N1", "N2"]


def test_grids_overlapping_stored_ones_are_refused_and_nothing_stored(db: Database, county: MiniCounty) -> None:
    fc = _grids()
    fc["features"][0]["geometry"] = square(113.605, 24.805, 0.01)  # across four of the stored grids
    records = county_import.parse_grids_geojson(json.dumps(fc))
    exc = refused(
        write_transaction,
        db.sessions,
        lambda s: county_import.import_grids(s, records, actor=county.actors[Role.ADMIN]),
    )
    assert exc.field == "features[0].geometry" and "overlaps the stored grid 'G1" in exc.reason
    with db.session() as s:
        assert s.scalar(select(func.count(Grid.id))) == 8
    # Replacing a stored grid by itself is no overlap.
    same = copy.deepcopy(_grids(1))
    same["features"][0]["properties"]["code"] = "G100"
    same["features"][0]["geometry"] = square(113.60, 24.80, 0.01)
    again = county_import.parse_grids_geojson(json.dumps(same))
    report = write_transaction(
        db.sessions, lambda s: county_import.import_grids(s, again, actor=county.actors[Role.ADMIN])
    )
    assert report.updated == 1


# -- units CSV ----------------------------------------------------------------------------------------------------

HEADER = "callsign,kind,tracker_id,lat,lon,home_grid,capabilities\n"


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("PC-\x0009,patrol_car,T9,,,,\n", "line 2: callsign", "U+0000"),
        ("PC-\x0709,patrol_car,T9,,,,\n", "line 2: callsign", "U+0007"),
        ("PC-09,patrol_car," + "T" * 100 + ",,,,\n", "line 2: tracker_id", "at most 64"),  # PostgreSQL refused it
        ("PC-09,patrol_car,T9,,,," + "p" * 33 + "\n", "line 2: capabilities", "at most 32"),
        ("PC-09,patrol_car,T9," + "9" * 400 + ",113.6,,\n", "line 2: lat", "must be a number"),
        ("PC-09,patrol_car,T9,1e400,113.6,,\n", "line 2: lat", "between"),
        ('PC-09,patrol_car,T9,,,,"' + "x" * 131_073 + '"\n', "line 2", "field larger than field limit"),
    ],
)
def test_units_file_refused_naming_line_and_field(row: str, field: str, words: str) -> None:
    exc = refused(county_import.parse_units_csv, HEADER + row)
    assert exc.field == field and words in exc.reason


def test_units_refused_alike_on_both_databases(db: Database, county: MiniCounty) -> None:
    """A 100-character tracker id and a NUL in a callsign: PostgreSQL refused them with a traceback, SQLite stored
    them. Now the parser refuses both before either database sees them."""
    for row in ("PC-09,patrol_car," + "T" * 100 + ",,,,\n", "PC\x00-09,patrol_car,T9,,,,\n"):
        with pytest.raises(ValidationError):
            records = county_import.parse_units_csv(HEADER + row)
            write_transaction(
                db.sessions, lambda s, r=records: county_import.import_units(s, r, actor=county.actors[Role.ADMIN])
            )
    with db.session() as s:
        assert s.scalar(select(func.count(Unit.id))) == len(county.unit_ids)


def test_an_imported_place_is_not_a_fresh_fix(db: Database, county: MiniCounty) -> None:
    """The file's place is the unit's base: no fix time, so it does not look live, and a real fix a few seconds
    older than the import is still taken."""
    from console.services.positions import Fix, ingest_positions

    records = county_import.parse_units_csv(HEADER + "PC-09,patrol_car,T9,24.81,113.61,G100,patrol\n")
    write_transaction(db.sessions, lambda s: county_import.import_units(s, records, actor=county.actors[Role.ADMIN]))
    with db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.callsign == "PC-09")).one()
        assert (unit.lat, unit.lon, unit.fix_at) == (24.81, 113.61, None)
        imported_at = unit.updated_at
    report = ingest_positions(
        db, [Fix(imported_at - timedelta(seconds=5), 24.812, 113.612, tracker_id="T9")], source="t"
    )
    assert report.accepted == 1 and report.out_of_order == 0
    with db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.callsign == "PC-09")).one()
        assert unit.fix_at == imported_at - timedelta(seconds=5) and unit.lat == 24.812
    # Importing the file again keeps the reported fix rather than the file's base.
    write_transaction(db.sessions, lambda s: county_import.import_units(s, records, actor=county.actors[Role.ADMIN]))
    with db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.callsign == "PC-09")).one()
        assert unit.lat == 24.812 and unit.fix_at is not None


def test_a_place_without_a_fix_time_ranks_as_stale(db: Database, county: MiniCounty) -> None:
    from console.services.dispatch import recommend

    req = intake.parse_intake({**APPEAL, "lat": 24.805, "lon": 113.605})
    case = write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[Role.DISPATCHER]))
    with db.session() as s:
        unit = s.get(Unit, county.unit_ids["PC-01"])
        assert unit is not None
        unit.fix_at = None
        s.commit()
        recs = {r.callsign: r.reasons for r in recommend(s, case.case.id, limit=5)}
    assert "stale_fix" in recs["PC-01"]


# -- the last check before a flush ---------------------------------------------------------------------------------


def test_free_text_of_other_services_is_refused_alike(db: Database, county: MiniCounty) -> None:
    req = intake.parse_intake(APPEAL)
    made = write_transaction(db.sessions, lambda s: intake.create_case(s, req, actor=county.actors[Role.DISPATCHER]))
    with db.session() as s:
        events = s.scalar(select(func.count(Event.id)))
    for bad in ("修好了\x00", "修好了\ud800", "\u202e修好了"):
        exc = refused(
            write_transaction,
            db.sessions,
            lambda s, text=bad: cases.resolve_case(
                s, case_id=made.case.id, resolution=text, actor=county.actors[Role.DISPATCHER]
            ),
        )
        assert exc.field == "resolution"
    with db.session() as s:
        stored = s.get(Case, made.case.id)
        assert stored is not None and stored.status.value == "received"
        assert s.scalar(select(func.count(Event.id))) == events


def test_flush_net_names_table_and_column_on_both_databases(db: Database, county: MiniCounty) -> None:
    def store(callsign: str, tracker: str) -> None:
        def work(s: Any) -> None:
            unit = s.get(Unit, county.unit_ids["PC-01"])
            unit.callsign, unit.tracker_id = callsign, tracker

        write_transaction(db.sessions, work)

    assert refused(store, "PC-01", "T" * 65).field == "units.tracker_id"
    assert refused(store, "PC\x00", "T1").field == "units.callsign"
    assert refused(store, "PC\udc80", "T1").field == "units.callsign"
    with db.session() as s:
        unit = s.get(Unit, county.unit_ids["PC-01"])
        assert unit is not None and (unit.callsign, unit.tracker_id) == ("PC-01", "T-PC-01")


def test_an_outside_platforms_text_is_cleaned_not_refused(db: Database, county: MiniCounty) -> None:
    """An appeal from a platform (Open311) is a citizen's, not typed at a console: its invisible and control
    characters are removed rather than the appeal lost at every poll."""
    from console.enums import Category
    from console.services.external import ExternalAppeal, take_in

    appeal = ExternalAppeal(
        source="city311",
        external_id="r-1",
        category=Category.LIVELIHOOD,
        description="路灯\u202e坏了\x00\r\n第二行\x1b",
        address="人民路\n12\x07号",
    )
    result = take_in(db, appeal)
    with db.session() as s:
        case = s.get(Case, result.case_id)
        assert case is not None
        assert (case.description, case.address) == ("路灯坏了\n第二行", "人民路 12号")
