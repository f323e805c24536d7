"""Repeat appeals: the text measure on a labelled set, and clustering at intake (phone, place, windows, escalation)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from console.db import write_tx
from console.enums import CaseStatus, EventKind, FeedbackResult
from console.models import Case, Event
from console.services.callbacks import record_callback
from console.services.cases import resolve_case
from console.services.intake import create_case, parse_intake
from console.services.repeats import grams, similarity
from console.worktime import default_calendar

from .appeals_labelled import PAIRS
from .conftest import MONDAY_9, World

EAST = {"lat": 24.805, "lon": 113.605}
NEAR = {"lat": 24.806, "lon": 113.606}  # ~150 m away
FAR = {"lat": 24.815, "lon": 113.635}  # ~3 km away


def test_text_measure_on_the_labelled_set() -> None:
    rules = default_calendar().repeats
    decided = [
        (similarity(a, b) >= rules.bar(same_category=ca == cb, same_caller=False), same) for a, ca, b, cb, same in PAIRS
    ]
    true_pos = sum(1 for got, same in decided if got and same)
    false_pos = sum(1 for got, same in decided if got and not same)
    positives = sum(1 for _, same in decided if same)
    assert true_pos == positives  # every repeat told in other words is found at the same place
    assert false_pos <= 1  # at most one different matter at the same place is taken for a repeat
    # the same caller lowers the bar, never raises it
    assert rules.bar(same_category=True, same_caller=True) < rules.bar(same_category=True, same_caller=False)


def test_grams_ignore_punctuation_and_width() -> None:
    assert grams("路灯，坏了！") == grams("路灯 坏了") and "灯坏" not in grams("路灯，坏了")
    assert grams("ＡＢ") == grams("ab")
    assert similarity("", "路灯") == 0.0


def _case(w: World, case_id: int) -> Case:
    with w.db.session() as s:
        c = s.get(Case, case_id)
        assert c is not None
        s.expunge(c)
        return c


def test_same_caller_and_same_place_cluster_on_the_master(world: World) -> None:
    first = world.intake(MONDAY_9, "幸福小区3栋门口路灯坏了一个星期，晚上很黑", caller_phone="13700000001", **EAST)
    # the same caller a day later, no location
    second = world.intake(
        MONDAY_9 + timedelta(days=1), "幸福小区3栋的路灯还是坏的，晚上出门很黑", caller_phone="13700000001"
    )
    # someone else nearby, same matter
    third = world.intake(
        MONDAY_9 + timedelta(days=1, hours=1), "3栋门口的路灯坏了好几天，晚上很黑", caller_phone="13700000002", **NEAR
    )
    # someone else nearby, another matter
    other = world.intake(
        MONDAY_9 + timedelta(days=1, hours=2),
        "小区门口有人乱停车堵住消防通道",
        caller_phone="13700000003",
        category="traffic",
        **NEAR,
    )
    # the same matter far away
    far = world.intake(
        MONDAY_9 + timedelta(days=1, hours=3), "小区路灯坏了一个星期，晚上很黑", caller_phone="13700000004", **FAR
    )
    assert _case(world, second).repeat_of_id == first
    assert _case(world, third).repeat_of_id == first  # joins the master, not the repeat it resembles
    assert _case(world, other).repeat_of_id is None and _case(world, far).repeat_of_id is None
    master = _case(world, first)
    assert master.repeat_count == 2 and master.escalation == 0
    with world.db.session() as s:
        actions = [
            e.payload.get("action")
            for e in s.scalars(select(Event).where(Event.case_id == first, Event.kind == EventKind.CASE_UPDATED))
        ]
    assert actions == ["repeat_appeal", "repeat_appeal"]


def test_n_repeats_escalate_the_master(world: World) -> None:
    n = default_calendar().repeats.escalate_after
    first = world.intake(
        MONDAY_9, "工地夜间施工噪音扰民，凌晨还在打桩", caller_phone="13700000010", category="environment", **EAST
    )
    for i in range(n):
        world.intake(
            MONDAY_9 + timedelta(hours=2 + i),
            "工地晚上又在施工打桩，噪音扰民睡不着",
            caller_phone=f"1370000002{i}",
            category="environment",
            **NEAR,
        )
    master = _case(world, first)
    assert master.repeat_count == n and master.escalation == 1
    with world.db.session() as s:
        esc = s.scalars(select(Event).where(Event.case_id == first, Event.kind == EventKind.CASE_ESCALATED)).all()
    assert [e.payload["reason"] for e in esc] == ["repeat_appeals"]


def test_new_contact_after_closure_escalates(world: World) -> None:
    first = world.intake(MONDAY_9, "河西村自来水停水两天了，没有通知", caller_phone="13700000030")
    world.tx(
        lambda s: resolve_case(
            s, case_id=first, resolution="已恢复供水", actor=world.dispatcher, now=MONDAY_9 + timedelta(hours=5)
        )
    )
    world.tx(
        lambda s: record_callback(
            s,
            case_id=first,
            reached=True,
            satisfaction=FeedbackResult.SATISFIED,
            actor=world.dispatcher,
            now=MONDAY_9 + timedelta(hours=6),
        )
    )
    again = world.intake(MONDAY_9 + timedelta(days=2), "河西村还是停水，已经第三天了", caller_phone="13700000030")
    master, new = _case(world, first), _case(world, again)
    assert master.status == CaseStatus.CLOSED and master.escalation == 1
    assert new.repeat_of_id == first and new.escalation == 1  # the new appeal stands out in the queue


def test_outside_the_windows_is_a_new_matter(world: World) -> None:
    rules = default_calendar().repeats
    first = world.intake(MONDAY_9, "小区电梯故障困人，物业不管", caller_phone="13700000040", **EAST)
    late = world.intake(
        MONDAY_9 + timedelta(days=rules.phone_window_days + 1),
        "小区电梯又坏了，物业还是不处理",
        caller_phone="13700000040",
    )
    later_place = world.intake(
        MONDAY_9 + timedelta(hours=rules.place_hours + 1),
        "小区电梯又坏了，物业还是不处理",
        caller_phone="13700000041",
        **NEAR,
    )
    assert _case(world, late).repeat_of_id is None
    assert _case(world, later_place).repeat_of_id is None
    assert _case(world, first).repeat_count == 0


def test_after_closure_on_a_tx_the_case_handed_out_is_the_row_as_raised(world: World) -> None:
    """The intake operation's way (`Tx`, no ORM session): the escalation takes the transaction's session, and the
    plain case object handed out carries the row as it stands after it (level raised), every column."""
    first = world.intake(MONDAY_9, "东河镇中学门口路灯不亮", caller_phone="13700000040")
    world.tx(
        lambda s: resolve_case(
            s, case_id=first, resolution="已修复", actor=world.dispatcher, now=MONDAY_9 + timedelta(hours=5)
        )
    )
    when = MONDAY_9 + timedelta(days=1)
    data = {"channel": "hotline_12345", "category": "livelihood", "priority": "yellow"}
    req = parse_intake({**data, "description": "东河镇中学门口路灯还是不亮", "caller_phone": "13700000040"}, now=when)
    made = write_tx(world.db.engine, lambda tx: create_case(tx, req, actor=world.dispatcher, now=when)).case
    assert made.repeat_of_id == first and made.escalation == 1
    stored = _case(world, made.id)
    for column in Case.__table__.columns:
        assert getattr(made, column.key) == getattr(stored, column.key), column.key
    assert _case(world, first).escalation == 1
