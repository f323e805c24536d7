"""Check-ins from the position stream: the fixes of each ingest batch matched against the shifts running then.

Called by the ingest service inside its transaction, after the batch's positions are stored, so positions and what
they prove commit together. For every (shift, unit) the batch touches, the unit's stored track state carries on with
the new fixes (`matching.advance`); a fix not after the state's last one (a feed catching up, a backfill, an
import), or a first fix of a unit that already has stored fixes in the window, makes the matcher recompute that
unit's track from the stored positions of the window instead, so the result is always the from-scratch one. Only
the targets a fix changed are looked at again (tracks are copied on write and know them): the team's result there is
aggregated over the units' tracks, compared with what it was, and the changed rows written — the tracks, the
check-ins (insert, update, delete by key), the shift's targets, the shift's counts and sums, the grids visited; one
`patrol_progress` event names the shifts whose figures changed.

A track row keeps the last fix and the counts in plain columns, rewritten at every batch (driver-level executemany),
and its JSON state only when a target or a grid changed; a reader overlays the columns on the state. The tracks a
process wrote are kept in its memory once committed and used while the row's `revision` is still the one written
(another process's write makes them stale, and the row is read instead). On PostgreSQL the shift's track rows are
locked (`FOR UPDATE`, in key order) when their revisions are read, so two processes ingesting for the same team
serialise; on SQLite the ingest's first write already holds the database's write lock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Float, Integer, Table, and_, bindparam, delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db.sqlfn import epoch
from ..enums import EventKind, TargetKind
from ..events import record_event
from ..geo.gridindex import grid_index
from ..models import (
    PatrolCheckin,
    PatrolPlan,
    PatrolPlanUnit,
    PatrolShift,
    PatrolShiftGrid,
    PatrolShiftTarget,
    PatrolShiftUnit,
    PatrolTarget,
    Position,
)
from ..patrol.config import patrol_settings
from ..patrol.matching import (
    Checkin,
    FixTuple,
    ShiftSpec,
    TargetResult,
    UnitTrack,
    advance,
    aggregate,
    checkins,
    is_close,
)
from ..patrol.schedule import local_day
from ..patrol.targets import TargetSpec, compile_row
from .actor import SYSTEM, Actor
from .patrol_shifts import ensure_days

#: How long the team index is trusted before its signature is read again (plans change rarely).
RECHECK_S = 2.0


# -- per-database caches ------------------------------------------------------------------------------------------


@dataclass
class _Index:
    signature: tuple[int, int, int, int]
    unit_plans: dict[int, tuple[int, ...]]
    checked_at: float
    targets: dict[int, TargetSpec] = field(default_factory=dict)  # target rows never change
    shift_targets: dict[int, tuple[int, ...]] = field(default_factory=dict)  # what a shift is due never changes
    specs: dict[int, ShiftSpec] = field(default_factory=dict)  # nor its window


_lock = threading.Lock()
_indexes: dict[str, _Index] = {}
#: Tracks as this process last wrote them, by database: (shift, unit) → (revision, track). A cached track is used
#: only while the stored revision is the one it was written with (another process's write makes it stale).
_tracks: dict[str, dict[tuple[int, int], tuple[int, UnitTrack]]] = {}
TRACK_CACHE_MAX = 50_000
_STAGED = "patrol_tracks"


@event.listens_for(Session, "after_commit")
def _publish_tracks(session: Session) -> None:
    """Tracks written in a transaction become this process's cache only once it committed."""
    staged = session.info.pop(_STAGED, None)
    if not staged:
        return
    with _lock:
        for key, tracks in staged.items():
            cache = _tracks.setdefault(key, {})
            if len(cache) + len(tracks) > TRACK_CACHE_MAX:
                cache.clear()
            cache.update(tracks)


@event.listens_for(Session, "after_rollback")
def _drop_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)


def _key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def _signature(session: Session) -> tuple[int, int, int, int]:
    plans = session.execute(
        select(
            func.count(PatrolPlan.id),
            func.coalesce(func.max(PatrolPlan.id), 0),
            func.coalesce(func.sum(PatrolPlan.version), 0),
        )
    ).one()
    members = session.scalar(select(func.count()).select_from(PatrolPlanUnit)) or 0
    return int(plans[0]), int(plans[1]), int(plans[2]), int(members)


