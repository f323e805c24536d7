"""`init [--demo]`: create or upgrade the schema (Alembic to head); optionally fill the demo county. The console's
first start runs the same operations (`schema.upgrade`, `setup.demo`)."""

from __future__ import annotations

import argparse
from typing import Any

from ..services.actor import SYSTEM
from .context import CliContext
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("init", help="create or upgrade the database schema")
    p.add_argument(
        "--demo", action="store_true", help="also generate the demo county (refused on a non-empty database)"
    )
    p.add_argument("--seed", type=int, default=20261123, help="seed of the demo generator")
    p.add_argument(
        "--fresh",
        action="store_true",
        help="with --demo on SQLite: build the demo county anew instead of copying the prepared one",
    )
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    report: dict[str, Any] = dict(run_operation(ctx, "schema.upgrade", actor=SYSTEM).value)
    if ctx.args.demo:
        with ctx.progress("demo county") as bar:
            last_stage: list[str] = [""]

            def progress(stage: str, done: int, total: int) -> None:
                if stage != last_stage[0]:
                    bar.finish()
                    bar.label, bar.done, bar.total, last_stage[0] = stage, 0, total, stage
                bar.set_total(total)
                bar.advance(done - bar.done)

            report["demo"] = run_operation(
                ctx, "setup.demo", actor=SYSTEM, seed=ctx.args.seed, progress=progress, prepared=not ctx.args.fresh
            ).value
    ctx.print_json(report)
    return 0
