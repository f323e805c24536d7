"""`kpi` and `report` commands and the XLSX/CSV exports, on the hand-computed dataset."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from console.cli.main import main
from console.periods import day_bounds
from console.reports import write_report
from console.services.actor import SYSTEM

from .conftest import World
from .dataset import NOW, build_dataset


def _run(world: World, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(world.db.engine.url.render_as_string(hide_password=False)), *argv])
    return code, out.getvalue(), err.getvalue()


def test_kpi_json_has_numerators_and_denominators(world: World) -> None:
    build_dataset(world)
    code, out, _ = _run(world, "kpi", "--from", "2026-11-16", "--to", "2026-11-16", "--by", "township")
    assert code == 0
    data = json.loads(out)
    total = data["total"]
    assert total["received"] == 6 and total["resolved"] == 2 and total["resolved_on_time"] == 1
    assert total["resolution_rate"] == {"numerator": 2, "denominator": 5, "value": 0.4}
    assert total["satisfaction_rate"]["numerator"] == 1 and total["satisfaction_rate"]["denominator"] == 2
    assert total["intervals"]["dispatch"]["within_rate"] == {"numerator": 1, "denominator": 1, "value": 1.0}
    assert {g["label"] for g in data["groups"]} == {"东河镇", "西岭镇"}


def test_kpi_csv_and_bad_dates(world: World) -> None:
    build_dataset(world)
    code, out, _ = _run(
        world, "kpi", "--from", "2026-11-16", "--to", "2026-11-17", "--by", "category", "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["key"] == "all" and rows[0]["received"] == "6"
    assert {r["key"] for r in rows[1:]} == {"livelihood", "dispute", "traffic", "other", "environment"}
    code, _, err = _run(world, "kpi", "--from", "2026-11-17", "--to", "2026-11-16")
    assert code != 0 and json.loads(err)["field"] == "to"
    code, _, err = _run(world, "kpi", "--from", "yesterday", "--to", "2026-11-16")
    assert code != 0 and json.loads(err)["field"] == "from"


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_report_files_hold_figures_and_cases(world: World, tmp_path: Path, suffix: str) -> None:
    build_dataset(world)
    start, end = day_bounds(NOW.date(), NOW.date())
    calls: list[tuple[int, int]] = []
    with world.db.session() as s:
        summary = write_report(
            s,
            start=start,
            end=end,
            path=tmp_path / f"r{suffix}",
            now=NOW,
            viewer=SYSTEM,
            progress=lambda d, t: calls.append((d, t)),
        )
    assert summary.cases == 6 and calls[-1] == (7, 7)
    if suffix == ".xlsx":
        wb = load_workbook(tmp_path / "r.xlsx", read_only=True)
        assert wb.sheetnames == ["figures", "intervals", "cases"]
        figures = list(wb["figures"].iter_rows(values_only=True))
        header = figures[0]
        total = dict(zip(header, figures[1], strict=True))
        assert total["dimension"] == "total" and total["received"] == 6 and total["resolution_rate"] == 0.4
        cases = list(wb["cases"].iter_rows(values_only=True))
        assert len(cases) == 7 and "repeat_of" in cases[0]
    else:
        assert [f.name for f in summary.files] == ["r.csv", "r-intervals.csv", "r-cases.csv"]
        with (tmp_path / "r-cases.csv").open(encoding="utf-8-sig") as fh:
            cases = list(csv.DictReader(fh))
        assert len(cases) == 6 and sum(1 for c in cases if c["repeat_of"]) == 1


def test_report_command(world: World, tmp_path: Path) -> None:
    build_dataset(world)
    code, out, _ = _run(
        world, "report", "--from", "2026-11-16", "--to", "2026-11-16", "--out", str(tmp_path / "shift.xlsx")
    )
    assert code == 0 and json.loads(out)["cases"] == 6 and (tmp_path / "shift.xlsx").exists()
    code, _, err = _run(world, "report", "--from", "2026-11-16", "--to", "2026-11-16", "--out", "x.pdf")
    assert code != 0 and json.loads(err)["field"] == "out"
