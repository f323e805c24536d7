"""Matching one unit's fixes against one shift's targets: a state machine fed fix by fix, in time order.

The definitions (DESIGN and the README's patrol section):

- point: visited in the window when a unit of the plan has fixes inside the radius (on it counts) spanning at least
  `dwell_s`, first to last fix of one stay; a stay is broken by a fix outside the radius or a gap over 120 s;
- route: covered when `min_share` of its samples (every 10 m) lies within `buffer_m` of the team's track in the
  window (consecutive fixes joined unless more than 120 s apart; a lone fix covers around itself);
- area: met when the team spends `min_minutes` inside it in the window, time being the union over the team's units of
  [t, t + min(gap, 120 s)] for each pair of consecutive fixes both inside, clipped to the window.

Only fixes from the window's start to the end of its grace period are fed. A target not met in the window but met
when the grace period is counted too is *late*. `UnitTrack` is one unit's state in one shift; it is what the
matcher stores between batches (`as_json` / `from_json`) so that the next fix carries on where the last one left
off, and `compute_shift` feeds whole fix lists into fresh tracks: the from-scratch answer the incremental one must
equal. Fixes must come strictly after the track's last one; the caller recomputes from scratch when they do not.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import shapely

from ..enums import TargetKind
from ..geo.distance import haversine_m
from .targets import AreaSpec, PointSpec, RouteSpec, TargetSpec

#: A stay is broken, and two fixes are not joined into track, when they are more than this many seconds apart.
GAP_S = 120.0
#: Tolerance of the comparisons (a fix exactly on the radius, a dwell of exactly `dwell_s`).
EPS = 1e-6

#: (epoch seconds, lat, lon, grid id or None)
FixTuple = tuple[float, float, float, int | None]


class OutOfOrder(Exception):
    """A fix not after the track's last one: the caller must recompute the track from all its fixes."""


@dataclass(frozen=True)
class ShiftSpec:
    """What the matcher needs of a shift: its window (epoch seconds) and its targets."""

    id: int
    start: float
    end: float
    grace_end: float
    points: tuple[PointSpec, ...] = ()
    areas: tuple[AreaSpec, ...] = ()
    routes: tuple[RouteSpec, ...] = ()

    @classmethod
    def of(cls, shift_id: int, start: float, end: float, grace_end: float, targets: Iterable[TargetSpec]) -> ShiftSpec:
        items = sorted(targets, key=lambda t: t.id)
        return cls(
            shift_id,
            start,
            end,
            grace_end,
            tuple(t for t in items if isinstance(t, PointSpec)),
            tuple(t for t in items if isinstance(t, AreaSpec)),
            tuple(t for t in items if isinstance(t, RouteSpec)),
        )

    @property
    def targets(self) -> tuple[TargetSpec, ...]:
        return (*self.points, *self.areas, *self.routes)

    def kind_of(self, target: TargetSpec) -> TargetKind:
        if isinstance(target, PointSpec):
            return TargetKind.POINT
        return TargetKind.AREA if isinstance(target, AreaSpec) else TargetKind.ROUTE


# -- per-unit state -----------------------------------------------------------------------------------------------


class PointState:
    __slots__ = ("best", "open_last", "open_start", "stays")

    def __init__(self) -> None:
        self.open_start: float | None = None
        self.open_last: float | None = None
        self.best = -1.0  # longest stay inside the window (seconds); -1 when there was none
        self.stays: list[list[float]] = []  # [start, end, qualified_at] of stays that reached the dwell

    def copy(self) -> PointState:
        twin = PointState()
        twin.open_start, twin.open_last, twin.best = self.open_start, self.open_last, self.best
        # Only the last stay can still grow: the earlier ones are shared, never written again.
        twin.stays = self.stays[:-1] + [list(self.stays[-1])] if self.stays else []
        return twin

    def as_json(self) -> list[Any]:
        return [self.open_start, self.open_last, self.best, self.stays]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> PointState:
        state = cls()
        state.open_start, state.open_last, state.best = data[0], data[1], float(data[2])
        state.stays = [list(s) for s in data[3]]
        return state


class AreaState:
    __slots__ = ("intervals", "prev_in")

    def __init__(self) -> None:
        self.prev_in: float | None = None  # time of the previous fix when it was inside
        self.intervals: list[list[float]] = []  # merged [from, to] counted inside

    def copy(self) -> AreaState:
        twin = AreaState()
        twin.prev_in = self.prev_in
        # Only the last interval can still grow: the earlier ones are shared, never written again.
        twin.intervals = self.intervals[:-1] + [list(self.intervals[-1])] if self.intervals else []
        return twin

    def as_json(self) -> list[Any]:
        return [self.prev_in, self.intervals]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> AreaState:
        state = cls()
        state.prev_in = data[0]
        state.intervals = [list(i) for i in data[1]]
        return state


