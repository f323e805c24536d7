"""Translated labels of the core's codes (status, category, channel, kind, priority, roles, reasons), in one place.

The source texts are English and marked with QT_TRANSLATE_NOOP so that lupdate collects them; `label()` translates
at the moment of use, so a language switch needs no restart of the tables that hold codes.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QCoreApplication

from console.enums import (
    AssignmentStatus,
    CaseStatus,
    Category,
    Channel,
    EventKind,
    Priority,
    ReviewStatus,
    Role,
    ShiftState,
    TargetKind,
    UnitKind,
    UnitStatus,
)

CONTEXT = "Labels"


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # the name lupdate looks for
    """Mark `text` for lupdate in `context` and return it unchanged (PySide6's own is typed as returning object)."""
    del context
    return text


_TEXT_LIST: list[tuple[Enum, str]] = [
    (CaseStatus.RECEIVED, QT_TRANSLATE_NOOP("Labels", "Received")),
    (CaseStatus.DISPATCHED, QT_TRANSLATE_NOOP("Labels", "Dispatched")),
    (CaseStatus.ON_SCENE, QT_TRANSLATE_NOOP("Labels", "On scene")),
    (CaseStatus.RESOLVED, QT_TRANSLATE_NOOP("Labels", "Resolved")),
    (CaseStatus.CLOSED, QT_TRANSLATE_NOOP("Labels", "Closed")),
    (CaseStatus.MERGED, QT_TRANSLATE_NOOP("Labels", "Merged")),
    (CaseStatus.INVALID, QT_TRANSLATE_NOOP("Labels", "Invalid")),
    (Category.DISPUTE, QT_TRANSLATE_NOOP("Labels", "Dispute")),
    (Category.PUBLIC_ORDER, QT_TRANSLATE_NOOP("Labels", "Public order")),
    (Category.SAFETY_HAZARD, QT_TRANSLATE_NOOP("Labels", "Safety hazard")),
    (Category.TRAFFIC, QT_TRANSLATE_NOOP("Labels", "Traffic")),
    (Category.ASSISTANCE, QT_TRANSLATE_NOOP("Labels", "Assistance")),
    (Category.LIVELIHOOD, QT_TRANSLATE_NOOP("Labels", "Livelihood")),
    (Category.ENVIRONMENT, QT_TRANSLATE_NOOP("Labels", "Environment")),
    (Category.PETITION, QT_TRANSLATE_NOOP("Labels", "Petition")),
    (Category.CONSULTATION, QT_TRANSLATE_NOOP("Labels", "Consultation")),
    (Category.OTHER, QT_TRANSLATE_NOOP("Labels", "Other")),
    (Channel.HOTLINE_12345, QT_TRANSLATE_NOOP("Labels", "12345 hotline")),
    (Channel.POLICE_110, QT_TRANSLATE_NOOP("Labels", "110 police")),
    (Channel.WALK_IN, QT_TRANSLATE_NOOP("Labels", "Walk-in")),
    (Channel.GRID_REPORT, QT_TRANSLATE_NOOP("Labels", "Grid report")),
    (Channel.ONLINE, QT_TRANSLATE_NOOP("Labels", "Online")),
    (Channel.PATROL, QT_TRANSLATE_NOOP("Labels", "Patrol")),
    (Channel.VIDEO, QT_TRANSLATE_NOOP("Labels", "Video")),
    (Channel.OTHER, QT_TRANSLATE_NOOP("Labels", "Other channel")),
    (Priority.RED, QT_TRANSLATE_NOOP("Labels", "Red")),
    (Priority.ORANGE, QT_TRANSLATE_NOOP("Labels", "Orange")),
    (Priority.YELLOW, QT_TRANSLATE_NOOP("Labels", "Yellow")),
    (Priority.BLUE, QT_TRANSLATE_NOOP("Labels", "Blue")),
    (UnitKind.PATROL_CAR, QT_TRANSLATE_NOOP("Labels", "Patrol car")),
    (UnitKind.FOOT_PATROL, QT_TRANSLATE_NOOP("Labels", "Foot patrol")),
    (UnitKind.TRAFFIC_POLICE, QT_TRANSLATE_NOOP("Labels", "Traffic police")),
    (UnitKind.GRID_WORKER, QT_TRANSLATE_NOOP("Labels", "Grid worker")),
    (UnitKind.VOLUNTEER_TEAM, QT_TRANSLATE_NOOP("Labels", "Volunteer team")),
    (UnitKind.MEDIATOR, QT_TRANSLATE_NOOP("Labels", "Mediator")),
    (UnitKind.DRONE, QT_TRANSLATE_NOOP("Labels", "Drone")),
    (UnitStatus.AVAILABLE, QT_TRANSLATE_NOOP("Labels", "Available")),
    (UnitStatus.DISPATCHED, QT_TRANSLATE_NOOP("Labels", "Dispatched")),
    (UnitStatus.EN_ROUTE, QT_TRANSLATE_NOOP("Labels", "En route")),
    (UnitStatus.ON_SCENE, QT_TRANSLATE_NOOP("Labels", "On scene")),
    (UnitStatus.OFF_DUTY, QT_TRANSLATE_NOOP("Labels", "Off duty")),
    (Role.DISPATCHER, QT_TRANSLATE_NOOP("Labels", "Dispatcher")),
    (Role.SHIFT_LEADER, QT_TRANSLATE_NOOP("Labels", "Shift leader")),
    (Role.ADMIN, QT_TRANSLATE_NOOP("Labels", "Administrator")),
    (Role.WALL, QT_TRANSLATE_NOOP("Labels", "Wall display")),
    (Role.HANDLER, QT_TRANSLATE_NOOP("Labels", "Handler")),
    (AssignmentStatus.ASSIGNED, QT_TRANSLATE_NOOP("Labels", "awaiting sign-off")),
    (AssignmentStatus.ACCEPTED, QT_TRANSLATE_NOOP("Labels", "signed for")),
    (AssignmentStatus.RETURNED, QT_TRANSLATE_NOOP("Labels", "returned")),
    (AssignmentStatus.RESOLVED, QT_TRANSLATE_NOOP("Labels", "handled")),
    (AssignmentStatus.TRANSFERRED, QT_TRANSLATE_NOOP("Labels", "transferred")),
    (ShiftState.UPCOMING, QT_TRANSLATE_NOOP("Labels", "Upcoming")),
    (ShiftState.IN_PROGRESS, QT_TRANSLATE_NOOP("Labels", "In progress")),
    (ShiftState.MET, QT_TRANSLATE_NOOP("Labels", "Met")),
    (ShiftState.LATE, QT_TRANSLATE_NOOP("Labels", "Met late")),
    (ShiftState.MISSED, QT_TRANSLATE_NOOP("Labels", "Missed")),
    (ReviewStatus.PENDING, QT_TRANSLATE_NOOP("Labels", "Awaiting review")),
    (ReviewStatus.APPROVED, QT_TRANSLATE_NOOP("Labels", "Approved")),
    (ReviewStatus.RETURNED, QT_TRANSLATE_NOOP("Labels", "Returned")),
    (TargetKind.POINT, QT_TRANSLATE_NOOP("Labels", "Point")),
    (TargetKind.ROUTE, QT_TRANSLATE_NOOP("Labels", "Route")),
    (TargetKind.AREA, QT_TRANSLATE_NOOP("Labels", "Area")),
]
#: Keyed by (enum class, value): some codes are shared ("other" is a category and a channel).
_TEXTS: dict[tuple[type, str], str] = {(type(code), code.value): text for code, text in _TEXT_LIST}

_EVENTS: dict[EventKind, str] = {
    EventKind.CASE_RECEIVED: QT_TRANSLATE_NOOP("Labels", "Received"),
    EventKind.CASE_UPDATED: QT_TRANSLATE_NOOP("Labels", "Updated"),
    EventKind.CASE_DISPATCHED: QT_TRANSLATE_NOOP("Labels", "Unit dispatched"),
    EventKind.CASE_ON_SCENE: QT_TRANSLATE_NOOP("Labels", "On scene"),
    EventKind.CASE_RESOLVED: QT_TRANSLATE_NOOP("Labels", "Resolved"),
    EventKind.CASE_CLOSED: QT_TRANSLATE_NOOP("Labels", "Closed"),
    EventKind.CASE_MERGED: QT_TRANSLATE_NOOP("Labels", "Merged"),
    EventKind.CASE_INVALID: QT_TRANSLATE_NOOP("Labels", "Marked invalid"),
    EventKind.CASE_ESCALATED: QT_TRANSLATE_NOOP("Labels", "Escalated"),
    EventKind.CASE_REOPENED: QT_TRANSLATE_NOOP("Labels", "Reopened"),
    EventKind.CASE_NOTE: QT_TRANSLATE_NOOP("Labels", "Note"),
    EventKind.UNIT_STATUS: QT_TRANSLATE_NOOP("Labels", "Unit status"),
    EventKind.UNIT_MOVED: QT_TRANSLATE_NOOP("Labels", "Unit moved"),
    EventKind.ASSIGNMENT_CREATED: QT_TRANSLATE_NOOP("Labels", "Assigned"),
    EventKind.ASSIGNMENT_ACCEPTED: QT_TRANSLATE_NOOP("Labels", "Assignment accepted"),
    EventKind.ASSIGNMENT_RETURNED: QT_TRANSLATE_NOOP("Labels", "Assignment returned"),
    EventKind.ASSIGNMENT_RESOLVED: QT_TRANSLATE_NOOP("Labels", "Assignment resolved"),
    EventKind.ASSIGNMENT_TRANSFERRED: QT_TRANSLATE_NOOP("Labels", "Assignment transferred"),
    EventKind.ASSIGNMENT_PAUSED: QT_TRANSLATE_NOOP("Labels", "Assignment paused"),
    EventKind.ASSIGNMENT_RESUMED: QT_TRANSLATE_NOOP("Labels", "Assignment resumed"),
    EventKind.ASSIGNMENT_EXTENDED: QT_TRANSLATE_NOOP("Labels", "Deadline extended"),
    EventKind.CALLBACK_RECORDED: QT_TRANSLATE_NOOP("Labels", "Callback recorded"),
    EventKind.LOGIN_SUCCEEDED: QT_TRANSLATE_NOOP("Labels", "Logged in"),
    EventKind.LOGIN_FAILED: QT_TRANSLATE_NOOP("Labels", "Failed login"),
    EventKind.CASE_TAKEN_LOCALLY: QT_TRANSLATE_NOOP("Labels", "Taken locally"),
    EventKind.CASE_SENT_UP: QT_TRANSLATE_NOOP("Labels", "Sent up a level"),
    EventKind.CASE_SENT_DOWN: QT_TRANSLATE_NOOP("Labels", "Sent down a level"),
    EventKind.HANDOFF_SENT: QT_TRANSLATE_NOOP("Labels", "Handed off"),
    EventKind.HANDOFF_ACCEPTED: QT_TRANSLATE_NOOP("Labels", "Hand-off accepted"),
    EventKind.HANDOFF_REFUSED: QT_TRANSLATE_NOOP("Labels", "Hand-off refused"),
    EventKind.HANDOFF_RESULT: QT_TRANSLATE_NOOP("Labels", "Hand-off result"),
    EventKind.HANDOFF_OVERDUE: QT_TRANSLATE_NOOP("Labels", "Hand-off not accepted in time"),
    EventKind.CASE_TRIAGED: QT_TRANSLATE_NOOP("Labels", "Triage"),
    EventKind.PLACES_IMPORTED: QT_TRANSLATE_NOOP("Labels", "Places imported"),
    EventKind.SHIFT_HANDOVER: QT_TRANSLATE_NOOP("Labels", "Shift handover"),
    EventKind.PATROL_PLAN_CREATED: QT_TRANSLATE_NOOP("Labels", "Patrol plan created"),
    EventKind.PATROL_PLAN_UPDATED: QT_TRANSLATE_NOOP("Labels", "Patrol plan changed"),
    EventKind.PATROL_PLAN_SUSPENDED: QT_TRANSLATE_NOOP("Labels", "Patrol plan suspended"),
    EventKind.PATROL_PLAN_RESUMED: QT_TRANSLATE_NOOP("Labels", "Patrol plan resumed"),
    EventKind.PATROL_PLANS_IMPORTED: QT_TRANSLATE_NOOP("Labels", "Patrol plans imported"),
    EventKind.PATROL_PROGRESS: QT_TRANSLATE_NOOP("Labels", "Patrol progress"),
    EventKind.PATROL_SHIFT_APPROVED: QT_TRANSLATE_NOOP("Labels", "Patrol shift approved"),
    EventKind.PATROL_SHIFT_RETURNED: QT_TRANSLATE_NOOP("Labels", "Patrol shift returned"),
    EventKind.PATROL_REPORT_FILED: QT_TRANSLATE_NOOP("Labels", "Filed from patrol"),
    EventKind.KEY_SITES_IMPORTED: QT_TRANSLATE_NOOP("Labels", "Key sites imported"),
    EventKind.UNIT_RELOCATED: QT_TRANSLATE_NOOP("Labels", "Unit relocated"),
    EventKind.ATTACHMENT_ADDED: QT_TRANSLATE_NOOP("Labels", "File attached"),
    EventKind.CASE_PLACED_FROM_PHOTO: QT_TRANSLATE_NOOP("Labels", "Place taken from photo"),
    EventKind.CASE_OWNED: QT_TRANSLATE_NOOP("Labels", "Owned by a leader"),
    EventKind.FOLLOW_UP_PLANNED: QT_TRANSLATE_NOOP("Labels", "Follow-up planned"),
    EventKind.FOLLOW_UP_DONE: QT_TRANSLATE_NOOP("Labels", "Follow-up recorded"),
    EventKind.VIOLENCE_RISK_FLAGGED: QT_TRANSLATE_NOOP("Labels", "Violence risk flagged"),
    EventKind.CAMPAIGN_CREATED: QT_TRANSLATE_NOOP("Labels", "Screening campaign started"),
    EventKind.CAMPAIGN_VISIT: QT_TRANSLATE_NOOP("Labels", "Screening visit"),
}

#: Recommendation reason codes (console/geo/ranking.py) → text.
_REASONS: dict[str, str] = {
    "own_grid_worker": QT_TRANSLATE_NOOP("Labels", "grid worker of this grid"),
    "stale_fix": QT_TRANSLATE_NOOP("Labels", "position is stale"),
    "no_fix": QT_TRANSLATE_NOOP("Labels", "no position reported"),
    "nearest": QT_TRANSLATE_NOOP("Labels", "nearest"),
    "distance": QT_TRANSLATE_NOOP("Labels", "by distance"),
    "road": QT_TRANSLATE_NOOP("Labels", "by road"),
    "straight_line": QT_TRANSLATE_NOOP("Labels", "straight-line estimate"),
    "unreachable": QT_TRANSLATE_NOOP("Labels", "cannot reach by road"),
}

# Unit capabilities (codes from the unit import and the rules file).
_CAPABILITIES: dict[str, str] = {
    "mediation": QT_TRANSLATE_NOOP("Labels", "mediation"),
    "patrol": QT_TRANSLATE_NOOP("Labels", "patrol"),
    "policing": QT_TRANSLATE_NOOP("Labels", "policing"),
    "fire": QT_TRANSLATE_NOOP("Labels", "fire"),
    "inspection": QT_TRANSLATE_NOOP("Labels", "inspection"),
    "traffic": QT_TRANSLATE_NOOP("Labels", "traffic"),
    "first_aid": QT_TRANSLATE_NOOP("Labels", "first aid"),
    "rescue": QT_TRANSLATE_NOOP("Labels", "rescue"),
    "aerial": QT_TRANSLATE_NOOP("Labels", "aerial view"),
}

#: Intake and service field names → text, for inline validation messages.
_FIELDS: dict[str, str] = {
    "channel": QT_TRANSLATE_NOOP("Labels", "Channel"),
    "category": QT_TRANSLATE_NOOP("Labels", "Category"),
    "priority": QT_TRANSLATE_NOOP("Labels", "Priority"),
    "description": QT_TRANSLATE_NOOP("Labels", "Description"),
    "caller_phone": QT_TRANSLATE_NOOP("Labels", "Phone"),
    "caller_name": QT_TRANSLATE_NOOP("Labels", "Caller"),
    "address": QT_TRANSLATE_NOOP("Labels", "Address"),
    "lat": QT_TRANSLATE_NOOP("Labels", "Latitude"),
    "lon": QT_TRANSLATE_NOOP("Labels", "Longitude"),
    "received_at": QT_TRANSLATE_NOOP("Labels", "Received at"),
    "resolution": QT_TRANSLATE_NOOP("Labels", "Result"),
    "reason": QT_TRANSLATE_NOOP("Labels", "Reason"),
}


#: The core's own actors (automatic escalation, the demo's simulator), named as a person reads them.
_ACTORS: dict[str, str] = {
    "system": QT_TRANSLATE_NOOP("Labels", "system"),
    "simulator": QT_TRANSLATE_NOOP("Labels", "simulator"),
}

#: Reasons the core writes as codes (automatic escalation); reasons typed by a person are shown as written.
_REASON_CODES: dict[str, str] = {
    "overdue": QT_TRANSLATE_NOOP("Labels", "deadline passed"),
    "overdue_assignment": QT_TRANSLATE_NOOP("Labels", "assignment past its deadline"),
    "superseded": QT_TRANSLATE_NOOP("Labels", "superseded"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def label(code: Enum) -> str:
    """The translated label of a core code; the raw code if it has none (never empty)."""
    text = _TEXTS.get((type(code), code.value))
    return _tr(text) if text else str(code.value)


def event_label(kind: EventKind) -> str:
    text = _EVENTS.get(kind)
    return _tr(text) if text else kind.value.replace("_", " ")


def reason_label(code: str) -> str:
    """A recommendation reason: `capability:mediation` reads as "can do: mediation"."""
    if code.startswith("capability:"):
        return _capability(code.split(":", 1)[1])
    text = _REASONS.get(code)
    return _tr(text) if text else code


def _capability(name: str) -> str:
    text = _CAPABILITIES.get(name)
    return QCoreApplication.translate("Labels", "can do: {0}").format(_tr(text) if text else name)


def assignment_status_label(code: str | None) -> str:
    """The translated state of an assignment (`returned` → 已退单); empty for none."""
    if not code:
        return ""
    try:
        return label(AssignmentStatus(code))
    except ValueError:
        return code


#: Stages of a long job shown in a progress dialog (the demo county's build, imports).
_STAGES: dict[str, str] = {
    "county": QT_TRANSLATE_NOOP("Labels", "county and units"),
    "history": QT_TRANSLATE_NOOP("Labels", "case history"),
    "positions": QT_TRANSLATE_NOOP("Labels", "unit positions"),
}


def stage_label(stage: str) -> str:
    text = _STAGES.get(stage)
    return _tr(text) if text else stage


def actor_label(name: str) -> str:
    """Who acted: a user's name as it is, the core's own actors translated (`system` → 系统)."""
    text = _ACTORS.get(name)
    return _tr(text) if text else name


def reason_code_label(reason: str) -> str:
    """A reason on the timeline: a code the core wrote (`overdue_assignment`) translated, a person's words as written."""
    text = _REASON_CODES.get(reason)
    return _tr(text) if text else reason


def field_label(field: str) -> str:
    base = field.rsplit(".", 1)[-1]
    text = _FIELDS.get(base)
    return _tr(text) if text else field
