"""The full demo (30 days, ~90 appeals a day) on SQLite, built once for this module: what a demo must show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from console.db import Database
from console.demo import DemoSummary, build_demo
from console.enums import (
    OPEN_CASE_STATUSES,
    AssigneeKind,
    AssignmentStatus,
    CaseStatus,
    Category,
    Channel,
    EventKind,
    FeedbackResult,
    Priority,
    Role,
    UnitKind,
)
from console.models import Assignment, Callback, Case, Event, Unit, User
from console.services import users
from console.timeutil import CHINA_TZ

from .history_checks import check_history

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the county


@pytest.fixture(scope="module")
def full_demo(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[Database, DemoSummary]]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        summary = build_demo(db, now=NOW)
    yield db, summary
    db.dispose()


def test_thirty_days_of_about_ninety_appeals(full_demo: tuple[Database, DemoSummary]) -> None:
    db, summary = full_demo
    assert 30 * 90 * 0.85 <= summary.cases <= 30 * 90 * 1.15
    assert summary.refused_steps == 0, summary.refused_by_action
    with db.session() as s:
        first = s.scalar(select(func.min(Case.received_at)))
        assert first is not None and (NOW - first).days == 29


def test_history_is_a_consistent_timeline(full_demo: tuple[Database, DemoSummary]) -> None:
    check_history(full_demo[0], NOW)


def test_every_channel_category_priority_and_unit_kind(full_demo: tuple[Database, DemoSummary]) -> None:
    db, _ = full_demo
    with db.session() as s:
        channels = Counter(s.scalars(select(Case.channel)))
        categories = Counter(s.scalars(select(Case.category)))
        priorities = Counter(s.scalars(select(Case.priority)))
        kinds = set(s.scalars(select(Unit.kind)))
        dispatched_kinds = set(
            s.scalars(
                select(Unit.kind).join(Event, Event.unit_id == Unit.id).where(Event.kind == EventKind.UNIT_STATUS)
            )
        )
    assert set(channels) == set(Channel)
    assert set(categories) == set(Category)
    assert set(kinds) == set(UnitKind)
    assert dispatched_kinds >= {UnitKind.PATROL_CAR, UnitKind.GRID_WORKER, UnitKind.TRAFFIC_POLICE, UnitKind.MEDIATOR}
    # Mostly yellow, some orange, some blue, few red.
    total = sum(priorities.values())
    assert priorities[Priority.YELLOW] / total > 0.5
    assert priorities[Priority.YELLOW] > priorities[Priority.ORANGE] > priorities[Priority.RED] > 0
    assert 0.05 < priorities[Priority.BLUE] / total < 0.3
    assert priorities[Priority.RED] / total < 0.06


def test_daily_rhythm_and_varied_descriptions(full_demo: tuple[Database, DemoSummary]) -> None:
    db, _ = full_demo
    with db.session() as s:
        rows = s.execute(select(Case.received_at, Case.description)).all()
    hours = Counter(r.received_at.astimezone(CHINA_TZ).hour for r in rows)
    day = sum(hours[h] for h in range(9, 18)) / 9
    night = sum(hours[h] for h in range(0, 6)) / 6
    assert day > 4 * night
    descriptions = [r.description for r in rows]
    assert len(set(descriptions)) > 0.8 * len(descriptions)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in descriptions)


def test_about_forty_open_cases_some_overdue_and_escalated(full_demo: tuple[Database, DemoSummary]) -> None:
    db, summary = full_demo
    with db.session() as s:
        open_cases = s.scalars(select(Case).where(Case.status.in_(list(OPEN_CASE_STATUSES)))).all()
        statuses = Counter(s.scalars(select(Case.status)))
        busy_units = s.scalar(select(func.count(Unit.id)).where(Unit.current_case_id.is_not(None)))
    assert summary.open_cases == len(open_cases)
    assert 25 <= len(open_cases) <= 60
    assert sum(1 for c in open_cases if c.due_at < NOW) >= 3
    assert sum(1 for c in open_cases if c.escalation > 0) >= 3
    assert busy_units and busy_units > 0  # some units are out at the moment the demo starts
    # Most of the month is done: closed after a callback or by the shift leader; some merged or invalid.
    assert statuses[CaseStatus.CLOSED] > 0.8 * summary.cases
    assert statuses[CaseStatus.MERGED] > 10
    assert statuses[CaseStatus.INVALID] > 10


def test_the_timeline_holds_every_step_of_the_services(full_demo: tuple[Database, DemoSummary]) -> None:
    db, summary = full_demo
    with db.session() as s:
        kinds = Counter(s.scalars(select(Event.kind)))
        resolved = s.scalar(select(func.count(Case.id)).where(Case.resolved_at.is_not(None))) or 0
        closed = s.scalar(select(func.count(Case.id)).where(Case.status == CaseStatus.CLOSED)) or 0
    assert kinds[EventKind.CASE_RECEIVED] == summary.cases
    assert kinds[EventKind.CASE_DISPATCHED] == summary.dispatches
    assert kinds[EventKind.CASE_RESOLVED] >= resolved
    assert kinds[EventKind.CASE_CLOSED] == closed
    # Each dispatch is followed by en route / on scene / clear (or a release), as unit status events.
    assert kinds[EventKind.UNIT_STATUS] >= 2.5 * summary.dispatches
    for kind in (
        EventKind.CASE_MERGED,
        EventKind.CASE_INVALID,
        EventKind.CASE_ESCALATED,
        EventKind.CASE_REOPENED,
        EventKind.USER_CREATED,
        EventKind.ASSIGNMENT_CREATED,
        EventKind.ASSIGNMENT_ACCEPTED,
        EventKind.ASSIGNMENT_RETURNED,
        EventKind.ASSIGNMENT_RESOLVED,
        EventKind.CALLBACK_RECORDED,
    ):
        assert kinds[kind] > 0, kind
    assert kinds[EventKind.ASSIGNMENT_CREATED] == summary.assignments
    assert kinds[EventKind.CALLBACK_RECORDED] == summary.callbacks


def test_assignments_and_callbacks(full_demo: tuple[Database, DemoSummary]) -> None:
    db, summary = full_demo
    with db.session() as s:
        assignments = s.scalars(select(Assignment)).all()
        callbacks = Counter(s.scalars(select(Callback.result)))
        open_ids = set(s.scalars(select(Case.id).where(Case.status.in_(list(OPEN_CASE_STATUSES)))))
        handlers = set(s.scalars(select(User.name).where(User.role == Role.HANDLER)))
    assert 0.25 * summary.cases < len(assignments) < 0.7 * summary.cases
    kinds = Counter(a.assignee_kind for a in assignments)
    assert kinds[AssigneeKind.DEPARTMENT] > kinds[AssigneeKind.TOWNSHIP] > 0
    statuses = Counter(a.status for a in assignments)
    assert statuses[AssignmentStatus.RESOLVED] > 0.7 * len(assignments)
    # Returned assignments waiting for the shift leader, and live ones, at the end.
    assert any(a.status == AssignmentStatus.RETURNED and a.case_id in open_ids for a in assignments)
    assert any(a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACCEPTED) for a in assignments)
    assert {a.accepted_by for a in assignments if a.accepted_by} & handlers
    # Callbacks: mostly satisfied, some not reached, a few dissatisfied (reopened).
    total = sum(callbacks.values())
    assert callbacks[FeedbackResult.SATISFIED] / total > 0.6
    assert callbacks[FeedbackResult.NOT_REACHED] > 0
    assert callbacks[FeedbackResult.DISSATISFIED] > 0
