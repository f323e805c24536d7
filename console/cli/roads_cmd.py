"""`roads info`, `route CASE_NUMBER --unit CALLSIGN` and `reach (--unit CALLSIGN | --at LAT,LON) [--minutes 1,3,5]`."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import select

from ..enums import UnitKind
from ..models import Unit
from ..services import routing
from ..services.errors import NotFound, ServiceError, ValidationError
from ..services.queries import case_by_number
from .context import CliContext, CliError


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


def _unit_id(s: Any, callsign: str) -> int:
    unit_id = s.scalars(select(Unit.id).where(Unit.callsign == callsign)).first()
    if unit_id is None:
        raise NotFound("unit", callsign)
    return int(unit_id)


def run_info(ctx: CliContext) -> int:
    with ctx.db.session() as s:
        ctx.print_json({"network": routing.network_summary(s)})
    return 0


def run_route(ctx: CliContext) -> int:
    try:
        with ctx.db.session() as s:
            case = case_by_number(s, ctx.args.case_number)
            route = routing.unit_route(s, unit_id=_unit_id(s, ctx.args.unit), case_id=case.id)
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json(route.as_geojson())
    return 0


def _floats(text: str, field: str, count: int | None = None) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValidationError(field, f"must be comma-separated numbers, not {text!r}") from None
    if count is not None and len(values) != count:
        raise ValidationError(field, f"needs {count} numbers")
    return values


def run_reach(ctx: CliContext) -> int:
    try:
        minutes = _floats(ctx.args.minutes, "minutes")
        with ctx.db.session() as s:
            if ctx.args.unit:
                result = routing.unit_reach(s, unit_id=_unit_id(s, ctx.args.unit), minutes=minutes)
            else:
                lat, lon = _floats(ctx.args.at, "at", 2)
                result = routing.reach(
                    s, lat=lat, lon=lon, kind=UnitKind(ctx.args.kind), minutes=minutes, towards=ctx.args.towards
                )
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json(result)
    return 0
