"""`patrol …`: plans (import, list, show, suspend, resume, suggest), the day's board and review (board, shift,
approve, return), filing from patrol (file), a unit's track (track) and the figures of a period (report) — each
through its operation (`patrol.*` in `console.ops.patrol`)."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from ..patrol.report import COUNTS, ReportBy
from ..services.errors import Conflict, ServiceError, UnitUnavailable
from .context import CliContext, CliError
from .files import read_text
from .identity import cli_actor
from .kpi_cmd import add_period_args


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("patrol", help="patrol plans, shifts, review and figures (巡防)")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)

    c = what.add_parser(
        "import", help="plans from GeoJSON: one Feature per target (properties plan, team, days, windows…)"
    )
    c.add_argument("file", type=Path)
    c.set_defaults(func=run_import)

    c = what.add_parser("list", help="the plans: team, schedule, status, targets")
    c.set_defaults(func=run_list)

    c = what.add_parser("show", help="one plan with its targets (GeoJSON geometry)")
    c.add_argument("plan", metavar="PLAN")
    c.set_defaults(func=run_show)

    for name, helptext in (("suspend", "no more shifts from now on"), ("resume", "shifts again from the next window")):
        c = what.add_parser(name, help=helptext)
        c.add_argument("plan", metavar="PLAN")
        c.add_argument("--version", type=int, help="the plan version you saw (refused if it changed)")
        c.set_defaults(func=run_status, status=name)

    c = what.add_parser("report", help="figures of a period: compliance 达标率, coverage 覆盖率, points, routes, areas")
    add_period_args(c)
    c.add_argument("--by", choices=[b.value for b in ReportBy], help="one row per plan, team, unit, township or grid")
    c.add_argument("--format", choices=["json", "csv"], default="json")
    c.add_argument("--shifts", action="store_true", help="list every shift with its missed and late targets")
    c.add_argument("--stale-days", type=int, metavar="N", help="flag targets not met for N days (default: patrol.toml)")
    c.set_defaults(func=run_report)

    c = what.add_parser("board", help="today's shifts with progress, yesterday's awaiting review")
    c.add_argument("--at", metavar="TIME", help="as of this moment (ISO 8601; default now)")
    c.set_defaults(func=run_board)

    c = what.add_parser("shift", help="one shift: targets, check-ins, units, reports filed")
    c.add_argument("shift_id", type=int, metavar="SHIFT_ID")
    c.set_defaults(func=run_shift)

    c = what.add_parser("approve", help="approve a finished shift (审核通过)")
    c.add_argument("shift_id", type=int, metavar="SHIFT_ID")
    c.add_argument("--remark", default=None)
    c.add_argument("--version", type=int, help="the shift version you saw (refused if it changed)")
    c.set_defaults(func=run_review, decision="approve")

    c = what.add_parser("return", help="return a finished shift with a remark (退回)")
    c.add_argument("shift_id", type=int, metavar="SHIFT_ID")
    c.add_argument("--remark", required=True)
    c.add_argument("--version", type=int, help="the shift version you saw (refused if it changed)")
    c.set_defaults(func=run_review, decision="return")

    c = what.add_parser("file", help="file a case found on patrol (channel patrol, at the unit's position)")
    c.add_argument("callsign")
    c.add_argument("--category", required=True)
    c.add_argument("--priority", default="yellow")
    c.add_argument("--description", required=True)
    c.add_argument("--address")
    c.set_defaults(func=run_file)

    c = what.add_parser("suggest", help="draft plans from the clusters of the last N days' appeals (研判)")
    c.add_argument("--days", type=int, metavar="N", help="look back N days (default: patrol.toml)")
    c.add_argument("--out", type=Path, metavar="FILE.geojson", help="also write the drafts as an import file")
    c.set_defaults(func=run_suggest)

    c = what.add_parser("track", help="a unit's track, stops and check-ins (playback data)")
    c.add_argument("callsign")
    c.add_argument("--shift", type=int, metavar="SHIFT_ID", help="during this shift")
    c.add_argument("--from", dest="start", metavar="TIME", help="from (ISO 8601; default: 24 h before --to)")
    c.add_argument("--to", dest="end", metavar="TIME", help="to (ISO 8601; default now)")
    c.set_defaults(func=run_track)


def _run(ctx: CliContext, operation: str, /, **arguments: Any) -> Any:
    """The operation's value; a refusal is the JSON error (exit 4 for a version conflict or a unit taken, else 2)."""
    from ..ops import execute

    try:
        return execute(ctx.db, cli_actor(ctx), operation, **arguments).value
    except ServiceError as exc:
        raise CliError.from_service(exc, exit_code=4 if isinstance(exc, Conflict | UnitUnavailable) else 2) from None


