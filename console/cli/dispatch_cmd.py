"""`recommend CASE_NUMBER` and `dispatch CASE_NUMBER [--unit CALLSIGN]`, through the console's operations
(`dispatch.recommend`, `dispatch.unit`, `dispatch.nearest`: without `--unit`, the unit ranked first at that moment,
as F5 in the console)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from .context import CliContext
from .operations import run_operation


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
    recs = run_operation(ctx, "dispatch.recommend", number=ctx.args.case_number, limit=ctx.args.limit).value
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
    number, callsign = ctx.args.case_number, ctx.args.unit
    if callsign:
        result = run_operation(ctx, "dispatch.unit", number=number, callsign=callsign)
    else:
        result = run_operation(ctx, "dispatch.nearest", number=number)
    ctx.print_json(result.value.as_dict())
    return 0
