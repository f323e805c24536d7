"""Flat rows of the figures (one per group and dimension) and of the period's cases, shared by CSV and XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from ..cli.serialize import CASE_FIELDS, case_dict
from ..models import Case, Grid, Township
from ..services.actor import Actor
from ..stats.intervals import INTERVALS, PERCENTILES, emergency_intervals
from ..stats.kpi import COUNTS, RATES, Dimension, KpiReport, kpis

FIGURE_FIELDS = [
    "dimension",
    "key",
    "label",
    *COUNTS,
    *(f"{name}" for name in RATES),
]
INTERVAL_FIELDS = ["interval", "count", "within", "threshold_s", "within_rate", *(f"p{p}_s" for p in PERCENTILES)]
REPORT_CASE_FIELDS = [*CASE_FIELDS, "repeat_of", "assignment_count", "return_count", "feedback", "dissatisfied_count"]
BATCH = 2000


def _rate(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def figure_rows(report: KpiReport, dimension: str) -> list[dict[str, Any]]:
    rows = [report.total] if report.by is None else report.groups
    out = []
    for row in rows:
        out.append(
            {
                "dimension": dimension,
                "key": row.key,
                "label": row.label,
                **{name: row.counts.get(name, 0) for name in COUNTS},
                **{name: _rate(ratio.value) for name, ratio in row.rates.items()},
            }
        )
    return out


Scope = ColumnElement[bool] | None  # `console.services.scope.figures_filter`: a township's or village's cases


def all_figures(
    session: Session, *, start: datetime, end: datetime, now: datetime, scope: Scope = None
) -> list[dict[str, Any]]:
    """The total, then every dimension's groups (of the scope's cases)."""
    rows = figure_rows(kpis(session, start=start, end=end, now=now, scope=scope), "total")
    for dim in Dimension:
        rows += figure_rows(kpis(session, start=start, end=end, now=now, by=dim, scope=scope), dim.value)
    return rows


def interval_rows(session: Session, *, start: datetime, end: datetime, scope: Scope = None) -> list[dict[str, Any]]:
    figures = emergency_intervals(session, start=start, end=end, scope=scope)["all"]
    out = []
    for name in INTERVALS:
        f = figures[name]
        d = f.as_dict()
        out.append(
            {
                "interval": name,
                "count": f.count,
                "within": f.within,
                "threshold_s": f.threshold_s,
                "within_rate": d["within_rate"]["value"],
                **{f"p{p}_s": d[f"p{p}_s"] for p in PERCENTILES},
            }
        )
    return out


def count_cases(session: Session, *, start: datetime, end: datetime, scope: Scope = None) -> int:
    where = [Case.received_at >= start, Case.received_at < end, *([scope] if scope is not None else [])]
    return int(session.scalar(select(func.count(Case.id)).where(*where)) or 0)


def case_rows(
    session: Session, *, start: datetime, end: datetime, viewer: Actor, scope: Scope = None
) -> Iterator[dict[str, Any]]:
    """The period's cases (of the scope), as `viewer` may see them."""
    merged = aliased(Case)
    master = aliased(Case)
    q = (
        select(Case, Grid.code, Township.name, merged.number, master.number)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .outerjoin(Township, Township.id == Case.township_id)
        .outerjoin(merged, merged.id == Case.merged_into_id)
        .outerjoin(master, master.id == Case.repeat_of_id)
        .where(Case.received_at >= start, Case.received_at < end, *([scope] if scope is not None else []))
        .order_by(Case.received_at, Case.id)
        .execution_options(yield_per=BATCH)
    )
    for c, grid, town, merged_into, repeat_of in session.execute(q):
        row = case_dict(c, viewer=viewer, grid=grid, township=town, merged_into=merged_into)
        row.update(
            repeat_of=repeat_of,
            assignment_count=c.assignment_count,
            return_count=c.return_count,
            feedback=c.feedback.value if c.feedback else None,
            dissatisfied_count=c.dissatisfied_count,
        )
        yield row
