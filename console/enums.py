"""The stable vocabulary of the console (DESIGN.md §2): stored by value, used by the CLI and every import/export.

The interface shows translated labels for these codes; the core never does.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    POLICE_110 = "police_110"
    WALK_IN = "walk_in"
    GRID_REPORT = "grid_report"
    ONLINE = "online"
    PATROL = "patrol"
    VIDEO = "video"
    OTHER = "other"


class Category(StrEnum):
    DISPUTE = "dispute"
    PUBLIC_ORDER = "public_order"
    SAFETY_HAZARD = "safety_hazard"
    TRAFFIC = "traffic"
    ASSISTANCE = "assistance"
    LIVELIHOOD = "livelihood"
    ENVIRONMENT = "environment"
    PETITION = "petition"
    CONSULTATION = "consultation"
    OTHER = "other"


class Priority(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def rank(self) -> int:
        """0 is the most urgent."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.RED: 0, Priority.ORANGE: 1, Priority.YELLOW: 2, Priority.BLUE: 3}


class CaseStatus(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"
    INVALID = "invalid"

    @property
    def is_open(self) -> bool:
        return self in OPEN_CASE_STATUSES


OPEN_CASE_STATUSES = frozenset({CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE})
FINAL_CASE_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.MERGED, CaseStatus.INVALID})


class UnitKind(StrEnum):
    PATROL_CAR = "patrol_car"
    FOOT_PATROL = "foot_patrol"
    TRAFFIC_POLICE = "traffic_police"
    GRID_WORKER = "grid_worker"
    VOLUNTEER_TEAM = "volunteer_team"
    MEDIATOR = "mediator"
    DRONE = "drone"


class RoadClass(StrEnum):
    """Classes of the road network (the `class` of `import roads`); OSM's highway values map onto them."""

    MOTORWAY = "motorway"
    TRUNK = "trunk"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    RESIDENTIAL = "residential"
    TRACK = "track"
    PATH = "path"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OFF_DUTY = "off_duty"

    @property
    def is_busy(self) -> bool:
        return self in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)


class Role(StrEnum):
    DISPATCHER = "dispatcher"
    SHIFT_LEADER = "shift_leader"
    ADMIN = "admin"
    WALL = "wall"
    HANDLER = "handler"  # a department or township user who receives assignments


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    RESOLVED = "resolved"
    TRANSFERRED = "transferred"


class AssigneeKind(StrEnum):
    DEPARTMENT = "department"
    TOWNSHIP = "township"


