"""`roads info`, `route CASE_NUMBER --unit CALLSIGN` and `reach (--unit CALLSIGN | --at LAT,LON) [--minutes 1,3,5]`,
through the operations `roads.info`, `roads.route` and `roads.reach`."""

from __future__ import annotations

import argparse
from typing import Any

from ..enums import UnitKind
from ..services.errors import ValidationError
from .context import CliContext, CliError
from .operations import run_operation


def register(sub: Any) -> None:
    r: argparse.ArgumentParser = sub.add_parser("roads", help="the road network in use")
    what = r.add_subparsers(dest="what", metavar="WHAT", required=True)
    info = what.add_parser("info", help="the network in use: id, source, nodes, edges")
    info.set_defaults(func=run_info)
    rt: argparse.ArgumentParser = sub.add_parser("route", help="a unit's way to a case (GeoJSON LineString)")
    rt.add_argument("case_number")
    rt.add_argument("--unit", metavar="CALLSIGN", required=True)
    rt.set_defaults(func=run_route)
    rc: argparse.ArgumentParser = sub.add_parser("reach", help="reach outlines (isochrones) as GeoJSON")
    where = rc.add_mutually_exclusive_group(required=True)
    where.add_argument("--unit", metavar="CALLSIGN", help="where this unit gets to")
    where.add_argument("--at", metavar="LAT,LON", help="a place (a key site)")
    rc.add_argument("--kind", choices=[k.value for k in UnitKind], default=UnitKind.PATROL_CAR.value)
    rc.add_argument("--towards", action="store_true", help="with --at: from where units reach the place")
    rc.add_argument("--minutes", default="1,3,5", help="comma-separated times (default 1,3,5)")
    rc.set_defaults(func=run_reach)


def run_info(ctx: CliContext) -> int:
    ctx.print_json({"network": run_operation(ctx, "roads.info").value})
    return 0


def run_route(ctx: CliContext) -> int:
    ctx.print_json(run_operation(ctx, "roads.route", number=ctx.args.case_number, callsign=ctx.args.unit).value)
    return 0


def _floats(text: str, field: str, count: int | None = None) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise CliError.from_service(ValidationError(field, f"must be comma-separated numbers, not {text!r}")) from None
    if count is not None and len(values) != count:
        raise CliError.from_service(ValidationError(field, f"needs {count} numbers"))
    return values


def run_reach(ctx: CliContext) -> int:
    minutes = _floats(ctx.args.minutes, "minutes")
    where: dict[str, Any] = {"callsign": ctx.args.unit}
    if not ctx.args.unit:
        lat, lon = _floats(ctx.args.at, "at", 2)
        where = {"lat": lat, "lon": lon, "kind": ctx.args.kind, "towards": ctx.args.towards}
    ctx.print_json(run_operation(ctx, "roads.reach", minutes=minutes, **where).value)
    return 0
