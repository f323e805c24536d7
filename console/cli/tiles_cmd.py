"""`tiles fetch --url TEMPLATE --bbox W,S,E,N --zoom 10-16 --out FILE.mbtiles`: prefetch basemap tiles.

Prints the tile count first; above `--limit` tiles it asks for confirmation on a terminal (`--yes` skips the
question; without a terminal and without `--yes` it refuses). Polite (`--rate` requests per second), resumable
(tiles already in the file are skipped), with a progress bar on stderr. Prints the counts as JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..feeds.http import FeedError
from ..feeds.tiles import MBTilesWriter, check_template, count_tiles, parse_bbox, parse_zooms, prefetch
from ..services.errors import ValidationError
from .context import CliContext, CliError

#: Above this many tiles to fetch, ask before starting.
DEFAULT_LIMIT = 5000


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("tiles", help="basemap tiles for offline maps")
    tiles_sub = p.add_subparsers(dest="tiles_command", metavar="ACTION", required=True)
    f = tiles_sub.add_parser("fetch", help="prefetch the tiles of a box from a tile server into an MBTiles file")
    f.add_argument("--url", required=True, metavar="TEMPLATE", help="tile URL with {z}, {x}, {y} (or {-y})")
    f.add_argument("--bbox", required=True, metavar="W,S,E,N", help="box in degrees: west,south,east,north")
    f.add_argument("--zoom", required=True, metavar="Z|ZMIN-ZMAX", help="zoom levels, e.g. 10-16")
    f.add_argument("--out", required=True, metavar="FILE.mbtiles", help="MBTiles file (created or resumed)")
    f.add_argument("--rate", type=float, default=4.0, metavar="N", help="at most N requests per second (default 4)")
    f.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N", help="ask above N tiles to fetch")
    f.add_argument("--attribution", metavar="TEXT", help="attribution text stored in the metadata")
    f.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    f.set_defaults(func=run)


def _confirm(ctx: CliContext, to_fetch: int, host: str) -> None:
    args = ctx.args
    if args.yes or to_fetch <= args.limit:
        return
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        raise CliError(
            {
                "error": "confirmation_required",
                "message": f"{to_fetch} tiles to fetch is above the limit of {args.limit}; "
                "pass --yes to fetch them anyway, or choose a smaller box or fewer zoom levels",
                "tiles": to_fetch,
                "limit": args.limit,
            },
            2,
        )
    ctx.err.write(f"Fetch {to_fetch} tiles from {host} (at most {args.rate:g} per second)? [y/N] ")
    ctx.err.flush()
    answer = stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise CliError({"error": "cancelled", "message": "nothing fetched"}, 1)


def run(ctx: CliContext) -> int:
    args = ctx.args
    try:
        template = check_template(args.url)
        bbox = parse_bbox(args.bbox)
        zooms = parse_zooms(args.zoom)
        if not args.rate > 0:
            raise ValidationError("rate", "must be more than 0")
        total = count_tiles(bbox, zooms)
        stored = 0
        if Path(args.out).exists():  # resuming: count what is there (tiles outside the box too: an estimate)
            writer = MBTilesWriter(args.out)
            stored = sum(len(writer.stored(z)) for z in zooms)
            writer.close()
    except ValidationError as exc:
        raise CliError.from_service(exc) from None
    to_fetch = max(0, total - stored)
    ctx.err.write(f"{total} tiles in the box at zoom {zooms.start}-{zooms.stop - 1}; about {to_fetch} to fetch\n")
    _confirm(ctx, to_fetch, urlparse(template.replace("{", "").replace("}", "")).netloc)
    try:
        with ctx.progress("tiles", total) as bar:
            try:
                report = prefetch(
                    template, bbox, zooms, args.out, rate=args.rate, progress=bar.advance, attribution=args.attribution
                )
            except KeyboardInterrupt:
                ctx.err.write("\ninterrupted; run the same command again to resume\n")
                return 130
    except FeedError as exc:
        raise CliError(
            {"error": "tile_server", "message": f"{exc.message}; tiles fetched so far are kept, run again to resume"},
            1,
        ) from None
    ctx.print_json({"out": str(args.out), **report.as_dict()})
    return 0
