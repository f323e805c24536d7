"""Tile prefetch: copy the basemap tiles of a box from a tile server into an MBTiles file, for offline maps.

Web tile servers address tiles in XYZ order (row 0 at the north); MBTiles stores TMS rows (row 0 at the south):
`tile_row = 2**z - 1 - y`. The fetch is polite (at most `rate` requests per second, a clear User-Agent), resumes
after an interruption (tiles already in the file are skipped; work is committed every few tiles), and writes the
MBTiles `metadata` table (name, format, bounds, center, minzoom, maxzoom).
"""

from __future__ import annotations

import contextlib
import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..services.errors import ValidationError
from .config import HttpSettings
from .http import FeedError, FeedRemoteError, HttpSource

MAX_LAT = 85.0511287798
MAX_ZOOM = 22
COMMIT_EVERY = 50


@dataclass(frozen=True, slots=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    def as_text(self) -> str:
        return f"{self.west:g},{self.south:g},{self.east:g},{self.north:g}"


def parse_bbox(text: str, field: str = "bbox") -> BBox:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise ValidationError(field, "must be W,S,E,N (four numbers: west, south, east, north)")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValidationError(field, "must be W,S,E,N (four numbers: west, south, east, north)") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValidationError(field, "must be finite numbers")
    if not -180 <= west < east <= 180:
        raise ValidationError(field, "needs -180 ≤ west < east ≤ 180")
    if not -MAX_LAT <= south < north <= MAX_LAT:
        raise ValidationError(field, f"needs -{MAX_LAT:.4f} ≤ south < north ≤ {MAX_LAT:.4f}")
    return BBox(west, south, east, north)


def parse_zooms(text: str, field: str = "zoom") -> range:
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?", text)
    if not match:
        raise ValidationError(field, "must be a zoom level or a range such as 10-16")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if low > high or high > MAX_ZOOM:
        raise ValidationError(field, f"must be levels from 0 to {MAX_ZOOM}, low to high")
    return range(low, high + 1)


def check_template(url: str, field: str = "url") -> str:
    parsed = urlparse(url.replace("{", "").replace("}", ""))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError(field, "must be an http:// or https:// tile URL template")
    if "{z}" not in url or "{x}" not in url or ("{y}" not in url and "{-y}" not in url):
        raise ValidationError(field, "must contain {z}, {x} and {y} (or {-y} for TMS servers)")
    return url


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point (Web Mercator)."""
    n = 1 << z
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_ranges(bbox: BBox, z: int) -> tuple[range, range]:
    x0, y0 = tile_xy(bbox.west, bbox.north, z)
    x1, y1 = tile_xy(bbox.east, bbox.south, z)
    return range(x0, x1 + 1), range(y0, y1 + 1)


def count_tiles(bbox: BBox, zooms: range) -> int:
    total = 0
    for z in zooms:
        xs, ys = tile_ranges(bbox, z)
        total += len(xs) * len(ys)
    return total


def iter_tiles(bbox: BBox, zooms: range) -> Iterator[tuple[int, int, int]]:
    for z in zooms:
        xs, ys = tile_ranges(bbox, z)
        for x in xs:
            for y in ys:
                yield z, x, y


def tile_url(template: str, z: int, x: int, y: int) -> str:
    tms = (1 << z) - 1 - y
    return template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)).replace("{-y}", str(tms))


def image_format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


class MBTilesWriter:
    """An MBTiles file opened for writing (created when missing). Rows are stored in TMS order."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path)
        try:
            self.conn.executescript(
                """
                CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT);
                CREATE UNIQUE INDEX IF NOT EXISTS metadata_name ON metadata (name);
                CREATE TABLE IF NOT EXISTS tiles (
                    zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
                """
            )
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise ValidationError("out", f"{self.path.name} is not an MBTiles file: {exc}") from None

    def stored(self, z: int) -> set[tuple[int, int]]:
        """(x, y) in XYZ order of the tiles stored at zoom z."""
        n = 1 << z
        rows = self.conn.execute("SELECT tile_column, tile_row FROM tiles WHERE zoom_level = ?", (z,))
        return {(x, n - 1 - row) for x, row in rows}

    def put(self, z: int, x: int, y: int, data: bytes) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
            (z, x, (1 << z) - 1 - y, sqlite3.Binary(data)),
        )

    def metadata(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.conn.execute("SELECT name, value FROM metadata")}

    def set_metadata(self, values: dict[str, str]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)", list(values.items()))

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()


