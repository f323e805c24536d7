"""Patrol figures of a period (`patrol report`): aggregates over the stored shift rows, never a replay of positions.

A shift counts (is *due*) in the period when its day is in the period and it is final — its window and grace period
are over — or already met. Each statement groups by plan; the rows by team, unit, township or grid are sums of plan
rows (a unit's row: the shifts of the plans it belongs to, with its own distance and reports). Definitions, also in
the README:

- `shifts_due`, `shifts_met` (every target met inside the window), `shifts_late` (all met, some only in the grace
  period), `shifts_missed`; `compliance_rate` 达标率 = shifts_met / shifts_due;
- `points_due` / `points_visited`: point targets of due shifts / those visited (a stay of at least the dwell);
- `route_m_due` / `route_m_covered`: metres of route targets / metres within the buffer of the team's track;
- `area_minutes_due` / `area_minutes_spent`: minutes asked / minutes inside (counted up to what was asked);
- `targets_late`: targets met only in the grace period; `distance_km` patrolled inside the windows;
- `reports`: cases filed from those shifts (`reports_valid`: not merged, not found invalid);
- `coverage_rate` 覆盖率 = grids in scope with at least one fix of a patrolling unit during one of its shifts /
  grids in scope (scope: the grids the row's targets touch; a township's grids; a grid; the county for the total);
- `points`: volunteer points (积分制) of the row's volunteer teams, at the rates of `patrol.toml`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from ..enums import CaseStatus, PlanStatus, ShiftState, UnitKind
from ..models import (
    Case,
    Grid,
    PatrolPlan,
    PatrolPlanUnit,
    PatrolShift,
    PatrolShiftGrid,
    PatrolShiftTarget,
    PatrolShiftUnit,
    PatrolTarget,
    Township,
    Unit,
)
from ..periods import day_bounds
from ..services import scope
from ..services.actor import Actor
from ..stats.kpi import NONE_KEY, Ratio
from .config import patrol_settings
from .schedule import local_day
from .shifts import shift_state


class ReportBy(StrEnum):
    PLAN = "plan"
    TEAM = "team"
    UNIT = "unit"
    TOWNSHIP = "township"
    GRID = "grid"


COUNTS = (
    "shifts_due",
    "shifts_met",
    "shifts_late",
    "shifts_missed",
    "shifts_in_progress",
    "points_due",
    "points_visited",
    "route_m_due",
    "route_m_covered",
    "area_minutes_due",
    "area_minutes_spent",
    "targets_late",
    "distance_km",
    "reports",
    "reports_valid",
    "grids_in_scope",
    "grids_covered",
    "points",
)
RATES = ("compliance_rate", "coverage_rate")
_ROUND = {"route_m_due": 1, "route_m_covered": 1, "area_minutes_due": 1, "area_minutes_spent": 1, "distance_km": 3}


@dataclass
class Figures:
    key: str
    label: str
    values: dict[str, float] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0.0))
    scope: set[int] = field(default_factory=set)
    covered: set[int] = field(default_factory=set)

    def add(self, other: dict[str, float]) -> None:
        for name, value in other.items():
            self.values[name] = self.values.get(name, 0.0) + value

    @property
    def compliance(self) -> Ratio:
        return Ratio(int(self.values["shifts_met"]), int(self.values["shifts_due"]))

    @property
    def coverage(self) -> Ratio:
        return Ratio(len(self.covered & self.scope), len(self.scope))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label}
        for name in COUNTS:
            value = self.values.get(name, 0.0)
            if name == "grids_in_scope":
                value = len(self.scope)
            elif name == "grids_covered":
                value = len(self.covered & self.scope)
            out[name] = round(value, _ROUND[name]) if name in _ROUND else int(round(value))
        out["compliance_rate"] = self.compliance.as_dict()
        out["coverage_rate"] = self.coverage.as_dict()
        return out


@dataclass(frozen=True)
class PatrolReport:
    first: date
    last: date
    now: datetime
    by: ReportBy | None
    total: Figures
    groups: list[Figures]
    ranking: list[dict[str, Any]]
    stale: list[dict[str, Any]]
    shifts: list[dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "now": self.now.isoformat(),
            "by": self.by.value if self.by else None,
            "total": self.total.as_dict(),
            "groups": [g.as_dict() for g in self.groups],
            "volunteer_ranking": self.ranking,
            "stale_targets": self.stale,
        }
        if self.shifts is not None:
            out["shifts"] = self.shifts
        return out


@dataclass
class _PlanInfo:
    id: int
    name: str
    status: PlanStatus
    township_id: int | None
    grid_id: int | None
    team: list[tuple[int, str, UnitKind]] = field(default_factory=list)

    @property
    def team_key(self) -> str:
        return ";".join(sorted(c for _, c, _ in self.team))


def _due(now: datetime, grace_s: float) -> Any:
    return or_(
        PatrolShift.ends_at <= now - timedelta(seconds=grace_s), PatrolShift.targets_met >= PatrolShift.targets_due
    )


def _sum(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


class _Collect:
    """The period's figures per plan (and per plan and unit), one grouped statement each."""

    def __init__(self, session: Session, first: date, last: date, now: datetime, actor: Actor | None = None) -> None:
        self.session = session
        self.now = now
        settings = patrol_settings()
        self.grace = settings.late_grace_s
        self.rates = settings.points
        # A scoped actor's figures count the shifts and targets of its scope's plans only.
        self.grid_scope = scope.grid_filter(actor) if actor is not None else true()
        self.plan_scope = scope.plan_filter(actor) if actor is not None else true()
        self.target_scope = scope.plan_id_filter(actor, PatrolTarget.plan_id) if actor is not None else true()
        mine = scope.plan_id_filter(actor, PatrolShift.plan_id) if actor is not None else true()
        self.in_period = and_(PatrolShift.day >= first, PatrolShift.day <= last, mine)
        self.period_start, self.period_end = day_bounds(first, last)
        self.due = and_(self.in_period, _due(now, self.grace))
        self.plans = self._plans()
        self.per_plan: dict[int, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0.0))
        self.per_unit: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
        self.scope: dict[int, set[int]] = defaultdict(set)
        self.visited_by: dict[int, set[int]] = defaultdict(set)
        self.visited: set[int] = set()
        self.ranking: dict[int, dict[str, Any]] = {}

    def _plans(self) -> dict[int, _PlanInfo]:
        plans = {
            pid: _PlanInfo(pid, name, status, town, grid)
            for pid, name, status, town, grid in self.session.execute(
                select(
                    PatrolPlan.id, PatrolPlan.name, PatrolPlan.status, PatrolPlan.township_id, PatrolPlan.grid_id
                ).where(self.plan_scope)
            ).tuples()
        }
        for plan_id, unit_id, callsign, kind in self.session.execute(
            select(PatrolPlanUnit.plan_id, Unit.id, Unit.callsign, Unit.kind)
            .join(Unit, Unit.id == PatrolPlanUnit.unit_id)
            .where(PatrolPlanUnit.plan_id.in_(list(plans)))
        ).tuples():
            plans[plan_id].team.append((unit_id, callsign, kind))
        return plans

    def shifts(self) -> None:
        met_all = PatrolShift.targets_met >= PatrolShift.targets_due
        late_all = and_(~met_all, PatrolShift.targets_met + PatrolShift.targets_late >= PatrolShift.targets_due)
        for row in self.session.execute(
            select(
                PatrolShift.plan_id,
                func.count().label("n"),
                _sum(met_all).label("met"),
                _sum(late_all).label("late"),
                func.sum(PatrolShift.targets_late).label("targets_late"),
                func.sum(PatrolShift.points_due).label("points_due"),
                func.sum(PatrolShift.points_met).label("points_met"),
                func.sum(PatrolShift.route_m_due).label("route_m_due"),
                func.sum(PatrolShift.route_m_covered).label("route_m_covered"),
                func.sum(PatrolShift.area_s_due).label("area_s_due"),
                func.sum(PatrolShift.area_s_spent).label("area_s_spent"),
            )
            .where(self.due)
            .group_by(PatrolShift.plan_id)
        ):
            out = self.per_plan[row.plan_id]
            out["shifts_due"] += row.n
            out["shifts_met"] += row.met
            out["shifts_late"] += row.late
            out["shifts_missed"] += row.n - row.met - row.late
            out["targets_late"] += row.targets_late or 0
            out["points_due"] += row.points_due or 0
            out["points_visited"] += row.points_met or 0
            out["route_m_due"] += float(row.route_m_due or 0.0)
            out["route_m_covered"] += float(row.route_m_covered or 0.0)
            out["area_minutes_due"] += float(row.area_s_due or 0.0) / 60.0
            out["area_minutes_spent"] += float(row.area_s_spent or 0.0) / 60.0
        for plan_id, n in self.session.execute(
            select(PatrolShift.plan_id, func.count())
            .where(self.in_period, PatrolShift.starts_at <= self.now, ~_due(self.now, self.grace))
            .group_by(PatrolShift.plan_id)
        ).tuples():
            self.per_plan[plan_id]["shifts_in_progress"] += n

    def units_and_reports(self) -> None:
        for plan_id, unit_id, distance in self.session.execute(
            select(
                PatrolShift.plan_id, PatrolShiftUnit.unit_id, func.coalesce(func.sum(PatrolShiftUnit.distance_m), 0.0)
            )
            .join(PatrolShift, PatrolShift.id == PatrolShiftUnit.shift_id)
            .where(self.due)
            .group_by(PatrolShift.plan_id, PatrolShiftUnit.unit_id)
        ).tuples():
            self.per_unit[(plan_id, unit_id)]["distance_km"] = float(distance) / 1000.0
            self.per_plan[plan_id]["distance_km"] += float(distance) / 1000.0
        valid = Case.status.not_in([CaseStatus.MERGED.value, CaseStatus.INVALID.value])
        for plan_id, unit_id, n, n_valid in self.session.execute(
            select(PatrolShift.plan_id, Case.patrol_unit_id, func.count(), _sum(valid))
            .join(PatrolShift, PatrolShift.id == Case.patrol_shift_id)
            .where(self.due)
            .group_by(PatrolShift.plan_id, Case.patrol_unit_id)
        ).tuples():
            self.per_plan[plan_id]["reports"] += n
            self.per_plan[plan_id]["reports_valid"] += n_valid
            if unit_id is not None:
                mine = self.per_unit[(plan_id, unit_id)]
                mine["reports"] = mine.get("reports", 0.0) + n
                mine["reports_valid"] = mine.get("reports_valid", 0.0) + n_valid

    def volunteer_points(self) -> None:
        rates = self.rates
        for plan in self.plans.values():
            if plan.id not in self.per_plan:
                continue
            row = self.per_plan[plan.id]
            for unit_id, callsign, kind in plan.team:
                if kind != UnitKind.VOLUNTEER_TEAM:
                    continue
                mine = self.per_unit[(plan.id, unit_id)]
                earned = (
                    row["shifts_met"] * rates.shift_met
                    + row["shifts_late"] * rates.shift_late
                    + mine.get("reports_valid", 0.0) * rates.report_valid
                )
                mine["points"] = earned
                row["points"] += earned
                rank = self.ranking.setdefault(
                    unit_id, {"team": callsign, "shifts_met": 0, "shifts_late": 0, "valid_reports": 0, "points": 0.0}
                )
                rank["shifts_met"] += int(row["shifts_met"])
                rank["shifts_late"] += int(row["shifts_late"])
                rank["valid_reports"] += int(mine.get("reports_valid", 0.0))
                rank["points"] += earned

    def coverage(self) -> None:
        """The grids the plans' targets touch (targets in force some time in the period), and the grids their
        units visited during their shifts."""
        for plan_id, grids in self.session.execute(
            select(PatrolTarget.plan_id, PatrolTarget.grid_ids).where(
                self.target_scope,
                PatrolTarget.created_at < self.period_end,
                or_(PatrolTarget.retired_at.is_(None), PatrolTarget.retired_at >= self.period_start),
            )
        ).tuples():
            self.scope[plan_id].update(grids or ())
        for plan_id, grid_id in self.session.execute(
            select(PatrolShift.plan_id, PatrolShiftGrid.grid_id)
            .join(PatrolShift, PatrolShift.id == PatrolShiftGrid.shift_id)
            .where(self.in_period, PatrolShift.starts_at <= self.now)
            .distinct()
        ).tuples():
            self.visited_by[plan_id].add(grid_id)
            self.visited.add(grid_id)

    def ranked(self) -> list[dict[str, Any]]:
        ranking = sorted(self.ranking.values(), key=lambda r: (-r["points"], r["team"]))
        for n, r in enumerate(ranking, start=1):
            r["rank"] = n
            r["points"] = round(r["points"], 1)
        return ranking


