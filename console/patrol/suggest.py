"""Plans from the appeals (研判 → 巡防规划): where and when public-order, safety and dispute cases cluster.

The valid cases of the last N days in the chosen categories are binned on squares of `cell_m` metres; squares
holding at least two cases seed clusters, joined with their eight neighbours, and a cluster of at least `min_cases`
cases becomes a draft plan: a point target (radius covering most of its cases) when the cases are tight, an area
(their hull, grown by 50 m) when they are spread; its window is the busiest `window_hours` block of the day for
those cases and its days the weekdays they fell on in that block; its team the grid's grid worker and the nearest
patrol unit. The draft carries the case numbers behind it; the shift leader edits it and saves it (or exports it as
the import's GeoJSON, edits it and imports it).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, mapping
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from ..enums import CaseStatus, Category, TargetKind, UnitKind
from ..geo.gridindex import grid_index
from ..models import Case, PatrolPlan, Unit
from ..services import scope
from ..services.actor import Actor
from ..timeutil import CHINA_TZ
from .config import SuggestSettings, patrol_settings
from .drafts import PlanDraft, TargetDraft
from .geometry import Frame
from .schedule import WEEKDAYS

PATROL_KINDS = (UnitKind.FOOT_PATROL, UnitKind.PATROL_CAR, UnitKind.VOLUNTEER_TEAM)
TIGHT_M = 150.0


@dataclass(frozen=True)
class Suggestion:
    draft: PlanDraft
    cases: tuple[str, ...]
    categories: dict[str, int]
    hours: dict[int, int]  # local hour → cases

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.draft.as_dict(),
            "cases": list(self.cases),
            "case_count": len(self.cases),
            "categories": self.categories,
            "hours": {str(h): n for h, n in sorted(self.hours.items())},
        }


@dataclass(frozen=True)
class _Case:
    number: str
    lat: float
    lon: float
    category: Category
    local: datetime


def _clusters(cases: list[_Case], settings: SuggestSettings) -> list[list[_Case]]:
    if not cases:
        return []
    frame = Frame.at(float(np.mean([c.lat for c in cases])), float(np.mean([c.lon for c in cases])))
    cells: dict[tuple[int, int], list[_Case]] = {}
    for c in cases:
        x, y = frame.xy(c.lat, c.lon)
        cells.setdefault((math.floor(x / settings.cell_m), math.floor(y / settings.cell_m)), []).append(c)
    seeds = {cell for cell, members in cells.items() if len(members) >= 2}
    seen: set[tuple[int, int]] = set()
    out: list[list[_Case]] = []
    for seed in sorted(seeds):
        if seed in seen:
            continue
        stack, members = [seed], []
        seen.add(seed)
        while stack:
            cx, cy = stack.pop()
            members.extend(cells[(cx, cy)])
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    nb = (cx + dx, cy + dy)
                    if nb in cells and nb not in seen:
                        seen.add(nb)
                        if nb in seeds:
                            stack.append(nb)
                        else:
                            members.extend(cells[nb])
        if len(members) >= settings.min_cases:
            out.append(sorted(members, key=lambda c: c.number))
    return sorted(out, key=lambda m: (-len(m), m[0].number))


def _window(members: list[_Case], hours_long: int) -> tuple[int, list[str], dict[int, int]]:
    """(start hour, weekdays, hour histogram) of the busiest block of `hours_long` hours."""
    hours = Counter(c.local.hour for c in members)
    best = max(range(24), key=lambda h: (sum(hours[(h + k) % 24] for k in range(hours_long)), -h))
    block = {(best + k) % 24 for k in range(hours_long)}
    weekdays = Counter(WEEKDAYS[c.local.weekday()] for c in members if c.local.hour in block)
    days = [d for d in WEEKDAYS if weekdays[d]] or list(WEEKDAYS)
    return best, days, dict(hours)


def _team(session: Session, lat: float, lon: float, units: ColumnElement[bool]) -> tuple[str, ...]:
    hit = grid_index(session).locate(lat, lon)
    team: list[str] = []
    if hit is not None:
        worker = session.scalars(
            select(Unit.callsign)
            .where(Unit.home_grid_id == hit.grid_id, Unit.kind == UnitKind.GRID_WORKER, units)
            .order_by(Unit.callsign)
            .limit(1)
        ).first()
        if worker:
            team.append(worker)
    rows = session.execute(
        select(Unit.callsign, Unit.lat, Unit.lon).where(Unit.kind.in_(list(PATROL_KINDS)), Unit.lat.is_not(None), units)
    ).all()
    if rows:
        lats = np.array([r[1] for r in rows])
        lons = np.array([r[2] for r in rows])
        d2 = (lats - lat) ** 2 + ((lons - lon) * math.cos(math.radians(lat))) ** 2
        team.append(rows[int(np.argmin(d2))][0])
    return tuple(team)


def suggest_plans(
    session: Session,
    *,
    now: datetime,
    days: int | None = None,
    settings: SuggestSettings | None = None,
    actor: Actor | None = None,
) -> list[Suggestion]:
    """A scoped `actor`: drafts from its scope's cases, with teams of its own units."""
    settings = settings or patrol_settings().suggest
    units = scope.unit_filter(actor) if actor is not None else true()
    days = days or settings.days
    rows = session.execute(
        select(Case.number, Case.lat, Case.lon, Case.category, Case.received_at).where(
            Case.received_at >= now - timedelta(days=days),
            Case.received_at <= now,
            Case.category.in_([c.value for c in settings.categories]),
            Case.status.not_in([CaseStatus.MERGED.value, CaseStatus.INVALID.value]),
            Case.lat.is_not(None),
            Case.lon.is_not(None),
            scope.case_filter(actor) if actor is not None else true(),
        )
    ).all()
    cases = [_Case(n, float(la), float(lo), cat, at.astimezone(CHINA_TZ)) for n, la, lo, cat, at in rows]
    taken = set(session.scalars(select(PatrolPlan.name)))
    out: list[Suggestion] = []
    index = grid_index(session)
    for members in _clusters(cases, settings)[: settings.max_plans]:
        lat = float(np.mean([c.lat for c in members]))
        lon = float(np.mean([c.lon for c in members]))
        frame = Frame.at(lat, lon)
        xy = np.array([frame.xy(c.lat, c.lon) for c in members])
        spread = float(np.percentile(np.hypot(xy[:, 0], xy[:, 1]), 90))
        if spread <= TIGHT_M:
            target = TargetDraft(
                TargetKind.POINT,
                {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "热点",
                radius_m=float(max(50, math.ceil(spread / 10) * 10)),
                dwell_s=600.0,
            )
        else:
            hull = MultiPoint([tuple(p) for p in xy]).convex_hull.buffer(50.0)
            ring = [[round(v, 6) for v in frame.latlon(x, y)[::-1]] for x, y in shapely.get_coordinates(hull)]
            geometry = mapping(shapely.Polygon(ring))
            target = TargetDraft(
                TargetKind.AREA,
                {"type": "Polygon", "coordinates": [[list(p) for p in geometry["coordinates"][0]]]},
                "片区",
                min_minutes=20.0,
            )
        start, weekdays, hours = _window(members, settings.window_hours)
        end = (start + settings.window_hours) % 24
        window = f"{start:02d}:00-{end:02d}:00" if end else f"{start:02d}:00-24:00"
        hit = index.locate(lat, lon)
        base = f"研判 {hit.grid_code if hit else f'{lat:.3f},{lon:.3f}'} {start:02d}时"
        name, n = base, 2
        while name in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(name)
        team = _team(session, lat, lon, units)
        draft = PlanDraft(
            name=name,
            team=team,
            days=tuple(weekdays),
            windows=(window,),
            targets=(target,),
            evidence=tuple(c.number for c in members),
        )
        out.append(
            Suggestion(
                draft,
                tuple(c.number for c in members),
                dict(Counter(c.category.value for c in members).most_common()),
                hours,
            )
        )
    return out
