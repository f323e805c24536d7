"""The emergency clock (NFPA-1225 style): received → first dispatch → first on scene → cleared.

For the cases received in the period: on PostgreSQL the percentiles and the shares within the standard's thresholds
(e.g. dispatched within 60 s) are ordered-set aggregates (`percentile_cont … WITHIN GROUP`); SQLite has none, so there
SQL computes four epochs per case and numpy the rest (the same figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ..db.sqlfn import epoch
from ..models import Case
from ..timeutil import ensure_utc
from .kpi import NONE_KEY, Dimension, keyed_cases

#: interval name → (start column, end column, threshold seconds for the "within" share)
INTERVALS: dict[str, tuple[str, str, float]] = {
    "dispatch": ("received_at", "first_dispatched_at", 60.0),  # call processing: within 60 s
    "travel": ("first_dispatched_at", "first_on_scene_at", 15 * 60.0),  # turnout + travel: within 15 min
    "on_scene": ("first_on_scene_at", "cleared_at", 60 * 60.0),  # time on scene: within an hour
    "total": ("received_at", "cleared_at", 2 * 3600.0),  # received → cleared: within two hours
}
PERCENTILES = (50, 90, 95)


@dataclass(frozen=True, slots=True)
class IntervalFigure:
    name: str
    count: int  # cases with both ends of the interval
    within: int  # … of which within the threshold
    threshold_s: float
    percentiles: dict[int, float | None]  # seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "within": self.within,
            "threshold_s": self.threshold_s,
            "within_rate": {
                "numerator": self.within,
                "denominator": self.count,
                "value": round(self.within / self.count, 4) if self.count else None,
            },
            **{f"p{p}_s": (round(v, 1) if v is not None else None) for p, v in self.percentiles.items()},
        }


def _figure(name: str, values: np.ndarray[Any, Any], threshold: float) -> IntervalFigure:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return IntervalFigure(name, 0, 0, threshold, dict.fromkeys(PERCENTILES))
    pct = np.percentile(values, PERCENTILES)
    return IntervalFigure(
        name,
        int(values.size),
        int((values <= threshold).sum()),
        threshold,
        {p: float(v) for p, v in zip(PERCENTILES, pct, strict=True)},
    )


#: The four moments of the emergency clock, in order.
MOMENTS = ("received_at", "first_dispatched_at", "first_on_scene_at", "cleared_at")


def emergency_intervals(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    by: Dimension | str | None = None,
    scope: ColumnElement[bool] | None = None,
) -> dict[str, dict[str, IntervalFigure]]:
    """group key → interval name → figure, for cases received in [start, end) that had a unit dispatched."""
    start, end = ensure_utc(start), ensure_utc(end)
    dim = Dimension(by) if by is not None else None
    where = [Case.received_at >= start, Case.received_at < end, Case.first_dispatched_at.is_not(None)]
    if scope is not None:
        where.append(scope)
    if session.get_bind().dialect.name == "postgresql":
        out = _aggregated(session, dim, where, start)
    else:
        out = _fetched(session, dim, where, start)
    if dim is None and "all" not in out:
        empty = np.array([], dtype=float)
        out["all"] = {name: _figure(name, empty, t) for name, (_, _, t) in INTERVALS.items()}
    return out


def _group_key(dim: Dimension | None, parts: Sequence[Any]) -> str:
    if dim is None:
        return "all"
    if any(p is None or p in ("", -1) for p in parts):
        return NONE_KEY
    return ":".join(getattr(p, "value", str(p)) for p in parts)


def _aggregated(
    session: Session, dim: Dimension | None, where: list[Any], start: datetime
) -> dict[str, dict[str, IntervalFigure]]:
    """PostgreSQL: ordered-set aggregates compute the percentiles in the database; one row per group comes back."""
    stmt, n = keyed_cases(dim, where, *[epoch(session, getattr(Case, m)).label(m) for m in MOMENTS], since=start)
    inner = stmt.subquery()
    keys = [inner.c[f"k{i}"] for i in range(n)]
    fractions = postgresql.array([p / 100 for p in PERCENTILES])
    columns: list[Any] = []
    for name, (a, b, threshold) in INTERVALS.items():
        span = inner.c[b] - inner.c[a]
        columns += [
            func.count(span).label(f"{name}_n"),
            func.count(span).filter(span <= threshold).label(f"{name}_within"),
            func.percentile_cont(fractions).within_group(span).label(f"{name}_p"),
        ]
    out: dict[str, dict[str, IntervalFigure]] = {}
    for row in session.execute(select(*keys, *columns).group_by(*keys)).mappings():
        key = _group_key(dim, [row[f"k{i}"] for i in range(n)])
        figures = {}
        for name, (_, _, threshold) in INTERVALS.items():
            count = int(row[f"{name}_n"] or 0)
            values = row[f"{name}_p"] or [None] * len(PERCENTILES)
            figures[name] = IntervalFigure(
                name,
                count,
                int(row[f"{name}_within"] or 0),
                threshold,
                {p: (float(v) if v is not None and count else None) for p, v in zip(PERCENTILES, values, strict=True)},
            )
        out[key] = figures
    return out


def _fetched(
    session: Session, dim: Dimension | None, where: list[Any], start: datetime
) -> dict[str, dict[str, IntervalFigure]]:
    """SQLite (no percentile aggregate): four epochs per case, the intervals are their differences in numpy."""
    # Four epochs per case (each timestamp parsed once), the intervals are their differences in numpy.
    stmt, n = keyed_cases(dim, where, *[epoch(session, getattr(Case, m)).label(m) for m in MOMENTS], since=start)
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in session.execute(stmt).tuples():
        grouped.setdefault(_group_key(dim, row[:n]), []).append(row[n:])
    index = {m: i for i, m in enumerate(MOMENTS)}
    out: dict[str, dict[str, IntervalFigure]] = {}
    for key, values in grouped.items():
        matrix = np.array(values, dtype=float)  # None → nan
        out[key] = {
            name: _figure(name, matrix[:, index[b]] - matrix[:, index[a]], threshold)
            for name, (a, b, threshold) in INTERVALS.items()
        }
    return out
