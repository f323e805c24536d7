"""`export cases|units|events --format json|csv [--out FILE]`: streamed, so years of history fit in memory.

Callers' phones and names are masked for the acting user's role as in the interface; CSV cells cannot start a
spreadsheet formula (`console.reports.cells`). A township's or village's user exports its own scope only (its cases,
its units, the events of its cases). Each case carries its `handoffs` (110 ↔ 12345: `to`, `at`, `ref`, `status`; in
CSV `to/status/ref` joined by `;`)."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..models import Case, Event, Grid, Handoff, Township, Unit
from ..reports.cells import csv_row
from ..services import scope
from ..services.actor import Actor
from ..timeutil import parse_iso8601
from .context import CliContext, CliError
from .evidence_export import CASE_EXPORT_FIELDS, attachments_cell, case_files
from .identity import cli_actor
from .serialize import EVENT_FIELDS, UNIT_FIELDS, case_dict, event_dict, unit_dict

BATCH = 2000


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("export", help="export cases, units or events")
    p.add_argument("what", choices=["cases", "units", "events"])
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--since", metavar="TIME", help="cases received / events at or after this ISO 8601 time")
    p.set_defaults(func=run)


def _cases(s: Session, since: Any, viewer: Actor) -> tuple[int, Iterator[dict[str, Any]]]:
    master = aliased(Case)
    q = (
        select(Case, Grid.code, Township.name, master.number)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .outerjoin(Township, Township.id == Case.township_id)
        .outerjoin(master, master.id == Case.merged_into_id)
        .order_by(Case.id)
    )
    count_q = select(func.count(Case.id))
    if since is not None:
        q = q.where(Case.received_at >= since)
        count_q = count_q.where(Case.received_at >= since)
    if viewer.scoped:
        q = q.where(scope.case_filter(viewer))
        count_q = count_q.where(scope.case_filter(viewer))
    total = int(s.scalar(count_q) or 0)
    files = case_files(s, since, viewer)  # read before the cases' cursor is opened
    rows = s.execute(q.execution_options(yield_per=BATCH))
    dicts = (
        (c.id, {**case_dict(c, viewer=viewer, grid=g, township=t, merged_into=m), "attachments": files.get(c.id, [])})
        for c, g, t, m in rows
    )
    return total, _with_handoffs(s, dicts)


def _with_handoffs(s: Session, rows: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """Each case's hand-offs, read for a batch of cases at a time (one statement per batch)."""
    batch: list[tuple[int, dict[str, Any]]] = []

    def flush() -> Iterator[dict[str, Any]]:
        found: dict[int, list[dict[str, Any]]] = {}
        ids = [cid for cid, _ in batch]
        for h in s.scalars(select(Handoff).where(Handoff.case_id.in_(ids)).order_by(Handoff.id)):
            found.setdefault(h.case_id, []).append(
                {"to": h.to_line.value, "at": h.sent_at.isoformat(), "ref": h.ref, "status": h.status.value}
            )
        for cid, row in batch:
            row["handoffs"] = found.get(cid, [])
            yield row
        batch.clear()

    for item in rows:
        batch.append(item)
        if len(batch) >= BATCH:
            yield from flush()
    if batch:
        yield from flush()


def _units(s: Session, viewer: Actor) -> tuple[int, Iterator[dict[str, Any]]]:
    q = (
        select(Unit, Grid.code, Township.name, Case.number)
        .outerjoin(Grid, Grid.id == Unit.home_grid_id)
        .outerjoin(Township, Township.id == Unit.township_id)
        .outerjoin(Case, Case.id == Unit.current_case_id)
        .order_by(Unit.id)
    )
    count_q = select(func.count(Unit.id))
    if viewer.scoped:
        q = q.where(scope.unit_filter(viewer))
        count_q = count_q.where(scope.unit_filter(viewer))
    total = int(s.scalar(count_q) or 0)
    return total, (unit_dict(u, home_grid=g, township=t, current_case=n) for u, g, t, n in s.execute(q))


def _events(s: Session, since: Any, viewer: Actor) -> tuple[int, Iterator[dict[str, Any]]]:
    q = (
        select(Event, Case.number, Unit.callsign)
        .outerjoin(Case, Case.id == Event.case_id)
        .outerjoin(Unit, Unit.id == Event.unit_id)
        .order_by(Event.id)
    )
    count_q = select(func.count(Event.id))
    if since is not None:
        q = q.where(Event.ts >= since)
        count_q = count_q.where(Event.ts >= since)
    if viewer.scoped:  # the events of its own cases only
        mine = Event.case_id.in_(select(Case.id).where(scope.case_filter(viewer)))
        q = q.where(mine)
        count_q = count_q.where(mine)
    total = int(s.scalar(count_q) or 0)
    rows = s.execute(q.execution_options(yield_per=BATCH))
    return total, (event_dict(e, case=n, unit=c) for e, n, c in rows)


def _write_json(out: TextIO, rows: Iterator[dict[str, Any]], advance: Any) -> None:
    out.write("[")
    first = True
    for row in rows:
        out.write("\n  " if first else ",\n  ")
        out.write(json.dumps(row, ensure_ascii=False))
        first = False
        advance()
    out.write("\n]\n" if not first else "]\n")


def _write_csv(out: TextIO, fields: list[str], rows: Iterator[dict[str, Any]], advance: Any) -> None:
    """Every text cell through `csv_cell`: no citizen's text becomes a live formula in a spreadsheet."""
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        if isinstance(row.get("capabilities"), list):
            row["capabilities"] = ";".join(row["capabilities"])
        if isinstance(row.get("handoffs"), list):
            row["handoffs"] = ";".join(f"{h['to']}/{h['status']}/{h['ref'] or ''}" for h in row["handoffs"])
        if isinstance(row.get("attachments"), list):
            row["attachments"] = attachments_cell(row["attachments"])
        writer.writerow(csv_row(row, fields))
        advance()


def run(ctx: CliContext) -> int:
    since = None
    if ctx.args.since:
        try:
            since = parse_iso8601(ctx.args.since)
        except (ValueError, OverflowError) as exc:
            raise CliError({"error": "invalid", "field": "since", "message": str(exc)}) from None
    what = ctx.args.what
    viewer = cli_actor(ctx)
    fields = {"cases": [*CASE_EXPORT_FIELDS, "handoffs"], "units": UNIT_FIELDS, "events": EVENT_FIELDS}[what]
    with ExitStack() as stack:
        s = stack.enter_context(ctx.db.session())  # the database first: a failure leaves no empty file behind
        total, rows = (
            _cases(s, since, viewer)
            if what == "cases"
            else _units(s, viewer)
            if what == "units"
            else _events(s, since, viewer)
        )
        out = stack.enter_context(ctx.open_output(ctx.args.out)) if ctx.args.out else ctx.out
        with ctx.progress(f"exporting {what}", total) as bar:
            if ctx.args.format == "json":
                _write_json(out, rows, bar.advance)
            else:
                _write_csv(out, fields, rows, bar.advance)
    return 0
