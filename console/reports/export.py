"""Write a period's report: figures (total and by every dimension), emergency intervals and the cases.

XLSX: one workbook with the sheets `figures`, `intervals` and `cases` (openpyxl, write-only, so long periods stream).
CSV: the figures in the named file, the intervals and the cases beside it (`NAME-intervals.csv`, `NAME-cases.csv`).
`progress(done, total)` is called as cases are written (total = cases + one step for the figures). Text cells go
through `cells` (no live formula from a citizen's text); callers' phones and names are masked for the viewer's role.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from ..services import scope
from ..services.actor import Actor
from ..timeutil import ensure_utc
from .cells import csv_row, xlsx_row
from .rows import FIGURE_FIELDS, INTERVAL_FIELDS, REPORT_CASE_FIELDS, all_figures, case_rows, count_cases, interval_rows

Progress = Callable[[int, int], None]
STEP = 500


@dataclass(frozen=True, slots=True)
class ReportSummary:
    files: list[Path]
    cases: int
    figure_rows: int


def _sheet(
    wb: Workbook, title: str, fields: list[str], rows: Iterable[dict[str, Any]], tick: Callable[[], None]
) -> int:
    ws = wb.create_sheet(title)
    ws.append(xlsx_row(ws, list(fields)))
    n = 0
    for row in rows:
        ws.append(xlsx_row(ws, [row.get(f) for f in fields]))
        n += 1
        tick()
    return n


def _csv(path: Path, fields: list[str], rows: Iterable[dict[str, Any]], tick: Callable[[], None]) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8-sig") as fh:  # with a BOM, so that Excel reads Chinese
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(csv_row(row, fields))
            n += 1
            tick()
    return n


def write_report(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    path: Path,
    now: datetime,
    viewer: Actor,
    progress: Progress | None = None,
) -> ReportSummary:
    """Write the report as `viewer` may see it: a township's or village's user gets the figures and cases of its own
    scope only, callers' phones and names are masked for roles that must not see them, and every text cell is
    written through `cells`, so no citizen's text becomes a live formula."""
    start, end, now = ensure_utc(start), ensure_utc(end), ensure_utc(now)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError("the report file must end in .xlsx or .csv")
    where = scope.figures_filter(viewer)  # None for the county
    total = count_cases(session, start=start, end=end, scope=where) + 1
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress is not None and (done % STEP == 0 or done == total):
            progress(done, total)

    figures = all_figures(session, start=start, end=end, now=now, scope=where)
    intervals = interval_rows(session, start=start, end=end, scope=where)
    tick()
    files = [path]
    if suffix == ".xlsx":
        wb = Workbook(write_only=True)
        _sheet(wb, "figures", FIGURE_FIELDS, figures, lambda: None)
        _sheet(wb, "intervals", INTERVAL_FIELDS, intervals, lambda: None)
        cases = _sheet(
            wb, "cases", REPORT_CASE_FIELDS, case_rows(session, start=start, end=end, viewer=viewer, scope=where), tick
        )
        wb.save(path)
    else:
        _csv(path, FIGURE_FIELDS, figures, lambda: None)
        stem = path.with_suffix("")
        files.append(stem.with_name(stem.name + "-intervals.csv"))
        _csv(files[-1], INTERVAL_FIELDS, intervals, lambda: None)
        files.append(stem.with_name(stem.name + "-cases.csv"))
        cases = _csv(
            files[-1], REPORT_CASE_FIELDS, case_rows(session, start=start, end=end, viewer=viewer, scope=where), tick
        )
    if progress is not None:
        progress(total, total)
    return ReportSummary(files=files, cases=cases, figure_rows=len(figures))
