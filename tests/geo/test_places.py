"""The county's gazetteer: `import places FILE` (CSV or GeoJSON, all or nothing, errors naming line and field) and
the geocoding of an appeal's address without coordinates (command line, feeds), fuzzy and offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.geo.gazetteer import Gazetteer, fold
from console.models import Case, Place
from tests.cli.test_cli import cli_db, run  # noqa: F401  (fixture)

PLACES_CSV = """name,kind,lat,lon
人民广场,landmark,24.805,113.625
东河镇中心小学,school,24.806,113.604
长途汽车站,landmark,24.809,113.615
"""


def test_gazetteer_matches_fuzzily() -> None:
    g = Gazetteer(
        [
            ("人民广场", "landmark", 1.0, 1.0),
            ("东河镇中心小学", "school", 2.0, 2.0),
            ("长途汽车站", "landmark", 3.0, 3.0),
            ("东河镇", "township", 4.0, 4.0),
        ]
    )
    assert fold(" 人民 广场！") == "人民广场" and fold("ＡＢＣ") == "abc"
    hit = g.match("人民广场")
    assert hit is not None and (hit.name, hit.how, hit.score) == ("人民广场", "exact", 1.0)
    hit = g.match("东河镇人民广场东门")  # the longest name inside the address, not the township
    assert hit is not None and (hit.name, hit.how) == ("人民广场", "contains")
    hit = g.match("中心小学")  # the address inside a name
    assert hit is not None and hit.name == "东河镇中心小学"
    hit = g.match("长途汽车总站")  # one character more: the character pairs mostly agree
    assert hit is not None and (hit.name, hit.how) == ("长途汽车站", "fuzzy")
    assert g.match("西岭水库") is None and g.match("") is None
    assert g.match("东河镇") is not None and g.match("东河镇").how == "exact"  # (a township given explicitly here)
    plain = Gazetteer([("东河镇中心小学", "school", 2.0, 2.0), ("东河镇卫生院", "clinic", 1.0, 1.0)])
    assert plain.match("东河镇") is None  # a township name alone is no place inside it
    assert plain.match("东河镇人民路12号") is None  # nor is a shared township prefix


def test_import_places_csv_and_geocode_intake(
    cli_db: str,  # noqa: F811
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    appeal = {"channel": "online", "category": "other", "priority": "yellow", "description": "x", "address": "人民广场"}
    # Before the import the address is nowhere: the case is stored without a place (as before).
    code, created, err = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(appeal), monkeypatch=monkeypatch
    )
    assert code == 0, err and created["lat"] is None
    path = tmp_path / "places.csv"
    path.write_text(PLACES_CSV, encoding="utf-8")
    code, out, err = run(capsys, "--db", cli_db, "import", "places", str(path))
    assert code == 0, err
    assert out == {"places": {"created": 3, "updated": 0, "outside_grids": 0}}
    code, created, err = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(appeal), monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert (created["lat"], created["lon"], created["grid"]) == (24.805, 113.625, "G2")
    fuzzy = {**appeal, "address": "东河镇 长途汽车总站 门口"}
    code, created, err = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(fuzzy), monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert (created["lat"], created["grid"]) == (24.809, "G1")
    # Given coordinates win over the address.
    given = {**appeal, "lat": 24.801, "lon": 113.601}
    code, created, _ = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(given), monkeypatch=monkeypatch
    )
    assert code == 0 and created["grid"] == "G0"
    # Importing again updates by name.
    path.write_text("name,kind,lat,lon\n人民广场,landmark,24.805,113.635\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", cli_db, "import", "places", str(path))
    assert out == {"places": {"created": 0, "updated": 1, "outside_grids": 0}}
    with db.session() as s:
        assert s.scalar(select(func.count(Place.id))) == 3
        assert s.scalar(select(func.count(Case.id))) == 4


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name,kind,lat,lon\n人民广场,landmark,24.8,113.6\n小学,school,north,113.6\n", "line 3: lat"),
        ("name,kind,lat,lon\n,landmark,24.8,113.6\n", "line 2: name"),
        ("name,kind,lat,lon\n人民广场,landmark,24.8\n", "line 2"),
        ("name,lat,lon\n", "line 1"),
        ("name,kind,lat,lon\n人民广场,,24.8,113.6\n人民广场,,24.8,113.6\n", "line 3: name"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"name": "A"},
                            "geometry": {"type": "Point", "coordinates": [113.6, 24.8]},
                        },
                        {
                            "type": "Feature",
                            "properties": {"name": "B"},
                            "geometry": {"type": "Point", "coordinates": [113.6, 95]},
                        },
                    ],
                }
            ),
            "features[1].properties.lat",
        ),
    ],
)
def test_bad_places_file_is_refused_whole(
    cli_db: str,  # noqa: F811
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    field: str,
) -> None:
    path = tmp_path / "places.txt"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "--db", cli_db, "import", "places", str(path))
    assert code == 2, err
    assert json.loads(err)["field"] == field
    with db.session() as s:
        assert s.scalar(select(func.count(Place.id))) == 0


def test_import_places_geojson(
    cli_db: str,  # noqa: F811
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "西岭水库", "kind": "landmark"},
                "geometry": {"type": "Point", "coordinates": [113.635, 24.805]},
            },
            {
                "type": "Feature",
                "properties": {"name": "远方"},
                "geometry": {"type": "Point", "coordinates": [110.0, 20.0]},
            },
        ],
    }
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "--db", cli_db, "import", "places", str(path))
    assert code == 0, err
    assert out == {"places": {"created": 2, "updated": 0, "outside_grids": 1}}
    with db.session() as s:
        kinds = dict(s.execute(select(Place.name, Place.kind)).all())
    assert kinds == {"西岭水库": "landmark", "远方": "address"}


def test_feed_appeal_with_an_address_is_geocoded(db: Database) -> None:
    """An outside platform's appeal (the feeds' `take_in`) with an address and no coordinates gets the place."""
    from console.enums import Category
    from console.ops import execute
    from console.services.actor import SYSTEM
    from console.services.external import ExternalAppeal, take_in
    from tests.county import build_mini_county

    build_mini_county(db)
    execute(db, SYSTEM, "import.places", text=PLACES_CSV)
    appeal = ExternalAppeal("open311", "A-1", Category.LIVELIHOOD, "路灯不亮", address="东河镇 中心小学 北门")
    result = take_in(db, appeal)
    with db.session() as s:
        case = s.get(Case, result.case_id)
        assert case is not None
        assert (case.lat, case.lon, case.grid_id is not None) == (24.806, 113.604, True)
