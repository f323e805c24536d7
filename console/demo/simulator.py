"""A live simulator for demos: units move, report positions, answer dispatches; new appeals come in.

Everything it changes goes through the services: positions through the ingest service, unit status through the
dispatch service (en route, on scene, clear), new appeals through intake. It reads the units' state from the
database every step, so a dispatch made at any console is picked up: the unit sets off towards the case, arrives,
goes on scene and clears a while later.

Units of a patrol plan follow its targets during its shifts and units under a relocation order stand by at their
post (`patrol_motion.PatrolPlanner`), unless dispatched.

Time: fixes and service calls carry the real time (the clock); `speed` makes the world busier — units move
`speed` times faster, stay on scene `1/speed` as long, and appeals come `speed` times as often.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..db import Database, write_transaction
from ..enums import CaseStatus, Priority, Role, UnitKind, UnitStatus
from ..geo.travel import RoadTravel, travel_model
from ..models import Case, Grid, Unit
from ..rules import default_rules
from ..services import dispatch as dispatch_service
from ..services import intake as intake_service
from ..services.actor import Actor
from ..services.errors import ServiceError
from ..timeutil import CHINA_TZ, utcnow
from .appeals import AppealMaker
from .county import DEFAULT_SEED, County, generate_county
from .history import HOURLY_WEIGHTS
from .motion import LatLon, Path, RoadGraph, detour
from .patrol_motion import PatrolPlanner

SIMULATOR = Actor(name="simulator", role=Role.ADMIN)


@dataclass(frozen=True)
class LightMode:
    """The simulator's light mode: real time, a few appeals, positions often enough that no unit turns grey; the
    console runs it on the demo county, `simulate --light` runs the same."""

    speed: float = 1.0
    per_day: float = 40.0
    report_every_s: float = 20.0
    tick_s: float = 2.0
    auto_dispatch: bool = False
    #: A unit whose last fix is older than `report_every_s` (a demo opened again hours later) reports at the first
    #: step, not within the first `report_every_s`: the map and the readiness figure are live at once.
    old_fixes_at_once: bool = True


LIGHT = LightMode()
log = logging.getLogger(__name__)

#: Patrol speed range (km/h) of each unit kind while not dispatched.
PATROL_SPEED: dict[UnitKind, tuple[float, float]] = {
    UnitKind.PATROL_CAR: (30, 50),
    UnitKind.TRAFFIC_POLICE: (25, 45),
    UnitKind.FOOT_PATROL: (3, 5),
    UnitKind.VOLUNTEER_TEAM: (2.5, 4.5),
    UnitKind.GRID_WORKER: (4, 12),
    UnitKind.MEDIATOR: (3, 5),
    UnitKind.DRONE: (40, 60),
}
#: Speed range (km/h) on the way to a case.
RESPONSE_SPEED: dict[UnitKind, tuple[float, float]] = {
    UnitKind.PATROL_CAR: (40, 60),
    UnitKind.TRAFFIC_POLICE: (35, 55),
    UnitKind.FOOT_PATROL: (5, 7),
    UnitKind.VOLUNTEER_TEAM: (5, 7),
    UnitKind.GRID_WORKER: (12, 20),
    UnitKind.MEDIATOR: (25, 40),
    UnitKind.DRONE: (55, 70),
}
ROAD_KINDS = frozenset({UnitKind.PATROL_CAR, UnitKind.TRAFFIC_POLICE})
#: Seconds (simulated) a unit takes to acknowledge a dispatch, and stays on scene.
ACK_S = (5.0, 25.0)
ON_SCENE_S = (8 * 60.0, 25 * 60.0)


@dataclass
class Mover:
    unit_id: int
    callsign: str
    kind: UnitKind
    status: UnitStatus
    position: LatLon
    home_grid_id: int | None
    path: Path = field(default_factory=Path)
    speed_kmh: float = 0.0
    node: str | None = None  # last road node reached (road units)
    previous_node: str | None = None
    pause_s: float = 0.0  # simulated seconds to stand still
    case_id: int | None = None
    ack_in_s: float | None = None  # simulated seconds until it reports en route
    clear_in_s: float | None = None  # simulated seconds until it clears from the scene
    next_report: float = 0.0  # wall time (clock seconds) of the next fix
    course: float | None = None
    moved: bool = False


@dataclass
class StepReport:
    at: datetime
    fixes: int = 0
    appeals: list[str] = field(default_factory=list)
    status_changes: list[tuple[str, str]] = field(default_factory=list)  # (callsign, status)
    refused: int = 0


@dataclass
class SimulatorTotals:
    steps: int = 0
    fixes: int = 0
    appeals: int = 0
    status_changes: int = 0
    refused: int = 0

    def add(self, report: StepReport) -> None:
        self.steps += 1
        self.fixes += report.fixes
        self.appeals += len(report.appeals)
        self.status_changes += len(report.status_changes)
        self.refused += report.refused


class Simulator:
    def __init__(
        self,
        db: Database,
        seed: int = DEFAULT_SEED,
        speed: float = 1.0,
        *,
        clock: Callable[[], datetime] = utcnow,
        per_day: float = 90.0,
        report_every_s: float = 10.0,
        auto_dispatch: bool = False,
        actor: Actor = SIMULATOR,
        old_fixes_at_once: bool = False,
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.db = db
        self.speed = float(speed)
        self.clock = clock
        self.per_day = per_day
        self.report_every_s = report_every_s
        self.auto_dispatch = auto_dispatch
        self.actor = actor
        self.old_fixes_at_once = old_fixes_at_once
        self.rng = random.Random(seed * 31 + 7)
        self.county: County = generate_county(seed)
        self.maker = AppealMaker(self.county, self.rng)
        self.movers: dict[int, Mover] = {}
        self.grids: dict[int, Any] = {}
        self.totals = SimulatorTotals()
        self._pending_dispatch: list[tuple[float, int]] = []  # (simulated seconds left, case id)
        with db.session() as s:
            self._load_grids(s)
        self.travel, self.roads = self._road_network()
        if self.roads is None and self._is_demo_county():
            self.roads = RoadGraph(self.county)
        self.patrol = PatrolPlanner(db)
        self._next_appeal_s = self._appeal_gap()

    # -- set-up ---------------------------------------------------------------------------------------------------

    def _load_grids(self, session: Session) -> None:
        self._grid_codes: set[str] = set()
        for gid, code, geometry in session.execute(select(Grid.id, Grid.code, Grid.geometry)).tuples():
            poly = shape(geometry)
            shapely.prepare(poly)
            self.grids[gid] = poly
            self._grid_codes.add(code)

    def _road_network(self) -> tuple[RoadTravel | None, RoadGraph | None]:
        """The stored road network: dispatched units drive their routed way, patrol cars roam its roads."""
        rules = default_rules()
        with self.db.session() as s:
            model = travel_model(s, rules)
        if not isinstance(model, RoadTravel):
            return None, None
        car = rules.roads.profile_of(UnitKind.PATROL_CAR)
        roads = RoadGraph.of_network(model.graph, model.graph.profile(car)) if car is not None else None
        return model, roads

    def _way_to(self, mover: Mover, lat: float, lon: float) -> list[LatLon]:
        """The way to a case: the routed one over the roads when there is one, else a road-like detour."""
        if self.travel is not None:
            route = self.travel.route(mover.kind, mover.position[0], mover.position[1], lat, lon)
            if route.reachable:
                return [(round(c[1], 6), round(c[0], 6)) for c in route.coordinates[1:]]
        return detour(self.rng, mover.position, (lat, lon), bends=2, wiggle=0.1)

    def _is_demo_county(self) -> bool:
        """The road graph fits only the county of this seed (another county's units wander in their grids)."""
        return self._grid_codes == {g.code for g in self.county.grids}

    def _appeal_gap(self) -> float:
        """Simulated seconds to the next appeal: exponential, at the rate of this hour of the local day."""
        hour = self.clock().astimezone(CHINA_TZ).hour
        rate = self.per_day / 86400.0 * HOURLY_WEIGHTS[hour] * 24 / sum(HOURLY_WEIGHTS)
        return self.rng.expovariate(rate) if rate > 0 else math.inf

    # -- the loop -------------------------------------------------------------------------------------------------

    def run(
        self,
        duration: float | None = None,
        stop_event: threading.Event | None = None,
        *,
        tick_s: float = 1.0,
        on_step: Callable[[StepReport], None] | None = None,
    ) -> SimulatorTotals:
        """Step about once per `tick_s` of wall time until `duration` seconds passed or `stop_event` is set."""
        stop = stop_event or threading.Event()
        started = last = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            if duration is not None and now - started >= duration:
                break
            try:
                report = self.step(now - last if now > last else tick_s)
            except DBAPIError as exc:  # database unreachable for a moment: say so, wait, carry on
                log.warning("simulator step failed, retrying: %s", exc.orig or exc)
                stop.wait(min(30.0, tick_s * 5))
                continue
            last = now
            if on_step:
                on_step(report)
            stop.wait(tick_s)
        return self.totals

    def step(self, dt: float) -> StepReport:
        """Advance the world by `dt` seconds of wall time (`dt × speed` of simulated activity)."""
        now = self.clock()
        report = StepReport(at=now)
        sim_dt = max(0.0, dt) * self.speed
        try:
            self._sync_units()
            for mover in self.movers.values():
                self._advance(mover, sim_dt, report)
            self._report_positions(now, report)
            self._file_appeals(sim_dt, report)
            self._auto_dispatch(sim_dt, report)
        finally:
            # What this step stored before a failure (the database gone in the middle of it) is counted too:
            # the totals say what the database holds, not what the steps that ran to their end did.
            self.totals.add(report)
        return report

    # -- units ----------------------------------------------------------------------------------------------------

    def _sync_units(self) -> None:
        """Read every unit's status (dispatches come from the consoles) and the location of its case."""
        with self.db.session() as s:
            rows = (
                s.execute(
                    select(
                        Unit.id,
                        Unit.callsign,
                        Unit.kind,
                        Unit.status,
                        Unit.lat,
                        Unit.lon,
                        Unit.home_grid_id,
                        Unit.current_case_id,
                        Case.lat,
                        Case.lon,
                        Unit.fix_at,
                    )
                    .outerjoin(Case, Case.id == Unit.current_case_id)
                    .order_by(Unit.id)
                )
                .tuples()
                .all()
            )
        for uid, callsign, kind, status, lat, lon, home, case_id, case_lat, case_lon, fix_at in rows:
            mover = self.movers.get(uid)
            if mover is None:
                if lat is None or lon is None:
                    continue  # never reported a position: the simulator leaves it alone
                mover = Mover(uid, callsign, kind, status, (lat, lon), home)
                now = self.clock().timestamp()
                mover.next_report = now + self.rng.uniform(0, self.report_every_s)
                if self.old_fixes_at_once and (fix_at is None or fix_at.timestamp() < now - self.report_every_s):
                    mover.next_report = now
                self.movers[uid] = mover
            new_dispatch = status == UnitStatus.DISPATCHED and mover.status != status
            rerouted = status in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE) and mover.case_id != case_id
            if new_dispatch or rerouted:
                # A dispatch (from any console, or a re-route): acknowledge shortly, then head for the case.
                mover.case_id = case_id
                mover.ack_in_s = self.rng.uniform(*ACK_S) if status == UnitStatus.DISPATCHED else None
                mover.clear_in_s = None
                mover.pause_s = 0.0
                if case_lat is not None and case_lon is not None:
                    mover.path = Path(self._way_to(mover, case_lat, case_lon))
                else:
                    mover.path = Path()
                mover.speed_kmh = self.rng.uniform(*RESPONSE_SPEED[kind])
            elif status == UnitStatus.AVAILABLE and mover.status != UnitStatus.AVAILABLE:
                mover.case_id = None
                mover.path = Path()  # back to patrol from where it is
                mover.node = None
                mover.ack_in_s = mover.clear_in_s = None
            mover.status = status

    def _set_status(self, mover: Mover, status: UnitStatus, report: StepReport) -> bool:
        try:
            write_transaction(
                self.db.sessions,
                lambda s: dispatch_service.set_unit_status(
                    s, unit_id=mover.unit_id, status=status, actor=self.actor, now=report.at
                ),
            )
        except ServiceError:
            report.refused += 1  # changed meanwhile at a console; the next sync tells us how
            return False
        mover.status = status
        report.status_changes.append((mover.callsign, status.value))
        return True

    def _advance(self, m: Mover, sim_dt: float, report: StepReport) -> None:
        if m.status == UnitStatus.OFF_DUTY:
            return
        if m.status == UnitStatus.DISPATCHED and m.ack_in_s is not None:
            m.ack_in_s -= sim_dt
            if m.ack_in_s <= 0:
                m.ack_in_s = None
                self._set_status(m, UnitStatus.EN_ROUTE, report)
            return
        if m.status == UnitStatus.EN_ROUTE:
            self._move(m, sim_dt)
            if m.path.done and self._set_status(m, UnitStatus.ON_SCENE, report):
                m.clear_in_s = self.rng.uniform(*ON_SCENE_S)
            return
        if m.status == UnitStatus.ON_SCENE:
            if m.clear_in_s is None:
                m.clear_in_s = self.rng.uniform(*ON_SCENE_S)
            m.clear_in_s -= sim_dt
            if m.clear_in_s <= 0:
                m.clear_in_s = None
                case_id = m.case_id
                if self._set_status(m, UnitStatus.AVAILABLE, report):
                    m.case_id = None
                    if self.auto_dispatch and case_id is not None:
                        self._resolve_if_cleared(case_id, report)
            return
        if m.status == UnitStatus.AVAILABLE:
            if m.pause_s > 0:
                m.pause_s -= sim_dt
                return
            if m.path.done:
                self._plan_patrol(m)
            self._move(m, sim_dt)

    def _move(self, m: Mover, sim_dt: float) -> None:
        before = m.position
        m.position, course = m.path.advance(m.position, m.speed_kmh / 3.6 * sim_dt)
        if course is not None:
            m.course = course
        if m.position != before:
            m.moved = True

    def _plan_patrol(self, m: Mover) -> None:
        rng = self.rng
        lo, hi = PATROL_SPEED[m.kind]
        m.speed_kmh = rng.uniform(lo, hi)
        steered = self.patrol.steer(m.unit_id, m.position, self.clock(), rng)
        if steered is not None:  # on a patrol shift, or under a relocation order
            m.path, m.pause_s = steered
            m.node = m.previous_node = None
            return
        if m.kind in ROAD_KINDS and self.roads is not None:
            if m.node is None or m.position != self.roads.nodes.get(m.node):
                node = self.roads.nearest(m.position)
                m.path = Path(detour(rng, m.position, self.roads.nodes[node], bends=1, wiggle=0.1))
                m.previous_node, m.node = None, node
                return
            nxt, points = self.roads.next_leg(rng, m.node, m.previous_node)
            m.path = Path(points)
            m.previous_node, m.node = m.node, nxt
            return
        if m.kind == UnitKind.MEDIATOR and rng.random() < 0.7:
            m.pause_s = rng.uniform(300, 1800)  # mostly at the office or a village committee
            return
        if m.kind == UnitKind.DRONE and rng.random() < 0.6:
            m.pause_s = rng.uniform(600, 2400)  # on its dock between flights
            return
        if m.kind in (UnitKind.FOOT_PATROL, UnitKind.VOLUNTEER_TEAM, UnitKind.GRID_WORKER) and rng.random() < 0.25:
            m.pause_s = rng.uniform(60, 600)  # stops to talk, checks a place
        target = self._point_near(m)
        bends = 0 if m.kind == UnitKind.DRONE else 2
        m.path = Path(detour(rng, m.position, target, bends=bends, wiggle=0.15) if bends else [target])

    def _point_near(self, m: Mover) -> LatLon:
        """A destination: somewhere in the unit's home grid (drones: within about 3 km)."""
        rng = self.rng
        if m.kind == UnitKind.DRONE or m.home_grid_id not in self.grids:
            return (
                round(m.position[0] + rng.uniform(-0.025, 0.025), 6),
                round(m.position[1] + rng.uniform(-0.027, 0.027), 6),
            )
        poly = self.grids[m.home_grid_id]
        min_lon, min_lat, max_lon, max_lat = poly.bounds
        for _ in range(30):
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
            if poly.contains(Point(lon, lat)):
                return round(lat, 6), round(lon, 6)
        c = poly.representative_point()
        return round(c.y, 6), round(c.x, 6)

    # -- positions ------------------------------------------------------------------------------------------------

    def _report_positions(self, now: datetime, report: StepReport) -> None:
        from ..services.positions import Fix, ingest_positions

        wall = now.timestamp()
        fixes = []
        for m in self.movers.values():
            if m.status == UnitStatus.OFF_DUTY or wall < m.next_report:
                continue
            m.next_report = wall + self.report_every_s * self.rng.uniform(0.8, 1.2)
            moving = m.moved and (m.status in (UnitStatus.EN_ROUTE, UnitStatus.AVAILABLE))
            fixes.append(
                Fix(
                    fix_at=now,
                    lat=m.position[0],
                    lon=m.position[1],
                    unit_id=m.unit_id,
                    speed_kmh=round(m.speed_kmh, 1) if moving else 0.0,
                    course=round(m.course, 1) if m.course is not None else None,
                )
            )
            m.moved = False
        if fixes:
            ingest_positions(self.db, fixes, source="simulator", actor=self.actor, now=now)
            report.fixes = len(fixes)

    # -- appeals --------------------------------------------------------------------------------------------------

    def _file_appeals(self, sim_dt: float, report: StepReport) -> None:
        self._next_appeal_s -= sim_dt
        while self._next_appeal_s <= 0:
            appeal = self.maker.make(self.rng)
            req = intake_service.parse_intake(appeal.data, now=report.at)

            def intake(s: Session, req: intake_service.IntakeRequest = req) -> intake_service.IntakeResult:
                return intake_service.create_case(s, req, actor=self.actor, now=report.at)

            try:
                result = write_transaction(self.db.sessions, intake)
            except ServiceError:
                report.refused += 1
            else:
                report.appeals.append(result.case.number)
                if self.auto_dispatch and appeal.lat is not None and appeal.priority in (Priority.RED, Priority.ORANGE):
                    self._pending_dispatch.append((self.rng.uniform(20, 120), result.case.id))
            self._next_appeal_s += self._appeal_gap()

    def _auto_dispatch(self, sim_dt: float, report: StepReport) -> None:
        """With `auto_dispatch`: urgent appeals get the top recommendation after a short while."""
        waiting: list[tuple[float, int]] = []
        for was_left, case_id in self._pending_dispatch:
            left = was_left - sim_dt
            if left > 0:
                waiting.append((left, case_id))
                continue

            def dispatch(s: Session, case_id: int = case_id) -> None:
                dispatch_service.dispatch_nearest(s, case_id=case_id, actor=self.actor, now=report.at)

            try:
                write_transaction(self.db.sessions, dispatch)
            except ServiceError:
                report.refused += 1
        self._pending_dispatch = waiting

    def _resolve_if_cleared(self, case_id: int, report: StepReport) -> None:
        from ..services import cases as case_service
        from .texts import RESOLUTIONS

        def work(s: Session) -> None:
            case = s.get(Case, case_id)
            if case is None or case.status not in (CaseStatus.DISPATCHED, CaseStatus.ON_SCENE):
                return
            if case.cleared_at is None:
                return  # other units still there
            case_service.resolve_case(
                s,
                case_id=case_id,
                resolution=self.rng.choice(RESOLUTIONS[case.category]),
                actor=self.actor,
                now=report.at,
            )

        try:
            write_transaction(self.db.sessions, work)
        except ServiceError:
            report.refused += 1
