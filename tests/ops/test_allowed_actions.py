"""The allowed-actions table against the services, on both databases: for every role, every state a case can be in
and every step of `CaseAction`, what the table allows (and so what the interface enables) succeeds when run through
the operation, and what it refuses is refused by the service — by role (`forbidden`) or by state (`invalid_state`),
never by anything else."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from console.db import Database
from console.enums import Role
from console.ops import (
    CASE_RULES,
    SYSTEM,
    CaseAction,
    CaseFacts,
    InvalidTransition,
    PermissionDenied,
    ServiceError,
    case_action_allowed,
    execute,
)
from console.services import queries
from console.timeutil import utcnow
from tests.county import MiniCounty

from .conftest import SITUATIONS, Cases


def _facts(db: Database, case_id: int) -> CaseFacts:
    with db.session() as s:
        (view,) = queries.cases_by_ids(s, [case_id], actor=SYSTEM)
    return CaseFacts.of(view)


def _plan_a_visit(db: Database, case_id: int) -> None:
    """A visit to record, where the case can have one (a merged or invalid case cannot be followed up)."""
    due = (utcnow() + timedelta(days=1)).isoformat()
    with contextlib.suppress(InvalidTransition):
        execute(db, SYSTEM, "leadership.own", case_id=case_id, leader="李书记", plan=[{"kind": "visit", "due": due}])


def _step(action: CaseAction, cases: Cases) -> tuple[str, dict[str, Any]]:
    """The operation that takes this step, and the arguments it needs besides the case."""
    match action:
        case CaseAction.DISPATCH:
            # The table's dispatch is sending a unit chosen by name: F5 (`dispatch.nearest`) is only for a case still
            # waiting for its first unit (tests/services/test_dispatch.py, tests/services/test_race.py).
            return "dispatch.unit", {"unit_id": cases.available_unit_id()}
        case CaseAction.RESOLVE:
            return "case.resolve", {"resolution": "已处理"}
        case CaseAction.MERGE:
            return "case.merge", {"into_case_id": cases.new("同一件事").id}
        case CaseAction.ASSIGN:
            return "case.assign", {"assignee_kind": "department", "assignee_id": cases.county.department_id}
        case CaseAction.CALLBACK:
            return "case.callback", {"result": "satisfied"}
        case CaseAction.NOTE:
            return "case.note", {"text": "已电话联系"}
        case CaseAction.CLOSE | CaseAction.ACCEPT:
            return f"case.{action.value}", {}
        case CaseAction.OWN:
            return "leadership.own", {"leader": "李书记"}
        case CaseAction.FLAG_RISK:
            return "leadership.flag_risk", {"reason": "扬言报复"}
        case CaseAction.FOLLOW_UP:
            return "leadership.record", {"kind": "visit", "result": "已走访"}
        case _:
            return f"case.{action.value}", {"reason": "原因"}


def test_every_step_the_table_allows_succeeds_and_every_other_is_refused(
    db: Database, county: MiniCounty, cases: Cases
) -> None:
    checked: dict[str, int] = {"allowed": 0, "refused_by_role": 0, "refused_by_state": 0}
    for situation in SITUATIONS:
        for role in Role:
            actor = county.actors[role]
            for action in CaseAction:
                case = cases.make(situation)
                if action == CaseAction.FOLLOW_UP:
                    _plan_a_visit(db, case.id)
                facts = _facts(db, case.id)
                allowed = case_action_allowed(role, action, facts)
                name, arguments = _step(action, cases)
                where = f"{role.value} {action.value} on a {situation} case ({facts})"
                try:
                    execute(db, actor, name, case_id=case.id, **arguments)
                except ServiceError as exc:
                    assert not allowed, f"the table allows {where}, the service refused: {exc.as_dict()}"
                    if actor.may(CASE_RULES[action].action):
                        assert isinstance(exc, InvalidTransition), f"{where}: refused by {exc.as_dict()}"
                        checked["refused_by_state"] += 1
                    else:
                        assert isinstance(exc, PermissionDenied), f"{where}: refused by {exc.as_dict()}"
                        checked["refused_by_role"] += 1
                else:
                    assert allowed, f"the table refuses {where}, the service did it"
                    checked["allowed"] += 1
                cases.free_units()
    # Every kind of verdict was seen (the matrix is not trivially all-refused).
    assert all(n > 20 for n in checked.values()), checked
