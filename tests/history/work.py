"""Ordinary work for the history tests: appeals taken in, units dispatched and moved, through the services."""

from __future__ import annotations

from datetime import datetime, timedelta

from console.db import Database, write_transaction
from console.enums import Role
from console.services import dispatch as dispatch_service
from console.services import intake as intake_service
from console.services.positions import Fix, ingest_positions
from tests.county import MiniCounty


def take_in(db: Database, county: MiniCounty, description: str = "路灯不亮") -> int:
    req = intake_service.parse_intake(
        {
            "channel": "hotline_12345",
            "category": "public_order",
            "priority": "orange",
            "description": description,
            "caller_phone": "13800001111",
            "lat": 24.805,
            "lon": 113.605,
        }
    )
    actor = county.actors[Role.DISPATCHER]
    return write_transaction(db.sessions, lambda s: intake_service.create_case(s, req, actor=actor).case.id)


def dispatch(db: Database, county: MiniCounty, case_id: int, callsign: str) -> int:
    actor = county.actors[Role.DISPATCHER]
    unit_id = county.unit_ids[callsign]
    return write_transaction(
        db.sessions, lambda s: dispatch_service.dispatch_unit(s, case_id=case_id, unit_id=unit_id, actor=actor).id
    )


def track(db: Database, county: MiniCounty, callsign: str, start: datetime, count: int, every_s: float = 10) -> int:
    """`count` fixes of one unit from `start`, `every_s` apart; returns how many were stored."""
    fixes = [
        Fix(
            fix_at=start + timedelta(seconds=i * every_s),
            lat=24.80 + i * 1e-5,
            lon=113.60 + i * 1e-5,
            unit_id=county.unit_ids[callsign],
        )
        for i in range(count)
    ]
    return ingest_positions(db, fixes, source="test").accepted


def relayout_positions(db: Database, first: datetime) -> None:
    """PostgreSQL: lay the (empty) positions table out as if the database had run since `first` (day partitions
    from then on), as a center's database has after a while; a fresh test database has them only from today."""
    from sqlalchemy import text

    from console.db.partitions import POSITIONS, create_layout, list_partitions
    from console.timeutil import utcnow

    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM positions")).scalar() == 0
        for part in list_partitions(conn, "positions"):
            conn.execute(text(f"DROP TABLE {part.name}"))
        create_layout(conn, POSITIONS, first=first, now=utcnow())
