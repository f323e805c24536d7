"""`campaign …`: screening campaigns (排查).

campaign templates
campaign create [NAME] (--template CODE | --focus CATEGORY [--visit household|venue]) [--due DATE]
                (--grids CODE,… | --townships NAME,…)
campaign list
campaign progress NAME
campaign record NAME --grid CODE --place TEXT (--nothing | --finding TEXT [--priority P] [--category C])
                [--note TEXT] [--at LAT,LON]
"""

from __future__ import annotations

import argparse
from typing import Any

from ..services.errors import ValidationError
from .context import CliContext, CliError
from .operations import run_operation


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _templates(ctx: CliContext) -> int:
    found = run_operation(ctx, "campaign.templates").value
    ctx.print_json({code: t.model_dump(mode="json") for code, t in found.items()})
    return 0


def _create(ctx: CliContext) -> int:
    a = ctx.args
    result = run_operation(
        ctx,
        "campaign.create",
        name=a.name,
        template=a.template,
        focus=a.focus,
        visit=a.visit,
        due=a.due,
        grids=_names(a.grids),
        townships=_names(a.townships),
    ).value
    ctx.print_json(result.as_dict())
    return 0


def _list(ctx: CliContext) -> int:
    rows = run_operation(ctx, "campaign.list").value
    ctx.print_json({"campaigns": [{k: v for k, v in r.as_dict().items() if k != "grids"} for r in rows]})
    return 0


def _progress(ctx: CliContext) -> int:
    ctx.print_json(run_operation(ctx, "campaign.progress", campaign=ctx.args.name).value.as_dict())
    return 0


def _at(value: str | None) -> tuple[float | None, float | None]:
    if not value:
        return None, None
    try:
        lat, lon = (float(v) for v in value.split(","))
    except ValueError:
        raise CliError.from_service(ValidationError("at", "must be LAT,LON")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CliError.from_service(ValidationError("at", "is out of range"))
    return lat, lon


def _record(ctx: CliContext) -> int:
    a = ctx.args
    if a.nothing == (a.finding is not None):
        raise CliError.from_service(ValidationError("finding", "give --nothing or --finding TEXT"))
    lat, lon = _at(a.at)
    visit = run_operation(
        ctx,
        "campaign.record",
        campaign=a.name,
        grid=a.grid,
        place=a.place,
        result="nothing" if a.nothing else "finding",
        note=a.note,
        finding=a.finding,
        priority=a.priority,
        category=a.category,
        lat=lat,
        lon=lon,
    ).value
    ctx.print_json(visit.as_dict())
    return 0


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("campaign", help="screening campaigns (排查)")
    steps = p.add_subparsers(dest="step", metavar="STEP", required=True)
    steps.add_parser("templates", help="the seasonal templates").set_defaults(func=_templates)
    c = steps.add_parser("create", help="start a campaign over grids or townships")
    c.add_argument("name", nargs="?", metavar="NAME", help="default: the year and the template's name")
    c.add_argument("--template", metavar="CODE")
    c.add_argument("--focus", metavar="CATEGORY")
    c.add_argument("--visit", metavar="household|venue")
    c.add_argument("--due", metavar="DATE", help="default: the template's length from today")
    c.add_argument("--grids", metavar="CODE,…")
    c.add_argument("--townships", metavar="NAME,…")
    c.set_defaults(func=_create)
    steps.add_parser("list", help="campaigns with their totals").set_defaults(func=_list)
    g = steps.add_parser("progress", help="a campaign's progress per township and grid")
    g.add_argument("name", metavar="NAME")
    g.set_defaults(func=_progress)
    r = steps.add_parser("record", help="a household or venue visited")
    r.add_argument("name", metavar="NAME")
    r.add_argument("--grid", required=True, metavar="CODE")
    r.add_argument("--place", required=True, help="the household or venue")
    r.add_argument("--nothing", action="store_true", help="nothing found")
    r.add_argument("--finding", metavar="TEXT", help="what was found: becomes a case (channel grid_report)")
    r.add_argument("--priority", default="yellow")
    r.add_argument("--category", help="default: the campaign's focus")
    r.add_argument("--note")
    r.add_argument("--at", metavar="LAT,LON", help="where (default: the grid's middle)")
    r.set_defaults(func=_record)
