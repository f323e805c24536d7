"""What the page shows of units and open cases, and the difference to send when new values arrive.

Rows are compact lists (indices for enums), positions already in the basemap's datum. Kept free of Qt so it can
be measured and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from console.enums import Priority, UnitKind, UnitStatus
from console.geo.gcj02 import wgs84_to_gcj02_np
from console.views import CaseView, UnitView

KIND_INDEX = {k: i for i, k in enumerate(UnitKind)}
STATUS_INDEX = {s: i for i, s in enumerate(UnitStatus)}
PRIORITY_INDEX = {p: i for i, p in enumerate(Priority)}
TEXT_LIMIT = 240

UnitRow = tuple[float, float, int, int, int, str]
CaseRow = tuple[float, float, int, int, str, str, str, str]


def _round(v: float) -> float:
    return round(v, 6)


class PageState:
    """Holds what the page has; `units()`/`cases()` take the full new lists and return only the changes."""

    def __init__(self, *, gcj02: bool, stale_fix_s: float, category_label: Callable[[str], str] = str) -> None:
        self._gcj02 = gcj02
        self._stale_s = stale_fix_s
        self._category_label = category_label
        self.units_shown: dict[int, UnitRow] = {}
        self.cases_shown: dict[int, CaseRow] = {}
        self._unit_views: dict[int, UnitView] = {}

    def reset(self) -> None:
        """The page was (re)loaded: it has nothing."""
        self.units_shown.clear()
        self.cases_shown.clear()
        self._unit_views.clear()

    def _positions(self, lats: list[float], lons: list[float]) -> tuple[list[float], list[float]]:
        if not self._gcj02 or not lats:
            return lats, lons
        g_lat, g_lon = wgs84_to_gcj02_np(np.array(lats), np.array(lons))
        return g_lat.tolist(), g_lon.tolist()

    def units(self, units: Sequence[UnitView], now: datetime) -> dict[str, Any] | None:
        """Hot path (5,000 units several times a second). Views are immutable, so a unit whose view is the very
        object seen last time can only have turned stale; everything else is compared row by row."""
        threshold = now - timedelta(seconds=self._stale_s)
        shown = self.units_shown  # updated in place
        seen = self._unit_views
        new_seen: dict[int, UnitView] = {}
        up: list[list[Any]] = []
        mv: list[float] = []  # flat: id, lat, lon, id, lat, lon, ... (one list, not one per unit)
        hidden: list[int] = []
        changed: list[tuple[UnitView, int]] = []
        off_duty = UnitStatus.OFF_DUTY
        for u in units:
            uid = u.id
            new_seen[uid] = u
            fix = u.fix_at
            stale = 1 if fix is None or fix < threshold else 0
            if seen.get(uid) is u:
                row = shown.get(uid)
                if row is not None and row[4] != stale:
                    row = (*row[:4], stale, row[5])
                    shown[uid] = row
                    up.append([uid, _round(row[0]), _round(row[1]), *row[2:]])
                continue
            if u.lat is None or u.lon is None or u.status is off_duty:
                hidden.append(uid)
                continue
            changed.append((u, stale))
        if changed:
            if self._gcj02:
                lats, lons = self._positions([u.lat for u, _ in changed], [u.lon for u, _ in changed])  # type: ignore[misc]
            else:
                lats = [u.lat for u, _ in changed]  # type: ignore[misc]
                lons = [u.lon for u, _ in changed]  # type: ignore[misc]
            kind_index, status_index = KIND_INDEX, STATUS_INDEX
            for (u, stale), lat, lon in zip(changed, lats, lons, strict=True):
                uid = u.id
                kind = kind_index[u.kind]
                status = status_index[u.status]
                callsign = u.callsign
                before = shown.get(uid)
                if (
                    before is not None
                    and before[2] == kind
                    and before[3] == status
                    and before[4] == stale
                    and before[5] == callsign
                ):
                    if before[0] == lat and before[1] == lon:
                        continue
                    mv.extend((uid, round(lat, 6), round(lon, 6)))
                else:
                    up.append([uid, round(lat, 6), round(lon, 6), kind, status, stale, callsign])
                shown[uid] = (lat, lon, kind, status, stale, callsign)
        rm = [uid for uid in shown if uid not in new_seen]
        rm.extend(uid for uid in hidden if uid in shown)
        for uid in rm:
            del shown[uid]
        self._unit_views = new_seen
        if not (up or mv or rm):
            return None
        out: dict[str, Any] = {}
        if up:
            out["up"] = up
        if mv:
            out["mv"] = mv
        if rm:
            out["rm"] = rm
        return out

    def cases(self, cases: Sequence[CaseView], now: datetime) -> dict[str, Any] | None:
        placed = [c for c in cases if c.lat is not None and c.lon is not None and c.status.is_open]
        lats, lons = self._positions([c.lat for c in placed], [c.lon for c in placed])  # type: ignore[misc]
        new: dict[int, CaseRow] = {}
        for c, lat, lon in zip(placed, lats, lons, strict=True):
            overdue = 1 if c.due_at < now else 0
            text = c.description if len(c.description) <= TEXT_LIMIT else c.description[: TEXT_LIMIT - 1] + "…"
            new[c.id] = (
                _round(lat),
                _round(lon),
                PRIORITY_INDEX[c.priority],
                overdue,
                c.number,
                self._category_label(c.category.value),
                c.address or "",
                text,
            )
        up = [[cid, *row] for cid, row in new.items() if self.cases_shown.get(cid) != row]
        rm = [cid for cid in self.cases_shown if cid not in new]
        self.cases_shown = new
        if not (up or rm):
            return None
        out: dict[str, Any] = {}
        if up:
            out["up"] = up
        if rm:
            out["rm"] = rm
        return out
