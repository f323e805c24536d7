"""A read-only MBTiles (SQLite) tile store: the offline basemap. Qt-free.

MBTiles stores rows in TMS order (row 0 at the south); web maps ask in XYZ order (row 0 at the north), so
`tile(z, x, y)` flips the row: tms_row = 2**z - 1 - y.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

_MIME = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "pbf": "application/x-protobuf",
}


class MBTilesError(Exception):
    """The file is missing or is not an MBTiles store."""


class MBTiles:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MBTilesError(f"no tile store at {self.path.name}")
        try:
            self._conn = sqlite3.connect(f"file:{self.path.as_posix()}?mode=ro", uri=True, check_same_thread=False)
            self._conn.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 0")
        except sqlite3.DatabaseError as exc:
            raise MBTilesError(f"{self.path.name} is not an MBTiles file: {exc}") from exc
        self._lock = threading.Lock()
        self._metadata: dict[str, str] | None = None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> MBTiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def metadata(self) -> dict[str, str]:
        if self._metadata is None:
            with self._lock:
                try:
                    rows = self._conn.execute("SELECT name, value FROM metadata").fetchall()
                except sqlite3.DatabaseError:
                    rows = []
            self._metadata = {str(name): str(value) for name, value in rows}
        return dict(self._metadata)

    @property
    def format(self) -> str:
        return self.metadata().get("format", "png").lower()

    @property
    def mime_type(self) -> str:
        return _MIME.get(self.format, "application/octet-stream")

    def zoom_range(self) -> tuple[int, int] | None:
        meta = self.metadata()
        if "minzoom" in meta and "maxzoom" in meta:
            return int(meta["minzoom"]), int(meta["maxzoom"])
        with self._lock:
            row = self._conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        if row is None or row[0] is None:
            return None
        return int(row[0]), int(row[1])

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ (z, x, y), or None when the store has none (or the address is out of range)."""
        if z < 0 or z > 30:
            return None
        n = 1 << z
        if not (0 <= x < n and 0 <= y < n):
            return None
        tms_row = n - 1 - y
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, tms_row),
            ).fetchone()
        return None if row is None else bytes(row[0])
