"""Who acts: every service call names its actor; roles are checked here, in the core, not in the UI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..enums import Role
from .errors import PermissionDenied


class Action(StrEnum):
    INTAKE = "intake"
    DISPATCH = "dispatch"
    REROUTE = "reroute"
    UNIT_STATUS = "unit_status"
    RESOLVE = "resolve"
    CLOSE = "close"
    MERGE = "merge"
    INVALIDATE = "invalidate"
    ESCALATE = "escalate"
    ASSIGN = "assign"
    HANDLE_ASSIGNMENT = "handle_assignment"
    EXTEND_DEADLINE = "extend_deadline"
    CALLBACK = "callback"
    NOTE = "note"
    MANAGE_USERS = "manage_users"
    MANAGE_COUNTY = "manage_county"
    INGEST_POSITIONS = "ingest_positions"
    VIEW_PHONE = "view_phone"  # the caller's phone number and name in full (others see them masked)


_D = Role.DISPATCHER
_S = Role.SHIFT_LEADER
_A = Role.ADMIN
_H = Role.HANDLER

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.INTAKE: frozenset({_D, _S, _A}),
    Action.DISPATCH: frozenset({_D, _S, _A}),
    Action.REROUTE: frozenset({_S, _A}),
    Action.UNIT_STATUS: frozenset({_D, _S, _A}),
    Action.RESOLVE: frozenset({_D, _S, _A}),
    Action.CLOSE: frozenset({_S, _A}),
    Action.MERGE: frozenset({_D, _S, _A}),
    Action.INVALIDATE: frozenset({_D, _S, _A}),
    Action.ESCALATE: frozenset({_S, _A}),
    Action.ASSIGN: frozenset({_S, _A}),
    Action.HANDLE_ASSIGNMENT: frozenset({_H, _S, _A}),
    Action.EXTEND_DEADLINE: frozenset({_S, _A}),
    Action.CALLBACK: frozenset({_D, _S, _A}),
    Action.NOTE: frozenset({_D, _S, _A, _H}),
    Action.MANAGE_USERS: frozenset({_A}),
    Action.MANAGE_COUNTY: frozenset({_A}),
    Action.INGEST_POSITIONS: frozenset({_A}),
    Action.VIEW_PHONE: frozenset({_D, _S, _A}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    role: Role
    user_id: int | None = None
    department_id: int | None = None
    township_id: int | None = None

    def may(self, action: Action) -> bool:
        return self.role in PERMISSIONS[action]

    def require(self, action: Action) -> None:
        if not self.may(action):
            raise PermissionDenied(action.value, self.role.value)


#: The actor of the command line, imports, the feed runner and the demo generator.
SYSTEM = Actor(name="system", role=Role.ADMIN)