def _index(session: Session) -> _Index:
    key = _key(session)
    with _lock:
        cached = _indexes.get(key)
        if cached is not None and time.monotonic() - cached.checked_at < RECHECK_S:
            return cached
    signature = _signature(session)
    with _lock:
        cached = _indexes.get(key)
        if cached is not None and cached.signature == signature:
            cached.checked_at = time.monotonic()
            return cached
    unit_plans: dict[int, list[int]] = {}
    for plan_id, unit_id in session.execute(select(PatrolPlanUnit.plan_id, PatrolPlanUnit.unit_id)).tuples():
        unit_plans.setdefault(unit_id, []).append(plan_id)
    index = _Index(signature, {u: tuple(sorted(p)) for u, p in unit_plans.items()}, time.monotonic())
    if cached is not None:
        index.targets, index.shift_targets, index.specs = cached.targets, cached.shift_targets, cached.specs
    with _lock:
        _indexes[key] = index
    return index


def forget_patrol_index(session: Session) -> None:
    """Drop this process's cached teams (after a plan is saved here, so the next batch sees it at once)."""
    with _lock:
        _indexes.pop(_key(session), None)
        _tracks.pop(_key(session), None)


# -- the shifts a batch touches -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shift:
    id: int
    plan_id: int
    start: float  # epoch seconds
    end: float
    grace_end: float

    @property
    def starts_at(self) -> datetime:
        return datetime.fromtimestamp(self.start, UTC)


def _load_shifts(session: Session, where: Any) -> dict[int, _Shift]:
    """The shifts matching `where`, their windows as epoch seconds computed by the database (no datetimes)."""
    grace = patrol_settings().late_grace_s
    out: dict[int, _Shift] = {}
    for shift_id, plan_id, raw_start, raw_end in session.execute(
        select(
            PatrolShift.id,
            PatrolShift.plan_id,
            epoch(session, PatrolShift.starts_at),
            epoch(session, PatrolShift.ends_at),
        ).where(where)
    ).tuples():
        # julianday() arithmetic lands a hair off whole seconds on SQLite: windows start on whole minutes.
        start, end = round(raw_start, 3), round(raw_end, 3)
        out[shift_id] = _Shift(shift_id, plan_id, start, end, end + grace)
    return out


def _specs(session: Session, index: _Index, shifts: Mapping[int, _Shift]) -> dict[int, ShiftSpec]:
    known = index.specs
    if all(s in known and known[s].grace_end == shifts[s].grace_end for s in shifts):
        return {s: known[s] for s in shifts}
    missing = [s for s in shifts if s not in index.shift_targets]
    if missing:
        pairs: dict[int, list[int]] = {s: [] for s in missing}
        for shift_id, target_id in session.execute(
            select(PatrolShiftTarget.shift_id, PatrolShiftTarget.target_id).where(
                PatrolShiftTarget.shift_id.in_(missing)
            )
        ).tuples():
            pairs[shift_id].append(target_id)
        for shift_id, targets in pairs.items():
            index.shift_targets[shift_id] = tuple(sorted(targets))
    wanted = {t for s in shifts for t in index.shift_targets[s]}
    unknown = [t for t in wanted if t not in index.targets]
    if unknown:
        for row in session.scalars(select(PatrolTarget).where(PatrolTarget.id.in_(unknown))):
            index.targets[row.id] = compile_row(row)
    out = {
        s.id: ShiftSpec.of(s.id, s.start, s.end, s.grace_end, (index.targets[t] for t in index.shift_targets[s.id]))
        for s in shifts.values()
    }
    if len(known) > 20_000:
        known.clear()
    known.update(out)
    return out


# -- public entry points --------------------------------------------------------------------------------------------


@dataclass
class MatchReport:
    pairs: int = 0  # (shift, unit) tracks advanced or recomputed
    recomputed: int = 0
    checkins_written: int = 0
    checkins_removed: int = 0
    shifts_changed: list[int] = field(default_factory=list)
    event_id: int | None = None


