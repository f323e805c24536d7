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
        # Hot path (5,000 units several times a second): plain loops, raw floats compared, rounding only for rows sent.
        placed = [u for u in units if u.lat is not None and u.lon is not None and u.status is not UnitStatus.OFF_DUTY]
        if self._gcj02:
            lats, lons = self._positions([u.lat for u in placed], [u.lon for u in placed])  # type: ignore[misc]
        else:
            lats = [u.lat for u in placed]  # type: ignore[misc]
            lons = [u.lon for u in placed]  # type: ignore[misc]
        threshold = now - timedelta(seconds=self._stale_s)
        kind_index, status_index = KIND_INDEX, STATUS_INDEX
        old = self.units_shown
        seen = self._unit_views
        new: dict[int, UnitRow] = {}
        new_seen: dict[int, UnitView] = {}
        up: list[list[Any]] = []
        mv: list[list[Any]] = []
        for u, lat, lon in zip(placed, lats, lons, strict=True):
            uid = u.id
            fix = u.fix_at
            stale = 1 if fix is None or fix < threshold else 0
            new_seen[uid] = u
            before = old.get(uid)
            if before is not None and seen.get(uid) is u and before[4] == stale:
                new[uid] = before  # the very same view as last time (views are immutable): nothing to compare
                continue
            row = (lat, lon, kind_index[u.kind], status_index[u.status], stale, u.callsign)
            new[uid] = row
            if before == row:
                continue
            if before is not None and before[2:] == row[2:]:
                mv.append([uid, _round(lat), _round(lon)])
            else:
                up.append([uid, _round(lat), _round(lon), *row[2:]])
        rm = [uid for uid in old if uid not in new]
        self.units_shown = new
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
