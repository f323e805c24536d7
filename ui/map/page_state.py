"""What the page shows of units and open cases, and the difference to send when new values arrive.

Rows are compact lists (indices for enums), positions already in the basemap's datum. Kept free of Qt so it can
be measured and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
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

    def reset(self) -> None:
        """The page was (re)loaded: it has nothing."""
        self.units_shown.clear()
        self.cases_shown.clear()

    def _positions(self, lats: list[float], lons: list[float]) -> tuple[list[float], list[float]]:
        if not self._gcj02 or not lats:
            return lats, lons
        g_lat, g_lon = wgs84_to_gcj02_np(np.array(lats), np.array(lons))
        return g_lat.tolist(), g_lon.tolist()

    def units(self, units: Sequence[UnitView], now: datetime) -> dict[str, Any] | None:
        placed = [u for u in units if u.lat is not None and u.lon is not None and u.status is not UnitStatus.OFF_DUTY]
        lats, lons = self._positions([u.lat for u in placed], [u.lon for u in placed])  # type: ignore[misc]
        new: dict[int, UnitRow] = {}
        for u, lat, lon in zip(placed, lats, lons, strict=True):
            stale = 1 if u.fix_at is None or (now - u.fix_at).total_seconds() > self._stale_s else 0
            new[u.id] = (_round(lat), _round(lon), KIND_INDEX[u.kind], STATUS_INDEX[u.status], stale, u.callsign)
        up: list[list[Any]] = []
        mv: list[list[Any]] = []
        old = self.units_shown
        for uid, row in new.items():
            before = old.get(uid)
            if before == row:
                continue
            if before is not None and before[2:] == row[2:]:
                mv.append([uid, row[0], row[1]])
            else:
                up.append([uid, *row])
        rm = [uid for uid in old if uid not in new]
        self.units_shown = new
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