def match_ingested(
    session: Session,
    rows: Sequence[Mapping[str, Any]],
    previous: Mapping[int, datetime | None],
    *,
    now: datetime,
    actor: Actor = SYSTEM,
) -> MatchReport:
    """Match the fixes just stored (`rows`: unit_id, fix_at, lat, lon), given each unit's last fix before them."""
    if not rows:
        return MatchReport()
    index = _index(session)
    if not index.unit_plans:
        return MatchReport()
    by_unit: dict[int, list[tuple[float, float, float]]] = {}
    for row in rows:
        unit = row["unit_id"]
        if unit in index.unit_plans:
            by_unit.setdefault(unit, []).append((row["fix_at"].timestamp(), float(row["lat"]), float(row["lon"])))
    if not by_unit:
        return MatchReport()
    for fixes in by_unit.values():
        fixes.sort()
    t_min = min(f[0][0] for f in by_unit.values())
    t_max = max(f[-1][0] for f in by_unit.values())
    # A shift belongs to the day its window starts; a window may run into the next day (and its grace period on).
    first_day, last_day = local_day(t_min) - timedelta(days=1), local_day(t_max)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    ensure_days(session, days, now=now, rematch=False)
    plan_ids = sorted({p for u in by_unit for p in index.unit_plans[u]})
    shifts = _load_shifts(session, and_(PatrolShift.plan_id.in_(plan_ids), PatrolShift.day.in_(days)))
    by_plan: dict[int, list[_Shift]] = {}
    for shift in shifts.values():
        if shift.grace_end >= t_min:
            by_plan.setdefault(shift.plan_id, []).append(shift)
    work: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for unit, fixes in by_unit.items():
        for plan in index.unit_plans[unit]:
            for shift in by_plan.get(plan, ()):
                chosen = [f for f in fixes if shift.start <= f[0] <= shift.grace_end]
                if chosen:
                    work[(shift.id, unit)] = chosen
    if not work:
        return MatchReport()
    touched = {s for s, _ in work}
    return _apply(session, index, {s: shifts[s] for s in touched}, work, previous, now=now, actor=actor)


def rematch_shifts(session: Session, shift_ids: Iterable[int], *, now: datetime, actor: Actor = SYSTEM) -> MatchReport:
    """Recompute these shifts from the stored positions of their team (and of any unit already matched in them)."""
    ids = sorted(set(shift_ids))
    if not ids:
        return MatchReport()
    index = _index(session)
    shifts = _load_shifts(session, PatrolShift.id.in_(ids))
    team: dict[int, set[int]] = {}
    for plan_id, unit_id in session.execute(
        select(PatrolPlanUnit.plan_id, PatrolPlanUnit.unit_id).where(
            PatrolPlanUnit.plan_id.in_({s.plan_id for s in shifts.values()})
        )
    ).tuples():
        team.setdefault(plan_id, set()).add(unit_id)
    for shift_id, unit_id in session.execute(
        select(PatrolShiftUnit.shift_id, PatrolShiftUnit.unit_id).where(PatrolShiftUnit.shift_id.in_(ids))
    ).tuples():
        team.setdefault(shifts[shift_id].plan_id, set()).add(unit_id)
    recompute = {(s.id, u) for s in shifts.values() for u in team.get(s.plan_id, ())}
    return _apply(session, index, shifts, {}, {}, now=now, actor=actor, recompute=recompute)


def match_loaded(
    session: Session,
    fixes: Mapping[tuple[int, int], list[tuple[float, float, float]]],
    *,
    now: datetime,
    actor: Actor = SYSTEM,
    record: bool = True,
) -> MatchReport:
    """Tracks of these (shift, unit) pairs from the given fixes (epoch s, lat, lon), which must be ALL the unit's
    stored fixes in the shift — a bulk load (the demo's history) stores them and hands them here rather than the
    matcher reading them back. `record=False` leaves out the progress event (a history written out of time order)."""
    if not fixes:
        return MatchReport()
    index = _index(session)
    shifts = _load_shifts(session, PatrolShift.id.in_(sorted({s for s, _ in fixes})))
    work = {pair: sorted(f) for pair, f in fixes.items() if f}
    return _apply(session, index, shifts, work, {}, now=now, actor=actor, record=record)


# -- the work -------------------------------------------------------------------------------------------------------


