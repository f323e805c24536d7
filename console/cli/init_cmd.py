"""`init [--demo]`: create or upgrade the schema (Alembic to head); optionally fill the demo county."""

from __future__ import annotations

import argparse
from typing import Any

from ..db import current_revision, head_revision, upgrade_to_head
from .context import CliContext, CliError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("init", help="create or upgrade the database schema")
    p.add_argument(
        "--demo", action="store_true", help="also generate the demo county (refused on a non-empty database)"
    )
    p.add_argument("--seed", type=int, default=20261123, help="seed of the demo generator")
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    db = ctx.db
    before = current_revision(db.engine)
    upgrade_to_head(db.engine)
    report: dict[str, Any] = {
        "database": db.engine.url.render_as_string(hide_password=True),
        "from_revision": before,
        "revision": head_revision(db.engine),
    }
    if ctx.args.demo:
        from ..demo import build_demo
        from ..services.queries import database_is_empty

        with db.session() as s:
            empty = database_is_empty(s)
        if not empty:
            raise CliError(
                {"error": "not_empty", "message": "the database already holds data; --demo needs an empty one"}
            )
        with ctx.progress("demo county") as bar:
            last_stage: list[str] = [""]

            def progress(stage: str, done: int, total: int) -> None:
                if stage != last_stage[0]:
                    bar.finish()
                    bar.label, bar.done, bar.total, last_stage[0] = stage, 0, total, stage
                bar.set_total(total)
                bar.advance(done - bar.done)

            summary = build_demo(db, seed=ctx.args.seed, progress=progress)
        report["demo"] = summary.as_dict() if hasattr(summary, "as_dict") else str(summary)
    ctx.print_json(report)
    return 0
