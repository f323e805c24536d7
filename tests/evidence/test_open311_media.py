"""Open311 `media_url`: the photo of a new request is fetched by the feed within its size limit, checked by content
and kept with the case; one too large, not a photo, or missing is left out without holding the appeal back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from console.attachments import AttachmentSettings
from console.config import load_config
from console.db import Database
from console.feeds.open311 import Open311Feed
from console.feeds.open311_media import media_settings
from console.feeds.runner import build_sources
from console.models import Case, CaseAttachment

from ..feeds.fake_open311 import FakeOpen311
from ..feeds.fakeserver import FakeServer
from ..feeds.test_open311 import source
from .files import EXECUTABLE, jpeg


@pytest.fixture
def open311() -> Iterator[tuple[FakeOpen311, FakeServer]]:
    app = FakeOpen311()
    server = FakeServer(app, slow_s=0.6).start()
    yield app, server
    server.stop()


def test_media_url_is_fetched_and_kept_within_the_limit(db: Database, open311: tuple[FakeOpen311, FakeServer]) -> None:
    app, server = open311
    photo = jpeg(seed=11)
    app.media.update({"ok.jpg": photo, "big.jpg": b"\xff\xd8\xff" + b"\x00" * (300 * 1024), "exe.jpg": EXECUTABLE})
    now = datetime.now(UTC)
    ok = app.add_request(now - timedelta(hours=4), media_url=server.url + "/media/ok.jpg")
    app.add_request(now - timedelta(hours=3), media_url=server.url + "/media/big.jpg")
    app.add_request(now - timedelta(hours=2), media_url=server.url + "/media/exe.jpg")
    app.add_request(now - timedelta(hours=1), media_url=server.url + "/media/missing.jpg")
    feed = source(server, media_max_bytes=256 * 1024)
    result = feed.poll(db)
    assert result.created == 4  # every appeal is taken in, photo or not
    assert result.media == 1
    refused = {r["id"]: r["message"] for r in result.media_refused}
    assert set(refused) == {"000002", "000003", "000004"}
    assert "too large" in refused["000002"] and "executable" in refused["000003"] and "404" in refused["000004"]
    big = [r for r in server.log if r.path == "/media/big.jpg"]
    assert len(big) == 1
    with db.session() as s:
        held = s.execute(select(Case.number, CaseAttachment.source).join(CaseAttachment)).all()
    assert len(held) == 1 and held[0][1] == "open311"
    assert ok == "000001"
    again = feed.poll(db)  # idempotent: the request is known, its photo is not fetched again
    assert again.media == 0 and len([r for r in server.log if r.path == "/media/ok.jpg"]) == 1


def test_media_url_takes_the_attachments_limits(db: Database, open311: tuple[FakeOpen311, FakeServer]) -> None:
    """Without its own `media_max_bytes` the source takes the `[attachments]` limits (size and pixels) every other
    file of a case is taken in with; its own limit only narrows them."""
    app, server = open311
    app.media.update({"big.jpg": jpeg(seed=12) + b"\x00" * (900 * 1024), "wide.jpg": jpeg(1200, 900, seed=13)})
    now = datetime.now(UTC)
    app.add_request(now - timedelta(hours=2), media_url=server.url + "/media/big.jpg")
    app.add_request(now - timedelta(hours=1), media_url=server.url + "/media/wide.jpg")
    config = source(server).config
    assert config.media_max_bytes is None
    limits = AttachmentSettings(max_bytes=800 * 1024, max_pixels=1_000_000)
    feed = Open311Feed(config, attachments=limits, sleep=lambda s: None)
    result = feed.poll(db)
    assert result.created == 2 and result.media == 0
    refused = {r["id"]: r["message"] for r in result.media_refused}
    assert "too large" in refused["000001"]  # [attachments] max_bytes
    assert "1200×900 pixels" in refused["000002"]  # [attachments] max_pixels


def test_media_settings_narrow_but_never_widen_the_attachments_limits() -> None:
    limits = AttachmentSettings(max_bytes=1_000_000, max_pixels=5_000_000)
    assert media_settings(limits, None) == limits
    assert media_settings(limits, 2048) == AttachmentSettings(max_bytes=2048, max_pixels=5_000_000)
    assert media_settings(limits, 5_000_000).max_bytes == 1_000_000  # the [attachments] limit caps it
    assert media_settings(None, None) == AttachmentSettings()


def test_the_feeds_take_the_configuration_files_attachments_limits(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text(
        '[attachments]\nmax_bytes = 300000\n\n[[feeds.open311]]\nname = "city311"\nurl = "http://127.0.0.1:9/v2"\n',
        encoding="utf-8",
    )
    loaded = load_config(str(path))
    (feed,) = build_sources(loaded.feeds, attachments=loaded.attachments)
    assert isinstance(feed, Open311Feed) and feed.attachments is not None
    assert media_settings(feed.attachments, feed.config.media_max_bytes).max_bytes == 300000
