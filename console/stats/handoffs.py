"""Hand-off figures of a period (110 ↔ 12345): hand-offs each way, accepted within the limit, returned (refused),
results back. The cohort is the hand-offs sent in the period, within the scope's cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from ..db.sqlfn import seconds_between
from ..enums import HandoffLine, HandoffStatus
from ..models import Case, Handoff

#: The figures, in the order they are shown.
HANDOFF_COUNTS = (
    "to_police_110",
    "to_hotline_12345",
    "accepted",
    "accepted_in_time",
    "returned",
    "done",
    "waiting",
)


def _sum(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def handoff_counts(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    scope: ColumnElement[bool] | None = None,
    accept_within_s: float = 600.0,
) -> dict[str, int]:
    """One aggregate over the hand-offs sent in [start, end) (range-scanned by `ix_handoffs_sent`)."""
    where: list[ColumnElement[bool]] = [Handoff.sent_at >= start, Handoff.sent_at < end]
    if scope is not None:
        where.append(Handoff.case_id.in_(select(Case.id).where(scope)))
    accepted = Handoff.accepted_at.is_not(None)
    row = (
        session.execute(
            select(
                _sum(Handoff.to_line == HandoffLine.POLICE_110).label("to_police_110"),
                _sum(Handoff.to_line == HandoffLine.HOTLINE_12345).label("to_hotline_12345"),
                _sum(accepted).label("accepted"),
                _sum(
                    and_(accepted, seconds_between(session, Handoff.sent_at, Handoff.accepted_at) <= accept_within_s)
                ).label("accepted_in_time"),
                _sum(Handoff.status == HandoffStatus.REFUSED).label("returned"),
                _sum(Handoff.status == HandoffStatus.DONE).label("done"),
                _sum(Handoff.status == HandoffStatus.SENT).label("waiting"),
            ).where(*where)
        )
        .mappings()
        .one()
    )
    return {name: int(row[name] or 0) for name in HANDOFF_COUNTS}
