"""`positions import FILE.csv`: GPS history from a tracker server (header tracker_id|callsign,fix_at,lat,lon
[,speed_kmh,course]); checked whole first, stored in one transaction, matched against the patrol shifts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..db import write_transaction
from ..services.actor import SYSTEM
from ..services.errors import ServiceError
from ..services.positions_import import import_positions, parse_positions_csv
from .context import CliContext, CliError
from .files import read_text
from .identity import cli_actor


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("positions", help="GPS position history")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    c = what.add_parser("import", help="CSV: tracker_id (or callsign),fix_at,lat,lon[,speed_kmh,course]")
    c.add_argument("file", type=Path)
    c.add_argument("--source", default="import", help="source name stored with the fixes (default import)")
    c.set_defaults(func=run_import)


def run_import(ctx: CliContext) -> int:
    text = read_text(ctx.args.file)
    try:
        key, rows = parse_positions_csv(text)
        actor = cli_actor(ctx, default=SYSTEM)
        with ctx.progress("importing positions", len(rows)) as bar:
            report = write_transaction(
                ctx.db.sessions,
                lambda s: import_positions(s, key, rows, actor=actor, source=ctx.args.source[:32]),
            )
            bar.advance(len(rows))
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json({"positions": report.as_dict()})
    return 0
