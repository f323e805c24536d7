"""`recommend CASE_NUMBER` and `dispatch CASE_NUMBER [--unit CALLSIGN]`."""

from __future__ import annotations

import argparse
import math
from typing import Any

from sqlalchemy import select

from ..db import write_transaction
from ..models import Unit
from ..services import dispatch
from ..services.errors import NotFound, ServiceError, UnitUnavailable
from ..services.queries import case_by_number
from .context import CliContext, CliError
from .identity import cli_actor


def register(sub: Any) -> None:
    r: argparse.ArgumentParser = sub.add_parser("recommend", help="the best available units for a case")
    r.add_argument("case_number")
    r.add_argument("--limit", type=int, default=3)
    r.set_defaults(func=run_recommend)
    d: argparse.ArgumentParser = sub.add_parser("dispatch", help="dispatch a unit (default: the top recommendation)")
    d.add_argument("case_number")
    d.add_argument("--unit", metavar="CALLSIGN")
    d.set_defaults(func=run_dispatch)


def run_recommend(ctx: CliContext) -> int:
    try:
        with ctx.db.session() as s:
            case = case_by_number(s, ctx.args.case_number)
            recs = dispatch.recommend(s, case.id, limit=max(1, ctx.args.limit))
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json(
        {
            "case": ctx.args.case_number,
            "recommendations": [
                {
                    "callsign": r.callsign,
                    "kind": r.kind.value,
                    "distance_m": round(r.distance_m) if math.isfinite(r.distance_m) else None,
                    "eta_s": round(r.eta_s) if math.isfinite(r.eta_s) else None,
                    "route": r.route,
                    "reachable": math.isfinite(r.eta_s),
                    "reasons": list(r.reasons),
                }
                for r in recs
            ],
        }
    )
    return 0


def run_dispatch(ctx: CliContext) -> int:
    actor = cli_actor(ctx)
    number = ctx.args.case_number
    callsign = ctx.args.unit

    def work(s: Any) -> dict[str, Any]:
        case = case_by_number(s, number)
        if callsign:
            unit_id = s.scalars(select(Unit.id).where(Unit.callsign == callsign)).first()
            if unit_id is None:
                raise NotFound("unit", callsign)
            d = dispatch.dispatch_unit(s, case_id=case.id, unit_id=unit_id, actor=actor)
        else:
            d = dispatch.dispatch_nearest(s, case_id=case.id, actor=actor)
        unit = s.get(Unit, d.unit_id)
        return {
            "case": number,
            "unit": unit.callsign if unit else None,
            "dispatched_by": d.dispatched_by,
            "dispatched_at": d.dispatched_at.isoformat(),
            "eta_s": None if d.eta_s is None else round(d.eta_s),
        }

    try:
        ctx.print_json(write_transaction(ctx.db.sessions, work))
    except UnitUnavailable as exc:
        raise CliError.from_service(exc, exit_code=4) from None
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    return 0
