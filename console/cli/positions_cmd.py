"""`positions import FILE.csv`: GPS history from a tracker server (header tracker_id|callsign,fix_at,lat,lon
[,speed_kmh,course]); checked whole first, stored in one transaction, matched against the patrol shifts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..services.actor import SYSTEM
from .context import CliContext
from .files import read_text
from .identity import cli_actor
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("positions", help="GPS position history")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    c = what.add_parser("import", help="CSV: tracker_id (or callsign),fix_at,lat,lon[,speed_kmh,course]")
    c.add_argument("file", type=Path)
    c.add_argument("--source", default="import", help="source name stored with the fixes (default import)")
    c.set_defaults(func=run_import)


def run_import(ctx: CliContext) -> int:
    text = read_text(ctx.args.file)
    actor = cli_actor(ctx, default=SYSTEM)
    with ctx.progress("importing positions") as bar:
        result = run_operation(ctx, "positions.import", actor=actor, text=text, source=ctx.args.source)
        bar.advance(result.value["positions"]["rows"])
    ctx.print_json(result.value)
    return 0
