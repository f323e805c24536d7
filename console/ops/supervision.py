"""Supervision operations: the overdue sweep (督办, every minute from each working console), the KPI dashboard's
data and the shift leader's board."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..services import escalation, handoffs, leadership
from ..services.actor import SYSTEM
from ..stats.board import SupervisionBoard, supervision_board
from ..stats.dashboard import DashboardData, dashboard_data
from ..timeutil import utcnow
from .changes import OpResult
from .registry import Kind, OpContext, operation


@operation("supervision.sweep", action=None)
def sweep(
    ctx: OpContext, *, accept_within_s: float = 600.0, limit: int | None = None
) -> OpResult[list[escalation.Escalated]]:
    """Escalate what became overdue, warn of hand-offs the other line has not accepted within `accept_within_s`
    (`[handoff] accept_within_minutes`), and escalate missed follow-ups of leader-owned cases. A system action whoever
    triggers it: its events name `system`, and the sweep's guarded updates raise each level (and each warning) once,
    whichever console gets there first. With `limit`, at most that many escalations in this transaction (a result
    of `limit` rises means more may be waiting: sweep again)."""

    def work(s: Session) -> list[escalation.Escalated]:
        now = utcnow()
        escalated = escalation.escalate_overdue(s, now=now, actor=SYSTEM, limit=limit)
        handoffs.warn_overdue(s, now=now, accept_within_s=accept_within_s, actor=SYSTEM)
        leadership.sweep(s, now=now)  # missed follow-ups of owned cases; visits flagged disputes now need
        return escalated

    return ctx.write(work)


@operation("stats.dashboard", action=None, kind=Kind.READ)
def dashboard(ctx: OpContext, *, period: str, by: str, accept_within_s: float = 600.0) -> OpResult[DashboardData]:
    """The KPI dashboard's figures for a period (day, week, month) by a dimension; hand-offs accepted in time are
    counted against `accept_within_s` (the `[handoff]` limit)."""
    return ctx.read(
        lambda s: dashboard_data(
            s, period=period, by=by, now=utcnow(), actor=ctx.actor, accept_within_s=float(accept_within_s)
        )
    )


@operation("stats.board", action=None, kind=Kind.READ)
def board(ctx: OpContext) -> OpResult[SupervisionBoard]:
    """The shift leader's board: assignments by state, warnings, escalations, callbacks due."""
    return ctx.read(lambda s: supervision_board(s, now=utcnow(), actor=ctx.actor))
