from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.geo.mbtiles import MBTiles, MBTilesError


def make_store(path: Path, tiles: dict[tuple[int, int, int], bytes], fmt: str = "png") -> Path:
    """An MBTiles file; `tiles` is keyed by (z, x, tms_row) as the format stores them."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.executemany(
        "INSERT INTO metadata VALUES (?, ?)", [("name", "test"), ("format", fmt), ("minzoom", "1"), ("maxzoom", "3")]
    )
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(z, x, r, d) for (z, x, r), d in tiles.items()])
    conn.commit()
    conn.close()
    return path


def test_tile_flips_the_row(tmp_path: Path) -> None:
    # At z=2 there are 4 rows: XYZ row 0 (north) is TMS row 3.
    store = MBTiles(make_store(tmp_path / "t.mbtiles", {(2, 1, 3): b"north", (2, 1, 0): b"south"}))
    assert store.tile(2, 1, 0) == b"north"
    assert store.tile(2, 1, 3) == b"south"
    assert store.tile(2, 1, 1) is None
    assert store.metadata()["name"] == "test"
    assert store.mime_type == "image/png"
    assert store.zoom_range() == (1, 3)


def test_out_of_range_addresses_are_missing(tmp_path: Path) -> None:
    store = MBTiles(make_store(tmp_path / "t.mbtiles", {(0, 0, 0): b"world"}))
    assert store.tile(0, 0, 0) == b"world"
    for z, x, y in [(0, 1, 0), (0, 0, -1), (-1, 0, 0), (2, 4, 0), (40, 0, 0)]:
        assert store.tile(z, x, y) is None


def test_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(MBTilesError):
        MBTiles(tmp_path / "absent.mbtiles")
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(MBTilesError):
        MBTiles(junk)
