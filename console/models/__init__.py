"""SQLAlchemy 2.x typed models. Import from here: ``from console.models import Case, Unit``."""

from .attachments import Blob, BlobChunk, CaseAttachment
from .base import Base, utcnow
from .campaigns import Campaign, CampaignTask, CampaignVisit
from .cases import Assignment, Callback, Case, Citizen, Dispatch
from .county import Department, Grid, Place, Township
from .events import Counter, Event
from .feeds import ExternalRef, FeedHealth
from .handoffs import Handoff
from .leadership import CaseOwner, FollowUpStep, ViolenceRisk
from .patrol import (
    PatrolCheckin,
    PatrolDay,
    PatrolPlan,
    PatrolPlanUnit,
    PatrolShift,
    PatrolShiftGrid,
    PatrolShiftTarget,
    PatrolShiftUnit,
    PatrolTarget,
)
from .people import LoginThrottle, User
from .roads import RoadEdge, RoadNetwork, RoadNode
from .sites import KeySite, Relocation
from .units import Position, Unit

__all__ = [
    "Assignment",
    "Base",
    "Blob",
    "BlobChunk",
    "Callback",
    "Campaign",
    "CampaignTask",
    "CampaignVisit",
    "Case",
    "CaseAttachment",
    "CaseOwner",
    "Citizen",
    "Counter",
    "Department",
    "Dispatch",
    "Event",
    "ExternalRef",
    "FeedHealth",
    "FollowUpStep",
    "Grid",
    "Handoff",
    "KeySite",
    "LoginThrottle",
    "PatrolCheckin",
    "PatrolDay",
    "PatrolPlan",
    "PatrolPlanUnit",
    "PatrolShift",
    "PatrolShiftGrid",
    "PatrolShiftTarget",
    "PatrolShiftUnit",
    "PatrolTarget",
    "Place",
    "Position",
    "Relocation",
    "RoadEdge",
    "RoadNetwork",
    "RoadNode",
    "Township",
    "Unit",
    "User",
    "ViolenceRisk",
    "utcnow",
]