@dataclass
class PrefetchReport:
    total: int = 0
    fetched: int = 0
    already_stored: int = 0
    missing: int = 0  # the server has no tile there (404 / 204)
    bytes: int = 0
    interrupted: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "fetched": self.fetched,
            "already_stored": self.already_stored,
            "missing": self.missing,
            "bytes": self.bytes,
            "interrupted": self.interrupted,
        }


class RateLimiter:
    """At most `rate` calls per second (evenly spaced)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        now = self.clock()
        if self._next > now:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def prefetch(
    template: str,
    bbox: BBox,
    zooms: range,
    out: str | Path,
    *,
    rate: float = 4.0,
    http: HttpSettings | None = None,
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    limiter: RateLimiter | None = None,
    attribution: str | None = None,
) -> PrefetchReport:
    """Fill `out` with the tiles of the box; returns counts. Raises FeedError when the server keeps failing
    (what was fetched until then stays stored: run again to resume)."""
    check_template(template)
    client = HttpSource("tiles", "", http or HttpSettings(retries=3, backoff_s=1.0, max_backoff_s=30.0))
    client.session.headers["Accept"] = "image/png,image/jpeg,image/webp,*/*;q=0.5"
    limiter = limiter or RateLimiter(rate)
    report = PrefetchReport(total=count_tiles(bbox, zooms))
    writer = MBTilesWriter(out)
    fmt: str | None = writer.metadata().get("format")
    try:
        pending = 0
        for z in zooms:
            have = writer.stored(z)
            xs, ys = tile_ranges(bbox, z)
            for x in xs:
                for y in ys:
                    if stop is not None and stop.is_set():
                        report.interrupted = True
                        return report
                    if (x, y) in have:
                        report.already_stored += 1
                        if progress:
                            progress(1)
                        continue
                    limiter.wait()
                    try:
                        response = client.request("GET", tile_url(template, z, x, y), authenticate=False)
                    except FeedRemoteError as exc:
                        if exc.status == 404:
                            report.missing += 1
                            if progress:
                                progress(1)
                            continue
                        raise
                    data = response.content
                    if response.status_code == 204 or not data:
                        report.missing += 1
                    else:
                        fmt = fmt or image_format(data)
                        writer.put(z, x, y, data)
                        report.fetched += 1
                        report.bytes += len(data)
                        pending += 1
                        if pending >= COMMIT_EVERY:
                            writer.commit()
                            pending = 0
                    if progress:
                        progress(1)
        return report
    finally:
        _write_metadata(writer, bbox, zooms, fmt, attribution)
        writer.close()
        client.close()


def _write_metadata(writer: MBTilesWriter, bbox: BBox, zooms: range, fmt: str | None, attribution: str | None) -> None:
    old = writer.metadata()
    low, high = zooms.start, zooms.stop - 1
    if "minzoom" in old and "maxzoom" in old:
        with contextlib.suppress(ValueError):
            low, high = min(low, int(old["minzoom"])), max(high, int(old["maxzoom"]))
    if "bounds" in old:
        try:
            w, s, e, n = (float(v) for v in old["bounds"].split(","))
            bbox = BBox(min(w, bbox.west), min(s, bbox.south), max(e, bbox.east), max(n, bbox.north))
        except ValueError:
            pass
    center_zoom = min(high, max(low, (low + high) // 2))
    values = {
        "name": old.get("name") or writer.path.stem,
        "type": "baselayer",
        "version": "1.1",
        "description": old.get("description") or "Basemap tiles prefetched by dispatch-console",
        "format": fmt or old.get("format") or "png",
        "bounds": bbox.as_text(),
        "center": f"{(bbox.west + bbox.east) / 2:.6f},{(bbox.south + bbox.north) / 2:.6f},{center_zoom}",
        "minzoom": str(low),
        "maxzoom": str(high),
    }
    if attribution:
        values["attribution"] = attribution
    writer.set_metadata(values)


__all__ = [
    "BBox",
    "FeedError",
    "MBTilesWriter",
    "PrefetchReport",
    "RateLimiter",
    "check_template",
    "count_tiles",
    "iter_tiles",
    "parse_bbox",
    "parse_zooms",
    "prefetch",
    "tile_url",
    "tile_xy",
]
