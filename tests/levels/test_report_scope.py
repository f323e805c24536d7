"""`report` run by a township's or village's user holds its own scope only — the cases and every figure — and a
citizen's text that looks like a formula is written as text, never as a live formula (on both databases)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from console.cli.main import main
from console.db import Database
from console.models import Case

from .conftest import LevelsCounty
from .test_scope import IN_G100, IN_G101, IN_WEST, new_case

FORMULA = '=HYPERLINK("http://example.invalid","点我")'


Seen = tuple[dict[str, Any], list[str], dict[str, Any], list[str], list[Any]]


def _report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: Database, out: Path, *who: str
) -> Seen:
    """Run `report` as `who`; its summary, the case numbers, the total figures, any formula cells, descriptions."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setenv("CONSOLE_PASSWORD", "scoped-user")
    code = main(["--db", db.url, *who, "report", "--from", "2020-01-01", "--to", "2035-12-31", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    summary = json.loads(captured.out)
    book = load_workbook(out)
    cases = list(book["cases"].iter_rows(values_only=True))
    header, rows = list(cases[0]), cases[1:]
    figures = list(book["figures"].iter_rows(values_only=True))
    fig_header = list(figures[0])
    total = next(dict(zip(fig_header, r, strict=True)) for r in figures[1:] if r[0] == "total")
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    numbers = sorted(str(r[header.index("number")]) for r in rows)
    descriptions = [r[header.index("description")] for r in rows]
    return summary, numbers, total, formulas, descriptions


def test_report_holds_the_users_scope_only(
    db: Database,
    levels_county: LevelsCounty,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    county = levels_county.county
    ids = {
        "g100": new_case(db, county, IN_G100),
        "g101": new_case(db, county, IN_G101, phone="13700000000"),
        "west": new_case(db, county, IN_WEST, phone="13900000000"),
    }
    with db.session() as s:
        number = {k: s.get(Case, v).number for k, v in ids.items()}  # type: ignore[union-attr]
        s.get(Case, ids["g100"]).description = FORMULA  # type: ignore[union-attr]
        s.commit()

    seen: dict[str, Seen] = {}
    for who, argv in {
        "county": (),
        "township": ("--user", "dh-lead"),
        "village": ("--user", "g100-lead"),
    }.items():
        seen[who] = _report(monkeypatch, capsys, db, tmp_path / f"{who}.xlsx", *argv)

    assert all(v[3] == [] for v in seen.values())  # no live formula in any sheet
    summary, numbers, total, _formulas, _ = seen["county"]
    assert numbers == sorted(number.values()) and summary["cases"] == 3 and total["received"] == 3
    summary, numbers, total, _formulas, _ = seen["township"]  # 东河镇: G100 and G101
    assert numbers == sorted([number["g100"], number["g101"]]) and summary["cases"] == 2
    assert total["received"] == 2
    summary, numbers, total, _formulas, descriptions = seen["village"]  # G100 only
    assert numbers == [number["g100"]] and total["received"] == 1
    assert descriptions[0].endswith(FORMULA)  # kept as text