def _grids_for(
    session: Session, work: Mapping[tuple[int, int], list[tuple[float, float, float]]], specs: Mapping[int, ShiftSpec]
) -> dict[tuple[int, int], list[FixTuple]]:
    """The fixes of every pair with the grid of those inside their shift's window (one vectorised lookup)."""
    inside = [(pair, f) for pair, fixes in work.items() for f in fixes if f[0] <= specs[pair[0]].end]
    grids = grid_index(session).locate_ids([f[1] for _, f in inside], [f[2] for _, f in inside]) if inside else []
    found = {(pair, f[0]): g for (pair, f), g in zip(inside, grids, strict=True)}
    return {pair: [(t, lat, lon, found.get((pair, t))) for t, lat, lon in fixes] for pair, fixes in work.items()}


def _stored_fixes(session: Session, unit_id: int, shift: _Shift) -> list[tuple[float, float, float]]:
    rows = session.execute(
        select(Position.fix_at, Position.lat, Position.lon)
        .where(
            Position.unit_id == unit_id,
            Position.fix_at >= shift.starts_at,
            Position.fix_at <= datetime.fromtimestamp(shift.grace_end, UTC),
        )
        .order_by(Position.fix_at, Position.id)
    ).tuples()
    out: list[tuple[float, float, float]] = []
    for fix_at, lat, lon in rows:
        t = fix_at.timestamp()
        if not out or t > out[-1][0]:
            out.append((t, lat, lon))
    return out


def _insert(session: Session, model: Any) -> Any:
    return postgresql.insert(model) if session.get_bind().dialect.name == "postgresql" else sqlite.insert(model)


