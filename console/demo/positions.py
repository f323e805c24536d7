"""The units' positions at the end of the demo history, reported through the ingest service.

Units on duty report where they are at the demo's `now`: a unit on scene stands at its case, one on its way is
part of the way there, the others are on their beat near home. Off-duty units stay silent (their last fix is old).
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select

from ..db import Database
from ..enums import UnitStatus
from ..models import Case, Unit
from ..services.actor import SYSTEM
from ..services.positions import Fix, ingest_positions


def report_positions_at(db: Database, now: datetime, *, seed: int) -> int:
    """Report every unit on duty at `now`; returns how many fixes were sent."""
    rng = random.Random(seed * 13 + 5)
    with db.session() as s:
        rows = (
            s.execute(
                select(Unit.id, Unit.status, Unit.lat, Unit.lon, Case.lat, Case.lon)
                .outerjoin(Case, Case.id == Unit.current_case_id)
                .where(Unit.status != UnitStatus.OFF_DUTY, Unit.lat.is_not(None), Unit.lon.is_not(None))
                .order_by(Unit.id)
            )
            .tuples()
            .all()
        )
    fixes = []
    for unit_id, status, at_lat, at_lon, case_lat, case_lon in rows:
        assert at_lat is not None and at_lon is not None
        speed = 0.0
        if case_lat is not None and case_lon is not None and status == UnitStatus.ON_SCENE:
            lat, lon = case_lat + rng.gauss(0, 0.0002), case_lon + rng.gauss(0, 0.0002)
        elif case_lat is not None and case_lon is not None and status in (UnitStatus.EN_ROUTE, UnitStatus.DISPATCHED):
            f = rng.uniform(0.1, 0.7) if status == UnitStatus.EN_ROUTE else 0.0
            lat, lon = at_lat + (case_lat - at_lat) * f, at_lon + (case_lon - at_lon) * f
            speed = rng.uniform(30, 50) if status == UnitStatus.EN_ROUTE else 0.0
        else:
            lat, lon = at_lat + rng.gauss(0, 0.001), at_lon + rng.gauss(0, 0.001)
        fixes.append(Fix(fix_at=now, lat=round(lat, 6), lon=round(lon, 6), unit_id=unit_id, speed_kmh=round(speed, 1)))
    if fixes:
        ingest_positions(db, fixes, source="demo", actor=SYSTEM, now=now)
    return len(fixes)
