"""`prune --positions-older-than 90d [--batch N]`: retention of the position history (`services/retention.py`).
Events are the audit trail and are never pruned."""

from __future__ import annotations

import argparse
from typing import Any

from ..services.retention import BATCH, parse_age, prune_positions
from .context import CliContext
from .maintenance import maintainer, run_clean, whole_number


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("prune", help="delete position history older than a duration")
    p.add_argument(
        "--positions-older-than",
        required=True,
        metavar="AGE",
        help="e.g. 90d (days), 12h (hours), 4w (weeks)",
    )
    p.add_argument(
        "--batch", type=whole_number(100, 1000000), default=BATCH, help=f"rows per transaction (default {BATCH})"
    )
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    actor = maintainer(ctx)
    age = run_clean(lambda: parse_age(ctx.args.positions_older_than))
    report = run_clean(lambda: prune_positions(ctx.db, older_than=age, actor=actor, batch=ctx.args.batch))
    ctx.print_json(report.as_dict())
    return 0
