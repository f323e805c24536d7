"""The emergency clock (NFPA-1225 style): received → first dispatch → first on scene → cleared.

SQL computes each case's intervals (seconds) for the cases received in the period; numpy takes the percentiles and
the shares within the standard's thresholds (e.g. dispatched within 60 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ..models import Case
from ..timeutil import ensure_utc
from .kpi import NONE_KEY, Dimension, keyed_cases
from .sqlfn import epoch

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
    session: Session, *, start: datetime, end: datetime, by: Dimension | str | None = None
) -> dict[str, dict[str, IntervalFigure]]:
    """group key → interval name → figure, for cases received in [start, end) that had a unit dispatched."""
    start, end = ensure_utc(start), ensure_utc(end)
    dim = Dimension(by) if by is not None else None
    # Four epochs per case (each timestamp parsed once), the intervals are their differences in numpy.
    stmt, n = keyed_cases(
        dim,
        [Case.received_at >= start, Case.received_at < end, Case.first_dispatched_at.is_not(None)],
        *[epoch(session, getattr(Case, m)).label(m) for m in MOMENTS],
        since=start,
    )
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in session.execute(stmt).tuples():
        parts = row[:n]
        key = (
            NONE_KEY
            if any(p is None or p in ("", -1) for p in parts)
            else ":".join(getattr(p, "value", str(p)) for p in parts)
        )
        grouped.setdefault(key if dim is not None else "all", []).append(row[n:])
    index = {m: i for i, m in enumerate(MOMENTS)}
    out: dict[str, dict[str, IntervalFigure]] = {}
    for key, values in grouped.items():
        matrix = np.array(values, dtype=float)  # None → nan
        out[key] = {
            name: _figure(name, matrix[:, index[b]] - matrix[:, index[a]], threshold)
            for name, (a, b, threshold) in INTERVALS.items()
        }
    if dim is None and "all" not in out:
        empty = np.array([], dtype=float)
        out["all"] = {name: _figure(name, empty, t) for name, (_, _, t) in INTERVALS.items()}
    return out
