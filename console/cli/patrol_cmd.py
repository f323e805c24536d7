"""`patrol …`: plans (import, list, show, suspend, resume, suggest), the day's board and review (board, shift,
approve, return), filing from patrol (file), a unit's track (track) and the figures of a period (report)."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..db import write_transaction
from ..models import PatrolPlan, PatrolPlanUnit, PatrolTarget, Unit
from ..patrol.plan_geojson import parse_plans_geojson, plans_geojson
from ..patrol.report import COUNTS, ReportBy, patrol_report
from ..patrol.schedule import local_day
from ..services.errors import Conflict, NotFound, ServiceError, UnitUnavailable, ValidationError
from ..services.patrol_shifts import days_between, ensure_days
from ..timeutil import parse_iso8601, utcnow
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


def _fail(exc: ServiceError) -> CliError:
    return CliError.from_service(exc, exit_code=4 if isinstance(exc, Conflict | UnitUnavailable) else 2)


def _print_transaction(ctx: CliContext, work: Callable[[Any], dict[str, Any]]) -> int:
    """Run one service transaction and print what it returns (a service error becomes the JSON error)."""
    try:
        ctx.print_json(write_transaction(ctx.db.sessions, work))
    except ServiceError as exc:
        raise _fail(exc) from None
    return 0


def _time(text: str | None, field: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_iso8601(text)
    except ValueError as exc:
        raise CliError.from_service(
            ValidationError(field, f"{text!r} is not an ISO 8601 time with an offset ({exc})")
        ) from None


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError.from_service(ValidationError(field, f"{text!r} is not a date (YYYY-MM-DD)")) from None


def _plan_id(session: Any, name: str) -> int:
    plan_id = session.scalars(select(PatrolPlan.id).where(PatrolPlan.name == name)).first()
    if plan_id is None:
        raise NotFound("patrol plan", name)
    return int(plan_id)


def _unit_id(session: Any, callsign: str) -> int:
    unit_id = session.scalars(select(Unit.id).where(Unit.callsign == callsign)).first()
    if unit_id is None:
        raise NotFound("unit", callsign)
    return int(unit_id)


def run_import(ctx: CliContext) -> int:
    from ..services.patrol_plans import import_plans

    text = read_text(ctx.args.file)
    try:
        drafts = parse_plans_geojson(text)
        actor = cli_actor(ctx)
        with ctx.progress("importing patrol plans", len(drafts)) as bar:
            report = write_transaction(ctx.db.sessions, lambda s: import_plans(s, drafts, actor=actor))
            bar.advance(len(drafts))
    except ServiceError as exc:
        raise _fail(exc) from None
    ctx.print_json({"plans": report.as_dict()})
    return 0


def _plan_dict(session: Any, plan: PatrolPlan, *, targets: bool) -> dict[str, Any]:
    team = list(
        session.scalars(
            select(Unit.callsign)
            .join(PatrolPlanUnit, PatrolPlanUnit.unit_id == Unit.id)
            .where(PatrolPlanUnit.plan_id == plan.id)
            .order_by(Unit.callsign)
        )
    )
    rows = session.scalars(
        select(PatrolTarget)
        .where(PatrolTarget.plan_id == plan.id, PatrolTarget.retired_at.is_(None))
        .order_by(PatrolTarget.seq)
    ).all()
    out: dict[str, Any] = {
        "id": plan.id,
        "name": plan.name,
        "status": plan.status.value,
        "team": team,
        "days": plan.days,
        "windows": plan.windows,
        "valid_from": plan.valid_from.isoformat(),
        "valid_to": plan.valid_to.isoformat() if plan.valid_to else None,
        "source": plan.source,
        "version": plan.version,
        "targets": len(rows),
    }
    if targets:
        out["targets"] = [
            {
                "name": t.name,
                "kind": t.kind.value,
                "geometry": t.geometry,
                **{
                    k: getattr(t, k)
                    for k in ("radius_m", "dwell_s", "buffer_m", "min_share", "min_minutes", "length_m")
                    if getattr(t, k) is not None
                },
            }
            for t in rows
        ]
    return out


def run_list(ctx: CliContext) -> int:
    with ctx.db.session() as s:
        plans = s.scalars(select(PatrolPlan).order_by(PatrolPlan.name)).all()
        ctx.print_json({"plans": [_plan_dict(s, p, targets=False) for p in plans]})
    return 0


def run_show(ctx: CliContext) -> int:
    try:
        with ctx.db.session() as s:
            plan = s.get(PatrolPlan, _plan_id(s, ctx.args.plan))
            assert plan is not None
            ctx.print_json(_plan_dict(s, plan, targets=True))
    except ServiceError as exc:
        raise _fail(exc) from None
    return 0


def run_status(ctx: CliContext) -> int:
    from ..services.patrol_plans import resume_plan, suspend_plan

    actor = cli_actor(ctx)
    change = suspend_plan if ctx.args.status == "suspend" else resume_plan

    def work(s: Any) -> dict[str, Any]:
        plan = change(s, _plan_id(s, ctx.args.plan), actor=actor, expected_version=ctx.args.version)
        return {"plan": plan.name, "status": plan.status.value, "version": plan.version}

    return _print_transaction(ctx, work)


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
    first, last = _day(args.date_from, "from"), _day(args.date_to, "to")
    if last < first:
        raise CliError.from_service(ValidationError("to", "is before --from"))
    if (last - first).days > 366:
        raise CliError.from_service(ValidationError("to", "a report covers at most 367 days"))
    if args.stale_days is not None and args.stale_days < 1:
        raise CliError.from_service(ValidationError("stale_days", "must be at least 1"))
    now = utcnow()
    days = [d for d in days_between(first, last) if d <= local_day(now)]
    if days:
        write_transaction(ctx.db.sessions, lambda s: ensure_days(s, days, now=now))
    with ctx.db.session() as s:
        report = patrol_report(
            s, first=first, last=last, now=now, by=args.by, with_shifts=args.shifts, stale_days=args.stale_days
        )
    data = report.as_dict()
    if args.format == "csv":
        if args.shifts:
            _shifts_csv(ctx, data["shifts"])
        else:
            _report_csv(ctx, data)
        return 0
    ctx.print_json(data)
    return 0


def run_board(ctx: CliContext) -> int:
    from ..patrol.shifts import patrol_board

    now = _time(ctx.args.at, "at") or utcnow()
    today = local_day(now)
    write_transaction(ctx.db.sessions, lambda s: ensure_days(s, [today - timedelta(days=1), today], now=now))
    with ctx.db.session() as s:
        ctx.print_json(patrol_board(s, now=now).as_dict())
    return 0


def run_shift(ctx: CliContext) -> int:
    from ..patrol.shifts import shift_detail

    try:
        with ctx.db.session() as s:
            ctx.print_json(shift_detail(s, ctx.args.shift_id, now=utcnow()).as_dict())
    except ServiceError as exc:
        raise _fail(exc) from None
    return 0


def run_review(ctx: CliContext) -> int:
    from ..patrol.shifts import shift_view
    from ..services.patrol_review import approve_shift, return_shift

    actor = cli_actor(ctx)
    args = ctx.args

    def work(s: Any) -> dict[str, Any]:
        if args.decision == "approve":
            approve_shift(s, args.shift_id, actor=actor, remark=args.remark, expected_version=args.version)
        else:
            return_shift(s, args.shift_id, remark=args.remark, actor=actor, expected_version=args.version)
        return shift_view(s, args.shift_id, now=utcnow()).as_dict()

    return _print_transaction(ctx, work)


def run_file(ctx: CliContext) -> int:
    from ..services.patrol_filing import file_patrol_report

    actor = cli_actor(ctx)
    args = ctx.args

    def work(s: Any) -> dict[str, Any]:
        filed = file_patrol_report(
            s,
            unit_id=_unit_id(s, args.callsign),
            category=args.category,
            priority=args.priority,
            description=args.description,
            address=args.address,
            actor=actor,
        )
        case = filed.intake.case
        return {
            "case": case.number,
            "channel": case.channel.value,
            "unit": filed.callsign,
            "lat": case.lat,
            "lon": case.lon,
            "grid": filed.intake.grid_code,
            "township": filed.intake.township_name,
            "shift_id": filed.shift_id,
            "plan": filed.plan,
            "duplicates": filed.intake.duplicates,
        }

    return _print_transaction(ctx, work)


def run_suggest(ctx: CliContext) -> int:
    from ..patrol.suggest import suggest_plans

    if ctx.args.days is not None and not 1 <= ctx.args.days <= 365:
        raise CliError.from_service(ValidationError("days", "must be between 1 and 365"))
    with ctx.db.session() as s:
        suggestions = suggest_plans(s, now=utcnow(), days=ctx.args.days)
    if ctx.args.out is not None:
        extra = {sg.draft.name: {"cases": list(sg.cases), "note": f"{len(sg.cases)} cases"} for sg in suggestions}
        doc = plans_geojson([sg.draft for sg in suggestions], extra=extra)
        try:
            ctx.args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as exc:
            raise CliError(
                {"error": "invalid", "field": "out", "message": f"cannot write {ctx.args.out}: {exc.strerror}"}
            ) from None
    ctx.print_json({"suggestions": [sg.as_dict() for sg in suggestions]})
    return 0


def run_track(ctx: CliContext) -> int:
    from ..patrol.config import patrol_settings
    from ..patrol.playback import playback
    from ..patrol.shifts import shift_view

    args = ctx.args
    try:
        with ctx.db.session() as s:
            unit_id = _unit_id(s, args.callsign)
            if args.shift is not None:
                view = shift_view(s, args.shift, now=utcnow())
                start, end = view.starts_at, view.ends_at + timedelta(seconds=patrol_settings().late_grace_s)
            else:
                end = _time(args.end, "to") or utcnow()
                start = _time(args.start, "from") or end - timedelta(hours=24)
            if end <= start:
                raise ValidationError("to", "is not after --from")
            if end - start > timedelta(days=7):
                raise ValidationError("to", "a track covers at most 7 days")
            data = playback(s, [unit_id], start, end).as_dict()
    except ServiceError as exc:
        raise _fail(exc) from None
    ctx.print_json(data)
    return 0
