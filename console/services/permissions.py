"""Who may do what, and in which state: the one table the services enforce and the interface reads.

`PERMISSIONS` says which roles may take each action. `CASE_RULES` says, for each thing that can be done to a case,
the action (and so the roles) it needs, the case states it may start from, and whether units must be attached or
not and what the case's live assignment must be. `UNIT_TRANSITIONS` says which unit statuses each status may be
reached from. The services build their guarded UPDATEs from these tables (the states go into the `WHERE`), so a
button the interface enables from them is a step the service accepts, and one it greys out is one the service
refuses. What the tables cannot know — a handler's own department, the escalation ceiling, another workstation's
change a moment ago — the service still checks and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..enums import OPEN_CASE_STATUSES, AssignmentStatus, CaseStatus, Category, Role, UnitStatus
from ..views import CaseView


class Action(StrEnum):
    INTAKE = "intake"
    DISPATCH = "dispatch"
    REROUTE = "reroute"
    UNIT_STATUS = "unit_status"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
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
    MAINTAIN = "maintain"  # retention (prune), backup and restore
    MANAGE_PATROL = "manage_patrol"  # create, edit, suspend and import patrol plans
    REVIEW_PATROL = "review_patrol"  # approve or return yesterday's patrol shifts (审核)
    MANAGE_SITES = "manage_sites"  # import key sites (重点单位)
    RELOCATE = "relocate"  # order an available unit to a standby post
    MOVE_LEVEL = "move_level"  # take a case locally (就地化解), send it up (上交) or down a level
    HANDOFF = "handoff"  # hand a case to the police line or the hotline, record the other side's answer


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
    Action.REOPEN: frozenset({_S, _A}),
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
    Action.MAINTAIN: frozenset({_A}),
    Action.MANAGE_PATROL: frozenset({_S, _A}),
    Action.REVIEW_PATROL: frozenset({_S, _A}),
    Action.MANAGE_SITES: frozenset({_S, _A}),
    Action.RELOCATE: frozenset({_S, _A}),
    Action.MOVE_LEVEL: frozenset({_D, _S, _A}),
    Action.HANDOFF: frozenset({_D, _S, _A}),
}


#: A screening campaign's visit (排查), by its result: recording that nothing was found is a note; a finding files a
#: case at once (channel `grid_report`), which is an intake.
CAMPAIGN_VISIT_ACTIONS: dict[str, Action] = {"nothing": Action.NOTE, "finding": Action.INTAKE}


def role_may(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


class CaseAction(StrEnum):
    """What can be done to one case (the case panel's buttons, the menus, the `case …` commands)."""

    DISPATCH = "dispatch"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    MERGE = "merge"
    INVALIDATE = "invalidate"
    ESCALATE = "escalate"
    ASSIGN = "assign"
    ACCEPT = "accept"
    RETURN = "return"
    CALLBACK = "callback"
    NOTE = "note"
    OWN = "own"  # mark the case as owned by a named leader (领导包案), with its follow-up plan
    FOLLOW_UP = "follow_up"  # record a planned visit or callback as done
    FLAG_RISK = "flag_risk"  # flag a dispute for violence risk (民转刑 风险)


ALL_CASE_STATES = frozenset(CaseStatus)
#: Assignment states in which an assignment is still with its handler.
LIVE_ASSIGNMENT_STATES = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED})
NO_LIVE_ASSIGNMENT: frozenset[AssignmentStatus] = frozenset()
#: The states a case can be followed up in (a duplicate or an invalid appeal has nothing to follow up).
FOLLOW_UP_STATES = ALL_CASE_STATES - {CaseStatus.MERGED, CaseStatus.INVALID}


@dataclass(frozen=True, slots=True)
class CaseRule:
    action: Action  # the permission it needs (and so the roles)
    states: frozenset[CaseStatus]  # the case states it may start from
    units: bool | None = None  # True: units must be attached; False: none may be; None: either
    # The live assignment's state it needs; NO_LIVE_ASSIGNMENT: there must be none; None: either.
    assignment: frozenset[AssignmentStatus] | None = None
    categories: frozenset[Category] | None = None  # the case's category must be one of these; None: any


