"""Key sites and their readiness: `sites import FILE.geojson`, `readiness [--format json|csv]` and
`relocate CALLSIGN --site CODE` (the relocation order a readiness suggestion proposes), through the operations
`sites.import`, `sites.readiness` and `sites.relocate`."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from .context import CliContext
from .files import read_text
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("sites", help="key sites (重点单位)")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    c = what.add_parser("import", help="GeoJSON Point features with properties code, name, kind, target_min")
    c.add_argument("file", type=Path)
    c.set_defaults(func=run_import)

    r: argparse.ArgumentParser = sub.add_parser(
        "readiness", help="share of key sites an available unit reaches within the site's target (1/3/5 min)"
    )
    r.add_argument("--format", choices=["json", "csv"], default="json")
    r.add_argument("--moves", type=int, metavar="N", help="suggest at most N relocations (default: patrol.toml)")
    r.set_defaults(func=run_readiness)

    m: argparse.ArgumentParser = sub.add_parser("relocate", help="order an available unit to stand by at a key site")
    m.add_argument("callsign")
    m.add_argument("--site", required=True, metavar="CODE")
    m.add_argument("--covers", default="", metavar="CODES", help="codes of the sites the move covers, ';'-separated")
    m.set_defaults(func=run_relocate)


def run_import(ctx: CliContext) -> int:
    ctx.print_json(run_operation(ctx, "sites.import", text=read_text(ctx.args.file)).value)
    return 0


def run_readiness(ctx: CliContext) -> int:
    value = run_operation(ctx, "sites.readiness", moves=ctx.args.moves).value
    sites = value.pop("all_sites")
    if ctx.args.format == "csv":
        fields = [
            "code",
            "name",
            "kind",
            "lat",
            "lon",
            "target_min",
            "covered",
            "best_unit",
            "best_eta_s",
            "units_within",
        ]
        writer = csv.DictWriter(ctx.out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for site in sites:
            writer.writerow(site)
        return 0
    ctx.print_json(value)
    return 0


def run_relocate(ctx: CliContext) -> int:
    covers = [c.strip() for c in ctx.args.covers.split(";") if c.strip()]
    args = ctx.args
    ctx.print_json(run_operation(ctx, "sites.relocate", callsign=args.callsign, site=args.site, covers=covers).value)
    return 0
