"""A unit's track for a shift: its own fixes in the period, oldest first, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from console.db import Database
from console.services.errors import ValidationError
from console.services.tracks import unit_track
from tests.county import build_mini_county

from .work import track


def test_a_shift_of_one_unit(db: Database) -> None:
    county = build_mini_county(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE units SET fix_at = NULL"))
    start = county.now - timedelta(hours=20)
    track(db, county, "PC-01", start, 120, every_s=600)  # 20 hours, every 10 minutes
    track(db, county, "PC-02", start, 120, every_s=600)
    shift_start = start + timedelta(hours=4)
    with db.session() as s:
        points = unit_track(
            s, unit_id=county.unit_ids["PC-01"], start=shift_start, end=shift_start + timedelta(hours=8)
        )
        with pytest.raises(ValidationError, match="end"):
            unit_track(s, unit_id=county.unit_ids["PC-01"], start=shift_start, end=shift_start)
    assert len(points) == 48
    assert points[0].fix_at == shift_start and points[-1].fix_at == shift_start + timedelta(minutes=470)
    assert [p.fix_at for p in points] == sorted(p.fix_at for p in points)
    assert points[0].lat == pytest.approx(24.80 + 24 * 1e-5)
