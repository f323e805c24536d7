"""The center's figures for a period, overall and by township, category, channel, handler or unit kind.

The cohort of a period is the appeals *received* in it; each figure counts within that cohort:

| figure | numerator / denominator |
|---|---|
| resolution rate 办结率 | `resolved` (closed loop: status closed) / `valid` (received − merged − invalid) |
| on-time rate 按时办结率 | `resolved_on_time` (closed, resolved by the deadline) / `resolved` |
| satisfaction rate 满意率 | `satisfied` (last callback satisfied or basically) / `callbacks` (last callback reached the citizen) |
| repeat rate | `repeats` (a repeat of an earlier case, or merged into one) / `received` |
| return rate | `returns` (assignments returned, 退单) / `assignments` |
| dispatched within 60 s | `dispatched_60s` / `dispatched` |

`open` and `overdue` are the state now (whenever received). Each is one aggregate statement over the cases table,
range-scanned by the `received_at` index (the open ones by `status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import ClauseAdapter

from ..db.sqlfn import seconds_between
from ..enums import OPEN_CASE_STATUSES, AssigneeKind, CaseStatus, FeedbackResult, Level
from ..models import Assignment, Case, Department, Dispatch, Township, Unit
from ..timeutil import ensure_utc
from .handoffs import handoff_counts

#: The key of cases that have no value in the dimension (no township, never assigned, no unit sent).
NONE_KEY = "-"


class Dimension(StrEnum):
    TOWNSHIP = "township"
    CATEGORY = "category"
    CHANNEL = "channel"
    HANDLER = "handler"
    UNIT_KIND = "unit_kind"


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": round(value, 4) if value is not None else None,
        }


COUNTS = (
    "received",
    "merged",
    "invalid",
    "valid",
    "resolved",
    "resolved_on_time",
    "callbacks",
    "satisfied",
    "dissatisfied",
    "repeats",
    "assignments",
    "returns",
    "dispatched",
    "dispatched_60s",
    "open",
    "overdue",
    # Levels (migration 0010_levels): resolved cases by the level that resolved them, and those resolved at a village
    # or township that never left it (就地化解, not sent up).
    "resolved_village",
    "resolved_township",
    "resolved_county",
    "resolved_at_any_level",
    "resolved_locally",
)

#: The levels of `resolved_at_level` and the count each comes from.
LEVEL_COUNTS = {"village": "resolved_village", "township": "resolved_township", "county": "resolved_county"}

#: rate name → (numerator count, denominator count)
RATES: dict[str, tuple[str, str]] = {
    "resolution_rate": ("resolved", "valid"),
    "on_time_rate": ("resolved_on_time", "resolved"),
    "satisfaction_rate": ("satisfied", "callbacks"),
    "repeat_rate": ("repeats", "received"),
    "return_rate": ("returns", "assignments"),
    "dispatch_60s_rate": ("dispatched_60s", "dispatched"),
    "local_resolution_rate": ("resolved_locally", "resolved_at_any_level"),
}


@dataclass(frozen=True)
class KpiRow:
    key: str  # a code (category, channel, unit kind), `department:3` / `township:2`, a township id, or "-"
    label: str
    counts: dict[str, int]
    filter: dict[str, Any] = field(default_factory=dict)  # the queue filter that shows these cases

    def rate(self, name: str) -> Ratio:
        num, den = RATES[name]
        return Ratio(self.counts.get(num, 0), self.counts.get(den, 0))

    @property
    def rates(self) -> dict[str, Ratio]:
        return {name: self.rate(name) for name in RATES}

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            **{name: self.counts.get(name, 0) for name in COUNTS},
            **{name: ratio.as_dict() for name, ratio in self.rates.items()},
            "resolved_at_level": {level: self.counts.get(name, 0) for level, name in LEVEL_COUNTS.items()},
        }


@dataclass(frozen=True)
class KpiReport:
    start: datetime
    end: datetime
    now: datetime
    by: Dimension | None
    total: KpiRow
    groups: list[KpiRow]
    handoffs: dict[str, int] = field(default_factory=dict)  # `console.stats.handoffs` (the whole scope only)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "now": self.now.isoformat(),
            "by": self.by.value if self.by else None,
            "total": self.total.as_dict(),
            "groups": [g.as_dict() for g in self.groups],
            "handoffs": dict(self.handoffs),
        }


def _sum(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def keyed_cases(
    by: Dimension | None, where: list[Any], *columns: Any, since: datetime | None = None
) -> tuple[Select[Any], int]:
    """`SELECT k0[, k1], *columns FROM cases [joins] WHERE where`: each case once, with its group key(s) in the
    dimension (two for a handler: its kind and id). Returns the statement and the number of key columns.

    With `since` (every case selected was received at or after it) the handler and the unit kind come from joins
    bounded by that time, so the planner range-scans assignments and dispatches by their time index; without it
    (the open cases, a few hundred of any age) from correlated subqueries by case id.
    """
    keys: list[Any]
    joins: list[tuple[Any, Any]] = []
    if by is None:
        keys = [literal("all")]
    # Wrapped in expressions on purpose: a bare column would tempt the planner into walking its own index
    # (township_id, received_at) end to end to save a sort, instead of range-scanning the period or the open cases.
    elif by == Dimension.TOWNSHIP:
        keys = [func.coalesce(Case.township_id, -1)]
    elif by == Dimension.CATEGORY:
        keys = [func.coalesce(Case.category, "")]
    elif by == Dimension.CHANNEL:
        keys = [func.coalesce(Case.channel, "")]
    elif by == Dimension.HANDLER:
        # 首接首办: the first receiver is accountable; at most one first assignment per case.
        if since is not None:
            on = and_(
                Assignment.case_id == Case.id, Assignment.first_receiver.is_(True), Assignment.assigned_at >= since
            )
            joins.append((Assignment, on))
            keys = [Assignment.assignee_kind, func.coalesce(Assignment.department_id, Assignment.township_id)]
        else:
            first = select(Assignment.assignee_kind).where(
                Assignment.case_id == Case.id, Assignment.first_receiver.is_(True)
            )
            keys = [
                first.limit(1).scalar_subquery(),
                first.with_only_columns(func.coalesce(Assignment.department_id, Assignment.township_id))
                .limit(1)
                .scalar_subquery(),
            ]
    elif since is not None:
        # The kind of the unit of the first dispatch (whose time is the case's first dispatch time), one per case.
        c2 = Case.__table__.alias("first_case")
        first_dispatch = (
            select(Dispatch.case_id.label("case_id"), func.min(Unit.kind).label("kind"))
            .join(Unit, Unit.id == Dispatch.unit_id)
            .join(c2, and_(c2.c.id == Dispatch.case_id, Dispatch.dispatched_at == c2.c.first_dispatched_at))
            .where(Dispatch.dispatched_at >= since, *[_adapt(w, c2) for w in where])
            .group_by(Dispatch.case_id)
            .subquery()
        )
        joins.append((first_dispatch, first_dispatch.c.case_id == Case.id))
        keys = [first_dispatch.c.kind]
    else:
        keys = [
            select(Unit.kind)
            .join(Dispatch, Dispatch.unit_id == Unit.id)
            .where(Dispatch.case_id == Case.id)
            .order_by(Dispatch.id)
            .limit(1)
            .scalar_subquery()
        ]
    stmt = select(*[k.label(f"k{i}") for i, k in enumerate(keys)], *columns).select_from(Case)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    return stmt.where(*where), len(keys)


def _adapt(clause: Any, alias: Any) -> Any:
    """The same condition on an alias of the cases table."""
    return ClauseAdapter(alias).traverse(clause)


def _cohort_query(
    session: Session, by: Dimension | None, start: datetime, end: datetime, scope: list[Any]
) -> tuple[Select[Any], int]:
    keyed, n = keyed_cases(
        by,
        [Case.received_at >= start, Case.received_at < end, *scope],
        Case.status,
        Case.due_at,
        Case.resolved_at,
        Case.feedback,
        Case.repeat_of_id,
        Case.assignment_count,
        Case.return_count,
        Case.dissatisfied_count,
        Case.first_dispatched_at,
        Case.resolved_level,
        Case.sent_up,
        # julianday() parses text on SQLite: only for the cases that were dispatched
        case(
            (
                Case.first_dispatched_at.is_not(None),
                seconds_between(session, Case.received_at, Case.first_dispatched_at),
            ),
            else_=None,
        ).label("to_dispatch"),
        since=start,
    )
    inner = keyed.subquery()
    c = inner.c
    kcols = [c[f"k{i}"] for i in range(n)]
    reached = c.feedback.in_(
        [FeedbackResult.SATISFIED.value, FeedbackResult.BASICALLY_SATISFIED.value, FeedbackResult.DISSATISFIED.value]
    )
    return select(
        *kcols,
        func.count().label("received"),
        _sum(c.status == CaseStatus.MERGED.value).label("merged"),
        _sum(c.status == CaseStatus.INVALID.value).label("invalid"),
        _sum(c.status == CaseStatus.CLOSED.value).label("resolved"),
        _sum(and_(c.status == CaseStatus.CLOSED.value, c.resolved_at <= c.due_at)).label("resolved_on_time"),
        _sum(reached).label("callbacks"),
        _sum(c.feedback.in_([FeedbackResult.SATISFIED.value, FeedbackResult.BASICALLY_SATISFIED.value])).label(
            "satisfied"
        ),
        func.coalesce(func.sum(c.dissatisfied_count), 0).label("dissatisfied"),
        _sum(or_(c.repeat_of_id.is_not(None), c.status == CaseStatus.MERGED.value)).label("repeats"),
        func.coalesce(func.sum(c.assignment_count), 0).label("assignments"),
        func.coalesce(func.sum(c.return_count), 0).label("returns"),
        _sum(c.first_dispatched_at.is_not(None)).label("dispatched"),
        _sum(and_(c.first_dispatched_at.is_not(None), c.to_dispatch <= 60)).label("dispatched_60s"),
        *[_sum(_resolved_at(c, level)).label(name) for level, name in LEVEL_COUNTS.items()],
        _sum(_resolved_at(c, None)).label("resolved_at_any_level"),
        _sum(and_(_resolved_at(c, None), c.resolved_level != Level.COUNTY.value, c.sent_up.is_(False))).label(
            "resolved_locally"
        ),
    ).group_by(*kcols), n


def _resolved_at(c: Any, level: str | None) -> ColumnElement[bool]:
    """A case resolved (or closed after it) at `level` (any level: None)."""
    done = and_(c.status.in_([CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value]), c.resolved_level.is_not(None))
    return done if level is None else and_(done, c.resolved_level == level)


def _open_query(by: Dimension | None, now: datetime, scope: list[Any]) -> tuple[Select[Any], int]:
    keyed, n = keyed_cases(by, [Case.status.in_([s.value for s in OPEN_CASE_STATUSES]), *scope], Case.due_at)
    inner = keyed.subquery()
    kcols = [inner.c[f"k{i}"] for i in range(n)]
    stmt = select(*kcols, func.count().label("open"), _sum(inner.c.due_at < now).label("overdue")).group_by(*kcols)
    return stmt, n


def _labels(session: Session, by: Dimension | None) -> dict[str, str]:
    if by == Dimension.TOWNSHIP:
        return {str(i): n for i, n in session.execute(select(Township.id, Township.name)).tuples()}
    if by == Dimension.HANDLER:
        out = {
            f"{AssigneeKind.DEPARTMENT.value}:{i}": n
            for i, n in session.execute(select(Department.id, Department.name))
        }
        out.update(
            {f"{AssigneeKind.TOWNSHIP.value}:{i}": n for i, n in session.execute(select(Township.id, Township.name))}
        )
        return out
    return {}


def _filter(by: Dimension | None, key: str) -> dict[str, Any]:
    if by is None or key == NONE_KEY:
        return {}
    if by == Dimension.TOWNSHIP:
        return {"township_id": int(key)} if key.isdigit() else {}
    if by == Dimension.HANDLER:
        kind, _, target = key.partition(":")
        return {"assignee_kind": kind, "assignee_id": int(target)} if target.lstrip("-").isdigit() else {}
    return {by.value: key}


def _normal_key(by: Dimension | None, row: Any, n: int) -> str:
    parts = [row[f"k{i}"] for i in range(n)]
    if any(p is None or p in ("", -1) for p in parts):
        return NONE_KEY
    return ":".join(p.value if isinstance(p, StrEnum) else str(p) for p in parts)


def kpis(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    by: Dimension | str | None = None,
    scope: ColumnElement[bool] | None = None,
    accept_within_s: float = 600.0,
) -> KpiReport:
    """The figures of the cases received in [start, end), overall and (with `by`) per group, sorted by volume.
    `scope` (`console.services.scope.case_filter`) restricts them to a township's or village's cases."""
    start, end, now = ensure_utc(start), ensure_utc(end), ensure_utc(now)
    if end <= start:
        raise ValueError("the period ends before it starts")
    dim = Dimension(by) if by is not None else None
    rows: dict[str, dict[str, int]] = {}
    where = [scope] if scope is not None else []
    cohort, n = _cohort_query(session, dim, start, end, where)
    for row in session.execute(cohort).mappings():
        k = _normal_key(dim, row, n)
        counts = rows.setdefault(k, dict.fromkeys(COUNTS, 0))
        for name in COUNTS:
            if name in row:
                counts[name] += int(row[name] or 0)
    open_q, n = _open_query(dim, now, where)
    for row in session.execute(open_q).mappings():
        k = _normal_key(dim, row, n)
        counts = rows.setdefault(k, dict.fromkeys(COUNTS, 0))
        counts["open"] += int(row["open"] or 0)
        counts["overdue"] += int(row["overdue"] or 0)
    for counts in rows.values():
        counts["valid"] = counts["received"] - counts["merged"] - counts["invalid"]
    total = dict.fromkeys(COUNTS, 0)
    for counts in rows.values():
        for name in COUNTS:
            total[name] += counts[name]
    labels = _labels(session, dim)
    groups = [
        KpiRow(key=k, label=labels.get(k, k), counts=counts, filter=_filter(dim, k))
        for k, counts in sorted(rows.items(), key=lambda item: (-item[1]["received"], -item[1]["open"], item[0]))
    ]
    return KpiReport(
        start=start,
        end=end,
        now=now,
        by=dim,
        total=KpiRow(key="all", label="all", counts=total),
        groups=groups if dim is not None else [],
        handoffs=handoff_counts(session, start=start, end=end, scope=scope, accept_within_s=accept_within_s),
    )
