"""Property: whatever the batches and their order (late fixes, repeats, a feed catching up), what the matcher stores
through the ingest service equals a from-scratch computation over the same fixes."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import Role, UnitKind
from console.models import PatrolCheckin, PatrolShift, PatrolShiftTarget, PatrolShiftUnit, PatrolTarget, Unit
from console.patrol.config import patrol_settings
from console.patrol.matching import ShiftSpec, compute_shift
from console.patrol.targets import compile_row
from console.services.patrol_plans import create_plan
from console.services.positions import Fix, ingest_positions
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, area, draft, east, north, point, route

_days = count(1)

# A fix: (seconds from the window's start, metres east, metres north) in a 300 m square around the targets.
fixes_strategy = st.lists(
    st.tuples(
        st.integers(min_value=-120, max_value=5700),
        st.integers(min_value=-40, max_value=260),
        st.integers(min_value=-40, max_value=260),
    ),
    min_size=1,
    max_size=45,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    first=fixes_strategy,
    second=fixes_strategy,
    cuts=st.lists(st.integers(min_value=1, max_value=89), max_size=5),
    shuffle=st.randoms(use_true_random=False),
)
def test_incremental_equals_from_scratch(
    db: Database,
    county: MiniCounty,
    first: list[tuple[int, int, int]],
    second: list[tuple[int, int, int]],
    cuts: list[int],
    shuffle: object,
) -> None:
    day = next(_days)  # every example gets its own day, plan and units
    start = T0 + timedelta(days=day)
    name = f"prop-{day}"

    def setup(s: object) -> list[int]:
        units = [
            Unit(
                callsign=f"{name}-{k}",
                kind=UnitKind.FOOT_PATROL,
                capabilities=[],
                lat=LAT0,
                lon=LON0,
                fix_at=start - timedelta(hours=1),
            )
            for k in range(2)
        ]
        s.add_all(units)
        s.flush()
        plan = draft(
            point(radius_m=40, dwell_s=90),
            route(length_m=200, buffer_m=25, min_share=0.6),
            area(side_m=150, min_minutes=3),
            name=name,
            team=[u.callsign for u in units],
            days=[start.date().isoformat()],
        )
        create_plan(s, plan, actor=county.actors[Role.SHIFT_LEADER], now=start - timedelta(minutes=30))
        return [u.id for u in units]

    units = write_transaction(db.sessions, setup)
    fixes = [
        Fix(fix_at=start + timedelta(seconds=t), lat=north(n), lon=east(e), unit_id=units[0]) for t, e, n in first
    ] + [Fix(fix_at=start + timedelta(seconds=t), lat=north(n), lon=east(e), unit_id=units[1]) for t, e, n in second]
    shuffle.shuffle(fixes)
    bounds = sorted({0, len(fixes), *(c * len(fixes) // 90 for c in cuts)})
    for a, b in zip(bounds, bounds[1:], strict=False):
        batch = fixes[a:b] + fixes[a : a + 1]  # a repeat now and then
        ingest_positions(db, batch, source="prop", now=start + timedelta(hours=3))

    with db.session() as s:
        shift = s.scalars(select(PatrolShift).where(PatrolShift.day == (start.date()))).first()
        assert shift is not None
        rows = s.execute(
            select(PatrolShiftTarget, PatrolTarget)
            .join(PatrolTarget, PatrolTarget.id == PatrolShiftTarget.target_id)
            .where(PatrolShiftTarget.shift_id == shift.id)
        ).all()
        spec = ShiftSpec.of(
            shift.id,
            shift.starts_at.timestamp(),
            shift.ends_at.timestamp(),
            shift.ends_at.timestamp() + patrol_settings().late_grace_s,
            [compile_row(t) for _, t in rows],
        )
        stored_targets = {st_.target_id: st_ for st_, _ in rows}
        stored_checkins = {
            (c.unit_id, c.target_id, c.n): c
            for c in s.scalars(select(PatrolCheckin).where(PatrolCheckin.shift_id == shift.id))
        }
        stored_tracks = {
            t.unit_id: t for t in s.scalars(select(PatrolShiftUnit).where(PatrolShiftUnit.shift_id == shift.id))
        }
    by_unit: dict[int, list[tuple[float, float, float, None]]] = {}
    for f in fixes:
        by_unit.setdefault(f.unit_id or 0, []).append((f.fix_at.timestamp(), f.lat, f.lon, None))
    # Grids are left out of the comparison (the tuples carry none); everything the figures use is compared.
    expected = compute_shift(spec, by_unit)
    for target_id, r in expected.results.items():
        row = stored_targets[target_id]
        assert (row.met, row.late, row.visits) == (r.met, r.late, r.visits), target_id
        assert row.achieved == pytest.approx(r.achieved, abs=1e-3)
    expected_checkins = {(u, c.target_id, c.n): c for u, cs in expected.checkins(spec).items() for c in cs}
    assert set(stored_checkins) == set(expected_checkins)
    for key, c in expected_checkins.items():
        row = stored_checkins[key]
        assert row.arrived_at.timestamp() == pytest.approx(c.arrived, abs=1e-3)
        assert row.left_at.timestamp() == pytest.approx(c.left, abs=1e-3)
        assert row.late == c.late
    assert set(stored_tracks) == set(expected.tracks)
    for unit, track in expected.tracks.items():
        assert stored_tracks[unit].fixes == track.fixes
        assert stored_tracks[unit].distance_m == pytest.approx(track.distance, abs=1e-3)
