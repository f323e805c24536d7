"""Two shift leaders assign the same case at the same moment: exactly one assignment is made."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from console.db import write_transaction
from console.enums import AssigneeKind
from console.models import Assignment
from console.services import assignments as asg
from console.services.errors import Conflict, InvalidTransition

from .conftest import MONDAY_9, World


def _race(world: World, case_id: int, targets: list[tuple[AssigneeKind, int]]) -> list[str]:
    barrier = threading.Barrier(len(targets))
    outcomes: list[str] = []

    def leader(kind: AssigneeKind, target: int) -> None:
        def work(s: Any) -> Any:
            barrier.wait(timeout=5)  # both transactions have begun before either assigns
            return asg.assign_case(
                s, case_id=case_id, assignee_kind=kind, assignee_id=target, actor=world.lead, now=MONDAY_9
            )

        try:
            write_transaction(world.db.sessions, work)
            outcomes.append("won")
        except (Conflict, InvalidTransition):
            outcomes.append("refused")
        except threading.BrokenBarrierError:  # a retry after a lock error waits alone
            outcomes.append("gave up")

    threads = [threading.Thread(target=leader, args=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_concurrent_assignments_of_one_case(world: World) -> None:
    targets = [
        (AssigneeKind.DEPARTMENT, world.county.department_id),
        (AssigneeKind.TOWNSHIP, world.county.township_ids["东河镇"]),
    ]
    for round_no in range(5):
        case_id = world.intake(MONDAY_9, f"第{round_no}轮：河道垃圾")
        outcomes = _race(world, case_id, targets)
        assert outcomes.count("won") == 1, outcomes
        with world.db.session() as s:
            assert s.scalar(select(func.count(Assignment.id)).where(Assignment.case_id == case_id)) == 1
