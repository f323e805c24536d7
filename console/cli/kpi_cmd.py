"""`kpi --from DATE --to DATE [--by township|category|channel|handler|unit_kind] [--format json|csv]`.

The figures of the appeals received in the period (local days, both included): every rate with its numerator and
denominator, and the emergency-interval percentiles. The shape is documented in the README.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date, datetime
from typing import Any

from ..periods import day_bounds
from ..reports.cells import csv_row
from ..services import scope
from ..services.errors import ValidationError
from ..stats.intervals import emergency_intervals
from ..stats.kpi import COUNTS, RATES, Dimension, KpiRow, kpis
from ..timeutil import utcnow
from .context import CliContext, CliError
from .identity import cli_actor


def add_period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", metavar="DATE", required=True, help="first day (YYYY-MM-DD, local)")
    p.add_argument("--to", dest="date_to", metavar="DATE", required=True, help="last day, included (YYYY-MM-DD)")


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError.from_service(ValidationError(field, f"{text!r} is not a date (YYYY-MM-DD)")) from None


def period_of(args: argparse.Namespace) -> tuple[datetime, datetime]:
    first, last = _day(args.date_from, "from"), _day(args.date_to, "to")
    if last < first:
        raise CliError.from_service(ValidationError("to", "is before --from"))
    return day_bounds(first, last)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("kpi", help="figures of a period (办结率, 按时办结率, 满意率, ...)")
    add_period_args(p)
    p.add_argument("--by", choices=[d.value for d in Dimension], help="one row per township, category, ...")
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(func=run)


def _csv_row(row: KpiRow) -> dict[str, Any]:
    out: dict[str, Any] = {"key": row.key, "label": row.label, **{n: row.counts.get(n, 0) for n in COUNTS}}
    for name, ratio in row.rates.items():
        out[name] = round(ratio.value, 4) if ratio.value is not None else ""
    return out


def run(ctx: CliContext) -> int:
    start, end = period_of(ctx.args)
    now = utcnow()
    where = scope.figures_filter(cli_actor(ctx))  # a township's or village's user: the figures of its scope
    with ctx.db.session() as s:
        report = kpis(s, start=start, end=end, now=now, by=ctx.args.by, scope=where)
        total_intervals = emergency_intervals(s, start=start, end=end, scope=where)["all"]
        group_intervals = (
            emergency_intervals(s, start=start, end=end, by=ctx.args.by, scope=where) if ctx.args.by else {}
        )
    if ctx.args.format == "csv":
        writer = csv.DictWriter(ctx.out, fieldnames=["key", "label", *COUNTS, *RATES], lineterminator="\n")
        writer.writeheader()
        fields = ["key", "label", *COUNTS, *RATES]
        writer.writerow(csv_row(_csv_row(report.total), fields))
        for group in report.groups:
            writer.writerow(csv_row(_csv_row(group), fields))
        return 0
    data = report.as_dict()
    data["total"]["intervals"] = {name: fig.as_dict() for name, fig in total_intervals.items()}
    for group in data["groups"]:
        group["intervals"] = {name: fig.as_dict() for name, fig in group_intervals.get(group["key"], {}).items()}
    ctx.print_json(data)
    return 0
