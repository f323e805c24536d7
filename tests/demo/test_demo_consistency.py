"""The demo county is consistent when the console opens it: no case on scene without a unit there, no red or orange
case left open for more than a day — what a real center would have closed is closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import exists, func, select

from console.db import Database
from console.demo import build_demo
from console.enums import CaseStatus, Priority, UnitStatus
from console.models import Case, Unit


def test_the_history_ends_what_a_center_would_have_closed(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "demo.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    db = Database(f"sqlite:///{path}")
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    build_demo(db, days=8, per_day=90, now=now)
    with db.session() as s:
        unit_there = exists().where(
            Unit.current_case_id == Case.id,
            Unit.status.in_([UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE]),
        )
        lonely = s.scalars(
            select(Case.number).where(
                Case.status.in_([CaseStatus.DISPATCHED, CaseStatus.ON_SCENE]),
                ~unit_there,
                Case.cleared_at < now - timedelta(hours=24),  # a department may still be at work for a day
            )
        ).all()
        assert lonely == []
        stale_urgent = s.scalars(
            select(Case.number).where(
                Case.status.in_([CaseStatus.RECEIVED, CaseStatus.DISPATCHED, CaseStatus.ON_SCENE]),
                Case.priority.in_([Priority.RED, Priority.ORANGE]),
                Case.received_at < now - timedelta(hours=24),
                ~unit_there,
            )
        ).all()
        assert stale_urgent == []
        assert s.scalar(select(Case.id).where(Case.status == CaseStatus.RESOLVED).limit(1)) is not None
        # Available units are on duty since this morning's shift change, not "available for 8 days".
        oldest = s.scalar(select(func.min(Unit.status_since)).where(Unit.status == UnitStatus.AVAILABLE))
        assert oldest is not None and now - oldest <= timedelta(hours=24)
    db.dispose()
