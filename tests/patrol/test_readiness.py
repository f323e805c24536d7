"""Readiness of key sites: the dispatch estimate, the share covered, greedy relocation, orders and site imports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from console.db import Database, write_transaction
from console.enums import Category, Channel, EventKind, Priority, Role, UnitKind
from console.geo.ranking import UnitArrays, rank
from console.models import Event, KeySite, Relocation
from console.patrol.readiness import Sites, arrival_seconds, assess, readiness
from console.rules import default_rules
from console.services.dispatch import available_units, dispatch_unit
from console.services.errors import PermissionDenied, UnitUnavailable, ValidationError
from console.services.intake import IntakeRequest, create_case
from console.services.key_sites import import_sites, parse_sites_geojson
from console.services.relocation import order_relocation, standing_orders
from tests.county import MiniCounty

from .conftest import LAT0, LON0, T0, east, north

RULES = default_rules()


def _sites(*rows: tuple[str, float, float, float]) -> Sites:
    return Sites(
        np.arange(len(rows), dtype=np.int64),
        [r[0] for r in rows],
        [r[0] for r in rows],
        ["school"] * len(rows),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([r[3] * 60 for r in rows]),
    )


def _units(*rows: tuple[str, UnitKind, float, float]) -> UnitArrays:
    return UnitArrays.build([(i + 1, c, k, lat, lon, T0, None, ()) for i, (c, k, lat, lon) in enumerate(rows)])


def test_readiness_uses_the_estimate_dispatch_ranks_by() -> None:
    units = _units(("PC-1", UnitKind.PATROL_CAR, north(500), LON0), ("FP-1", UnitKind.FOOT_PATROL, north(100), LON0))
    eta = arrival_seconds(units, np.array([LAT0]), np.array([LON0]), now=T0, rules=RULES)
    ranked = {
        r.unit_id: r.eta_s
        for r in rank(units, lat=LAT0, lon=LON0, category=Category.OTHER, grid_id=None, now=T0, rules=RULES, limit=2)
    }
    assert eta[0].tolist() == pytest.approx([ranked[1], ranked[2]])
    assert eta[0, 0] == pytest.approx(500 * RULES.road_factor / (RULES.speed_kmh[UnitKind.PATROL_CAR] / 3.6), rel=1e-3)
    # A stale fix costs the same penalty as in dispatch.
    late = arrival_seconds(units, np.array([LAT0]), np.array([LON0]), now=T0 + timedelta(minutes=10), rules=RULES)
    assert late[0, 0] == pytest.approx(eta[0, 0] + RULES.stale_penalty_s)


def test_share_covered_and_a_greedy_move() -> None:
    # A patrol car covers the schools within 3 min (≈ 1.5 km as the crow flies); the far pair has nobody.
    sites = _sites(
        ("S1", LAT0, LON0, 3), ("S2", north(900), LON0, 3), ("S3", north(6000), LON0, 3), ("S4", north(6500), LON0, 3)
    )
    units = _units(("PC-1", UnitKind.PATROL_CAR, LAT0, LON0), ("PC-2", UnitKind.PATROL_CAR, north(400), LON0))
    result = assess(units, sites, now=T0, rules=RULES, max_moves=3, min_gain=1)
    assert result.rate.as_dict() == {"numerator": 2, "denominator": 4, "value": 0.5}
    assert [s.code for s in result.uncovered] == ["S3", "S4"]
    [move] = result.moves  # one car can go: the other still covers S1 and S2
    assert move.to_site in ("S3", "S4") and set(move.covers) == {"S3", "S4"} and move.uncovers == () and move.gain == 2
    alone = assess(
        _units(("PC-1", UnitKind.PATROL_CAR, LAT0, LON0)), sites, now=T0, rules=RULES, max_moves=3, min_gain=1
    )
    assert alone.moves == []  # moving the only car gains two and loses two


def _site_doc(*features: dict[str, object]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _site(code: str, lat: float, lon: float, **props: object) -> dict[str, object]:
    base = {"code": code, "name": f"{code} 小学", "kind": "school", "target_min": 3}
    return {
        "type": "Feature",
        "properties": {**base, **props},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


@pytest.mark.parametrize(
    ("feature", "field"),
    [
        (_site("A", LAT0, LON0, target_min=0), "features[0].properties.target_min"),
        (_site("A", LAT0, LON0, target_min="soon"), "features[0].properties.target_min"),
        (_site("A", LAT0, LON0, kind="Big School"), "features[0].properties.kind"),
        (_site("", LAT0, LON0), "features[0].properties.code"),
        (
            {
                "type": "Feature",
                "properties": {"code": "A", "name": "x", "kind": "bank", "target_min": 1},
                "geometry": {"type": "Polygon", "coordinates": []},
            },
            "features[0].geometry",
        ),
        (_site("A", 95, LON0), "features[0].geometry"),
    ],
)
def test_bad_site_files_name_the_feature_and_field(feature: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_sites_geojson(_site_doc(feature))
    assert info.value.field == field


def test_import_sites_then_dispatch_leaves_one_uncovered_and_an_order_restores_it(
    db: Database, county: MiniCounty
) -> None:
    text = _site_doc(_site("S1", LAT0, LON0), _site("S2", north(2500), east(2500), target_min=5))
    records = parse_sites_geojson(text)
    with pytest.raises(PermissionDenied):
        write_transaction(db.sessions, lambda s: import_sites(s, records, actor=county.actors[Role.DISPATCHER]))
    report = write_transaction(db.sessions, lambda s: import_sites(s, records, actor=county.actors[Role.ADMIN], now=T0))
    assert report.as_dict() == {"created": 2, "updated": 0}
    with db.session() as s:
        assert s.scalars(select(KeySite.grid_id).where(KeySite.code == "S1")).one() == county.grid_ids["G100"]
    now = county.now
    with db.session() as s:
        before = readiness(s, now=now)
    assert before.rate.numerator == 2

    # PC-02 (the only car near S2) goes to a case: S2 loses its cover; readiness suggests a move.
    def send(s: Any) -> None:
        case = create_case(
            s,
            IntakeRequest(
                Channel.WALK_IN, Category.PUBLIC_ORDER, Priority.RED, "打架", lat=north(2500), lon=east(2500)
            ),
            actor=county.actors[Role.DISPATCHER],
            now=now,
        )
        dispatch_unit(
            s, case_id=case.case.id, unit_id=county.unit_ids["PC-02"], actor=county.actors[Role.DISPATCHER], now=now
        )

    write_transaction(db.sessions, send)
    with db.session() as s:
        after = readiness(s, now=now)
        units = available_units(s)
    assert [x.code for x in after.uncovered] == ["S2"]
    [move] = after.moves
    assert move.to_site == "S2" and move.covers == ("S2",)
    leader = county.actors[Role.SHIFT_LEADER]
    unit_id = int(units.ids[units.callsigns.index(move.callsign)])
    order = write_transaction(
        db.sessions,
        lambda s: order_relocation(
            s, unit_id=unit_id, site_code=move.to_site, covers=move.covers, actor=leader, now=now
        ),
    )
    again = write_transaction(
        db.sessions,
        lambda s: order_relocation(s, unit_id=unit_id, site_code="S1", actor=leader, now=now + timedelta(minutes=1)),
    )
    with db.session() as s:
        first = s.get(Relocation, order.id)
        assert first is not None and first.close_reason == "superseded"
        assert standing_orders(s)[unit_id].id == again.id
        events = s.scalars(select(Event).where(Event.kind == EventKind.UNIT_RELOCATED)).all()
        assert [e.payload["site"] for e in events] == ["S2", "S1"]
    with pytest.raises(UnitUnavailable):  # a unit out on a case is not ordered about
        write_transaction(
            db.sessions,
            lambda s: order_relocation(s, unit_id=county.unit_ids["PC-02"], site_code="S2", actor=leader, now=now),
        )
    with pytest.raises(PermissionDenied):
        write_transaction(
            db.sessions,
            lambda s: order_relocation(
                s, unit_id=unit_id, site_code="S2", actor=county.actors[Role.DISPATCHER], now=now
            ),
        )