def _stored_tracks(
    session: Session, shift_ids: list[int], pairs: set[tuple[int, int]]
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], UnitTrack]]:
    """Every track of these shifts: revisions (rows locked on PostgreSQL) and states, from this process's cache
    where the revision still matches, else read and parsed."""
    key = _key(session)
    staged = session.info.get(_STAGED, {}).get(key, {})
    with _lock:
        everything = _tracks.get(key, {})
        cached = {p: everything[p] for p in pairs if p in everything}
    unknown = sorted(p for p in pairs if p not in staged and p not in cached)
    if unknown:  # rows this process has not written yet (a known row exists: it was written and committed)
        session.connection().execute(
            _insert(session, PatrolShiftUnit).on_conflict_do_nothing(index_elements=["shift_id", "unit_id"]),
            [
                {"shift_id": s, "unit_id": u, "fixes": 0, "distance_m": 0.0, "state": {}, "revision": 0}
                for s, u in unknown
            ],
        )
    query = (
        select(PatrolShiftUnit.shift_id, PatrolShiftUnit.unit_id, PatrolShiftUnit.revision)
        .where(PatrolShiftUnit.shift_id.in_(shift_ids))
        .order_by(PatrolShiftUnit.shift_id, PatrolShiftUnit.unit_id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    revisions = {(s, u): r for s, u, r in session.execute(query).tuples()}
    missing = [p for p in pairs if p not in revisions]
    if missing:  # known to this process but gone (the shift was remade): make the rows again and read them
        session.connection().execute(
            _insert(session, PatrolShiftUnit).on_conflict_do_nothing(index_elements=["shift_id", "unit_id"]),
            [
                {"shift_id": s, "unit_id": u, "fixes": 0, "distance_m": 0.0, "state": {}, "revision": 0}
                for s, u in missing
            ],
        )
        revisions = {(s, u): r for s, u, r in session.execute(query).tuples()}
    with _lock:
        everything = _tracks.get(key, {})
        cached.update((p, everything[p]) for p in revisions if p in everything and p not in cached)
    tracks: dict[tuple[int, int], UnitTrack] = {}
    unread: list[tuple[int, int]] = []
    for pair, revision in revisions.items():
        hit = staged.get(pair) or cached.get(pair)
        if hit is not None and hit[0] == revision:
            tracks[pair] = hit[1]
        elif revision > 0:
            unread.append(pair)
    if unread:
        wanted = set(unread)
        for row in session.execute(
            select(
                PatrolShiftUnit.shift_id,
                PatrolShiftUnit.unit_id,
                PatrolShiftUnit.state,
                PatrolShiftUnit.fixes,
                PatrolShiftUnit.distance_m,
                PatrolShiftUnit.first_t,
                PatrolShiftUnit.last_w,
                PatrolShiftUnit.last_t,
                PatrolShiftUnit.last_lat,
                PatrolShiftUnit.last_lon,
            ).where(PatrolShiftUnit.shift_id.in_(sorted({s for s, _ in unread})))
        ):
            if (row.shift_id, row.unit_id) not in wanted or row.last_t is None:
                continue
            track = UnitTrack.from_json(row.state or {})
            # The counts and the last fix are always current in their columns; the state may be older.
            track.fixes, track.distance = row.fixes, row.distance_m
            track.first_t, track.last_w = row.first_t, row.last_w
            track.last_t, track.last_lat, track.last_lon = row.last_t, row.last_lat, row.last_lon
            tracks[(row.shift_id, row.unit_id)] = track
    return revisions, tracks


def _apply(
    session: Session,
    index: _Index,
    shifts: Mapping[int, _Shift],
    work: Mapping[tuple[int, int], list[tuple[float, float, float]]],
    previous: Mapping[int, datetime | None],
    *,
    now: datetime,
    actor: Actor,
    recompute: set[tuple[int, int]] | None = None,
    record: bool = True,
) -> MatchReport:
    report = MatchReport()
    specs = _specs(session, index, shifts)
    recompute = set(recompute or ())
    revisions, old = _stored_tracks(session, sorted(shifts), set(work) | recompute)
    new: dict[tuple[int, int], UnitTrack] = {}
    incremental: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for pair, fixes in work.items():
        before = old.get(pair)
        if before is None:
            last = previous.get(pair[1])
            if last is not None and last.timestamp() >= specs[pair[0]].start:
                recompute.add(pair)  # stored fixes in the window this state never saw
            else:
                incremental[pair] = fixes
        elif before.last_t is None or fixes[0][0] <= before.last_t:
            recompute.add(pair)
        else:
            incremental[pair] = fixes
    for pair, located in _grids_for(session, incremental, specs).items():
        before = old.get(pair)
        track = before.fork() if before is not None else UnitTrack()
        advance(track, specs[pair[0]], located)
        new[pair] = track
    for pair in sorted(recompute):
        shift_id, unit = pair
        spec = specs[shift_id]
        fixes = _stored_fixes(session, unit, shifts[shift_id])
        if not fixes and pair not in old:
            continue
        track = UnitTrack()
        advance(track, spec, _grids_for(session, {pair: fixes}, specs)[pair])
        track.own = {t.id for t in spec.targets}  # everything may have changed
        new[pair] = track
        report.recomputed += 1
    report.pairs = len(new)
    if not new:
        return report
    _write_tracks(session, specs, old, new, revisions, report)
    _write_results(session, specs, shifts, old, new, now, report)
    if report.shifts_changed and record:
        event_row = record_event(
            session,
            EventKind.PATROL_PROGRESS,
            actor=actor.name,
            ts=now,
            payload={"shift_ids": report.shifts_changed},
        )
        report.event_id = event_row.id
    return report


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _checkin_row(shift_id: int, unit_id: int, c: Checkin) -> dict[str, Any]:
    return {
        "k_shift": shift_id,
        "k_target": c.target_id,
        "k_unit": unit_id,
        "k_n": c.n,
        "v_arrived": _dt(c.arrived),
        "v_left": _dt(c.left),
        "v_dwell": c.dwell,
        "v_covered": c.covered_m,
        "v_late": c.late,
    }


#: Tables for key-addressed Core statements (executemany without the ORM's per-row work).
CHECKINS = cast(Table, PatrolCheckin.__table__)
SHIFTS = cast(Table, PatrolShift.__table__)

_CHECKIN_KEY = and_(
    CHECKINS.c.shift_id == bindparam("k_shift"),
    CHECKINS.c.target_id == bindparam("k_target"),
    CHECKINS.c.unit_id == bindparam("k_unit"),
    CHECKINS.c.n == bindparam("k_n"),
)
_CHECKIN_UPDATE = (
    update(CHECKINS)
    .where(_CHECKIN_KEY)
    .values(
        arrived_at=bindparam("v_arrived"),
        left_at=bindparam("v_left"),
        dwell_s=bindparam("v_dwell"),
        covered_m=bindparam("v_covered"),
        late=bindparam("v_late"),
    )
)
_CHECKIN_DELETE = delete(CHECKINS).where(_CHECKIN_KEY)
#: The columns written at every batch for each track, then its key (the hottest statements: driver-level executemany,
#: no per-row work in SQLAlchemy; every value is a plain number).
_TRACK_COLUMNS = ("fixes", "distance_m", "first_t", "last_w", "last_t", "last_lat", "last_lon", "revision")


def _track_sql(session: Session, *, with_state: bool) -> str:
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    sets = [f"{c} = {mark}" for c in _TRACK_COLUMNS]
    if with_state:
        sets.append(f"state = CAST({mark} AS json)" if mark == "%s" else f"state = {mark}")
    return f"UPDATE patrol_shift_units SET {', '.join(sets)} WHERE shift_id = {mark} AND unit_id = {mark}"


_RESULT_COLUMNS = ("achieved", "met", "late", "visits", "first_t", "last_t")


def _result_sql(session: Session) -> str:
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    sets = ", ".join(f"{c} = {mark}" for c in _RESULT_COLUMNS)
    return f"UPDATE patrol_shift_targets SET {sets} WHERE shift_id = {mark} AND target_id = {mark}"


_SHIFT_UPDATE = (
    update(SHIFTS)
    .where(SHIFTS.c.id == bindparam("k_id"))
    .values(
        targets_met=SHIFTS.c.targets_met + bindparam("v_met", type_=Integer),
        targets_late=SHIFTS.c.targets_late + bindparam("v_late", type_=Integer),
        points_met=SHIFTS.c.points_met + bindparam("v_points", type_=Integer),
        route_m_covered=SHIFTS.c.route_m_covered + bindparam("v_route", type_=Float),
        area_s_spent=SHIFTS.c.area_s_spent + bindparam("v_area", type_=Float),
        version=SHIFTS.c.version + 1,
        updated_at=bindparam("v_now"),
    )
)


def _same_checkin(a: Checkin, b: Checkin) -> bool:
    return (
        is_close(a.arrived, b.arrived)
        and is_close(a.left, b.left)
        and is_close(a.covered_m, b.covered_m, 1e-3)
        and a.late == b.late
    )


def _write_tracks(
    session: Session,
    specs: Mapping[int, ShiftSpec],
    old: Mapping[tuple[int, int], UnitTrack],
    new: Mapping[tuple[int, int], UnitTrack],
    revisions: Mapping[tuple[int, int], int],
    report: MatchReport,
) -> None:
    track_rows: list[tuple[Any, ...]] = []
    move_rows: list[tuple[Any, ...]] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    staged = session.info.setdefault(_STAGED, {}).setdefault(_key(session), {})
    for pair in sorted(new):
        shift_id, unit_id = pair
        spec = specs[shift_id]
        track = new[pair]
        before = old.get(pair)
        revision = revisions.get(pair, 0) + 1
        values = (
            track.fixes,
            track.distance,
            track.first_t,
            track.last_w,
            track.last_t,
            track.last_lat,
            track.last_lon,
            revision,
        )
        if before is None or track.own or track.grids != before.grids:
            track_rows.append((*values, json.dumps(track.as_json(), separators=(",", ":")), shift_id, unit_id))
        else:
            move_rows.append((*values, shift_id, unit_id))
        touched = track.own
        was = {(c.target_id, c.n): c for c in checkins(spec, before, touched)} if before and touched else {}
        now_in = {(c.target_id, c.n): c for c in checkins(spec, track, touched)} if touched else {}
        for key, c in now_in.items():
            prior = was.get(key)
            if prior is None:
                inserts.append(_checkin_row(shift_id, unit_id, c))
            elif not _same_checkin(prior, c):
                updates.append(_checkin_row(shift_id, unit_id, c))
        for key, c in was.items():
            if key not in now_in:
                deletes.append(_checkin_row(shift_id, unit_id, c))
        for grid in sorted(track.grids - (before.grids if before is not None else set())):
            grids.append({"shift_id": shift_id, "grid_id": grid})
        staged[pair] = (revision, track)
    conn = session.connection()
    if track_rows:
        conn.exec_driver_sql(_track_sql(session, with_state=True), track_rows)
    if move_rows:
        conn.exec_driver_sql(_track_sql(session, with_state=False), move_rows)
    if deletes:
        conn.execute(_CHECKIN_DELETE, deletes)
    if updates:
        conn.execute(_CHECKIN_UPDATE, updates)
    if inserts:
        conn.execute(
            insert(CHECKINS),
            [
                {
                    "shift_id": r["k_shift"],
                    "target_id": r["k_target"],
                    "unit_id": r["k_unit"],
                    "n": r["k_n"],
                    "arrived_at": r["v_arrived"],
                    "left_at": r["v_left"],
                    "dwell_s": r["v_dwell"],
                    "covered_m": r["v_covered"],
                    "late": r["v_late"],
                }
                for r in inserts
            ],
        )
    if grids:
        conn.execute(_insert(session, PatrolShiftGrid).on_conflict_do_nothing(), grids)
    report.checkins_written = len(inserts) + len(updates)
    report.checkins_removed = len(deletes)


def _same_result(a: TargetResult, b: TargetResult) -> bool:
    return (
        a.met == b.met
        and a.late == b.late
        and a.visits == b.visits
        and is_close(a.achieved, b.achieved, 1e-3)
        and is_close(a.first_at, b.first_at)
        and is_close(a.last_at, b.last_at)
    )


def _write_results(
    session: Session,
    specs: Mapping[int, ShiftSpec],
    shifts: Mapping[int, _Shift],
    old: Mapping[tuple[int, int], UnitTrack],
    new: Mapping[tuple[int, int], UnitTrack],
    now: datetime,
    report: MatchReport,
) -> None:
    """The team's result at each target a new fix touched, against what it was (the same aggregate over the tracks
    as they were, which is what is stored); the shift's counts of targets met and late."""
    before_of: dict[int, dict[int, UnitTrack]] = {}
    for (shift_id, unit_id), track in old.items():
        before_of.setdefault(shift_id, {})[unit_id] = track
    after_of: dict[int, dict[int, UnitTrack]] = {}
    touched: dict[int, set[int]] = {}
    for (shift_id, unit_id), track in new.items():
        touched.setdefault(shift_id, set()).update(track.own)
        after_of.setdefault(shift_id, {})[unit_id] = track
    result_rows: list[tuple[Any, ...]] = []
    shift_rows: list[dict[str, Any]] = []
    for shift_id in sorted(touched):
        targets = touched[shift_id]
        if not targets:
            continue
        spec = specs[shift_id]
        before_tracks = before_of.get(shift_id, {})
        after_tracks = {**before_tracks, **after_of[shift_id]}
        was = aggregate(spec, before_tracks.values(), targets)
        now_is = aggregate(spec, after_tracks.values(), targets)
        changed = False
        delta = dict.fromkeys(("met", "late", TargetKind.POINT, TargetKind.ROUTE, TargetKind.AREA), 0.0)
        for target_id, r in now_is.items():
            prior = was[target_id]
            if _same_result(prior, r):
                continue
            changed = True
            delta["met"] += int(r.met) - int(prior.met)
            delta["late"] += int(r.late) - int(prior.late)
            if r.kind == TargetKind.POINT:
                delta[r.kind] += int(r.met) - int(prior.met)
            else:
                delta[r.kind] += min(r.achieved, r.due) - min(prior.achieved, prior.due)
            result_rows.append((r.achieved, r.met, r.late, r.visits, r.first_at, r.last_at, shift_id, target_id))
        if any(delta.values()):
            shift_rows.append(
                {
                    "k_id": shift_id,
                    "v_met": int(delta["met"]),
                    "v_late": int(delta["late"]),
                    "v_points": int(delta[TargetKind.POINT]),
                    "v_route": delta[TargetKind.ROUTE],
                    "v_area": delta[TargetKind.AREA],
                    "v_now": now,
                }
            )
        if changed:
            report.shifts_changed.append(shift_id)
    conn = session.connection()
    if result_rows:
        conn.exec_driver_sql(_result_sql(session), result_rows)
    if shift_rows:
        conn.execute(_SHIFT_UPDATE, shift_rows)
