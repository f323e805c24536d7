"""`report --from DATE --to DATE --out FILE.xlsx|FILE.csv`: the period's figures and cases for a shift report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..reports import write_report
from ..services.errors import ValidationError
from ..timeutil import utcnow
from .context import CliContext, CliError
from .identity import cli_actor
from .kpi_cmd import add_period_args, period_of


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("report", help="export a period's figures and cases (XLSX or CSV)")
    add_period_args(p)
    p.add_argument("--out", metavar="FILE", required=True, help="FILE.xlsx, or FILE.csv (+ -intervals/-cases.csv)")
    p.set_defaults(func=run)


def run(ctx: CliContext) -> int:
    start, end = period_of(ctx.args)
    out = Path(ctx.args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise CliError.from_service(ValidationError("out", "must end in .xlsx or .csv"))
    viewer = cli_actor(ctx)
    with ctx.db.session() as s, ctx.progress("report") as bar:

        def progress(done: int, total: int) -> None:
            bar.set_total(total)
            bar.advance(done - bar.done)

        summary = write_report(s, start=start, end=end, path=out, now=utcnow(), viewer=viewer, progress=progress)
    ctx.print_json(
        {"files": [str(f) for f in summary.files], "cases": summary.cases, "figure_rows": summary.figure_rows}
    )
    return 0