CASE_RULES: dict[CaseAction, CaseRule] = {
    CaseAction.DISPATCH: CaseRule(Action.DISPATCH, OPEN_CASE_STATUSES),
    CaseAction.RESOLVE: CaseRule(Action.RESOLVE, OPEN_CASE_STATUSES),
    CaseAction.CLOSE: CaseRule(Action.CLOSE, frozenset({CaseStatus.RESOLVED})),
    CaseAction.REOPEN: CaseRule(Action.REOPEN, frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})),
    CaseAction.MERGE: CaseRule(Action.MERGE, OPEN_CASE_STATUSES, units=False),
    CaseAction.INVALIDATE: CaseRule(Action.INVALIDATE, OPEN_CASE_STATUSES, units=False),
    CaseAction.ESCALATE: CaseRule(Action.ESCALATE, OPEN_CASE_STATUSES | {CaseStatus.RESOLVED}),
    CaseAction.ASSIGN: CaseRule(Action.ASSIGN, OPEN_CASE_STATUSES, assignment=NO_LIVE_ASSIGNMENT),
    CaseAction.ACCEPT: CaseRule(
        Action.HANDLE_ASSIGNMENT, ALL_CASE_STATES, assignment=frozenset({AssignmentStatus.ASSIGNED})
    ),
    CaseAction.RETURN: CaseRule(Action.HANDLE_ASSIGNMENT, ALL_CASE_STATES, assignment=LIVE_ASSIGNMENT_STATES),
    CaseAction.CALLBACK: CaseRule(Action.CALLBACK, frozenset({CaseStatus.RESOLVED})),
    CaseAction.NOTE: CaseRule(Action.NOTE, ALL_CASE_STATES),
    CaseAction.OWN: CaseRule(Action.ESCALATE, FOLLOW_UP_STATES),
    # Whether an open visit or callback is planned is the service's to say (the table does not know the plan).
    CaseAction.FOLLOW_UP: CaseRule(Action.NOTE, FOLLOW_UP_STATES),
    CaseAction.FLAG_RISK: CaseRule(Action.ESCALATE, FOLLOW_UP_STATES, categories=frozenset({Category.DISPUTE})),
}


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the rules look at: the case's state, whether units are attached, its live assignment's state and its
    category."""

    status: CaseStatus
    units_attached: bool = False
    assignment: AssignmentStatus | None = None  # the live assignment (assigned or accepted), if any
    category: Category | None = None  # None: not known (a rule that names categories then refuses)

    @classmethod
    def of(cls, case: CaseView) -> CaseFacts:
        live = None
        if case.assignment_status is not None:
            status = AssignmentStatus(case.assignment_status)
            live = status if status in LIVE_ASSIGNMENT_STATES else None
        return cls(case.status, bool(case.unit_ids), live, case.category)


def state_allows(what: CaseAction, facts: CaseFacts) -> bool:
    """Whether the case's state allows the step (whoever asks)."""
    rule = CASE_RULES[what]
    if facts.status not in rule.states:
        return False
    if rule.units is not None and facts.units_attached != rule.units:
        return False
    if rule.categories is not None and facts.category not in rule.categories:
        return False
    if rule.assignment is not None:
        if not rule.assignment:
            return facts.assignment is None
        return facts.assignment in rule.assignment
    return True


def case_action_allowed(role: Role, what: CaseAction, facts: CaseFacts) -> bool:
    return role_may(role, CASE_RULES[what].action) and state_allows(what, facts)


def allowed_case_actions(role: Role, facts: CaseFacts) -> frozenset[CaseAction]:
    """Every step this role may take on a case in this state."""
    return frozenset(a for a in CaseAction if case_action_allowed(role, a, facts))


#: Unit status transitions: target → the statuses it may be reached from (`dispatched` only by a dispatch).
UNIT_TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    UnitStatus.EN_ROUTE: frozenset({UnitStatus.DISPATCHED}),
    UnitStatus.ON_SCENE: frozenset({UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE}),
    UnitStatus.AVAILABLE: frozenset(
        {UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.OFF_DUTY}
    ),
    UnitStatus.OFF_DUTY: frozenset({UnitStatus.AVAILABLE}),
}


def unit_status_allowed(role: Role, current: UnitStatus, target: UnitStatus) -> bool:
    return role_may(role, Action.UNIT_STATUS) and current in UNIT_TRANSITIONS.get(target, frozenset())