def run_import(ctx: CliContext) -> int:
    text = read_text(ctx.args.file)
    with ctx.progress("importing patrol plans", 1) as bar:
        value = _run(ctx, "patrol.import", text=text)
        bar.advance(1)
    ctx.print_json(value)
    return 0


def run_list(ctx: CliContext) -> int:
    ctx.print_json(_run(ctx, "patrol.plans"))
    return 0


def run_show(ctx: CliContext) -> int:
    ctx.print_json(_run(ctx, "patrol.plan", plan=ctx.args.plan))
    return 0


def run_status(ctx: CliContext) -> int:
    name = "patrol.suspend" if ctx.args.status == "suspend" else "patrol.resume"
    ctx.print_json(_run(ctx, name, plan=ctx.args.plan, version=ctx.args.version))
    return 0


def _report_csv(ctx: CliContext, data: dict[str, Any]) -> None:
    writer = csv.DictWriter(
        ctx.out, fieldnames=["key", "label", *COUNTS, "compliance_rate", "coverage_rate"], lineterminator="\n"
    )
    writer.writeheader()
    for row in [data["total"], *data["groups"]]:
        flat = {k: v for k, v in row.items() if k not in ("compliance_rate", "coverage_rate")}
        for rate in ("compliance_rate", "coverage_rate"):
            value = row[rate]["value"]
            flat[rate] = "" if value is None else value
        writer.writerow(flat)


def _shifts_csv(ctx: CliContext, shifts: list[dict[str, Any]]) -> None:
    fields = [
        "id",
        "plan",
        "day",
        "starts_at",
        "ends_at",
        "state",
        "targets_due",
        "targets_met",
        "missed",
        "late",
        "open",
        "distance_km",
        "review_status",
    ]
    writer = csv.DictWriter(ctx.out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for s in shifts:
        writer.writerow(
            {**s, "missed": ";".join(s["missed"]), "late": ";".join(s["late"]), "open": ";".join(s["open"])}
        )


def run_report(ctx: CliContext) -> int:
    args = ctx.args
    data = _run(
        ctx,
        "patrol.report",
        first=args.date_from,
        last=args.date_to,
        by=args.by,
        shifts=args.shifts,
        stale_days=args.stale_days,
    )
    if args.format == "csv":
        if args.shifts:
            _shifts_csv(ctx, data["shifts"])
        else:
            _report_csv(ctx, data)
        return 0
    ctx.print_json(data)
    return 0


def run_board(ctx: CliContext) -> int:
    ctx.print_json(_run(ctx, "patrol.board", at=ctx.args.at))
    return 0


def run_shift(ctx: CliContext) -> int:
    ctx.print_json(_run(ctx, "patrol.shift", shift_id=ctx.args.shift_id))
    return 0


def run_review(ctx: CliContext) -> int:
    args = ctx.args
    name = "patrol.approve" if args.decision == "approve" else "patrol.return"
    ctx.print_json(_run(ctx, name, shift_id=args.shift_id, remark=args.remark, version=args.version))
    return 0


def run_file(ctx: CliContext) -> int:
    args = ctx.args
    value = _run(
        ctx,
        "patrol.file",
        callsign=args.callsign,
        category=args.category,
        priority=args.priority,
        description=args.description,
        address=args.address,
    )
    value.pop("case_id", None)
    ctx.print_json(value)
    return 0


def run_suggest(ctx: CliContext) -> int:
    value = _run(ctx, "patrol.suggest", days=ctx.args.days)
    if ctx.args.out is not None:
        try:
            ctx.args.out.write_text(json.dumps(value["geojson"], ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as exc:
            raise CliError(
                {"error": "invalid", "field": "out", "message": f"cannot write {ctx.args.out}: {exc.strerror}"}
            ) from None
    ctx.print_json({"suggestions": value["suggestions"]})
    return 0


def run_track(ctx: CliContext) -> int:
    args = ctx.args
    data = _run(ctx, "patrol.track", callsigns=[args.callsign], shift_id=args.shift, start=args.start, end=args.end)
    ctx.print_json(data.as_dict())
    return 0
