"""`unit status CALLSIGN en_route|on_scene|available|off_duty`: a unit's status as the console's F6/F7/F8 set it;
its case follows (on scene, cleared, or back to received when its only unit is recalled before arriving)."""

from __future__ import annotations

import argparse
from typing import Any

from .context import CliContext
from .operations import print_outcome, run_operation

STATUSES = "en_route|on_scene|available|off_duty"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("unit", help="act on a unit")
    what = p.add_subparsers(dest="what", metavar="ACTION", required=True)
    s = what.add_parser("status", help="set a unit's status")
    s.add_argument("callsign", metavar="CALLSIGN")
    s.add_argument("status", metavar=STATUSES)
    s.set_defaults(func=run_status)


def run_status(ctx: CliContext) -> int:
    return print_outcome(ctx, run_operation(ctx, "unit.status", callsign=ctx.args.callsign, status=ctx.args.status))
