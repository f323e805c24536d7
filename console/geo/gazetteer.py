"""The county's gazetteer (标准地址库): standard addresses, landmarks, grids and townships with their coordinates,
and a fuzzy, offline match of a written address against it, so an appeal that arrives from the command line or a
feed with an address but no coordinates gets a place like one chosen from the form's completion list.

Matching, on names folded (case, width, blanks and punctuation removed): the same name; else a name the address is a
part of ("中心小学" → "东河镇中心小学": at least `MIN_WITHIN` characters covering more than `MIN_COVER` of the name),
scored by that share; else a name written inside the address, maybe a character different ("东河镇长途汽车总站门口" →
"长途汽车站"), scored by the share of the name's pairs of adjacent characters found in the address, at least
`MIN_SIMILARITY` (a shared township prefix alone never matches). Places (standard addresses, landmarks) are preferred
to grids, grids to townships (whose point is only their centre), then the higher score, then the longer name.
Townships are not in the database's gazetteer (see `load`). The index is cached per database and rebuilt when the
places or grids change.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Grid, Place

#: The least share of a name's pairs of adjacent characters the address must hold for the name to match.
MIN_SIMILARITY = 0.75
#: Shortest address matched as a part of a longer name, and the share of that name it must cover more than (a township
#: name alone is not a place inside it).
MIN_WITHIN = 3
MIN_COVER = 0.5
#: Shortest gazetteer name matched inside an address (one character matches too much).
MIN_NAME_LENGTH = 2
#: How long an index is trusted before its signature is checked again.
RECHECK_S = 5.0
#: Rank of a kind among names of the same score: places first, then grids, then townships.
_KIND_RANK = {"grid": 1, "township": 2}


@dataclass(frozen=True, slots=True)
class GeoMatch:
    name: str
    kind: str
    lat: float
    lon: float
    score: float  # 1.0 for the same name, less for a partial or fuzzy match
    how: str  # "exact", "contains" (the name inside the address), "within" (the reverse) or "fuzzy"


def fold(text: str) -> str:
    """A name as compared: NFKC (full-width to half-width), case-folded, without blanks and punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} if len(text) > 1 else {text}


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    name: str
    kind: str
    lat: float
    lon: float
    pairs: frozenset[str]


class Gazetteer:
    def __init__(self, entries: Iterable[tuple[str, str, float, float]]) -> None:
        by_key: dict[str, _Entry] = {}
        for name, kind, lat, lon in entries:
            key = fold(name)
            if not key:
                continue
            old = by_key.get(key)
            if old is None or _KIND_RANK.get(kind, 0) < _KIND_RANK.get(old.kind, 0):
                by_key[key] = _Entry(key, name, kind, lat, lon, frozenset(_pairs(key)))
        self.entries = tuple(by_key.values())
        self._by_key = by_key
        self._by_pair: dict[str, list[_Entry]] = {}
        for entry in self.entries:
            for pair in entry.pairs:
                self._by_pair.setdefault(pair, []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, address: str) -> GeoMatch | None:
        key = fold(address)
        if not key:
            return None
        exact = self._by_key.get(key)
        if exact is not None:
            return _found(exact, 1.0, "exact")
        pairs = _pairs(key)
        candidates: set[_Entry] = set()
        for pair in pairs:
            candidates.update(self._by_pair.get(pair, ()))
        best: tuple[tuple[int, float, int, str], _Entry, float] | None = None
        for e in candidates:
            if len(e.key) < MIN_NAME_LENGTH:
                continue
            if len(key) >= MIN_WITHIN and key in e.key:  # the address is a part of the name
                score = len(key) / len(e.key)
                if score <= MIN_COVER:
                    continue
            else:  # the name written inside the address, maybe a character different
                shared = len(pairs & e.pairs)
                score = shared / len(e.pairs)
                if score < MIN_SIMILARITY or shared < 2 and e.key not in key:
                    continue
            rank = (_KIND_RANK.get(e.kind, 0), -score, -len(e.key), e.key)
            if best is None or rank < best[0]:
                best = (rank, e, score)
        if best is None:
            return None
        _, entry, score = best
        how = "contains" if entry.key in key else "within" if key in entry.key else "fuzzy"
        return _found(entry, score, how)


def _found(entry: _Entry, score: float, how: str) -> GeoMatch:
    return GeoMatch(entry.name, entry.kind, entry.lat, entry.lon, round(score, 3), how)


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int, int, int], Gazetteer, float]] = {}


def load(session: Session) -> Gazetteer:
    """Places and grids (at their centre) of the session's database. Townships are left out: the centre of a whole
    township is no place to send a unit to, so an address naming only its township stays without a place (and asks
    for one) rather than being put somewhere wrong."""
    entries: list[tuple[str, str, float, float]] = [
        (name, kind, lat, lon)
        for name, kind, lat, lon in session.execute(select(Place.name, Place.kind, Place.lat, Place.lon))
    ]
    boxes: dict[int, list[float]] = {}
    for name, township_id, min_lat, min_lon, max_lat, max_lon in session.execute(
        select(Grid.name, Grid.township_id, Grid.min_lat, Grid.min_lon, Grid.max_lat, Grid.max_lon)
    ):
        entries.append((name, "grid", (min_lat + max_lat) / 2, (min_lon + max_lon) / 2))
        box = boxes.setdefault(township_id, [min_lat, min_lon, max_lat, max_lon])
        box[0], box[1] = min(box[0], min_lat), min(box[1], min_lon)
        box[2], box[3] = max(box[2], max_lat), max(box[3], max_lon)
    return Gazetteer(entries)


def gazetteer(session: Session) -> Gazetteer:
    """The gazetteer of the session's database, rebuilt only when its places or grids changed."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[2] < RECHECK_S:
            return cached[1]
    places, max_place = session.execute(select(func.count(Place.id), func.coalesce(func.max(Place.id), 0))).one()
    grids, max_grid = session.execute(select(func.count(Grid.id), func.coalesce(func.max(Grid.id), 0))).one()
    signature = (int(places), int(max_place), int(grids), int(max_grid))
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == signature:
            _cache[key] = (signature, cached[1], time.monotonic())
            return cached[1]
    built = load(session)
    with _lock:
        _cache[key] = (signature, built, time.monotonic())
    return built


def forget(session: Session) -> None:
    """Drop the cached gazetteer of the session's database (after an import of places in this process)."""
    with _lock:
        _cache.pop(session.get_bind().engine.url.render_as_string(hide_password=True), None)


def geocode(session: Session, address: str | None) -> GeoMatch | None:
    """The gazetteer's match for a written address, or None."""
    if not address:
        return None
    return gazetteer(session).match(address)
