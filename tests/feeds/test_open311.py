"""Open311 feed against the fake GeoReport v2 server: both answer shapes, paging, idempotent intake, errors, faults."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from console.db import Database
from console.enums import Category, Channel, EventKind
from console.feeds.config import HttpSettings, Open311Config
from console.feeds.health import HealthState
from console.feeds.http import FeedRemoteError
from console.feeds.open311 import Open311Feed, unwrap
from console.feeds.runner import FeedRunner
from console.feeds.secrets import Secret
from console.models import Case, Event, ExternalRef

from .fake_open311 import FakeOpen311
from .fakeserver import FakeServer

FAST = HttpSettings(connect_timeout_s=0.5, read_timeout_s=0.3, retries=0, backoff_s=0.01, max_backoff_s=60)


def source(server: FakeServer, **options: object) -> Open311Feed:
    values: dict[str, object] = {
        "name": "city311",
        "url": server.url + "/open311/v2",
        "categories": {"001": Category.LIVELIHOOD, "002": Category.PUBLIC_ORDER},
        "http": FAST,
    }
    values.update(options)
    return Open311Feed(Open311Config(**values), sleep=lambda s: None)  # type: ignore[arg-type]


def cases(db: Database) -> list[Case]:
    with db.session() as s:
        return list(s.scalars(select(Case).order_by(Case.id)))


def count(db: Database, model: type, *where: object) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_unwrap_both_shapes() -> None:
    assert unwrap([{"a": 1}], "requests", "request") == [{"a": 1}]
    assert unwrap({"requests": [{"request": [{"a": 1}, {"a": 2}]}]}, "requests", "request") == [{"a": 1}, {"a": 2}]
    assert unwrap({"requests": "nope"}, "requests", "request") is None
    assert unwrap("garbage", "requests", "request") is None


def test_new_requests_become_cases_through_intake_with_paging(
    db: Database, open311: tuple[FakeOpen311, FakeServer]
) -> None:
    app, server = open311
    app.page_size = 2
    now = datetime.now(UTC)
    app.add_request(now - timedelta(hours=3), service_code="001")
    app.add_request(now - timedelta(hours=2), service_code="002", description="楼上装修噪音")
    app.add_request(now - timedelta(hours=1), service_code="003", description="小区流浪狗", lat=None, lon=None)
    app.add_request(now - timedelta(hours=30), service_code="001")  # outside the 24 h window
    feed = source(server)
    result = feed.poll(db)
    assert (result.fetched, result.created, result.pages) == (3, 3, 3)  # 2 + 1 + an empty page
    assert result.unmapped == ["003"]  # reported, so the operator can extend the mapping
    rows = cases(db)
    assert [c.category for c in rows] == [Category.LIVELIHOOD, Category.PUBLIC_ORDER, Category.OTHER]
    assert all(c.channel == Channel.ONLINE for c in rows)
    assert rows[0].received_at == (now - timedelta(hours=3)).replace(microsecond=0)
    assert "[Noise]" in rows[1].description and rows[2].lat is None
    page_params = [r.query.get("page") for r in server.requests_to("/open311/v2/requests.json")]
    assert page_params == [None, "2", "3"]
    refs = {r.query["start_date"] for r in server.requests_to("/open311/v2/requests.json")}
    assert len(refs) == 1 and next(iter(refs)).endswith("Z")
    with db.session() as s:
        external_ids = sorted(s.scalars(select(ExternalRef.external_id)))
    assert external_ids == ["000001", "000002", "000003"]  # string ids kept as given (leading zeros)


def test_repoll_is_idempotent_and_updates_record_an_event(
    db: Database, open311: tuple[FakeOpen311, FakeServer]
) -> None:
    app, server = open311
    now = datetime.now(UTC)
    rid = app.add_request(now - timedelta(hours=2))
    app.add_request(now - timedelta(hours=1), service_code="002")
    feed = source(server)
    assert feed.poll(db).created == 2
    again = feed.poll(db)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(db, Case) == 2
    version = cases(db)[0].version
    app.update_request(rid, now, status="closed", status_notes="已派维修队处理", description="自来水已恢复")
    third = feed.poll(db)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    case = cases(db)[0]
    assert case.description == "[Water supply] 自来水已恢复" and case.version == version + 1
    with db.session() as s:
        [event] = [
            e
            for e in s.scalars(select(Event).where(Event.kind == EventKind.CASE_UPDATED))
            if e.payload.get("source") == "city311"
        ]
    assert event.case_id == case.id
    assert event.payload["status"] == "closed" and event.payload["status_notes"] == "已派维修队处理"
    updates = count(db, Event, Event.kind == EventKind.CASE_UPDATED)
    assert feed.poll(db).unchanged == 2 and count(db, Event, Event.kind == EventKind.CASE_UPDATED) == updates


def test_fixmystreet_envelope_needs_jurisdiction(db: Database, open311: tuple[FakeOpen311, FakeServer]) -> None:
    app, server = open311
    app.flavour = "fixmystreet"
    now = datetime.now(UTC)
    app.add_request(now - timedelta(hours=2))
    app.add_request(now - timedelta(hours=1), service_code="002")
    with pytest.raises(FeedRemoteError) as info:
        source(server).poll(db)
    assert "400" in info.value.message and "Missing jurisdiction_id" in info.value.message
    feed = source(server, jurisdiction_id="county.example")
    result = feed.poll(db)
    assert (result.created, result.pages) == (2, 2)  # the server ignores paging: its repeated page ends it
    assert feed.service_names["002"] == "Noise"  # FixMyStreet's one-element lists unwrapped
    with db.session() as s:
        assert sorted(s.scalars(select(ExternalRef.external_id))) == ["1001", "1002"]


def test_api_key_errors_are_reported_by_source_without_the_key(
    db: Database, open311: tuple[FakeOpen311, FakeServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL (with its query) at DEBUG
    app, server = open311
    app.api_key = "key-correct-77"
    feed = source(server, api_key=Secret("key-wrong-0042"))
    runner = FeedRunner(db, sources=[feed])
    outcome = runner.poll_source(feed)
    assert not outcome.ok and outcome.error is not None
    assert "city311" in str(outcome.as_dict()["source"]) and "403 Invalid api_key" in outcome.error
    assert "key-wrong-0042" not in outcome.error
    ok = source(server, api_key=Secret("key-correct-77"))
    assert ok.poll(db).fetched == 0
    assert "requests.json" in caplog.text or "services.json" in caplog.text
    assert "key-wrong-0042" not in caplog.text and "key-correct-77" not in caplog.text


def test_invalid_request_is_refused_naming_the_field(db: Database, open311: tuple[FakeOpen311, FakeServer]) -> None:
    app, server = open311
    now = datetime.now(UTC)
    app.add_request(now - timedelta(hours=2), lat=124.0, lon=113.6)
    app.add_request(now - timedelta(hours=1))
    result = source(server).poll(db)
    assert result.created == 1
    assert [(i["id"], i["field"]) for i in result.invalid] == [("000001", "lat")]


@pytest.mark.parametrize("fault", ["500", "garbage", "truncated", "cut_json", "slow"])
def test_faults_store_nothing_and_recover(db: Database, open311: tuple[FakeOpen311, FakeServer], fault: str) -> None:
    app, server = open311
    app.page_size = 1
    now = datetime.now(UTC)
    for k in range(3):
        app.add_request(now - timedelta(hours=3 - k))
    feed = source(server)
    runner = FeedRunner(db, sources=[feed])
    feed.refresh_services()
    server.queue(None, fault)  # type: ignore[arg-type]  # page 1 fine, page 2 broken
    outcome = runner.poll_source(feed)
    assert not outcome.ok and outcome.state == HealthState.DEGRADED
    assert count(db, Case) == 0  # page 1 was not stored on its own
    outcome = runner.poll_source(feed)
    assert outcome.ok and outcome.detail["created"] == 3
