"""`import grids FILE.geojson` and `import units FILE.csv`: all or nothing, errors name the feature/line and field.
The console's first-run dialog runs the same operations (`import.grids`, `import.units`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..services.errors import ServiceError
from .context import CliContext, CliError
from .operations import run_operation


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("import", help="import grids (GeoJSON) or units (CSV)")
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    g = what.add_parser("grids", help="FeatureCollection of Polygon/MultiPolygon with properties code, name, township")
    g.add_argument("file", type=Path)
    g.set_defaults(func=run_grids)
    u = what.add_parser("units", help="CSV: callsign,kind,tracker_id,lat,lon,home_grid,capabilities (';'-separated)")
    u.add_argument("file", type=Path)
    u.set_defaults(func=run_units)


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
