"""GPS history coming in late: `positions import` of a tracker server's CSV, and the Traccar feed backfilling a gap
from the server's position history (against the fake server, which follows Traccar's documented odd cases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from console.db import Database, write_transaction
from console.enums import Role
from console.feeds.config import HttpSettings, TraccarConfig
from console.feeds.secrets import Secret
from console.feeds.traccar import TraccarFeed, traccar_query_time
from console.models import PatrolShiftTarget, Position, Unit
from console.services.errors import ValidationError
from console.services.positions_import import import_positions, parse_positions_csv
from tests.county import MiniCounty
from tests.feeds.fake_traccar import FakeTraccar
from tests.feeds.fakeserver import FakeServer

from .conftest import LAT0, LON0, T0, TOKEN, draft, make_plan, point, shift_of

NOW = T0 + timedelta(hours=3)


def _iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def test_import_a_tracker_csv_matches_it_and_never_moves_a_unit_back(db: Database, county: MiniCounty) -> None:
    plan = make_plan(db, county, draft(point(dwell_s=120)))
    rows = [f"T-PC-01,{_iso(30 * k)},{LAT0},{LON0},0,90" for k in (4, 0, 2, 1, 3, 5)]  # unsorted
    key, parsed = parse_positions_csv("tracker_id,fix_at,lat,lon,speed_kmh,course\n" + "\n".join(rows) + "\n", now=NOW)
    report = write_transaction(
        db.sessions, lambda s: import_positions(s, key, parsed, actor=county.actors[Role.ADMIN], now=NOW)
    )
    assert report.as_dict()["accepted"] == 6 and report.units == 1
    with db.session() as s:
        target = s.scalars(select(PatrolShiftTarget).where(PatrolShiftTarget.shift_id == shift_of(db, plan).id)).one()
        assert target.met and target.achieved == pytest.approx(150)
        unit = s.get(Unit, county.unit_ids["PC-01"])
        assert unit is not None and unit.fix_at == T0 + timedelta(seconds=150)
    # Older history for the same unit (by callsign this time): stored, matched, the unit stays where it is.
    older = "callsign,lat,lon,fix_at\n" + "\n".join(f"PC-01,{LAT0},{LON0},{_iso(-600 + 30 * k)}" for k in range(3))
    key, parsed = parse_positions_csv(older, now=NOW)
    report = write_transaction(
        db.sessions, lambda s: import_positions(s, key, parsed, actor=county.actors[Role.ADMIN], now=NOW)
    )
    assert (report.accepted, report.out_of_order, len(report.moved_units)) == (3, 3, 0)
    again = write_transaction(
        db.sessions, lambda s: import_positions(s, key, parsed, actor=county.actors[Role.ADMIN], now=NOW)
    )
    assert (again.accepted, again.duplicates) == (0, 3)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "line 1"),
        ("unit,fix_at,lat,lon\n", "line 1"),
        ("tracker_id,callsign,fix_at,lat,lon\n", "line 1"),
        ("tracker_id,fix_at,lat,lon,altitude\n", "line 1"),
        ("tracker_id,fix_at,lat,lon\nT-PC-01,2026-11-23 09:00:00,24.8,113.6\n", "line 2: fix_at"),
        ("tracker_id,fix_at,lat,lon\nT-PC-01,2026-11-23T01:00:00Z,94,113.6\n", "line 2: lat"),
        ("tracker_id,fix_at,lat,lon\n\nT-PC-01,2026-11-23T01:00:00Z,24.8,east\n", "line 3: lon"),
        ("tracker_id,fix_at,lat,lon,speed_kmh\nT-PC-01,2026-11-23T01:00:00Z,24.8,113.6,-4\n", "line 2: speed_kmh"),
        ("tracker_id,fix_at,lat,lon\nT-PC-01,2026-11-23T01:00:00Z,24.8\n", "line 2"),
        ("tracker_id,fix_at,lat,lon\n,2026-11-23T01:00:00Z,24.8,113.6\n", "line 2: tracker_id"),
        ("tracker_id,fix_at,lat,lon\nT-PC-01,2027-01-01T00:00:00Z,24.8,113.6\n", "line 2: fix_at"),
        ("tracker_id,fix_at,lat,lon\n", "file"),
    ],
)
def test_bad_csv_files_name_the_line_and_field(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_positions_csv(text, now=NOW)
    assert info.value.field == field


def test_an_unknown_tracker_rejects_the_whole_file(db: Database, county: MiniCounty) -> None:
    text = f"tracker_id,fix_at,lat,lon\nT-PC-01,{_iso(0)},{LAT0},{LON0}\nT-NOPE,{_iso(10)},{LAT0},{LON0}\n"
    key, parsed = parse_positions_csv(text, now=NOW)
    with pytest.raises(ValidationError) as info:
        write_transaction(
            db.sessions, lambda s: import_positions(s, key, parsed, actor=county.actors[Role.ADMIN], now=NOW)
        )
    assert info.value.field == "line 3: tracker_id"
    with db.session() as s:
        assert s.scalar(select(func.count(Position.id))) == 0


# -- Traccar backfill -----------------------------------------------------------------------------------------------


FAST = HttpSettings(connect_timeout_s=0.5, read_timeout_s=0.5, retries=0, backoff_s=0.01, max_backoff_s=0.2)


def _feed(server: FakeServer) -> TraccarFeed:
    return TraccarFeed(
        TraccarConfig(url=server.url, token=Secret(TOKEN), interval_s=5, http=FAST), sleep=lambda s: None
    )


def test_query_times_are_what_traccar_parses() -> None:
    assert traccar_query_time(T0 + timedelta(milliseconds=1500)) == "2026-11-23T01:00:01.500Z"


def test_after_an_outage_the_feed_backfills_the_gap_and_the_shift_is_met(
    db: Database, county: MiniCounty, traccar: tuple[FakeTraccar, FakeServer]
) -> None:
    app, server = traccar
    plan = make_plan(db, county, draft(point(dwell_s=300)))
    device = app.add_device("T-PC-01")
    source = _feed(server)
    app.report(device, T0, LAT0, LON0)
    first = source.poll(db)  # the unit's last stored fix is two days old: the history of the last 24 h is read
    assert first.backfill_devices == 1 and first.report is not None and first.report.accepted == 1
    server.stop()  # the feed is down; the car stands at the gate, its tracker reporting to the server every 30 s
    for k in range(1, 13):
        app.report(device, T0 + timedelta(seconds=30 * k), LAT0, LON0)
    server.restart()
    result = source.poll(db)
    assert result.backfill_devices == 1
    assert result.backfilled == 13  # both ends included: the fix we had and the latest one come back too
    assert result.report is not None and result.report.accepted == 12 and result.report.duplicates == 2
    history = [r for r in server.requests_to("/api/positions") if "deviceId" in r.query]
    assert history[-1].query == {
        "deviceId": str(device),
        "from": "2026-11-23T01:00:00.000Z",
        "to": "2026-11-23T01:06:00.000Z",
    }
    with db.session() as s:
        target = s.scalars(select(PatrolShiftTarget).where(PatrolShiftTarget.shift_id == shift_of(db, plan).id)).one()
        assert target.met and target.achieved == pytest.approx(360)
    # Nothing left to fill: the next poll asks for no history.
    calls = len(history)
    assert source.poll(db).backfill_devices == 0
    assert len([r for r in server.requests_to("/api/positions") if "deviceId" in r.query]) == calls


def test_a_refused_history_request_keeps_the_live_feed_going(
    db: Database, county: MiniCounty, traccar: tuple[FakeTraccar, FakeServer]
) -> None:
    app, server = traccar
    app.reports_disabled = True
    device = app.add_device("T-PC-01")
    source = _feed(server)
    app.report(device, T0, LAT0, LON0)
    source.poll(db)
    app.report(device, T0 + timedelta(minutes=10), LAT0, LON0)
    result = source.poll(db)
    assert (
        result.backfill_devices == 0
        and len(result.backfill_errors) == 1
        and "SecurityException" in result.backfill_errors[0]
    )
    assert result.report is not None and result.report.accepted == 1  # the latest fix is stored all the same


def test_the_fake_answers_history_as_traccar_does(traccar: tuple[FakeTraccar, FakeServer]) -> None:
    import requests

    app, server = traccar
    device = app.add_device("T-1")
    for k in range(3):
        app.report(device, T0 + timedelta(seconds=10 * k), LAT0, LON0)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{server.url}/api/positions"
    latest = requests.get(url, params={"deviceId": device}, headers=headers, timeout=5).json()
    assert len(latest) == 1 and latest[0]["fixTime"].startswith("2026-11-23T01:00:20")
    naive = requests.get(
        url,
        params={"deviceId": device, "from": "2026-11-23T01:00:00", "to": "2026-11-23T02:00:00"},
        headers=headers,
        timeout=5,
    )
    assert naive.status_code == 400 and "WebApplicationException" in naive.text
    inclusive = requests.get(
        url,
        params={"deviceId": device, "from": "2026-11-23T01:00:00Z", "to": "2026-11-23T01:00:10.000Z"},
        headers=headers,
        timeout=5,
    ).json()
    assert len(inclusive) == 2
    stranger = requests.get(
        url,
        params={"deviceId": 99, "from": "2026-11-23T01:00:00Z", "to": "2026-11-23T02:00:00Z"},
        headers=headers,
        timeout=5,
    )
    assert stranger.status_code == 400 and "SecurityException" in stranger.text
