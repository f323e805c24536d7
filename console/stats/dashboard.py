"""Everything the KPI dashboard shows, in one read: the provider the console window calls in its database worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..periods import Period, period_bounds
from ..services import scope
from ..services.actor import Actor
from ..timeutil import ensure_utc
from .hourly import HourlyFigures, received_per_hour
from .intervals import IntervalFigure, emergency_intervals
from .kpi import Dimension, KpiReport, kpis
from .series import DailyPoint, daily_series


@dataclass(frozen=True)
class DashboardData:
    period: Period
    by: Dimension
    now: datetime
    report: KpiReport  # totals and groups of the period
    hourly: HourlyFigures
    intervals: dict[str, IntervalFigure]  # the period's emergency clock, all cases
    series: list[DailyPoint]


def dashboard_data(
    session: Session,
    *,
    period: Period | str = Period.DAY,
    by: Dimension | str = Dimension.TOWNSHIP,
    now: datetime,
    actor: Actor | None = None,
    accept_within_s: float = 600.0,
) -> DashboardData:
    """The dashboard's figures; a township's or village's user sees those of its scope only."""
    where = scope.figures_filter(actor) if actor is not None else None
    now = ensure_utc(now)
    period = Period(period)
    dim = Dimension(by)
    start, end = period_bounds(period, now)
    series_start, _ = period_bounds(Period.WEEK if period == Period.DAY else period, now)
    return DashboardData(
        period=period,
        by=dim,
        now=now,
        report=kpis(session, start=start, end=end, now=now, by=dim, scope=where, accept_within_s=accept_within_s),
        hourly=received_per_hour(session, now=now, scope=where),
        intervals=emergency_intervals(session, start=start, end=end, scope=where)["all"],
        series=daily_series(session, start=series_start, end=end, scope=where),
    )
