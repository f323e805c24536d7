"""The patrol commands in process: JSON (or CSV) out, JSON errors naming the field, exit codes."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from console.cli.main import main
from console.db import Database
from console.services.positions import Fix, ingest_positions
from console.timeutil import utcnow
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, draft, east, feed, make_plan, north, point

DAY = "2026-11-23"


def run(capsys: pytest.CaptureFixture[str], db: Database, *argv: str, user: str | None = None) -> tuple[int, Any, str]:
    """The command as `user`, who logs in with the password the mini county gives (its name)."""
    with pytest.MonkeyPatch.context() as patch:
        if user:
            patch.setenv("CONSOLE_PASSWORD", user)
        code = main(["--db", db.url, *(["--user", user] if user else []), *argv])
    captured = capsys.readouterr()
    out: Any = captured.out
    with contextlib.suppress(json.JSONDecodeError):
        out = json.loads(captured.out) if captured.out.strip() else None
    return code, out, captured.err


def _write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_import_list_show_suspend(
    capsys: pytest.CaptureFixture[str], db: Database, county: MiniCounty, tmp_path: Path
) -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "plan": "北门护学岗",
                    "team": "FP-01",
                    "days": "mon;tue;wed;thu;fri",
                    "windows": "07:10-07:50;16:30-17:20",
                    "name": "北门",
                    "dwell_s": 1200,
                },
                "geometry": {"type": "Point", "coordinates": [LON0, LAT0]},
            }
        ],
    }
    code, out, _ = run(capsys, db, "patrol", "import", _write(tmp_path, "plans.geojson", doc), user="lead")
    assert code == 0 and out == {"plans": {"created": ["北门护学岗"], "updated": [], "targets": 1}}
    code, out, _ = run(capsys, db, "patrol", "list")
    assert [(p["name"], p["team"], p["windows"], p["targets"]) for p in out["plans"]] == [
        ("北门护学岗", ["FP-01"], ["07:10-07:50", "16:30-17:20"], 1)
    ]
    code, out, _ = run(capsys, db, "patrol", "show", "北门护学岗")
    assert out["targets"][0]["dwell_s"] == 1200 and out["targets"][0]["radius_m"] == 50
    code, out, _ = run(capsys, db, "patrol", "suspend", "北门护学岗", "--version", "1", user="lead")
    assert code == 0 and out["status"] == "suspended"
    code, out, err = run(capsys, db, "patrol", "suspend", "北门护学岗", user="lead")
    assert code == 2 and json.loads(err)["error"] == "invalid_state"
    code, out, err = run(capsys, db, "patrol", "resume", "北门护学岗", "--version", "1", user="lead")
    assert code == 4 and json.loads(err)["error"] == "conflict"
    code, out, err = run(
        capsys,
        db,
        "patrol",
        "import",
        _write(
            tmp_path,
            "bad.geojson",
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {**doc["features"][0]["properties"], "dwell_s": -1},
                        "geometry": doc["features"][0]["geometry"],
                    }
                ],
            },
        ),
        user="lead",
    )
    assert code == 2 and json.loads(err)["field"] == "features[0].properties.dwell_s"
    code, out, err = run(capsys, db, "patrol", "import", str(tmp_path / "missing.geojson"))
    assert code == 2 and json.loads(err)["field"] == "file"


def test_report_board_review_and_track(capsys: pytest.CaptureFixture[str], db: Database, county: MiniCounty) -> None:
    plan = make_plan(db, county, draft(point(dwell_s=120)))
    feed(db, county.unit_ids["PC-01"], [(30 * k, LAT0, LON0) for k in range(6)] + [(300, north(500), east(500))])
    code, out, _ = run(capsys, db, "patrol", "report", "--from", DAY, "--to", DAY, "--by", "plan", "--shifts")
    assert code == 0 and out["total"]["shifts_met"] == 1 and out["groups"][0]["key"] == "P1"
    [shift] = out["shifts"]
    assert shift["state"] == "met" and shift["review_status"] == "pending"
    code, text, _ = run(capsys, db, "patrol", "report", "--from", DAY, "--to", DAY, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["key"] == "all" and rows[0]["compliance_rate"] == "1.0" and rows[0]["points_visited"] == "1"
    code, text, _ = run(capsys, db, "patrol", "report", "--from", DAY, "--to", DAY, "--format", "csv", "--shifts")
    assert list(csv.DictReader(io.StringIO(text)))[0]["state"] == "met"
    code, out, err = run(capsys, db, "patrol", "report", "--from", DAY, "--to", "2026-11-01")
    assert code == 2 and json.loads(err)["field"] == "to"
    code, out, _ = run(capsys, db, "patrol", "shift", str(shift["id"]))
    assert out["targets"][0]["met"] and out["checkins"][0]["unit"] == "PC-01" and out["units"][0]["fixes"] == 7
    code, out, err = run(capsys, db, "patrol", "approve", str(shift["id"]), user="disp")
    assert code == 2 and json.loads(err)["error"] == "forbidden"
    code, out, _ = run(capsys, db, "patrol", "approve", str(shift["id"]), user="lead")
    assert code == 0 and out["review_status"] == "approved" and out["reviewed_by"] == "lead"
    code, out, err = run(capsys, db, "patrol", "return", str(shift["id"]), "--remark", "再看", user="lead")
    assert code == 2 and json.loads(err)["error"] == "invalid_state"
    code, out, _ = run(capsys, db, "patrol", "track", "PC-01", "--shift", str(shift["id"]))
    assert out["units"][0]["fixes"] == 7 and len(out["checkins"]) == 1
    code, out, _ = run(
        capsys, db, "patrol", "track", "PC-01", "--from", T0.isoformat(), "--to", (T0 + timedelta(hours=1)).isoformat()
    )
    assert out["units"][0]["fixes"] == 7
    code, out, err = run(capsys, db, "patrol", "track", "PC-99")
    assert code == 2 and json.loads(err)["error"] == "not_found"
    code, out, _ = run(capsys, db, "patrol", "board")
    assert set(out) == {"day", "today", "to_review"}
    del plan


def test_file_suggest_positions_sites_readiness_relocate(
    capsys: pytest.CaptureFixture[str], db: Database, county: MiniCounty, tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, db, "patrol", "file", "PC-01", "--category", "safety_hazard", "--description", "井盖缺失", user="disp"
    )
    assert code == 0 and out["channel"] == "patrol" and out["grid"] == "G100" and out["unit"] == "PC-01"
    code, out, err = run(
        capsys, db, "patrol", "file", "PC-01", "--category", "weather", "--description", "x", user="disp"
    )
    assert code == 2 and json.loads(err)["field"] == "category"
    out_file = tmp_path / "drafts.geojson"
    code, out, _ = run(capsys, db, "patrol", "suggest", "--days", "30", "--out", str(out_file))
    assert code == 0 and out == {"suggestions": []} and json.loads(out_file.read_text("utf-8"))["features"] == []
    csv_text = f"callsign,fix_at,lat,lon\nPC-02,{T0.isoformat()},{LAT0},{LON0}\nPC-02,{(T0 + timedelta(seconds=30)).isoformat()},{LAT0},{LON0}\n"
    code, out, _ = run(capsys, db, "positions", "import", _write(tmp_path, "gps.csv", csv_text))
    assert code == 0 and out["positions"]["accepted"] == 2 and out["positions"]["units_moved"] == 1
    code, out, err = run(
        capsys, db, "positions", "import", _write(tmp_path, "bad.csv", "callsign,fix_at,lat,lon\nPC-02,yesterday,1,2\n")
    )
    assert code == 2 and json.loads(err)["field"] == "line 2: fix_at"
    # `positions import` is the operation `positions.import`: only an administrator stores GPS history
    code, out, err = run(capsys, db, "positions", "import", _write(tmp_path, "gps.csv", csv_text), user="disp")
    assert code == 2 and json.loads(err)["error"] == "forbidden" and json.loads(err)["action"] == "ingest_positions"
    sites = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "S1", "name": "东河小学", "kind": "school", "target_min": 3},
                "geometry": {"type": "Point", "coordinates": [LON0, LAT0]},
            },
            {
                "type": "Feature",
                "properties": {"code": "S2", "name": "远处银行", "kind": "bank", "target_min": 1},
                "geometry": {"type": "Point", "coordinates": [east(9000), north(9000)]},
            },
        ],
    }
    code, out, _ = run(capsys, db, "sites", "import", _write(tmp_path, "sites.geojson", sites), user="adm")
    assert code == 0 and out == {"sites": {"created": 2, "updated": 0}}
    fresh = utcnow()  # readiness is live: the units report now
    ingest_positions(
        db,
        [Fix(fix_at=fresh, lat=LAT0, lon=LON0, unit_id=county.unit_ids[c]) for c in ("PC-01", "PC-02")],
        source="t",
        now=fresh,
    )
    code, out, _ = run(capsys, db, "readiness")
    assert code == 0 and out["sites"] == 2 and [s["code"] for s in out["uncovered"]] == ["S2"]
    assert out["readiness_rate"]["denominator"] == 2 and "by_target_min" in out and "suggested_moves" in out
    code, text, _ = run(capsys, db, "readiness", "--format", "csv")
    assert [r["code"] for r in csv.DictReader(io.StringIO(text))] == ["S1", "S2"]
    code, out, _ = run(capsys, db, "relocate", "PC-02", "--site", "S2", "--covers", "S2", user="lead")
    assert code == 0 and out["site"] == "S2" and out["covers"] == ["S2"]
    code, out, err = run(capsys, db, "relocate", "DR-01", "--site", "S2", user="lead")  # off duty
    assert code == 4 and json.loads(err)["error"] == "unit_unavailable"
    code, out, err = run(capsys, db, "relocate", "PC-02", "--site", "NOPE", user="lead")
    assert code == 2 and json.loads(err)["error"] == "not_found"
