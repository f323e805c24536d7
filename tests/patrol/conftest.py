"""Patrol tests: the mini county of the core tests, a fixed moment, plans made through the service, fixes through
the ingest service (so every test exercises the real matcher inside the ingest transaction)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from console.db import Database, write_transaction
from console.enums import Role, TargetKind
from console.models import PatrolShift
from console.patrol.drafts import PlanDraft, TargetDraft
from console.services.patrol_plans import create_plan
from console.services.positions import Fix, IngestReport, ingest_positions
from tests.county import MiniCounty, build_mini_county
from tests.feeds.fake_traccar import FakeTraccar
from tests.feeds.fakeserver import FakeServer

#: 2026-11-23 (a Monday) 09:00 in the county: the windows below are on that day.
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
#: Metres per degree of latitude (the haversine's sphere).
M_LAT = 6_371_008.8 * math.pi / 180
LAT0, LON0 = 24.805, 113.605


def north(metres: float) -> float:
    """Latitude `metres` north of LAT0 (exactly that far by the haversine)."""
    return LAT0 + metres / M_LAT


def east(metres: float, lat: float = LAT0) -> float:
    return LON0 + metres / (M_LAT * math.cos(math.radians(lat)))


def point(radius_m: float = 50, dwell_s: float = 300, name: str = "gate") -> TargetDraft:
    return TargetDraft(
        TargetKind.POINT, {"type": "Point", "coordinates": [LON0, LAT0]}, name, radius_m=radius_m, dwell_s=dwell_s
    )


def route(length_m: float = 200, buffer_m: float = 30, min_share: float = 0.8, name: str = "street") -> TargetDraft:
    return TargetDraft(
        TargetKind.ROUTE,
        {"type": "LineString", "coordinates": [[LON0, LAT0], [east(length_m), LAT0]]},
        name,
        buffer_m=buffer_m,
        min_share=min_share,
    )


def area(side_m: float = 200, min_minutes: float = 5, name: str = "square") -> TargetDraft:
    lat1, lon1 = north(side_m), east(side_m)
    ring = [[LON0, LAT0], [lon1, LAT0], [lon1, lat1], [LON0, lat1], [LON0, LAT0]]
    return TargetDraft(TargetKind.AREA, {"type": "Polygon", "coordinates": [ring]}, name, min_minutes=min_minutes)


def draft(
    *targets: TargetDraft,
    name: str = "P1",
    team: Sequence[str] = ("PC-01",),
    windows: Sequence[str] = ("09:00-10:00",),
    days: Sequence[str] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
) -> PlanDraft:
    return PlanDraft(name=name, team=tuple(team), days=tuple(days), windows=tuple(windows), targets=tuple(targets))


TOKEN = "tok-patrol-5b1d"


@pytest.fixture
def traccar() -> Iterator[tuple[FakeTraccar, FakeServer]]:
    app = FakeTraccar(tokens={TOKEN})
    server = FakeServer(app, slow_s=0.6).start()
    yield app, server
    server.stop()


@pytest.fixture
def county(db: Database) -> MiniCounty:
    return build_mini_county(db, now=T0 - timedelta(days=2))


def make_plan(db: Database, county: MiniCounty, plan: PlanDraft, *, at: datetime = T0 - timedelta(hours=2)) -> int:
    leader = county.actors[Role.SHIFT_LEADER]
    return write_transaction(db.sessions, lambda s: create_plan(s, plan, actor=leader, now=at)).id


def feed(
    db: Database, unit_id: int, fixes: Sequence[tuple[float, float, float]], *, now: datetime | None = None
) -> IngestReport:
    """Fixes given as (seconds after T0, lat, lon)."""
    return ingest_positions(
        db,
        [Fix(fix_at=T0 + timedelta(seconds=t), lat=lat, lon=lon, unit_id=unit_id) for t, lat, lon in fixes],
        source="test",
        now=now or T0 + timedelta(hours=3),
    )


def shift_of(db: Database, plan_id: int, window_no: int = 0) -> PatrolShift:
    from sqlalchemy import select

    with db.session() as s:
        return s.scalars(
            select(PatrolShift)
            .where(PatrolShift.plan_id == plan_id, PatrolShift.window_no == window_no)
            .order_by(PatrolShift.day)
        ).first()