class _Groups:
    """Rows of one dimension, summed from the plan rows."""

    def __init__(self, c: _Collect) -> None:
        self.c = c
        self.rows: dict[str, Figures] = {}
        self.grid_town = dict(c.session.execute(select(Grid.id, Grid.township_id)).tuples().all())
        # The coverage total's denominator: every grid of the scope (the county's, a township's, a village's own).
        self.grids_in_scope = set(c.session.scalars(select(Grid.id).where(c.grid_scope)))
        self.grid_code = dict(c.session.execute(select(Grid.id, Grid.code)).tuples().all())
        self.town_name = dict(c.session.execute(select(Township.id, Township.name)).tuples().all())
        self.plans = [p for p in c.plans.values() if p.id in c.per_plan or p.id in c.scope]

    def row(self, key: str, label: str) -> Figures:
        g = self.rows.get(key)
        if g is None:
            g = self.rows[key] = Figures(key, label)
        return g

    def total(self) -> Figures:
        total = Figures("all", "all")
        for row in self.c.per_plan.values():
            total.add(row)
        total.scope = set(self.grids_in_scope)
        total.covered = set(self.c.visited)
        return total

    def _plan_row(self, g: Figures, plan: _PlanInfo, values: dict[str, float]) -> None:
        g.add(values)
        g.scope |= self.c.scope[plan.id]
        g.covered |= self.c.visited_by[plan.id]

    def build(self, by: ReportBy | None) -> list[Figures]:
        c = self.c
        for plan in self.plans:
            values = c.per_plan.get(plan.id, {})
            if by == ReportBy.PLAN:
                self._plan_row(self.row(plan.name, plan.name), plan, values)
            elif by == ReportBy.TEAM:
                key = plan.team_key or NONE_KEY
                self._plan_row(self.row(key, key), plan, values)
            elif by == ReportBy.UNIT:
                shared = {k: v for k, v in values.items() if k not in _OWN}
                for unit_id, callsign, _kind in plan.team:
                    g = self.row(callsign, callsign)
                    self._plan_row(g, plan, shared)
                    g.add(c.per_unit.get((plan.id, unit_id), {}))
            elif by == ReportBy.TOWNSHIP:
                key = str(plan.township_id) if plan.township_id is not None else NONE_KEY
                self.row(key, self.town_name.get(plan.township_id or -1, NONE_KEY)).add(values)
            elif by == ReportBy.GRID:
                key = self.grid_code.get(plan.grid_id or -1, NONE_KEY)
                self.row(key, key).add(values)
        if by == ReportBy.TOWNSHIP:
            for town_id, name in self.town_name.items():
                g = self.row(str(town_id), name)
                g.scope = {gid for gid, t in self.grid_town.items() if t == town_id}
                g.covered = c.visited & g.scope
        elif by == ReportBy.GRID:
            by_code = {code: gid for gid, code in self.grid_code.items()}
            for g in self.rows.values():
                if g.key in by_code:
                    g.scope = {by_code[g.key]}
                    g.covered = c.visited & g.scope
        return sorted(self.rows.values(), key=lambda g: (g.key == NONE_KEY, g.label))


