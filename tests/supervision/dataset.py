"""A small day of appeals whose figures are computed by hand in test_kpi.py (Monday 16 Nov 2026, the mini county)."""

from __future__ import annotations

from datetime import timedelta

from console.enums import AssigneeKind, FeedbackResult, UnitStatus
from console.services import assignments as asg
from console.services.callbacks import record_callback
from console.services.cases import close_case, invalidate_case, resolve_case
from console.services.dispatch import dispatch_unit, set_unit_status

from .conftest import MONDAY_9, World

EAST = {"lat": 24.805, "lon": 113.605}
EAST_FAR = {"lat": 24.815, "lon": 113.615}
WEST = {"lat": 24.805, "lon": 113.625}
NOW = MONDAY_9 + timedelta(hours=11)  # Monday 20:00


def build_dataset(world: World) -> dict[str, int]:
    w, t = world, MONDAY_9
    ids: dict[str, int] = {}
    # c1 东河: assigned to the department, resolved on time, satisfied callback → closed loop
    ids["c1"] = w.intake(t, "小区路灯坏了三天晚上很黑", caller_phone="13800000001", **EAST)
    a1 = w.tx(
        lambda s: (
            asg.assign_case(
                s,
                case_id=ids["c1"],
                assignee_kind=AssigneeKind.DEPARTMENT,
                assignee_id=w.county.department_id,
                hours=8,
                actor=w.lead,
                now=t,
            ).id
        )
    )
    w.tx(lambda s: asg.accept_assignment(s, assignment_id=a1, actor=w.dept_handler, now=t + timedelta(minutes=20)))
    w.tx(
        lambda s: asg.resolve_assignment(
            s, assignment_id=a1, result="已更换灯泡", actor=w.dept_handler, now=t + timedelta(hours=2)
        )
    )
    w.tx(
        lambda s: resolve_case(
            s, case_id=ids["c1"], resolution="路灯已修复", actor=w.dispatcher, now=t + timedelta(hours=2, minutes=5)
        )
    )
    w.tx(
        lambda s: record_callback(
            s,
            case_id=ids["c1"],
            reached=True,
            satisfaction=FeedbackResult.SATISFIED,
            actor=w.dispatcher,
            now=t + timedelta(hours=3),
        )
    )
    # c2 东河 dispute by walk-in: a patrol car dispatched after 30 s, resolved, dissatisfied → reopened
    ids["c2"] = w.intake(
        t + timedelta(minutes=10),
        "邻居装修噪音扰民发生争吵",
        caller_phone="13800000002",
        category="dispute",
        channel="walk_in",
        **EAST_FAR,
    )
    pc = w.county.unit_ids["PC-01"]
    w.tx(
        lambda s: dispatch_unit(
            s, case_id=ids["c2"], unit_id=pc, actor=w.dispatcher, now=t + timedelta(minutes=10, seconds=30)
        )
    )
    w.tx(
        lambda s: set_unit_status(
            s, unit_id=pc, status=UnitStatus.ON_SCENE, actor=w.dispatcher, now=t + timedelta(minutes=25)
        )
    )
    w.tx(
        lambda s: resolve_case(
            s, case_id=ids["c2"], resolution="已调解", actor=w.dispatcher, now=t + timedelta(hours=1)
        )
    )
    w.tx(
        lambda s: record_callback(
            s,
            case_id=ids["c2"],
            reached=True,
            satisfaction="dissatisfied",
            notes="噪音仍在",
            actor=w.dispatcher,
            now=t + timedelta(hours=4),
        )
    )
    # c3 西岭 red traffic, resolved late, closed by the shift leader
    ids["c3"] = w.intake(
        t + timedelta(minutes=20),
        "路口两车相撞有人受伤",
        caller_phone="13800000003",
        category="traffic",
        channel="police_110",
        priority="red",
        **WEST,
    )
    w.tx(
        lambda s: resolve_case(
            s, case_id=ids["c3"], resolution="已处置", actor=w.dispatcher, now=t + timedelta(hours=3)
        )
    )
    w.tx(lambda s: close_case(s, case_id=ids["c3"], actor=w.lead, now=t + timedelta(hours=5)))
    # c4 西岭 invalid
    ids["c4"] = w.intake(t + timedelta(minutes=30), "测试电话", caller_phone="13800000004", category="other", **WEST)
    w.tx(
        lambda s: invalidate_case(
            s, case_id=ids["c4"], reason="测试", actor=w.dispatcher, now=t + timedelta(minutes=31)
        )
    )
    # c5 东河: the caller of c1 again after closure → a repeat of c1
    ids["c5"] = w.intake(t + timedelta(hours=6), "小区路灯又坏了晚上很黑", caller_phone="13800000001", **EAST)
    # c6 西岭 red: assigned to the township 西岭镇, returned; overdue now
    ids["c6"] = w.intake(
        t + timedelta(hours=7),
        "河道有大量垃圾漂浮",
        caller_phone="13800000006",
        category="environment",
        priority="red",
        **WEST,
    )
    west = w.county.township_ids["西岭镇"]
    a6 = w.tx(
        lambda s: (
            asg.assign_case(
                s,
                case_id=ids["c6"],
                assignee_kind=AssigneeKind.TOWNSHIP,
                assignee_id=west,
                hours=4,
                actor=w.lead,
                now=t + timedelta(hours=7),
            ).id
        )
    )
    w.tx(
        lambda s: asg.return_assignment(
            s, assignment_id=a6, reason="不属于本镇", actor=w.lead, now=t + timedelta(hours=8)
        )
    )
    ids["a1"], ids["a6"] = a1, a6
    return ids