class RouteState:
    __slots__ = ("first", "last", "span", "window")

    def __init__(self) -> None:
        self.window = 0  # bit set of samples covered inside the window
        self.span = 0  # ... inside the window or its grace period
        self.first: float | None = None  # when this unit first covered some of the route
        self.last: float | None = None

    def copy(self) -> RouteState:
        twin = RouteState()
        twin.window, twin.span, twin.first, twin.last = self.window, self.span, self.first, self.last
        return twin

    def as_json(self) -> list[Any]:
        return [format(self.window, "x"), format(self.span, "x"), self.first, self.last]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> RouteState:
        state = cls()
        state.window, state.span = int(data[0], 16), int(data[1], 16)
        state.first, state.last = data[2], data[3]
        return state


@dataclass
class UnitTrack:
    """One unit's part in one shift."""

    last_t: float | None = None
    last_lat: float = 0.0
    last_lon: float = 0.0
    fixes: int = 0  # inside the window
    first_t: float | None = None  # first fix inside the window
    last_w: float | None = None  # last fix inside the window
    distance: float = 0.0  # metres between consecutive fixes inside the window
    grids: set[int] = field(default_factory=set)  # grids of its fixes inside the window
    points: dict[int, PointState] = field(default_factory=dict)
    areas: dict[int, AreaState] = field(default_factory=dict)
    routes: dict[int, RouteState] = field(default_factory=dict)
    # Targets whose state this track changed since it was forked (their states are its own copies); not stored.
    own: set[int] = field(default_factory=set, compare=False, repr=False)

    def fork(self) -> UnitTrack:
        """A track to feed further that shares the unchanged target states with this one (copy on write): this one
        stays as it was, the fork's `own` says which targets the new fixes changed."""
        return UnitTrack(
            self.last_t,
            self.last_lat,
            self.last_lon,
            self.fixes,
            self.first_t,
            self.last_w,
            self.distance,
            set(self.grids),
            dict(self.points),
            dict(self.areas),
            dict(self.routes),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "l": None if self.last_t is None else [self.last_t, self.last_lat, self.last_lon],
            "n": self.fixes,
            "f": self.first_t,
            "w": self.last_w,
            "d": self.distance,
            "g": sorted(self.grids),
            "p": {str(k): v.as_json() for k, v in self.points.items()},
            "a": {str(k): v.as_json() for k, v in self.areas.items()},
            "r": {str(k): v.as_json() for k, v in self.routes.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UnitTrack:
        track = cls()
        last = data.get("l")
        if last is not None:
            track.last_t, track.last_lat, track.last_lon = float(last[0]), float(last[1]), float(last[2])
        track.fixes = int(data.get("n", 0))
        track.first_t = data.get("f")
        track.last_w = data.get("w")
        track.distance = float(data.get("d", 0.0))
        track.grids = set(data.get("g", ()))
        track.points = {int(k): PointState.from_json(v) for k, v in data.get("p", {}).items()}
        track.areas = {int(k): AreaState.from_json(v) for k, v in data.get("a", {}).items()}
        track.routes = {int(k): RouteState.from_json(v) for k, v in data.get("r", {}).items()}
        return track

    @property
    def empty(self) -> bool:
        return self.last_t is None


# -- feeding fixes ------------------------------------------------------------------------------------------------


def advance(track: UnitTrack, shift: ShiftSpec, fixes: Iterable[FixTuple]) -> None:
    """Feed fixes (in time order, each after the track's last) of this unit inside [start, grace_end]."""
    for t, lat, lon, grid in fixes:
        prev_t = track.last_t
        if prev_t is not None and t <= prev_t:
            raise OutOfOrder(f"fix at {t} is not after {prev_t}")
        in_window = t <= shift.end
        joined = prev_t is not None and t - prev_t <= GAP_S
        if in_window:
            if prev_t is not None:
                track.distance += haversine_m(track.last_lat, track.last_lon, lat, lon)
            track.fixes += 1
            if track.first_t is None:
                track.first_t = t
            track.last_w = t
            if grid is not None:
                track.grids.add(grid)
        for p in shift.points:
            _point(track, p, t, lat, lon, in_window, joined)
        for a in shift.areas:
            _area(track, a, t, lat, lon)
        for r in shift.routes:
            _route(track, r, t, lat, lon, in_window, joined, prev_t)
        track.last_t, track.last_lat, track.last_lon = t, lat, lon


S = TypeVar("S", PointState, AreaState, RouteState)


def _owned(track: UnitTrack, states: dict[int, S], target_id: int, make: Callable[[], S]) -> S:
    """The target's state, ready to change: made when new, copied once when shared with the track it forked from."""
    state = states.get(target_id)
    if state is None:
        state = states[target_id] = make()
    elif target_id not in track.own:
        state = states[target_id] = state.copy()
    track.own.add(target_id)
    return state


def _point(track: UnitTrack, p: PointSpec, t: float, lat: float, lon: float, in_window: bool, joined: bool) -> None:
    state = track.points.get(p.id)
    inside = (
        p.min_lat <= lat <= p.max_lat
        and p.min_lon <= lon <= p.max_lon
        and haversine_m(lat, lon, p.lat, p.lon) <= p.radius + EPS
    )
    if not inside:
        if state is not None and state.open_start is not None:
            state = _owned(track, track.points, p.id, PointState)
            state.open_start = state.open_last = None
        return
    state = _owned(track, track.points, p.id, PointState)
    if state.open_start is None or not joined:
        state.open_start = t  # the previous fix was outside, or too long ago: a new stay
    state.open_last = t
    dwell = t - state.open_start
    if in_window and dwell > state.best:
        state.best = dwell
    if dwell >= p.dwell - EPS:
        stays = state.stays
        if stays and stays[-1][0] == state.open_start:
            stays[-1][1] = t
        else:
            stays.append([state.open_start, t, t])


def _area(track: UnitTrack, a: AreaSpec, t: float, lat: float, lon: float) -> None:
    inside = (
        a.min_lat <= lat <= a.max_lat
        and a.min_lon <= lon <= a.max_lon
        and bool(shapely.intersects_xy(a.polygon, lon, lat))
    )
    state = track.areas.get(a.id)
    if not inside:
        if state is not None and state.prev_in is not None:
            state = _owned(track, track.areas, a.id, AreaState)
            state.prev_in = None
        return
    state = _owned(track, track.areas, a.id, AreaState)
    if state.prev_in is not None:
        start = state.prev_in
        end = start + min(t - start, GAP_S)
        intervals = state.intervals
        if intervals and start <= intervals[-1][1]:
            intervals[-1][1] = max(intervals[-1][1], end)
        else:
            intervals.append([start, end])
    state.prev_in = t


def _route(
    track: UnitTrack,
    r: RouteSpec,
    t: float,
    lat: float,
    lon: float,
    in_window: bool,
    joined: bool,
    prev_t: float | None,
) -> None:
    if joined:
        plat, plon = track.last_lat, track.last_lon
        if max(plat, lat) < r.min_lat or min(plat, lat) > r.max_lat:
            return
        if max(plon, lon) < r.min_lon or min(plon, lon) > r.max_lon:
            return
    else:
        plat, plon = lat, lon
        if not (r.min_lat <= lat <= r.max_lat and r.min_lon <= lon <= r.max_lon):
            return
    frame = r.route.frame
    ax, ay = frame.xy(plat, plon)
    bx, by = frame.xy(lat, lon)
    bits = r.covered(ax, ay, bx, by)
    if not bits:
        return
    state = _owned(track, track.routes, r.id, RouteState)
    if in_window:
        state.window |= bits
    state.span |= bits
    if state.first is None:
        state.first = prev_t if joined and prev_t is not None else t
    state.last = t


# -- results ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetResult:
    """What the team achieved at one target of one shift."""

    target_id: int
    kind: TargetKind
    due: float  # seconds of dwell (point), metres (route), seconds inside (area)
    achieved: float  # inside the window: best stay (s), metres covered, seconds inside
    met: bool
    late: bool
    visits: int
    first_at: float | None
    last_at: float | None


@dataclass(frozen=True, slots=True)
class Checkin:
    target_id: int
    n: int
    arrived: float
    left: float
    dwell: float
    covered_m: float | None
    late: bool


def _measure(intervals: list[list[float]], lo: float, hi: float) -> float:
    """Length of the union of sorted, merged intervals inside [lo, hi]."""
    total = 0.0
    for a, b in intervals:
        start, end = max(a, lo), min(b, hi)
        if end > start:
            total += end - start
    return total


def _merge(per_unit: list[list[list[float]]]) -> list[list[float]]:
    """The union of the units' intervals (each unit's list is sorted and merged already)."""
    if len(per_unit) == 1:
        return per_unit[0]
    merged: list[list[float]] = []
    for a, b in heapq.merge(*per_unit, key=lambda i: i[0]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def due_of(target: TargetSpec) -> float:
    if isinstance(target, PointSpec):
        return target.dwell
    if isinstance(target, AreaSpec):
        return target.min_s
    return target.length_m


def aggregate(shift: ShiftSpec, tracks: Iterable[UnitTrack], only: set[int] | None = None) -> dict[int, TargetResult]:
    """The team's result at every target of the shift (or at the targets `only`), from its units' tracks."""
    tracks = list(tracks)
    out: dict[int, TargetResult] = {}
    for p in shift.points:
        if only is not None and p.id not in only:
            continue
        points = [ps for tr in tracks if (ps := tr.points.get(p.id)) is not None]
        best = max((ps.best for ps in points), default=-1.0)
        stays = [st for ps in points for st in ps.stays]
        met = best >= 0 and best >= p.dwell - EPS
        out[p.id] = TargetResult(
            p.id,
            TargetKind.POINT,
            p.dwell,
            max(0.0, best),
            met,
            not met and bool(stays),
            len(stays),
            min((st[0] for st in stays), default=None),
            max((st[1] for st in stays), default=None),
        )
    for a in shift.areas:
        if only is not None and a.id not in only:
            continue
        per_unit = [ar.intervals for tr in tracks if (ar := tr.areas.get(a.id)) is not None and ar.intervals]
        merged = _merge(per_unit)
        pieces = [i for unit in per_unit for i in unit if i[1] > i[0]]
        spent = _measure(merged, shift.start, shift.end)
        spent_grace = _measure(merged, shift.start, shift.grace_end)
        met = spent >= a.min_s - EPS
        out[a.id] = TargetResult(
            a.id,
            TargetKind.AREA,
            a.min_s,
            spent,
            met,
            not met and spent_grace >= a.min_s - EPS,
            len(pieces),
            min((i[0] for i in pieces), default=None),
            max((i[1] for i in pieces), default=None),
        )
    for r in shift.routes:
        if only is not None and r.id not in only:
            continue
        routes = [rs for tr in tracks if (rs := tr.routes.get(r.id)) is not None]
        window = span = 0
        for rs in routes:
            window |= rs.window
            span |= rs.span
        n = max(1, r.count)
        share = window.bit_count() / n
        met = share >= r.min_share - EPS
        out[r.id] = TargetResult(
            r.id,
            TargetKind.ROUTE,
            r.length_m,
            share * r.length_m,
            met,
            not met and span.bit_count() / n >= r.min_share - EPS,
            len(routes),
            min((rs.first for rs in routes if rs.first is not None), default=None),
            max((rs.last for rs in routes if rs.last is not None), default=None),
        )
    return out


def checkins(shift: ShiftSpec, track: UnitTrack, only: set[int] | None = None) -> list[Checkin]:
    """One unit's check-ins in the shift (at the targets `only`), in target order then time order."""
    out: list[Checkin] = []
    for p in shift.points:
        if only is not None and p.id not in only:
            continue
        state = track.points.get(p.id)
        if state is not None:
            for n, (start, end, qualified) in enumerate(state.stays):
                out.append(Checkin(p.id, n, start, end, end - start, None, qualified > shift.end))
    for a in shift.areas:
        if only is not None and a.id not in only:
            continue
        area = track.areas.get(a.id)
        if area is not None:
            pieces = [i for i in area.intervals if i[1] > i[0]]
            for n, (start, end) in enumerate(pieces):
                out.append(Checkin(a.id, n, start, end, end - start, None, start > shift.end))
    for r in shift.routes:
        if only is not None and r.id not in only:
            continue
        route = track.routes.get(r.id)
        if route is not None and route.first is not None and route.last is not None:
            covered = route.span.bit_count() / max(1, r.count) * r.length_m
            out.append(
                Checkin(r.id, 0, route.first, route.last, route.last - route.first, covered, route.first > shift.end)
            )
    return out


@dataclass(frozen=True)
class ShiftOutcome:
    tracks: dict[int, UnitTrack]
    results: dict[int, TargetResult]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.results.values())

    def checkins(self, shift: ShiftSpec) -> dict[int, list[Checkin]]:
        return {unit: checkins(shift, track) for unit, track in self.tracks.items()}


def compute_shift(shift: ShiftSpec, fixes_by_unit: Mapping[int, Iterable[FixTuple]]) -> ShiftOutcome:
    """From scratch: every unit's fixes (any order; duplicates of a time kept once) → tracks and results."""
    tracks: dict[int, UnitTrack] = {}
    for unit, fixes in fixes_by_unit.items():
        ordered: dict[float, FixTuple] = {}
        for fix in sorted(fixes, key=lambda f: f[0]):
            if shift.start <= fix[0] <= shift.grace_end:
                ordered.setdefault(fix[0], fix)
        if not ordered:
            continue
        track = UnitTrack()
        advance(track, shift, ordered.values())
        tracks[unit] = track
    return ShiftOutcome(tracks, aggregate(shift, tracks.values()))


def is_close(a: float | None, b: float | None, tol: float = 1e-6) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0.0, abs_tol=tol)