#: Figures a unit's row takes from its own doing, not from its team's shifts.
_OWN = ("distance_km", "reports", "reports_valid", "points")


def patrol_report(
    session: Session,
    *,
    first: date,
    last: date,
    now: datetime,
    by: ReportBy | str | None = None,
    with_shifts: bool = False,
    stale_days: int | None = None,
    actor: Actor | None = None,
) -> PatrolReport:
    """The figures of the local days `first` … `last` (both included) as of `now`. Reads only: the caller makes
    the period's shifts first (`patrol_shifts.ensure_days`)."""
    by = ReportBy(by) if by else None
    collect = _Collect(session, first, last, now, actor)
    collect.shifts()
    collect.units_and_reports()
    collect.volunteer_points()
    collect.coverage()
    groups = _Groups(collect)
    total = groups.total()
    rows = groups.build(by)
    stale = stale_targets(
        session, reference=min(last, local_day(now)), days=stale_days or patrol_settings().stale_days, actor=actor
    )
    shifts = _shift_list(session, first, last, now, collect.plans, collect.in_period) if with_shifts else None
    return PatrolReport(first, last, now, by, total, rows, collect.ranked(), stale, shifts)


#: How far back the last visit of a target is looked for (an older one reads as "none in that time").
STALE_LOOKBACK_DAYS = 90


