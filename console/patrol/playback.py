"""Track playback (轨迹回放): units' tracks over a time range as columnar arrays, their stops and check-ins, the cases
received meanwhile, and compact frames (every unit's position at one moment) for the map's batched channel.

Loading reads the position history by its (unit, time) index with the time as epoch seconds computed in SQL (no
datetime objects per fix). A frame is one vectorised search over all tracks at once: the position is interpolated
between the two fixes around the moment when they are at most 120 s apart, held at the last fix otherwise, and a
unit is left out before its first fix. Frames are `{"t": epoch, "mv": [id, lat, lon, id, lat, lon, …]}`, the live
layer's move format (WGS-84; the map converts datums as it does for live moves).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from ..db.sqlfn import epoch
from ..geo.distance import EARTH_RADIUS_M
from ..models import Case, PatrolCheckin, PatrolShift, PatrolTarget, Position, Unit
from ..services import scope
from ..services.actor import Actor
from ..services.errors import NotFound
from .config import patrol_settings
from .matching import GAP_S

#: A stop: the unit stays within this radius for at least this long.
STOP_RADIUS_M = 30.0
STOP_MIN_S = 120.0


@dataclass(frozen=True)
class Track:
    unit_id: int
    t: NDArray[np.float64]  # epoch seconds, increasing
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    speed_kmh: NDArray[np.float64]  # NaN when not reported

    def __len__(self) -> int:
        return len(self.t)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "t": np.round(self.t, 3).tolist(),
            "lat": np.round(self.lat, 6).tolist(),
            "lon": np.round(self.lon, 6).tolist(),
        }


def load_tracks(session: Session, unit_ids: Sequence[int], start: datetime, end: datetime) -> dict[int, Track]:
    """The stored fixes of these units in [start, end], one statement, as arrays per unit."""
    if not unit_ids:
        return {}
    rows = session.execute(
        select(Position.unit_id, epoch(session, Position.fix_at), Position.lat, Position.lon, Position.speed_kmh)
        .where(Position.unit_id.in_(sorted(set(unit_ids))), Position.fix_at >= start, Position.fix_at <= end)
        .order_by(Position.unit_id, Position.fix_at)
    ).all()
    out: dict[int, Track] = {}
    if not rows:
        return out
    data = np.array([(r[0], r[1], r[2], r[3], np.nan if r[4] is None else r[4]) for r in rows], dtype=np.float64)
    units = data[:, 0].astype(np.int64)
    cuts = np.flatnonzero(np.diff(units)) + 1
    for chunk in np.split(np.arange(len(units)), cuts):
        t = data[chunk, 1]
        keep = np.concatenate(([True], np.diff(t) > 1e-4))  # the same moment twice: keep the first
        idx = chunk[keep]
        uid = int(units[chunk[0]])
        out[uid] = Track(uid, data[idx, 1], data[idx, 2], data[idx, 3], data[idx, 4])
    return out


def unit_track(session: Session, unit_id: int, start: datetime, end: datetime) -> Track:
    tracks = load_tracks(session, [unit_id], start, end)
    empty = np.zeros(0, dtype=np.float64)
    return tracks.get(unit_id, Track(unit_id, empty, empty, empty, empty))


def shift_track(session: Session, shift_id: int, unit_id: int) -> Track:
    """A unit's track during one shift (its window and grace period)."""
    shift = session.get(PatrolShift, shift_id)
    if shift is None:
        raise NotFound("patrol shift", shift_id)
    return unit_track(
        session, unit_id, shift.starts_at, shift.ends_at + timedelta(seconds=patrol_settings().late_grace_s)
    )


@dataclass(frozen=True, slots=True)
class Stop:
    unit_id: int
    start: float
    end: float
    lat: float
    lon: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "from": round(self.start, 3),
            "to": round(self.end, 3),
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
        }


