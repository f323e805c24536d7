"""The command line, in process: JSON out, clear JSON errors naming the field, exit codes."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from console.cli.main import main
from console.db import Database
from console.models import Case, Grid, Township, Unit
from tests.county import square


def run(
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, Any, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    out: Any = captured.out
    with contextlib.suppress(json.JSONDecodeError):
        out = json.loads(captured.out) if captured.out.strip() else None
    return code, out, captured.err


def grids_file(tmp_path: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"G{i}", "name": f"第{i}网格", "township": "东河镇" if i < 2 else "西岭镇"},
            "geometry": square(113.60 + 0.01 * i, 24.80, 0.01),
        }
        for i in range(4)
    ]
    path = tmp_path / "grids.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return path


UNITS_CSV = """callsign,kind,tracker_id,lat,lon,home_grid,capabilities
PC-01,patrol_car,T1,24.805,113.605,G0,patrol
GW-G1,grid_worker,T2,24.805,113.615,G1,mediation;inspection
DR-01,drone,,,,,aerial
"""


@pytest.fixture
def cli_db(db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, _, err = run(capsys, "--db", db.url, "init")
    assert code == 0, err
    code, out, err = run(capsys, "--db", db.url, "import", "grids", str(grids_file(tmp_path)))
    assert code == 0, err
    assert out == {"grids": {"created": 4, "updated": 0, "townships_created": 2}}
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    code, out, err = run(capsys, "--db", db.url, "import", "units", str(units))
    assert code == 0, err
    assert out == {"units": {"created": 3, "updated": 0, "townships_created": 0}}
    return db.url


def test_import_builds_townships_and_units(cli_db: str, db: Database) -> None:
    with db.session() as s:
        assert s.scalar(select(func.count(Grid.id))) == 4
        towns = s.scalars(select(Township).order_by(Township.name)).all()
        assert {t.name for t in towns} == {"东河镇", "西岭镇"}
        assert all(t.geometry and t.geometry["type"] in ("Polygon", "MultiPolygon") for t in towns)
        gw = s.scalars(select(Unit).where(Unit.callsign == "GW-G1")).one()
        assert gw.capabilities == ["mediation", "inspection"] and gw.home_grid_id is not None


@pytest.mark.parametrize(
    ("csv_text", "field"),
    [
        ("callsign,kind\nPC-9,patrol_car\n", "line 1"),
        (UNITS_CSV.replace("drone,,,,,aerial", "submarine,,,,,aerial"), "line 4: kind"),
        (UNITS_CSV.replace("24.805,113.615", "north,113.615"), "line 3: lat"),
        (UNITS_CSV.replace("G1,mediation", "G99,mediation"), "line 3: home_grid"),
        (UNITS_CSV + "PC-01,patrol_car,T9,,,,\n", "line 5: callsign"),
        (UNITS_CSV.replace("T2", "T1"), "line 3: tracker_id"),
    ],
)
def test_bad_units_file_rejected_whole(
    cli_db: str, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], csv_text: str, field: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        csv_text.replace("PC-01,patrol_car,T1", "PC-05,patrol_car,T5", 1) if "line 5" not in field else csv_text,
        encoding="utf-8",
    )
    code, _, err = run(capsys, "--db", cli_db, "import", "units", str(path))
    assert code == 2
    assert json.loads(err)["field"] == field
    with db.session() as s:
        assert s.scalar(select(func.count(Unit.id))) == 3  # nothing from the bad file
        assert s.scalars(select(Unit).where(Unit.callsign == "PC-05")).first() is None


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda fc: fc["features"][1]["properties"].pop("code"), "features[1].properties.code"),
        (
            lambda fc: fc["features"][2].update(geometry={"type": "Point", "coordinates": [113.6, 24.8]}),
            "features[2].geometry",
        ),
        (
            lambda fc: fc["features"][0]["geometry"]["coordinates"][0].__setitem__(2, [113.6, 24.81]),
            "features[0].geometry",
        ),
        (lambda fc: fc.update(type="Feature"), "type"),
    ],
)
def test_bad_grids_file_rejected_whole(
    cli_db: str, db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any, field: str
) -> None:
    fc = json.loads(grids_file(tmp_path).read_text(encoding="utf-8"))
    for f in fc.get("features", []):
        f["properties"]["code"] = "N" + f["properties"].get("code", "")
    mutate(fc)
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    code, _, err = run(capsys, "--db", cli_db, "import", "grids", str(path))
    assert code == 2
    assert json.loads(err)["field"] == field
    with db.session() as s:
        assert s.scalar(select(func.count(Grid.id))) == 4


def test_intake_recommend_dispatch_conflict_export(
    cli_db: str, db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    appeal = {
        "channel": "police_110",
        "category": "public_order",
        "priority": "red",
        "description": "有人打架",
        "lat": 24.8051,
        "lon": 113.6052,
        "caller_phone": "13812345678",
        "address": "东河镇农贸市场",
    }
    code, created, err = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps(appeal), monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert {k: created[k] for k in ("status", "grid", "township", "duplicates")} == {
        "status": "received",
        "grid": "G0",
        "township": "东河镇",
        "duplicates": [],
    }
    number = created["number"]
    # A list is all or nothing: the second item is bad, so neither is stored.
    code, _, err = run(
        capsys,
        "--db",
        cli_db,
        "intake",
        "--json",
        "-",
        stdin=json.dumps([appeal, {**appeal, "lat": "x"}]),
        monkeypatch=monkeypatch,
    )
    assert code == 2 and json.loads(err)["field"] == "[1].lat"
    with db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 1
    code, listed, _ = run(
        capsys, "--db", cli_db, "intake", "--json", "-", stdin=json.dumps([appeal, appeal]), monkeypatch=monkeypatch
    )
    assert code == 0 and len(listed) == 2 and number in listed[0]["duplicates"]

    code, recs, _ = run(capsys, "--db", cli_db, "recommend", number)
    assert code == 0 and recs["recommendations"][0]["callsign"] == "PC-01"
    code, done, _ = run(capsys, "--db", cli_db, "dispatch", number)
    assert code == 0 and done["unit"] == "PC-01"
    code, _, err = run(capsys, "--db", cli_db, "dispatch", listed[0]["number"], "--unit", "PC-01")
    assert code == 4
    conflict = json.loads(err)
    assert (
        conflict["error"] == "unit_unavailable"
        and conflict["held_by"] == "system"
        and conflict["held_for_case"] == number
    )

    code, cases_json, _ = run(capsys, "--db", cli_db, "export", "cases", "--format", "json")
    assert code == 0 and [c["number"] for c in cases_json][0] == number
    assert cases_json[0]["status"] == "dispatched"
    out_csv = tmp_path / "events.csv"
    code, _, _ = run(capsys, "--db", cli_db, "export", "events", "--format", "csv", "--out", str(out_csv))
    lines = out_csv.read_text(encoding="utf-8").splitlines()
    assert code == 0 and lines[0] == "id,ts,actor,kind,case,unit,payload"
    assert any(",case_dispatched," in line and "PC-01" in line for line in lines)
    code, units_json, _ = run(capsys, "--db", cli_db, "export", "units")
    assert {u["callsign"]: u["current_case"] for u in units_json}["PC-01"] == number


def test_user_add_and_act_as(cli_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, "--db", cli_db, "user", "add", "wang", "--role", "wall", "--password", "secret")
    assert code == 2 and json.loads(err)["field"] == "password"  # the policy: at least 8 characters
    code, out, err = run(capsys, "--db", cli_db, "user", "add", "wang", "--role", "wall", "--password", "secret-wall")
    assert code == 0, err
    assert out["role"] == "wall"
    appeal = {"channel": "walk_in", "category": "other", "priority": "blue", "description": "咨询"}
    monkeypatch.setenv("CONSOLE_PASSWORD", "secret-wall")
    code, _, err = run(
        capsys,
        "--db",
        cli_db,
        "--user",
        "wang",
        "intake",
        "--json",
        "-",
        stdin=json.dumps(appeal),
        monkeypatch=monkeypatch,
    )
    assert code == 2 and json.loads(err)["error"] == "forbidden"
    code, _, err = run(
        capsys, "--db", cli_db, "user", "add", "wang", "--role", "dispatcher", "--password", "secret-wall"
    )
    assert code == 2 and json.loads(err)["field"] == "name"
