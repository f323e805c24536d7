"""Exports that cannot attack a spreadsheet, and that show a caller's phone and name only to roles that may see them.

A citizen's text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return became a live formula in the XLSX
report and went unchanged into every CSV; the wall and handlers got callers' phones in full. Every export and report
is checked here, through the command line, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import update

from console.cli.main import main
from console.db import Database, write_transaction
from console.enums import Role
from console.models import Case, Township
from console.reports.cells import DANGEROUS_PREFIXES, csv_cell, xlsx_row
from console.services import intake
from console.timeutil import utcnow
from tests.county import MiniCounty

ATTACKS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the helper, over the whole dangerous-prefix set ----------------------------------------------------------------


def test_every_dangerous_prefix_is_neutralised_and_numbers_stay_numbers(tmp_path: Path) -> None:
    assert set(DANGEROUS_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}
    for prefix in DANGEROUS_PREFIXES:
        assert csv_cell(prefix + "1+1") == "'" + prefix + "1+1"
    assert [csv_cell(v) for v in ("2026-000001", "东河镇", "", None, -3.5, 7, True)] == [
        "2026-000001",
        "东河镇",
        "",
        None,
        -3.5,
        7,
        True,
    ]
    assert csv_cell(["=a", "b"]) == '["=a", "b"]'
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("t")
    ws.append(xlsx_row(ws, [p + "1+1" for p in DANGEROUS_PREFIXES] + [-3.5, 7, "plain"]))
    wb.save(tmp_path / "t.xlsx")
    sheet = zipfile.ZipFile(tmp_path / "t.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    row = next(load_workbook(tmp_path / "t.xlsx")["t"].iter_rows())
    assert [c.data_type for c in row] == ["s"] * 6 + ["n", "n", "s"]
    assert [c.quotePrefix for c in row] == [True] * 6 + [False, False, False]
    # XML reads a carriage return back as a line feed; the cell is still a quoted string.
    assert [c.value for c in row][:6] == [(p + "1+1").replace("\r", "\n") for p in DANGEROUS_PREFIXES]


# -- every export and report, end to end -----------------------------------------------------------------------------


@pytest.fixture
def attacked(db: Database, county: MiniCounty) -> dict[str, Any]:
    """Cases whose description, caller name and address begin with each dangerous prefix; a township and a unit
    named like formulas. Tab and carriage return cannot start a stored text any more (intake strips them), so two
    rows carry them as older data would."""
    dispatcher = county.actors[Role.DISPATCHER]
    numbers = []
    for i, attack in enumerate(ATTACKS[:4]):
        req = intake.parse_intake(
            {
                "channel": "hotline_12345",
                "category": "dispute",
                "priority": "yellow",
                "description": attack,
                "caller_name": attack,
                "address": attack,
                "caller_phone": f"1380000000{i}",
                "lat": 24.805,
                "lon": 113.605,
            }
        )
        numbers.append(
            write_transaction(db.sessions, lambda s, r=req: intake.create_case(s, r, actor=dispatcher).case.number)
        )
    for attack, number in zip(ATTACKS[4:], numbers[:2], strict=True):
        with db.engine.begin() as conn:
            conn.execute(update(Case).where(Case.number == number).values(description=attack))
    with db.engine.begin() as conn:
        conn.execute(update(Township).where(Township.name == "东河镇").values(name='=HYPERLINK("http://x")'))
    return {"numbers": numbers}


def _dangerous_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(DANGEROUS_PREFIXES)]


def test_csv_exports_hold_no_live_formula(
    db: Database, attacked: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for what in ("cases", "units", "events"):
        out = tmp_path / f"{what}.csv"
        code, _, err = run(capsys, "--db", db.url, "export", what, "--format", "csv", "--out", str(out))
        assert code == 0, err
        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert _dangerous_cells(rows) == [], what
    with (tmp_path / "cases.csv").open(encoding="utf-8", newline="") as fh:
        cases = list(csv.DictReader(fh))
    assert {c["caller_name"] for c in cases} == {"'" + a for a in ATTACKS[:4]}
    assert {c["description"] for c in cases} >= {"'\t=1+1", "'\r=1+1"}
    assert all(c["lat"] == "24.805" for c in cases)  # numbers stay numbers

    code, out, err = run(
        capsys,
        "--db",
        db.url,
        "kpi",
        "--from",
        "2020-01-01",
        "--to",
        "2099-12-31",
        "--by",
        "township",
        "--format",
        "csv",
    )
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert _dangerous_cells(rows) == []
    assert '\'=HYPERLINK("http://x")' in [r[1] for r in rows]


def test_reports_hold_no_live_formula(
    db: Database, attacked: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = (utcnow() + timedelta(hours=8)).date().isoformat()
    period = ["--from", "2020-01-01", "--to", today]
    code, out, err = run(capsys, "--db", db.url, "report", *period, "--out", str(tmp_path / "r.csv"))
    assert code == 0, err
    for name in json.loads(out)["files"]:
        with Path(name).open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert _dangerous_cells(rows) == [], name
    code, _, err = run(capsys, "--db", db.url, "report", *period, "--out", str(tmp_path / "r.xlsx"))
    assert code == 0, err
    archive = zipfile.ZipFile(tmp_path / "r.xlsx")
    for sheet in (n for n in archive.namelist() if n.startswith("xl/worksheets/")):
        assert not re.search(r"<f[ >]", archive.read(sheet).decode()), sheet
    cases = list(load_workbook(tmp_path / "r.xlsx")["cases"].iter_rows())
    header = [c.value for c in cases[0]]
    described = [row[header.index("description")] for row in cases[1:]]
    assert {c.value for c in described} == {a.replace("\r", "\n") for a in ATTACKS[2:]}
    assert all(
        c.data_type == "s" and c.quotePrefix for c in described if c.value.startswith((*DANGEROUS_PREFIXES, "\n"))
    )


# -- masking by role ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "masked"), [("wall", True), ("cg", True), ("disp", False), (None, False)])
def test_phones_and_names_masked_as_in_the_interface(
    db: Database,
    attacked: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    user: str | None,
    masked: bool,
) -> None:
    who = ["--user", user] if user else []
    if user:
        monkeypatch.setenv("CONSOLE_PASSWORD", user)  # the mini county's passwords are the names
    phones, names = {f"1380000000{i}" for i in range(4)}, set(ATTACKS[:4])
    code, out, err = run(capsys, "--db", db.url, *who, "export", "cases")
    assert code == 0, err
    cases = json.loads(out)
    seen_phones, seen_names = {c["caller_phone"] for c in cases}, {c["caller_name"] for c in cases}
    if masked:
        assert seen_phones == {f"138****000{i}" for i in range(4)}
        assert seen_names == {a[0] + "*" * (len(a) - 1) for a in ATTACKS[:4]}
    else:
        assert (seen_phones, seen_names) == (phones, names)
    out_csv = tmp_path / "cases.csv"
    assert run(capsys, "--db", db.url, *who, "export", "cases", "--format", "csv", "--out", str(out_csv))[0] == 0
    text = out_csv.read_text(encoding="utf-8")
    assert any(p in text for p in phones) is not masked
    today = (utcnow() + timedelta(hours=8)).date().isoformat()
    for suffix in ("csv", "xlsx"):
        code, out, err = run(
            capsys,
            "--db",
            db.url,
            *who,
            "report",
            "--from",
            "2020-01-01",
            "--to",
            today,
            "--out",
            str(tmp_path / f"r.{suffix}"),
        )
        assert code == 0, err
        if suffix == "csv":
            text = (tmp_path / "r-cases.csv").read_text(encoding="utf-8-sig")
        else:
            rows = load_workbook(tmp_path / "r.xlsx")["cases"].iter_rows(values_only=True)
            text = json.dumps([list(r) for r in rows], ensure_ascii=False, default=str)
        assert any(p in text for p in phones) is not masked
        assert "@SUM(A1:A9)" in text  # descriptions are not masked