class FeedbackResult(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    NOT_REACHED = "not_reached"


class EventKind(StrEnum):
    CASE_RECEIVED = "case_received"
    CASE_UPDATED = "case_updated"
    CASE_DISPATCHED = "case_dispatched"
    CASE_ON_SCENE = "case_on_scene"
    CASE_RESOLVED = "case_resolved"
    CASE_CLOSED = "case_closed"
    CASE_MERGED = "case_merged"
    CASE_INVALID = "case_invalid"
    CASE_ESCALATED = "case_escalated"
    CASE_REOPENED = "case_reopened"
    CASE_NOTE = "case_note"
    UNIT_STATUS = "unit_status"
    UNIT_MOVED = "unit_moved"
    UNIT_CREATED = "unit_created"
    ASSIGNMENT_CREATED = "assignment_created"
    ASSIGNMENT_ACCEPTED = "assignment_accepted"
    ASSIGNMENT_RETURNED = "assignment_returned"
    ASSIGNMENT_RESOLVED = "assignment_resolved"
    ASSIGNMENT_TRANSFERRED = "assignment_transferred"
    ASSIGNMENT_PAUSED = "assignment_paused"  # the working clock stopped (awaiting the citizen)
    ASSIGNMENT_RESUMED = "assignment_resumed"
    ASSIGNMENT_EXTENDED = "assignment_extended"  # a later deadline approved
    CALLBACK_RECORDED = "callback_recorded"
    GRIDS_IMPORTED = "grids_imported"
    ROADS_IMPORTED = "roads_imported"
    USER_CREATED = "user_created"
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    FEED_HEALTH = "feed_health"
    HISTORY_PRUNED = "history_pruned"
    DATABASE_RESTORED = "database_restored"
    PATROL_PLAN_CREATED = "patrol_plan_created"
    PATROL_PLAN_UPDATED = "patrol_plan_updated"
    PATROL_PLAN_SUSPENDED = "patrol_plan_suspended"
    PATROL_PLAN_RESUMED = "patrol_plan_resumed"
    PATROL_PLANS_IMPORTED = "patrol_plans_imported"
    PATROL_PROGRESS = "patrol_progress"
    PATROL_SHIFT_APPROVED = "patrol_shift_approved"
    PATROL_SHIFT_RETURNED = "patrol_shift_returned"
    PATROL_REPORT_FILED = "patrol_report_filed"
    KEY_SITES_IMPORTED = "key_sites_imported"
    UNIT_RELOCATED = "unit_relocated"
    # Levels (migration 0010_levels): a village or township takes a case (就地化解), sends it up (上交), or the
    # county sends it down.
    CASE_TAKEN_LOCALLY = "case_taken_locally"
    CASE_SENT_UP = "case_sent_up"
    CASE_SENT_DOWN = "case_sent_down"
    # 110 ↔ 12345 hand-off (migration 0010_levels).
    HANDOFF_SENT = "handoff_sent"
    HANDOFF_ACCEPTED = "handoff_accepted"
    HANDOFF_REFUSED = "handoff_refused"
    HANDOFF_RESULT = "handoff_result"
    HANDOFF_OVERDUE = "handoff_overdue"
    PLACES_IMPORTED = "places_imported"  # the county's gazetteer (standard addresses, landmarks) imported
    SHIFT_HANDOVER = "shift_handover"  # the handover note (交接班) left at shift change
    CASE_TRIAGED = "case_triaged"  # triage answers and the fields taken from the suggestion, at intake
    ATTACHMENT_ADDED = "attachment_added"  # a photo, recording or document kept with the case (evidence)
    CASE_PLACED_FROM_PHOTO = "case_placed_from_photo"  # the case's place taken from a photo's EXIF position
    CASE_OWNED = "case_owned"  # a named leader owns the case (领导包案), with a follow-up plan
    FOLLOW_UP_PLANNED = "follow_up_planned"  # a visit or callback due by a date
    FOLLOW_UP_DONE = "follow_up_done"  # the visit or callback recorded
    VIOLENCE_RISK_FLAGGED = "violence_risk_flagged"  # a dispute at risk of turning violent (民转刑)
    CAMPAIGN_CREATED = "campaign_created"  # a screening campaign (排查) and its grid tasks
    CAMPAIGN_VISIT = "campaign_visit"  # a household or venue visited: nothing found, or a finding (its case)


class PlanStatus(StrEnum):
    """A patrol plan (巡防计划) makes shifts while active; a suspended one makes none until resumed."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class TargetKind(StrEnum):
    """What a patrol target asks: stay at a point, cover a route, spend time in an area (定点位、定巡线、定范围)."""

    POINT = "point"
    ROUTE = "route"
    AREA = "area"


class ReviewStatus(StrEnum):
    """The shift leader's daily review (审核) of a finished patrol shift."""

    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"


class ShiftState(StrEnum):
    """Where a shift stands (derived from its window, the time now and its targets)."""

    UPCOMING = "upcoming"  # the window has not started
    IN_PROGRESS = "in_progress"  # inside the window (or its grace period), not all targets met yet
    MET = "met"  # every target met inside the window
    LATE = "late"  # every target met, some only in the grace period after the window
    MISSED = "missed"  # the window and its grace period are over and some target was not met


class Level(StrEnum):
    """The three levels of centers (区/县 — 乡镇/街道 — 村/社区): where a user belongs and where a case is held."""

    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def up(self) -> Level | None:
        """The level above (None for the county)."""
        return {Level.VILLAGE: Level.TOWNSHIP, Level.TOWNSHIP: Level.COUNTY}.get(self)


class HandoffLine(StrEnum):
    """The outside line a case is handed to: the police line (110) or the government hotline (12345)."""

    POLICE_110 = "police_110"
    HOTLINE_12345 = "hotline_12345"


class HandoffStatus(StrEnum):
    SENT = "sent"  # handed over, waiting for the other side to accept
    ACCEPTED = "accepted"  # the other side took it (its reference number known)
    REFUSED = "refused"  # the other side refused it with a reason; the case came back
    DONE = "done"  # the other side's result came back: the loop is closed
