"""The demo county's patrol plans and key sites, as pure data derived from the generated county.

- a patrol brigade plan per township (巡逻一线): its first patrol car drives the first 2 km of a local road out of the
  township seat and stops at the police station (the county seat: the square), 09:00–11:00 and 19:30–21:30 daily;
- school-gate posts (护学岗) at each township's central primary school and the county seat's two big schools, a
  foot patrol (or volunteer team) 07:10–07:50 and 16:30–17:20 on school days, standing 20 minutes;
- a volunteer team (平安巡 / 红袖标) per township walking a square of 400 m round a village or community in the
  evening, 20 minutes at least, five evenings a week;
- a drone route (无人机巡航) over the county seat's communities, 10:00–11:00 daily;
- key sites (重点单位) in every township seat — its primary school, health centre, market and a bank — and the county
  seat's hospitals, schools, stations and shopping street, with 3- and 5-minute targets (the "1-3-5" promise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from shapely.geometry import LineString
from shapely.ops import substring

from ..enums import TargetKind, UnitKind, UnitStatus
from ..patrol.drafts import PlanDraft, TargetDraft
from ..services.key_sites import SiteRecord
from .county import County, PlaceSpec

ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SCHOOL_DAYS = ("mon", "tue", "wed", "thu", "fri")
EVENINGS = ("mon", "wed", "fri", "sat", "sun")
BRIGADE_ROUTE_M = 2000.0
SQUARE_M = 400.0
_M_PER_DEG = 111_195.0


@dataclass(frozen=True)
class DemoPatrol:
    plans: tuple[PlanDraft, ...]
    sites: tuple[SiteRecord, ...]


def _first_unit(county: County, kinds: tuple[UnitKind, ...], township: str, taken: set[str]) -> str | None:
    for kind in kinds:
        for u in county.units:
            if (
                u.kind == kind
                and u.township_code == township
                and u.status != UnitStatus.OFF_DUTY
                and u.callsign not in taken
            ):
                taken.add(u.callsign)
                return u.callsign
    return None


def _cut(points: tuple[tuple[float, float], ...], metres: float) -> list[list[float]]:
    """The first `metres` of a (lat, lon) polyline, as GeoJSON (lon, lat) positions."""
    lat0 = points[0][0]
    kx = _M_PER_DEG * math.cos(math.radians(lat0))
    line = LineString([((lon - points[0][1]) * kx, (lat - lat0) * _M_PER_DEG) for lat, lon in points])
    part = substring(line, 0.0, min(metres, line.length))
    return [[round(points[0][1] + x / kx, 6), round(lat0 + y / _M_PER_DEG, 6)] for x, y in part.coords]


def _square(lat: float, lon: float, side_m: float) -> dict[str, object]:
    dlat = side_m / 2 / _M_PER_DEG
    dlon = side_m / 2 / (_M_PER_DEG * math.cos(math.radians(lat)))
    ring = [
        [round(lon - dlon, 6), round(lat - dlat, 6)],
        [round(lon + dlon, 6), round(lat - dlat, 6)],
        [round(lon + dlon, 6), round(lat + dlat, 6)],
        [round(lon - dlon, 6), round(lat + dlat, 6)],
        [round(lon - dlon, 6), round(lat - dlat, 6)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _point(p: PlaceSpec) -> dict[str, object]:
    return {"type": "Point", "coordinates": [round(p.lon, 6), round(p.lat, 6)]}


def demo_patrol(county: County, *, valid_from: date) -> DemoPatrol:
    places = {t.code: [p for p in county.places if p.township_code == t.code] for t in county.townships}
    taken: set[str] = set()
    plans: list[PlanDraft] = []
    for t in county.townships:
        car = _first_unit(county, (UnitKind.PATROL_CAR,), t.code, taken)
        roads = sorted((r for r in county.roads if r.kind == "local" and r.start == t.code), key=lambda r: r.code)
        stop = next((p for p in places[t.code] if p.kind in ("police_station", "square")), None)
        if car and roads and stop:
            plans.append(
                PlanDraft(
                    name=f"{t.name}巡逻一线",
                    team=(car,),
                    days=ALL_DAYS,
                    windows=("09:00-11:00", "19:30-21:30"),
                    targets=(
                        TargetDraft(
                            TargetKind.ROUTE,
                            {"type": "LineString", "coordinates": _cut(roads[0].points, BRIGADE_ROUTE_M)},
                            "巡逻线",
                            buffer_m=30.0,
                            min_share=0.8,
                        ),
                        TargetDraft(TargetKind.POINT, _point(stop), stop.name, radius_m=60.0, dwell_s=300.0),
                    ),
                    valid_from=valid_from,
                )
            )
    for t in county.townships:
        schools = [p for p in places[t.code] if p.kind == "school"]
        chosen = schools[:2] if t.kind == "街道" else schools[:1]
        for school in chosen:
            guard = _first_unit(county, (UnitKind.FOOT_PATROL, UnitKind.VOLUNTEER_TEAM), t.code, taken)
            if guard is None:
                continue
            plans.append(
                PlanDraft(
                    name=f"{school.name}护学岗",
                    team=(guard,),
                    days=SCHOOL_DAYS,
                    windows=("07:10-07:50", "16:30-17:20"),
                    targets=(TargetDraft(TargetKind.POINT, _point(school), "校门", radius_m=50.0, dwell_s=1200.0),),
                    valid_from=valid_from,
                )
            )
    for t in county.townships:
        team = _first_unit(county, (UnitKind.VOLUNTEER_TEAM,), t.code, taken)
        home = next((p for p in places[t.code] if p.kind in ("village", "community")), None)
        if team is None or home is None:
            continue
        plans.append(
            PlanDraft(
                name=f"{home.name}平安巡",
                team=(team,),
                days=EVENINGS,
                windows=("19:00-21:00",),
                targets=(
                    TargetDraft(TargetKind.AREA, _square(home.lat, home.lon, SQUARE_M), "巡逻片区", min_minutes=20.0),
                ),
                valid_from=valid_from,
            )
        )
    seat = county.townships[0]
    drone = _first_unit(county, (UnitKind.DRONE,), seat.code, taken)
    communities = [p for p in places[seat.code] if p.kind == "community"][:6]
    if drone and len(communities) >= 3:
        cx = sum(p.lon for p in communities) / len(communities)
        cy = sum(p.lat for p in communities) / len(communities)
        ordered = sorted(communities, key=lambda p: math.atan2(p.lat - cy, p.lon - cx))
        plans.append(
            PlanDraft(
                name="城区无人机巡航",
                team=(drone,),
                days=ALL_DAYS,
                windows=("10:00-11:00",),
                targets=(
                    TargetDraft(
                        TargetKind.ROUTE,
                        {"type": "LineString", "coordinates": [[round(p.lon, 6), round(p.lat, 6)] for p in ordered]},
                        "城区航线",
                        buffer_m=100.0,
                        min_share=0.8,
                    ),
                ),
                valid_from=valid_from,
            )
        )
    return DemoPatrol(tuple(plans), _sites(county, places))


def _sites(county: County, places: dict[str, list[PlaceSpec]]) -> tuple[SiteRecord, ...]:
    out: list[SiteRecord] = []
    targets = {"school": 3.0, "hospital": 5.0, "market": 5.0, "station": 5.0, "bank": 3.0}
    for t in county.townships:
        mine = places[t.code]
        picks = [p for p in mine if p.kind in ("hospital", "station")]
        picks += [p for p in mine if p.kind == "school"][: 2 if t.kind == "街道" else 1]
        picks += [p for p in mine if p.kind == "market"][:2]
        for n, p in enumerate(picks, start=1):
            out.append(
                SiteRecord(f"{t.code}-{p.kind[:2].upper()}{n:02d}", p.name, p.kind, p.lat, p.lon, targets[p.kind])
            )
        seat_lat, seat_lon = t.seat
        out.append(
            SiteRecord(
                f"{t.code}-BK01",
                f"{t.name}农商银行",
                "bank",
                round(seat_lat + 0.0012, 6),
                round(seat_lon + 0.0009, 6),
                targets["bank"],
            )
        )
    return tuple(out)
