"""Operations: every state change the console or the command line makes, and every read the views need, as a
named operation of the core (Anki's `CollectionOp` → `OpChanges` is the model).

`execute(db, actor, "case.resolve", case_id=…, resolution=…)` checks the permission, runs one transaction through
the services and returns an `OpResult`: the result value and the `OpChanges` (which cases, units and assignments it
touched). `REGISTRY` maps each name to its function, the permission it needs, whether it reads or writes and what it
needs to run (`Needs`). The console's database worker and the command line both come through here; views ask for
operations by name and plain arguments and never see a database session.

This package is also what the interface imports from the core's rules: the actor and its permissions, the
case-action table, the errors and the plain values operations return.
"""

from ..attachments import AttachmentSettings
from ..errors import (
    Conflict,
    InvalidTransition,
    LoginLocked,
    LoginRefused,
    LoginThrottled,
    NotFound,
    PermissionDenied,
    ServiceError,
    UnitUnavailable,
    ValidationError,
)
from ..services.actor import SYSTEM, Action, Actor
from ..services.attachments import AttachmentView
from ..services.handover import Handover
from ..services.intake import CallerHistory, IntakePreview
from ..services.login_policy import LoginSettings
from ..services.permissions import (
    CAMPAIGN_VISIT_ACTIONS,
    CASE_RULES,
    UNIT_TRANSITIONS,
    CaseAction,
    CaseFacts,
    allowed_case_actions,
    case_action_allowed,
    state_allows,
    unit_status_allowed,
)
from ..services.queries import AssignmentView, CaseDetail, CountyView, DepartmentView, DispatchView, PlaceName
from . import (
    attachments,
    campaigns,
    cases,
    dispatch,
    handoffs,
    intake,
    leadership,
    levels,
    live,
    patrol,
    reference,
    roads,
    setup,
    shift,
    supervision,
)
from .attachments import CaseFiles
from .changes import OpChanges, OpResult
from .intake import IntakeOutcome
from .registry import REGISTRY, Kind, Needs, OpContext, Operation, execute, operation_named
from .setup import DatabaseCheck
from .values import AssignmentState, CallbackState, CaseState, DispatchState, UnitState

__all__ = [
    "CAMPAIGN_VISIT_ACTIONS",
    "CASE_RULES",
    "AssignmentState",
    "AttachmentSettings",
    "AttachmentView",
    "AssignmentView",
    "CallbackState",
    "CallerHistory",
    "CaseDetail",
    "CaseFiles",
    "CaseState",
    "CountyView",
    "DatabaseCheck",
    "DepartmentView",
    "DispatchState",
    "DispatchView",
    "Handover",
    "IntakeOutcome",
    "IntakePreview",
    "PlaceName",
    "UnitState",
    "REGISTRY",
    "SYSTEM",
    "UNIT_TRANSITIONS",
    "Action",
    "Actor",
    "CaseAction",
    "CaseFacts",
    "Conflict",
    "InvalidTransition",
    "Kind",
    "LoginLocked",
    "LoginRefused",
    "LoginSettings",
    "LoginThrottled",
    "Needs",
    "NotFound",
    "OpChanges",
    "OpContext",
    "OpResult",
    "Operation",
    "PermissionDenied",
    "ServiceError",
    "UnitUnavailable",
    "ValidationError",
    "allowed_case_actions",
    "attachments",
    "case_action_allowed",
    "campaigns",
    "cases",
    "dispatch",
    "execute",
    "handoffs",
    "intake",
    "levels",
    "leadership",
    "live",
    "operation_named",
    "reference",
    "patrol",
    "roads",
    "setup",
    "shift",
    "state_allows",
    "supervision",
    "unit_status_allowed",
]
