"""`partitions [--ahead N]`: create the time partitions of positions (days) and events (months) ahead of now, on
PostgreSQL (`console/db/partitions.py`); run it daily from a timer with the owner's login (the feeds process also
runs it hourly when its login may). On SQLite it reports that there is nothing to do."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from ..db.partitions import TABLES, ensure_partitions, is_partitioned, list_partitions
from ..timeutil import utcnow
from .context import CliContext
from .maintenance import clean_errors, maintainer, whole_number


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "partitions", help="PostgreSQL: create the positions' and events' time partitions ahead of now"
    )
    p.add_argument(
        "--ahead",
        type=whole_number(0, 366),
        metavar="N",
        help="partitions to keep ready past now (default: 14 days of positions, 3 months of events)",
    )
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    maintainer(ctx)
    with clean_errors(), ctx.db.engine.begin() as conn:
        created = ensure_partitions(conn, now=utcnow(), ahead=ctx.args.ahead)
        tables = {}
        for table in TABLES:
            if is_partitioned(conn, table.name):
                parts = list_partitions(conn, table.name)
                dated = [p for p in parts if p.start is not None and p.end is not None]
                tables[table.name] = {
                    "partitions": len(parts),
                    "first": _iso(dated[0].start) if dated else None,
                    "until": _iso(dated[-1].end) if dated else None,
                }
    ctx.print_json({"partitioned": bool(tables), "created": created, "tables": tables})
    return 0
