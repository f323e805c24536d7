"""Key sites and their readiness: `sites import FILE.geojson`, `readiness [--format json|csv]` and
`relocate CALLSIGN --site CODE` (the relocation order a readiness suggestion proposes)."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..db import write_transaction
from ..models import Unit
from ..patrol.readiness import readiness
from ..services.errors import NotFound, ServiceError, UnitUnavailable, ValidationError
from ..timeutil import utcnow
from .context import CliContext, CliError
from .files import read_text
from .identity import cli_actor


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
    from ..services.key_sites import import_sites, parse_sites_geojson

    text = read_text(ctx.args.file)
    try:
        records = parse_sites_geojson(text)
        actor = cli_actor(ctx)
        report = write_transaction(ctx.db.sessions, lambda s: import_sites(s, records, actor=actor))
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json({"sites": report.as_dict()})
    return 0


def run_readiness(ctx: CliContext) -> int:
    moves = ctx.args.moves
    if moves is not None and not 0 <= moves <= 50:
        raise CliError.from_service(ValidationError("moves", "must be between 0 and 50"))
    with ctx.db.session() as s:
        result = readiness(s, now=utcnow(), max_moves=moves)
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
        for site in result.sites:
            writer.writerow(site.as_dict())
        return 0
    ctx.print_json(result.as_dict())
    return 0


def run_relocate(ctx: CliContext) -> int:
    from ..services.relocation import order_relocation

    actor = cli_actor(ctx)
    covers = [c.strip() for c in ctx.args.covers.split(";") if c.strip()]

    def work(s: Any) -> dict[str, Any]:
        unit_id = s.scalars(select(Unit.id).where(Unit.callsign == ctx.args.callsign)).first()
        if unit_id is None:
            raise NotFound("unit", ctx.args.callsign)
        order = order_relocation(s, unit_id=unit_id, site_code=ctx.args.site, covers=covers, actor=actor)
        return {
            "relocation_id": order.id,
            "unit": ctx.args.callsign,
            "site": ctx.args.site,
            "lat": order.lat,
            "lon": order.lon,
            "covers": order.covers,
            "ordered_by": order.ordered_by,
            "ordered_at": order.ordered_at.isoformat(),
        }

    try:
        ctx.print_json(write_transaction(ctx.db.sessions, work))
    except ServiceError as exc:
        raise CliError.from_service(exc, exit_code=4 if isinstance(exc, UnitUnavailable) else 2) from None
    return 0
