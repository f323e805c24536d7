"""The outside feeds run inside a console (on the one workstation configured for it): each poll's outcome comes
back to the interface thread and shows in the status bar; a source that fails never stops the console."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui.workers import FeedWorker

pytestmark = pytest.mark.ui


class FailingSource:
    name = "gps-test"
    interval_s = 0.05

    @property
    def http(self) -> Any:
        from console.feeds.config import HttpSettings

        return HttpSettings()

    def poll(self, db: Database) -> Any:
        from console.feeds.http import FeedUnavailable

        raise FeedUnavailable("connection refused")

    def close(self) -> None:
        pass


def test_feed_outcomes_reach_the_status_bar(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    feeds = FeedWorker(sqlite_db, None)
    from console.feeds.runner import FeedRunner

    feeds.runner = FeedRunner(sqlite_db, sources=[FailingSource()], on_poll=feeds.polled.emit)
    feeds.polled.connect(console.window.show_feed_health)
    feeds.start()
    try:
        qtbot.waitUntil(lambda: "gps-test" in console.window.feed_label.text(), timeout=5_000)
        assert "ok" not in console.window.feed_label.text()
        assert console.session.online  # a feed outage is not a database outage
    finally:
        feeds.stop()