def stops(track: Track, *, radius_m: float = STOP_RADIUS_M, min_s: float = STOP_MIN_S) -> list[Stop]:
    """Where the unit stood still: runs of fixes within `radius_m` of the run's first fix lasting `min_s`."""
    n = len(track)
    out: list[Stop] = []
    if n < 2:
        return out
    ky = EARTH_RADIUS_M * np.pi / 180.0
    kx = ky * np.cos(np.radians(float(track.lat[0])))
    x = track.lon * kx
    y = track.lat * ky
    i = 0
    while i < n - 1:
        j = i + 1
        while (
            j < n
            and (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 <= radius_m**2
            and track.t[j] - track.t[j - 1] <= 3 * GAP_S
        ):
            j += 1
        if track.t[j - 1] - track.t[i] >= min_s:
            out.append(
                Stop(
                    track.unit_id,
                    float(track.t[i]),
                    float(track.t[j - 1]),
                    float(track.lat[i:j].mean()),
                    float(track.lon[i:j].mean()),
                )
            )
            i = j
        else:
            i += 1
    return out


class Frames:
    """Every unit's position at any moment of the loaded range, from one flat set of arrays."""

    def __init__(self, tracks: dict[int, Track]) -> None:
        self.unit_ids = np.array(sorted(tracks), dtype=np.int64)
        parts = [tracks[int(u)] for u in self.unit_ids]
        lengths = np.array([len(p) for p in parts], dtype=np.int64)
        self.first = np.concatenate(([0], np.cumsum(lengths)[:-1])) if parts else np.zeros(0, dtype=np.int64)
        self.last = self.first + lengths - 1
        self.t = np.concatenate([p.t for p in parts]) if parts else np.zeros(0)
        self.lat = np.concatenate([p.lat for p in parts]) if parts else np.zeros(0)
        self.lon = np.concatenate([p.lon for p in parts]) if parts else np.zeros(0)
        # One sorted key for all: unit rank × a span longer than any range, plus the time since the range began.
        self.t0 = float(self.t.min()) if len(self.t) else 0.0
        self.span = float(self.t.max() - self.t0 + 10.0) if len(self.t) else 1.0
        ranks = np.repeat(np.arange(len(parts), dtype=np.float64), lengths)
        self.keys = ranks * self.span + (self.t - self.t0)

    def positions(self, moment: float) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """(unit ids, lats, lons) of the units that had reported by `moment`."""
        n = len(self.unit_ids)
        if n == 0:
            empty = np.zeros(0)
            return self.unit_ids, empty, empty
        rel = min(max(moment - self.t0, -1.0), self.span - 5.0)  # stay inside each unit's stretch of the keys
        query = np.arange(n, dtype=np.float64) * self.span + rel
        j = np.searchsorted(self.keys, query, side="right") - 1
        seen = j >= self.first
        j = np.clip(j, self.first, self.last)
        k = np.minimum(j + 1, self.last)
        dt = self.t[k] - self.t[j]
        move = (k > j) & (dt <= GAP_S) & (dt > 0)
        f = np.where(move, (moment - self.t[j]) / np.where(dt > 0, dt, 1.0), 0.0)
        f = np.clip(f, 0.0, 1.0)
        lat = self.lat[j] + (self.lat[k] - self.lat[j]) * f
        lon = self.lon[j] + (self.lon[k] - self.lon[j]) * f
        return self.unit_ids[seen], lat[seen], lon[seen]

    def frame(self, moment: float) -> dict[str, Any]:
        ids, lats, lons = self.positions(moment)
        flat = np.empty(3 * len(ids), dtype=np.float64)
        flat[0::3] = ids
        flat[1::3] = np.round(lats, 6)
        flat[2::3] = np.round(lons, 6)
        mv = flat.tolist()
        mv[0::3] = ids.tolist()
        return {"t": round(moment, 3), "mv": mv}

    def frame_json(self, moment: float) -> str:
        """The frame as the compact JSON text the map's channel carries."""
        return json.dumps(self.frame(moment), separators=(",", ":"))


@dataclass(frozen=True)
class PlaybackData:
    start: datetime
    end: datetime
    tracks: dict[int, Track]
    callsigns: dict[int, str]
    stops: list[Stop]
    checkins: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    frames: Frames = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "units": [
                {"unit_id": u, "callsign": self.callsigns.get(u), "fixes": len(t), **t.as_dict()}
                for u, t in sorted(self.tracks.items())
            ],
            "stops": [s.as_dict() for s in self.stops],
            "checkins": self.checkins,
            "cases": self.cases,
        }


def playback(
    session: Session, unit_ids: Sequence[int], start: datetime, end: datetime, *, actor: Actor | None = None
) -> PlaybackData:
    """Everything the playback of these units over [start, end] shows. A scoped `actor`: only its own units (a unit
    outside is refused with `OutOfScope`), and only its scope's cases received meanwhile."""
    if actor is not None and actor.scoped:
        for unit_id in sorted(set(unit_ids)):
            scope.check_unit(session, actor, unit_id)
    tracks = load_tracks(session, unit_ids, start, end)
    callsigns = dict(session.execute(select(Unit.id, Unit.callsign).where(Unit.id.in_(list(unit_ids)))).tuples().all())
    all_stops = [s for t in tracks.values() for s in stops(t)]
    checkins = [
        {
            "unit_id": c.unit_id,
            "target_id": c.target_id,
            "target": name,
            "kind": kind.value,
            "lat": lat,
            "lon": lon,
            "arrived": c.arrived_at.timestamp(),
            "left": c.left_at.timestamp(),
            "late": c.late,
        }
        for c, name, kind, lat, lon in session.execute(
            select(PatrolCheckin, PatrolTarget.name, PatrolTarget.kind, PatrolTarget.lat, PatrolTarget.lon)
            .join(PatrolTarget, PatrolTarget.id == PatrolCheckin.target_id)
            .where(
                PatrolCheckin.unit_id.in_(list(unit_ids)),
                PatrolCheckin.arrived_at <= end,
                PatrolCheckin.left_at >= start,
            )
            .order_by(PatrolCheckin.arrived_at)
        ).tuples()
    ]
    cases = [
        {
            "number": number,
            "received": received.timestamp(),
            "lat": lat,
            "lon": lon,
            "category": category.value,
            "priority": priority.value,
        }
        for number, received, lat, lon, category, priority in session.execute(
            select(Case.number, Case.received_at, Case.lat, Case.lon, Case.category, Case.priority)
            .where(
                Case.received_at >= start,
                Case.received_at <= end,
                Case.lat.is_not(None),
                scope.case_filter(actor) if actor is not None else true(),
            )
            .order_by(Case.received_at)
        ).tuples()
    ]
    return PlaybackData(start, end, tracks, callsigns, all_stops, checkins, cases, Frames(tracks))
