"""The command line's photos and evidence: `intake --json` with `attachments` (paths relative to the JSON file, and
base64), `case attach`, `case files`, `case file`, `case place-from-photo`, and `export cases` with `attachments`."""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import pytest

from console.db import Database
from tests.cli.test_cli import cli_db, run  # noqa: F401  (the fixture)

from .files import EXECUTABLE, jpeg

APPEAL = {"channel": "grid_report", "category": "environment", "priority": "yellow", "description": "路边垃圾"}


def test_intake_attach_list_write_and_export(
    cli_db: str,  # noqa: F811
    db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    photo = jpeg(gps=(24.805, 113.605))
    (folder / "rubbish.jpg").write_bytes(photo)
    memo = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
    appeal = {
        **APPEAL,
        "caller_phone": "13812345678",
        "attachments": ["rubbish.jpg", {"base64": base64.b64encode(memo).decode(), "name": "memo.pdf"}],
    }
    (folder / "appeal.json").write_text(json.dumps(appeal), encoding="utf-8")
    code, created, err = run(capsys, "--db", cli_db, "intake", "--json", str(folder / "appeal.json"))
    assert code == 0, err
    assert created["grid"] == "G0" and created["lat"] == pytest.approx(24.805)  # placed by the photo
    number = created["number"]

    code, listed, err = run(capsys, "--db", cli_db, "case", "files", number)
    assert code == 0, err
    assert [(a["type"], a["bytes"], a["source"]) for a in listed["attachments"]] == [
        ("image/jpeg", len(photo), "intake"),
        ("application/pdf", len(memo), "intake"),
    ]
    assert listed["place_offer"] is None

    fake = tmp_path / "photo.jpg"
    fake.write_bytes(EXECUTABLE)
    code, _, err = run(capsys, "--db", cli_db, "case", "attach", number, str(fake))
    assert code == 2 and json.loads(err)["field"] == "files[0].path" and "executable" in json.loads(err)["message"]
    second = tmp_path / "second.jpg"
    second.write_bytes(jpeg(seed=7))
    code, added, err = run(capsys, "--db", cli_db, "case", "attach", number, str(second))
    assert code == 0, err
    assert added["attachments"][0]["source"] == "field"

    sha = listed["attachments"][0]["sha256"]
    out = tmp_path / "out.jpg"
    code, wrote, err = run(capsys, "--db", cli_db, "case", "file", sha, "--out", str(out))
    assert code == 0, err
    assert out.read_bytes() == photo and wrote["bytes"] == len(photo)  # system sees the file as taken
    code, _, err = run(capsys, "--db", cli_db, "case", "file", "0" * 64, "--out", str(out))
    assert code == 2 and json.loads(err)["error"] == "not_found"

    code, cases, err = run(capsys, "--db", cli_db, "export", "cases")
    assert code == 0, err
    files = cases[0]["attachments"]
    assert [(f["sha256"], f["type"], f["bytes"]) for f in files][0] == (sha, "image/jpeg", len(photo))
    assert len(files) == 3
    out_csv = tmp_path / "cases.csv"
    code, _, err = run(capsys, "--db", cli_db, "export", "cases", "--format", "csv", "--out", str(out_csv))
    assert code == 0, err
    (row,) = csv.DictReader(out_csv.open(encoding="utf-8"))
    assert row["attachments"].split(";")[0] == f"{sha}:image/jpeg:{len(photo)}"


def test_intake_with_a_missing_file_names_it(
    cli_db: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "appeal.json"
    path.write_text(json.dumps({**APPEAL, "attachments": ["nowhere.jpg"]}), encoding="utf-8")
    code, _, err = run(capsys, "--db", cli_db, "intake", "--json", str(path))
    assert code == 2
    error = json.loads(err)
    assert error["field"] == "attachments[0].path" and "nowhere.jpg" in error["message"]
