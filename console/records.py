"""The JSON/CSV shape of cases, units and events: the command line's output, the exports and the reports (documented
in the README). Built from rows inside the transaction that read or wrote them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import Case, Event, Unit
from .services.actor import Actor
from .services.masking import caller_identity

CASE_FIELDS = [
    "id",
    "number",
    "status",
    "channel",
    "category",
    "priority",
    "description",
    "caller_phone",
    "caller_name",
    "address",
    "lat",
    "lon",
    "grid",
    "township",
    "received_at",
    "due_at",
    "first_dispatched_at",
    "first_on_scene_at",
    "cleared_at",
    "resolved_at",
    "closed_at",
    "escalation",
    "repeat_count",
    "merged_into",
    "invalid_reason",
    "resolution",
    "created_by",
]
UNIT_FIELDS = [
    "id",
    "callsign",
    "kind",
    "status",
    "status_since",
    "tracker_id",
    "capabilities",
    "lat",
    "lon",
    "fix_at",
    "speed_kmh",
    "home_grid",
    "township",
    "current_case",
]
EVENT_FIELDS = ["id", "ts", "actor", "kind", "case", "unit", "payload"]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_dict(
    c: Case,
    *,
    viewer: Actor,
    grid: str | None = None,
    township: str | None = None,
    merged_into: str | None = None,
) -> dict[str, Any]:
    """The case as `viewer` may see it: the caller's phone and name masked for roles that must not see them."""
    phone, name = caller_identity(c.caller_phone, c.caller_name, viewer)
    return {
        "id": c.id,
        "number": c.number,
        "status": c.status.value,
        "channel": c.channel.value,
        "category": c.category.value,
        "priority": c.priority.value,
        "description": c.description,
        "caller_phone": phone,
        "caller_name": name,
        "address": c.address,
        "lat": c.lat,
        "lon": c.lon,
        "grid": grid,
        "township": township,
        "received_at": iso(c.received_at),
        "due_at": iso(c.due_at),
        "first_dispatched_at": iso(c.first_dispatched_at),
        "first_on_scene_at": iso(c.first_on_scene_at),
        "cleared_at": iso(c.cleared_at),
        "resolved_at": iso(c.resolved_at),
        "closed_at": iso(c.closed_at),
        "escalation": c.escalation,
        "repeat_count": c.repeat_count,
        "merged_into": merged_into,
        "invalid_reason": c.invalid_reason,
        "resolution": c.resolution,
        "created_by": c.created_by,
    }


def unit_dict(
    u: Unit, *, home_grid: str | None = None, township: str | None = None, current_case: str | None = None
) -> dict[str, Any]:
    return {
        "id": u.id,
        "callsign": u.callsign,
        "kind": u.kind.value,
        "status": u.status.value,
        "status_since": iso(u.status_since),
        "tracker_id": u.tracker_id,
        "capabilities": list(u.capabilities or []),
        "lat": u.lat,
        "lon": u.lon,
        "fix_at": iso(u.fix_at),
        "speed_kmh": u.speed_kmh,
        "home_grid": home_grid,
        "township": township,
        "current_case": current_case,
    }


def event_dict(e: Event, *, case: str | None = None, unit: str | None = None) -> dict[str, Any]:
    return {
        "id": e.id,
        "ts": iso(e.ts),
        "actor": e.actor,
        "kind": e.kind.value,
        "case": case,
        "unit": unit,
        "payload": e.payload,
    }
