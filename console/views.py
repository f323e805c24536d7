"""Plain, immutable read models handed from the core to every front end (UI, map, CLI exports).

They are values: safe to pass between threads, cheap to compare, free of sessions and lazy loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .enums import CaseStatus, Category, Channel, Priority, UnitKind, UnitStatus


@dataclass(frozen=True, slots=True)
class UnitView:
    id: int
    callsign: str
    kind: UnitKind
    status: UnitStatus
    status_since: datetime
    lat: float | None
    lon: float | None
    fix_at: datetime | None
    current_case_id: int | None
    home_grid_id: int | None
    township_id: int | None
    capabilities: tuple[str, ...] = ()
    version: int = 1
    speed_kmh: float | None = None


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    number: str
    channel: Channel
    category: Category
    priority: Priority
    status: CaseStatus
    received_at: datetime
    due_at: datetime
    description: str
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    grid_id: int | None = None
    township_id: int | None = None
    caller_phone: str | None = None  # masked for roles that need not see it
    caller_name: str | None = None
    created_by: str = ""
    escalation: int = 0
    repeat_count: int = 0
    version: int = 1
    # The open assignment, if any: "assigned", "accepted", "returned" (退单, needs the shift leader), ...
    assignment_status: str | None = None
    assignee: str | None = None
    unit_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class GridView:
    id: int
    code: str
    name: str
    township_id: int
    township: str
    geometry: dict[str, object]


@dataclass(frozen=True, slots=True)
class TownshipView:
    id: int
    name: str
    geometry: dict[str, object] | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    unit_id: int
    callsign: str
    kind: UnitKind
    distance_m: float
    eta_s: float
    reasons: tuple[str, ...]  # codes, e.g. "own_grid_worker", "stale_fix", "capability:mediation", "road"
    route: str = "straight"  # road (routed over the road network) | straight (straight-line estimate)