def stale_targets(session: Session, *, reference: date, days: int, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Targets of active plans not met for `days` days or more (the guard-tour "days without a visit"): by plan and
    target name, so a target kept through an edit of its plan keeps its history; visits are looked for in the last
    `STALE_LOOKBACK_DAYS` days (a target without one counts its days from its plan's start or the lookback)."""
    horizon = reference - timedelta(days=STALE_LOOKBACK_DAYS)
    last_met: dict[tuple[int, str], date] = {}
    for plan_id, name, day in session.execute(
        select(PatrolTarget.plan_id, PatrolTarget.name, func.max(PatrolShift.day))
        .select_from(PatrolShift)
        .join(PatrolShiftTarget, PatrolShiftTarget.shift_id == PatrolShift.id)
        .join(PatrolTarget, PatrolTarget.id == PatrolShiftTarget.target_id)
        .where(PatrolShift.day > horizon, PatrolShift.day <= reference, PatrolShiftTarget.met.is_(True))
        .group_by(PatrolTarget.plan_id, PatrolTarget.name)
    ).tuples():
        last_met[(plan_id, name)] = day if isinstance(day, date) else date.fromisoformat(str(day))
    out = []
    for plan_id, name, kind, lat, lon, plan_name, valid_from in session.execute(
        select(
            PatrolTarget.plan_id,
            PatrolTarget.name,
            PatrolTarget.kind,
            PatrolTarget.lat,
            PatrolTarget.lon,
            PatrolPlan.name,
            PatrolPlan.valid_from,
        )
        .join(PatrolPlan, PatrolPlan.id == PatrolTarget.plan_id)
        .where(
            PatrolPlan.status == PlanStatus.ACTIVE,
            PatrolTarget.retired_at.is_(None),
            scope.plan_filter(actor) if actor is not None else true(),
        )
        .order_by(PatrolPlan.name, PatrolTarget.seq)
    ).tuples():
        seen = last_met.get((plan_id, name))
        since = seen if seen is not None else max(valid_from - timedelta(days=1), horizon)
        gap = (reference - since).days
        if gap >= days:
            out.append(
                {
                    "plan": plan_name,
                    "target": name,
                    "kind": kind.value,
                    "lat": lat,
                    "lon": lon,
                    "last_visit": seen.isoformat() if seen else None,
                    "days_without_visit": gap,
                }
            )
    return sorted(out, key=lambda r: (-r["days_without_visit"], r["plan"], r["target"]))


def _shift_list(
    session: Session, first: date, last: date, now: datetime, plans: dict[int, _PlanInfo], in_period: Any
) -> list[dict[str, Any]]:
    grace = patrol_settings().late_grace_s
    rows = session.scalars(
        select(PatrolShift)
        .where(in_period, PatrolShift.starts_at <= now)
        .order_by(PatrolShift.starts_at, PatrolShift.plan_id)
    ).all()
    open_targets: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for shift_id, name, late in session.execute(
        select(PatrolShiftTarget.shift_id, PatrolTarget.name, PatrolShiftTarget.late)
        .join(PatrolTarget, PatrolTarget.id == PatrolShiftTarget.target_id)
        .join(PatrolShift, PatrolShift.id == PatrolShiftTarget.shift_id)
        .where(PatrolShift.day >= first, PatrolShift.day <= last, PatrolShiftTarget.met.is_(False))
        .order_by(PatrolTarget.seq)
    ).tuples():
        open_targets[shift_id].append((name, bool(late)))
    distances = dict(
        session.execute(
            select(PatrolShiftUnit.shift_id, func.sum(PatrolShiftUnit.distance_m))
            .join(PatrolShift, PatrolShift.id == PatrolShiftUnit.shift_id)
            .where(PatrolShift.day >= first, PatrolShift.day <= last)
            .group_by(PatrolShiftUnit.shift_id)
        )
        .tuples()
        .all()
    )
    out = []
    for s in rows:
        state = shift_state(s, now=now, grace_s=grace)
        final = state in (ShiftState.MET, ShiftState.LATE, ShiftState.MISSED)
        out.append(
            {
                "id": s.id,
                "plan": plans[s.plan_id].name if s.plan_id in plans else str(s.plan_id),
                "day": s.day.isoformat(),
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "state": state.value,
                "targets_due": s.targets_due,
                "targets_met": s.targets_met,
                "late": [n for n, late in open_targets.get(s.id, ()) if late],
                "missed": [n for n, late in open_targets.get(s.id, ()) if not late] if final else [],
                "open": [n for n, late in open_targets.get(s.id, ()) if not late] if not final else [],
                "distance_km": round(distances.get(s.id, 0.0) / 1000, 3),
                "review_status": s.review_status.value,
            }
        )
    return out
