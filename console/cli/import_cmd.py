"""`import grids FILE.geojson`, `import units FILE.csv` and `import roads FILE` (GeoJSON, .osm, .osm.pbf): all or
nothing, errors name the feature, line or way and the field."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..db import write_transaction
from ..services import county_import
from ..services.actor import SYSTEM
from ..services.errors import ServiceError, ValidationError
from .context import CliContext, CliError
from .identity import cli_actor


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


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliError({"error": "invalid", "field": "file", "message": f"file not found: {path}"}) from None
    except UnicodeDecodeError as exc:
        raise CliError({"error": "invalid", "field": "file", "message": f"not UTF-8 text: {exc.reason}"}) from None


def run_grids(ctx: CliContext) -> int:
    text = _read(ctx.args.file)
    try:
        records = county_import.parse_grids_geojson(text)
        actor = cli_actor(ctx, default=SYSTEM)
        with ctx.progress("importing grids", len(records)) as bar:
            report = write_transaction(ctx.db.sessions, lambda s: county_import.import_grids(s, records, actor=actor))
            bar.advance(len(records))
    except (ValidationError, ServiceError) as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json({"grids": report.as_dict()})
    return 0


def run_units(ctx: CliContext) -> int:
    text = _read(ctx.args.file)
    try:
        records = county_import.parse_units_csv(text)
        actor = cli_actor(ctx, default=SYSTEM)
        with ctx.progress("importing units", len(records)) as bar:
            report = write_transaction(ctx.db.sessions, lambda s: county_import.import_units(s, records, actor=actor))
            bar.advance(len(records))
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json({"units": report.as_dict()})
    return 0


def run_roads(ctx: CliContext) -> int:
    from ..services import road_files, road_import

    path: Path = ctx.args.file
    try:
        if road_files.is_osm_file(path):
            if not path.is_file():
                raise CliError({"error": "invalid", "field": "file", "message": f"file not found: {path}"})
            data = road_files.parse_roads_osm(path)
        else:
            data = road_files.parse_roads_geojson(_read(path))
        actor = cli_actor(ctx, default=SYSTEM)
        with ctx.progress("importing roads", data.edge_count) as bar:
            report = write_transaction(
                ctx.db.sessions, lambda s: road_import.import_roads(s, data, actor=actor, source=path.name)
            )
            bar.advance(data.edge_count)
    except ServiceError as exc:
        raise CliError.from_service(exc) from None
    ctx.print_json({"roads": report.as_dict()})
    return 0
