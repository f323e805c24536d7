"""Thirty days of demo history, played through the real services with backdated `now=` arguments.

A small discrete-event simulation: appeals arrive with a daily rhythm; each one is taken in by the intake
service and then lives its life — dispatch of a field unit (en route, on scene, clear), assignment to a
department or township (accept, return, resolve), resolution, callback, close; some are merged as repeats,
some found invalid, some escalated when overdue. Every step is a service call at its own simulated time, so
the events table is the real timeline. Steps are batched into one transaction per simulated day; a step
the services refuse is rolled back alone (the batch is played again with a savepoint per step) and counted.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import (
    OPEN_CASE_STATUSES,
    AssigneeKind,
    CaseStatus,
    Category,
    FeedbackResult,
    Priority,
    UnitKind,
    UnitStatus,
)
from ..geo.distance import haversine_many_m
from ..models import Case
from ..rules import Rules, default_rules
from ..services import cases as case_service
from ..services import dispatch as dispatch_service
from ..services import intake as intake_service
from ..services.actor import Actor
from ..services.errors import ServiceError
from ..timeutil import CHINA_TZ
from . import supervision, texts
from .appeals import URGENT_CATEGORIES, Appeal, AppealMaker
from .county import County
from .reference import CountyIds, DemoActors

#: Relative appeal rate per hour of the local day (more by day, few at night).
HOURLY_WEIGHTS: tuple[float, ...] = tuple(
    float(w)
    for w in [
        "0.25",
        "0.18",
        "0.12",
        "0.1",
        "0.12",
        "0.2",
        "0.45",
        "0.9",
        "1.4",
        "1.6",
        "1.6",
        "1.4",
        "1.1",
        "1.1",
        "1.4",
        "1.5",
        "1.5",
        "1.4",
        "1.2",
        "1.1",
        "1.0",
        "0.8",
        "0.6",
        "0.4",
    ]
)
#: Unit kinds that may go to each category, best first.
FIELD_KINDS: dict[Category, tuple[UnitKind, ...]] = {
    Category.PUBLIC_ORDER: (UnitKind.PATROL_CAR, UnitKind.FOOT_PATROL),
    Category.TRAFFIC: (UnitKind.TRAFFIC_POLICE, UnitKind.PATROL_CAR),
    Category.ASSISTANCE: (UnitKind.PATROL_CAR, UnitKind.VOLUNTEER_TEAM, UnitKind.FOOT_PATROL),
    Category.SAFETY_HAZARD: (UnitKind.GRID_WORKER, UnitKind.VOLUNTEER_TEAM, UnitKind.PATROL_CAR, UnitKind.DRONE),
    Category.DISPUTE: (UnitKind.GRID_WORKER, UnitKind.MEDIATOR),
    Category.ENVIRONMENT: (UnitKind.GRID_WORKER, UnitKind.DRONE),
    Category.LIVELIHOOD: (UnitKind.GRID_WORKER,),
    Category.PETITION: (UnitKind.MEDIATOR, UnitKind.GRID_WORKER),
    Category.CONSULTATION: (UnitKind.GRID_WORKER,),
    Category.OTHER: (UnitKind.GRID_WORKER, UnitKind.PATROL_CAR),
}
#: Simulated seconds between two runs of the automatic escalation sweep (督办 of overdue cases).
SWEEP_SECONDS = 3600.0
#: The morning shift change (China time) after which the available units are on duty.
SHIFT_CHANGE_HOUR = 8
#: Simulated seconds per transaction of the history (a day of the county's life: an import into an empty database).
BATCH_SECONDS = 24 * 3600
MINUTE = 60.0
HOUR = 3600.0


@dataclass
class CaseRec:
    """What the history knows about one appeal while it is alive."""

    key: int
    appeal: Appeal
    case_id: int = 0
    units: list[int] = field(default_factory=list)  # unit indexes attached now
    field_done: bool = True  # no field visit pending
    assignment_id: int | None = None
    assignment_done: bool = True
    tried: list[int] = field(default_factory=list)
    fate: str = "normal"  # normal, invalid, repeat, stuck, returned_open
    master_key: int | None = None
    resolved: bool = False
    assignee: tuple[AssigneeKind, int] | None = None  # where the live assignment is

    @property
    def category(self) -> Category:
        return self.appeal.category

    @property
    def priority(self) -> Priority:
        return self.appeal.priority

    @property
    def template(self) -> texts.Template:
        return self.appeal.template

    @property
    def lat(self) -> float | None:
        return self.appeal.lat

    @property
    def lon(self) -> float | None:
        return self.appeal.lon

    @property
    def grid_code(self) -> str | None:
        return self.appeal.grid_code

    @property
    def township_code(self) -> str:
        return self.appeal.township_code

    @property
    def phone(self) -> str | None:
        return self.appeal.phone


@dataclass
class HistoryStats:
    cases: int = 0
    dispatches: int = 0
    assignments: int = 0
    callbacks: int = 0
    refused: int = 0
    refused_by_action: dict[str, int] = field(default_factory=dict)


@dataclass
class _State:
    """Everything a batch may change; copied before each batch so a retried transaction starts clean."""

    rng_state: Any
    heap: list[tuple[float, int, str, int]]
    cases: dict[int, CaseRec]
    unit_busy: Any  # numpy bool array
    next_arrival: int
    seq: int
    stats: HistoryStats

    def clone(self) -> _State:
        return _State(
            self.rng_state,
            list(self.heap),
            {k: replace(v, units=list(v.units), tried=list(v.tried)) for k, v in self.cases.items()},
            self.unit_busy.copy(),
            self.next_arrival,
            self.seq,
            replace(self.stats, refused_by_action=dict(self.stats.refused_by_action)),
        )


class History:
    def __init__(
        self,
        db: Database,
        county: County,
        ids: CountyIds,
        actors: DemoActors,
        *,
        seed: int,
        start: datetime,
        end: datetime,
        per_day: int,
        rules: Rules | None = None,
        side_steps: Sequence[tuple[float, Callable[[Session, datetime], None]]] = (),
    ) -> None:
        self.db = db
        # Steps of other parts of the demo (patrol reviews and reports) played in time order among the appeals'.
        self.side_steps = list(side_steps)
        self.county = county
        self.ids = ids
        self.actors = actors
        self.rules = rules or default_rules()
        self.start_ts = start.timestamp()
        self.end_ts = end.timestamp()
        rng = random.Random(seed * 7 + 1)
        self.maker = AppealMaker(county, rng)
        self.arrivals = self._arrivals(rng, per_day)
        # Units, as columns (index = position in county.units).
        self.unit_ids = np.array([ids.units[u.callsign] for u in county.units], dtype=np.int64)
        self.unit_lat = np.array([u.lat for u in county.units])
        self.unit_lon = np.array([u.lon for u in county.units])
        self.unit_kind = [u.kind for u in county.units]
        self.unit_grid = [u.home_grid_code for u in county.units]
        self.kind_mask = {k: np.array([kind == k for kind in self.unit_kind]) for k in UnitKind}
        off = np.array([u.status == UnitStatus.OFF_DUTY for u in county.units])
        self.state = _State(rng.getstate(), [], {}, off.copy(), 0, 0, HistoryStats())
        self.rng = rng
        self._careful = False

    # -- planning helpers ----------------------------------------------------------------------------------------

    def _arrivals(self, rng: random.Random, per_day: int) -> list[float]:
        """Arrival times of every appeal, with the daily rhythm, in order."""
        out: list[float] = []
        day = datetime.fromtimestamp(self.start_ts, CHINA_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        while day.timestamp() < self.end_ts:
            weekend = day.weekday() >= 5
            count = max(1, round(rng.gauss(per_day * (0.85 if weekend else 1.05), math.sqrt(per_day))))
            hours = rng.choices(range(24), HOURLY_WEIGHTS, k=count)
            for h in hours:
                ts = day.timestamp() + h * HOUR + rng.uniform(0, HOUR)
                if self.start_ts <= ts < self.end_ts:
                    out.append(ts)
            day += timedelta(days=1)
        out.sort()
        return out

    def _push(self, ts: float, action: str, key: int) -> None:
        st = self.state
        st.seq += 1
        heapq.heappush(st.heap, (ts, st.seq, action, key))

    def _when(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    # -- the loop -------------------------------------------------------------------------------------------------

    def run(self, progress: Callable[[int, int], None] | None = None) -> HistoryStats:
        batch_end = self.start_ts + BATCH_SECONDS
        total = len(self.arrivals)
        self._push(self.start_ts + SWEEP_SECONDS, "sweep", 0)
        shift = self._last_shift_change()
        if shift is not None:
            self._push(shift, "shift_change", 0)
        for n, (ts, _) in enumerate(self.side_steps):
            if self.start_ts <= ts < self.end_ts:
                self._push(ts, "side", n)
        while True:
            st = self.state
            if st.next_arrival >= total and not st.heap:
                break
            limit = min(batch_end, self.end_ts)
            snapshot = st.clone()
            try:
                self._batch(limit, snapshot, careful=False)
            except ServiceError:
                # A step was refused: play the batch again, this time each step in its own savepoint.
                self._batch(limit, snapshot, careful=True)
            if progress:
                progress(self.state.next_arrival, total)
            if limit >= self.end_ts:
                break
            batch_end += BATCH_SECONDS
        return self.state.stats

    def _batch(self, limit: float, snapshot: _State, *, careful: bool) -> None:
        """One transaction of steps up to `limit`; every attempt starts again from the snapshot."""

        def work(session: Session) -> None:
            self.state = snapshot.clone()
            self.rng.setstate(self.state.rng_state)
            self._careful = careful
            self._run_until(session, limit)
            self.state.rng_state = self.rng.getstate()

        write_transaction(self.db.sessions, work)

    def _run_until(self, session: Session, limit: float) -> None:
        st = self.state
        while True:
            next_arrival = self.arrivals[st.next_arrival] if st.next_arrival < len(self.arrivals) else math.inf
            next_step = st.heap[0][0] if st.heap else math.inf
            ts = min(next_arrival, next_step)
            if ts >= limit:
                return
            if next_arrival <= next_step:
                st.next_arrival += 1
                self._step(session, ts, "intake", -1)
            else:
                _, _, action, key = heapq.heappop(st.heap)
                self._step(session, ts, action, key)

    def _step(self, session: Session, ts: float, action: str, key: int) -> None:
        handler = getattr(self, f"_do_{action}")
        if not self._careful:
            handler(session, ts, key)
            return
        savepoint = session.begin_nested()
        try:
            handler(session, ts, key)
        except ServiceError:
            savepoint.rollback()
            stats = self.state.stats
            stats.refused += 1
            stats.refused_by_action[action] = stats.refused_by_action.get(action, 0) + 1
            return
        savepoint.commit()

    # -- intake ---------------------------------------------------------------------------------------------------

    def _do_intake(self, session: Session, ts: float, key: int, repeat_of: CaseRec | None = None) -> None:
        st = self.state
        rng = self.rng
        appeal = self.maker.make(rng) if repeat_of is None else self.maker.repeat_of(rng, repeat_of.appeal)
        rec = CaseRec(key=0, appeal=appeal)
        req = intake_service.parse_intake(appeal.data, now=self._when(ts))
        result = intake_service.create_case(session, req, actor=self.actors.dispatcher, now=self._when(ts))
        st.stats.cases += 1
        rec.key = result.case.id
        rec.case_id = result.case.id
        st.cases[rec.key] = rec
        if repeat_of is not None:
            rec.fate = "repeat"
            rec.master_key = repeat_of.key
            self._push(ts + rng.uniform(3, 15) * MINUTE, "merge", rec.key)
            return
        age = self.end_ts - ts
        roll = rng.random()
        if roll < 0.02:
            rec.fate = "invalid"
            self._push(ts + rng.uniform(2, 20) * MINUTE, "invalidate", rec.key)
            return
        if roll < 0.06 and rec.phone:
            self._push(ts + rng.uniform(15, 90) * MINUTE, "repeat", rec.key)
        # What a real center leaves open at the end: a routine matter stuck at a department, or one returned and
        # waiting for the shift leader — never an urgent one, and never one with a unit sent (no case "on scene"
        # for days with no unit there).
        routine = rec.priority not in (Priority.RED, Priority.ORANGE)
        if routine and 2 * 86400 < age < 12 * 86400 and rng.random() < 0.008:
            rec.fate = "stuck"  # taken on by a department that never finishes: overdue and escalated at the end
        elif routine and age < 3 * 86400 and rng.random() < 0.03:
            rec.fate = "returned_open"  # returned by a department, waiting for the shift leader at the end
        needs_field = (
            rec.fate not in ("stuck", "returned_open")
            and rec.template.field
            and rec.lat is not None
            and rec.priority != Priority.BLUE
            and (rec.category in URGENT_CATEGORIES or rng.random() < 0.75)
        )
        if rec.category == Category.CONSULTATION or rec.priority == Priority.BLUE:
            needs_assignment = rng.random() < 0.25  # mostly answered by the center itself
        elif needs_field:
            needs_assignment = rng.random() < (0.15 if rec.category in URGENT_CATEGORIES else 0.45)
        else:
            needs_assignment = rng.random() < 0.85
        needs_assignment = needs_assignment and rec.template.department is not None
        if rec.fate in ("stuck", "returned_open"):
            needs_assignment = True
        if needs_field:
            rec.field_done = False
            delay = {Priority.RED: (1, 3), Priority.ORANGE: (2, 10)}.get(rec.priority, (4, 45))
            self._push(ts + rng.uniform(*delay) * MINUTE, "dispatch", rec.key)
        if needs_assignment:
            rec.assignment_done = False
            self._push(ts + rng.uniform(8, 40) * MINUTE, "assign", rec.key)
        if not needs_field and not needs_assignment:
            # Answered at once by the center (advice, information): resolved within the hour.
            self._push(ts + rng.uniform(5, 50) * MINUTE, "resolve", rec.key)
        if rec.category == Category.PETITION and rec.priority in (Priority.RED, Priority.ORANGE) and rng.random() < 0.5:
            self._push(ts + rng.uniform(20, 90) * MINUTE, "leader_escalate", rec.key)  # a sensitive matter

    def _do_repeat(self, session: Session, ts: float, key: int) -> None:
        master = self.state.cases.get(key)
        if master is None or master.resolved:
            return
        self._do_intake(session, ts, -1, repeat_of=master)

    def _do_merge(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.pop(key)
        assert rec.master_key is not None
        case = session.get(Case, rec.case_id)
        if case is None or case.status not in OPEN_CASE_STATUSES:
            return  # already clustered with its master by the intake's repeat detection
        case_service.merge_case(
            session, case_id=rec.case_id, into_case_id=rec.master_key, actor=self.actors.dispatcher, now=self._when(ts)
        )

    def _do_invalidate(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases[key]
        case_service.invalidate_case(
            session,
            case_id=rec.case_id,
            reason=self.rng.choice(texts.INVALID_REASONS),
            actor=self.actors.dispatcher,
            now=self._when(ts),
        )
        del self.state.cases[key]

    # -- field units ----------------------------------------------------------------------------------------------

    def _pick_unit(self, rec: CaseRec, exclude_kinds: tuple[UnitKind, ...] = ()) -> int | None:
        """The unit a dispatcher would send: the grid's own worker for grid matters, else the nearest of the
        kinds that suit the category (a mediator first for a good share of disputes and petitions)."""
        assert rec.lat is not None and rec.lon is not None
        busy = self.state.unit_busy
        kinds = list(FIELD_KINDS[rec.category])
        if UnitKind.MEDIATOR in kinds and self.rng.random() < 0.4:
            kinds.remove(UnitKind.MEDIATOR)
            kinds.insert(0, UnitKind.MEDIATOR)
        if kinds[0] == UnitKind.GRID_WORKER and rec.grid_code and rec.category in self.rules.grid_matters:
            for i, grid in enumerate(self.unit_grid):
                if (
                    grid == rec.grid_code
                    and self.unit_kind[i] == UnitKind.GRID_WORKER
                    and not busy[i]
                    and UnitKind.GRID_WORKER not in exclude_kinds
                ):
                    return i
        dist = haversine_many_m(rec.lat, rec.lon, self.unit_lat, self.unit_lon)
        for kind in kinds:
            if kind in exclude_kinds:
                continue
            ok = self.kind_mask[kind] & ~busy & (dist < 15_000)
            if ok.any():
                candidates = np.where(ok)[0]
                return int(candidates[np.argmin(dist[candidates])])
        return None

    def _do_dispatch(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None or rec.resolved:
            return
        rng = self.rng
        unit = self._pick_unit(rec)
        if unit is None:  # nobody free nearby: try again a little later
            self._push(ts + rng.uniform(5, 15) * MINUTE, "dispatch", key)
            return
        self._send(session, ts, rec, unit)
        if rec.priority == Priority.RED and rng.random() < 0.6:
            self._push(ts + rng.uniform(30, 90), "reinforce", key)

    def _do_reinforce(self, session: Session, ts: float, key: int) -> None:
        """A second unit of another kind for a red case."""
        rec = self.state.cases.get(key)
        if rec is None or rec.resolved or not rec.units:
            return
        second = self._pick_unit(rec, exclude_kinds=tuple(self.unit_kind[u] for u in rec.units))
        if second is not None:
            self._send(session, ts, rec, second)

    def _send(self, session: Session, ts: float, rec: CaseRec, unit: int) -> None:
        rng = self.rng
        sent = dispatch_service.dispatch_unit(
            session,
            case_id=rec.case_id,
            unit_id=int(self.unit_ids[unit]),
            actor=self.actors.dispatcher,
            now=self._when(ts),
            rules=self.rules,
        )
        self.state.unit_busy[unit] = True
        rec.units.append(unit)
        self.state.stats.dispatches += 1
        assert rec.lat is not None and rec.lon is not None
        dist = float(
            haversine_many_m(rec.lat, rec.lon, self.unit_lat[unit : unit + 1], self.unit_lon[unit : unit + 1])[0]
        )
        # The dispatch's own estimate (routed over the roads), or straight-line when it has none.
        travel = sent.eta_s or dist * self.rules.road_factor / (self.rules.speed_kmh[self.unit_kind[unit]] / 3.6)
        travel = min(max(travel, 90.0), 50 * MINUTE) * rng.uniform(0.8, 1.3)
        t_route = ts + rng.uniform(20, 120)
        self._push(t_route, "en_route", unit)
        self._push(t_route + travel, "on_scene", unit)
        on_scene = {Category.DISPUTE: (20, 90), Category.PETITION: (30, 120)}.get(rec.category, (10, 50))
        self._push(t_route + travel + rng.uniform(*on_scene) * MINUTE, "clear", unit)

    def _unit_step(self, session: Session, ts: float, unit: int, status: UnitStatus) -> None:
        dispatch_service.set_unit_status(
            session, unit_id=int(self.unit_ids[unit]), status=status, actor=self.actors.dispatcher, now=self._when(ts)
        )

    def _do_en_route(self, session: Session, ts: float, unit: int) -> None:
        if self.state.unit_busy[unit]:
            self._unit_step(session, ts, unit, UnitStatus.EN_ROUTE)

    def _do_on_scene(self, session: Session, ts: float, unit: int) -> None:
        if self.state.unit_busy[unit]:
            self._unit_step(session, ts, unit, UnitStatus.ON_SCENE)

    def _do_clear(self, session: Session, ts: float, unit: int) -> None:
        rec = next((r for r in self.state.cases.values() if unit in r.units), None)
        if rec is not None and rec.units == [unit] and rec.assignment_done and self.rng.random() < 0.8:
            # The last unit reports the matter settled: the dispatcher resolves the case, which clears the unit.
            self._resolve(session, ts, rec)
            self.state.unit_busy[unit] = False
            rec.units.clear()
            rec.field_done = True
            return
        self._unit_step(session, ts, unit, UnitStatus.AVAILABLE)
        self.state.unit_busy[unit] = False
        if rec is None:
            return
        rec.units.remove(unit)
        if not rec.units and not rec.field_done:
            rec.field_done = True
            if rec.assignment_done:
                self._push(ts + self.rng.uniform(2, 20) * MINUTE, "resolve", rec.key)

    # -- assignments ----------------------------------------------------------------------------------------------

    def _do_assign(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None or rec.resolved:
            return
        rng = self.rng
        dept_code = rec.template.department
        kind = AssigneeKind.DEPARTMENT
        target: int
        if dept_code is None or (rec.category in (Category.DISPUTE, Category.LIVELIHOOD) and rng.random() < 0.35):
            kind = AssigneeKind.TOWNSHIP
            target = self.ids.townships[rec.township_code]
        else:
            target = self.ids.departments[dept_code]
        if rec.tried:  # reassignment after a return: somewhere else
            kind = AssigneeKind.TOWNSHIP if kind == AssigneeKind.DEPARTMENT else AssigneeKind.DEPARTMENT
            target = (
                self.ids.townships[rec.township_code]
                if kind == AssigneeKind.TOWNSHIP
                else self.ids.departments[dept_code or "D02"]
            )
        rec.assignment_id = supervision.assign(
            session, case_id=rec.case_id, kind=kind, target_id=target, actor=self.actors.leader, now=self._when(ts)
        )
        rec.assignee = (kind, target)
        rec.tried.append(target)
        self.state.stats.assignments += 1
        returned = rec.fate == "returned_open" and len(rec.tried) == 1 or (len(rec.tried) == 1 and rng.random() < 0.05)
        if returned:
            self._push(ts + rng.uniform(0.5, 4) * HOUR, "return", rec.key)
            return
        hours = self._handling_hours(rec)
        if rng.random() < 0.6:  # signed for first (otherwise the result report signs for it)
            self._push(ts + rng.uniform(0.1, min(3.0, hours / 2)) * HOUR, "accept", rec.key)
        self._push(ts + hours * HOUR, "finish_assignment", rec.key)

    def _handling_hours(self, rec: CaseRec) -> float:
        """How long a department or township takes to settle the matter."""
        rng = self.rng
        if rec.fate in ("stuck", "returned_open"):
            return rng.uniform(20, 40) * 24  # beyond the end of the history: still open, overdue
        if rec.priority in (Priority.RED, Priority.ORANGE):
            return rng.uniform(1, 12)
        return rng.uniform(1.5, 24)

    def _handler(self, kind: AssigneeKind, target: int) -> Actor:
        if kind == AssigneeKind.DEPARTMENT:
            return self.actors.handlers_by_department.get(target, self.actors.leader)
        return self.actors.handlers_by_township.get(target, self.actors.leader)

    def _assignee(self, rec: CaseRec) -> Actor:
        """The handler user of the live assignment's department or township (a shift leader where there is none)."""
        assert rec.assignee is not None
        return self._handler(*rec.assignee)

    def _do_accept(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None or rec.assignment_id is None:
            return
        supervision.accept(session, assignment_id=rec.assignment_id, actor=self._assignee(rec), now=self._when(ts))

    def _do_return(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None or rec.assignment_id is None:
            return
        supervision.return_assignment(
            session,
            assignment_id=rec.assignment_id,
            reason=self.rng.choice(texts.RETURN_REASONS),
            actor=self._assignee(rec),
            now=self._when(ts),
        )
        rec.assignment_id = None
        if rec.fate != "returned_open":
            self._push(ts + self.rng.uniform(10, 60) * MINUTE, "assign", rec.key)

    def _do_finish_assignment(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None or rec.assignment_done:
            return
        if rec.assignment_id is None:
            return
        result = self.rng.choice(texts.RESOLUTIONS[rec.category])
        supervision.resolve_assignment(
            session, assignment_id=rec.assignment_id, result=result, actor=self._assignee(rec), now=self._when(ts)
        )
        rec.assignment_done = True
        if rec.field_done:
            self._push(ts + self.rng.uniform(5, 60) * MINUTE, "resolve", rec.key)

    # -- resolution, callback, close, escalation ------------------------------------------------------------------

    def _do_resolve(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None or rec.resolved:
            return
        self._resolve(session, ts, rec)

    def _resolve(self, session: Session, ts: float, rec: CaseRec) -> None:
        case_service.resolve_case(
            session,
            case_id=rec.case_id,
            resolution=self.rng.choice(texts.RESOLUTIONS[rec.category]),
            actor=self.actors.dispatcher,
            now=self._when(ts),
        )
        rec.resolved = True
        self._push(ts + self.rng.uniform(2, 40) * HOUR, "callback", rec.key)

    def _do_callback(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.get(key)
        if rec is None:
            return
        roll = self.rng.random()
        result = (
            FeedbackResult.SATISFIED
            if roll < 0.78
            else FeedbackResult.BASICALLY_SATISFIED
            if roll < 0.9
            else FeedbackResult.NOT_REACHED
            if roll < 0.96
            else FeedbackResult.DISSATISFIED
        )
        status = supervision.callback(
            session, case_id=rec.case_id, result=result, actor=self.actors.dispatcher, now=self._when(ts)
        )
        self.state.stats.callbacks += 1
        if status == CaseStatus.RESOLVED.value:
            self._push(ts + self.rng.uniform(5, 120) * MINUTE, "close", rec.key)
        elif status == CaseStatus.CLOSED.value:
            del self.state.cases[key]
        elif status in (s.value for s in OPEN_CASE_STATUSES):  # reopened (重办): handled again
            rec.resolved = False
            self._push(ts + self.rng.uniform(2, 24) * HOUR, "resolve", rec.key)

    def _do_close(self, session: Session, ts: float, key: int) -> None:
        rec = self.state.cases.pop(key, None)
        if rec is None:
            return
        case_service.close_case(session, case_id=rec.case_id, actor=self.actors.leader, now=self._when(ts))

    def _do_leader_escalate(self, session: Session, ts: float, key: int) -> None:
        """A shift leader's own 督办 of a sensitive matter (many people, a petition)."""
        rec = self.state.cases.get(key)
        if rec is None or rec.resolved:
            return
        case_service.escalate_case(
            session,
            case_id=rec.case_id,
            reason="群体性信访苗头，领导督办",
            actor=self.actors.leader,
            now=self._when(ts),
        )

    def _do_side(self, session: Session, ts: float, key: int) -> None:
        self.side_steps[key][1](session, self._when(ts))

    def _last_shift_change(self) -> float | None:
        """The last morning shift change (08:00 China time) before the end of the history, if within it."""
        end = datetime.fromtimestamp(self.end_ts, CHINA_TZ)
        change = end.replace(hour=SHIFT_CHANGE_HOUR, minute=0, second=0, microsecond=0)
        if change.timestamp() >= self.end_ts:
            change -= timedelta(days=1)
        return change.timestamp() if change.timestamp() > self.start_ts else None

    def _do_shift_change(self, session: Session, ts: float, key: int) -> None:
        """The morning shift signs off and the new one on: every available unit is on duty since then (a board
        showing units "available for 30 days" is a county nobody works in)."""
        for unit in range(len(self.unit_ids)):
            if not self.state.unit_busy[unit]:
                self._unit_step(session, ts, unit, UnitStatus.OFF_DUTY)
                self._unit_step(session, ts, unit, UnitStatus.AVAILABLE)

    def _do_sweep(self, session: Session, ts: float, key: int) -> None:
        """The console's automatic escalation of overdue cases and assignments, as it runs every hour."""
        supervision.sweep_overdue(session, now=self._when(ts))
        self._push(ts + SWEEP_SECONDS, "sweep", 0)
