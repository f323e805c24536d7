"""`import grids FILE.geojson`, `import units FILE.csv` and `import roads FILE` (GeoJSON, .osm, .osm.pbf): all or
nothing, errors name the feature, line or way and the field. The console's first-run dialog runs the same
operations (`import.grids`, `import.units`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..services.errors import ServiceError
from .context import CliContext, CliError
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("import", help="import grids (GeoJSON), units (CSV) or roads")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    g = what.add_parser("grids", help="FeatureCollection of Polygon/MultiPolygon with properties code, name, township")
    g.add_argument("file", type=Path)
    g.set_defaults(func=run_grids)
    u = what.add_parser("units", help="CSV: callsign,kind,tracker_id,lat,lon,home_grid,capabilities (';'-separated)")
    u.add_argument("file", type=Path)
    u.set_defaults(func=run_units)
    r = what.add_parser(
        "roads",
        help="the road network: GeoJSON lines with properties class, oneway, maxspeed_kmh, name; or OSM .osm/.osm.pbf",
    )
    r.add_argument("file", type=Path)
    r.set_defaults(func=run_roads)
    pl = what.add_parser(
        "places",
        help="the county's gazetteer (标准地址库): CSV name,kind,lat,lon or GeoJSON Points with properties name, kind",
    )
    pl.add_argument("file", type=Path)
    pl.set_defaults(func=run_places)


def _read(path: Path) -> str:
    from ..ops.setup import read_text_file

    try:
        return read_text_file(path, "file")
    except ServiceError as exc:
        raise CliError.from_service(exc) from None


def _run(ctx: CliContext, name: str, label: str) -> dict[str, int]:
    text = _read(ctx.args.file)
    with ctx.progress(f"importing {label}") as bar:
        report: dict[str, int] = run_operation(ctx, name, text=text).value
        bar.advance(report["created"] + report["updated"])
    return report


def run_grids(ctx: CliContext) -> int:
    ctx.print_json({"grids": _run(ctx, "import.grids", "grids")})
    return 0


def run_units(ctx: CliContext) -> int:
    ctx.print_json({"units": _run(ctx, "import.units", "units")})
    return 0


def run_roads(ctx: CliContext) -> int:
    with ctx.progress("importing roads") as bar:
        report: dict[str, Any] = run_operation(ctx, "import.roads", path=str(ctx.args.file)).value
        bar.advance(int(report.get("edges", 0)))
    ctx.print_json({"roads": report})
    return 0


def run_places(ctx: CliContext) -> int:
    ctx.print_json({"places": _run(ctx, "import.places", "places")})
    return 0
