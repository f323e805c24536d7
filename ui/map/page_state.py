"""What the page shows of units and open cases, and the rows to send for the ones that changed.

The console's live state says which ids changed (`LiveDiff`); this turns only those into page rows: a position
change of a unit the page already draws the same way becomes a compact move (`mv`), anything else it shows an update
(`up`), and a view that changed in nothing the page shows (a unit's current case, say) sends nothing. Fixes age and
deadlines pass without new data: `recheck=True` also looks at every shown unit's fix time and every shown case's
deadline (the widget asks for that every few seconds).

Rows are compact lists (indices for enums), positions already in the basemap's datum and in whole millionths of a
degree (`to_micro`: about 0.1 m; integers are a third of the work of floats to write as JSON and to compare, and the
page divides them back). Kept free of Qt so it can be measured and tested alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import numpy as np

from console.enums import Priority, UnitKind, UnitStatus
from console.geo.gcj02 import wgs84_to_gcj02_np
from console.views import CaseView, UnitView

KIND_INDEX = {k: i for i, k in enumerate(UnitKind)}
STATUS_INDEX = {s: i for i, s in enumerate(UnitStatus)}
PRIORITY_INDEX = {p: i for i, p in enumerate(Priority)}
TEXT_LIMIT = 240

V = TypeVar("V", UnitView, CaseView)
#: Positions in rows: whole millionths of a degree.
MICRO = 1_000_000
UnitRow = tuple[int, int, int, int, int, str]  # lat, lon (millionths), kind, status, stale, callsign
CaseRow = tuple[int, int, int, int, str, str, str, str]  # lat, lon (millionths), priority, overdue, number, …


def to_micro(lats: Sequence[float], lons: Sequence[float], *, gcj02: bool) -> tuple[list[int], list[int]]:
    """WGS-84 positions as the page gets them: in the basemap's datum, in whole millionths of a degree (rounded
    half to even, as `round(x * 1e6)`)."""
    if not lats:
        return [], []
    lat, lon = np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    if gcj02:
        lat, lon = wgs84_to_gcj02_np(lat, lon)
    return np.rint(lat * MICRO).astype(np.int64).tolist(), np.rint(lon * MICRO).astype(np.int64).tolist()


def _batch(up: list[Any], mv: list[Any], rm: list[int]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if up:
        out["up"] = up
    if mv:
        out["mv"] = mv
    if rm:
        out["rm"] = rm
    return out or None


class PageState:
    """Holds what the page has; `units()`/`cases()` take the changed views and removed ids, return the rows to send."""

    def __init__(self, *, gcj02: bool, stale_fix_s: float, category_label: Callable[[str], str] = str) -> None:
        self._gcj02 = gcj02
        self._stale_s = stale_fix_s
        self._category_label = category_label
        self.units_shown: dict[int, UnitRow] = {}
        self.cases_shown: dict[int, CaseRow] = {}
        self._fix_at: dict[int, datetime | None] = {}  # of each shown unit, to see it turn stale
        self._due_at: dict[int, datetime] = {}  # of each shown case, to see it turn overdue

    def reset(self) -> None:
        """The page was (re)loaded: it has nothing."""
        self.units_shown.clear()
        self.cases_shown.clear()
        self._fix_at.clear()
        self._due_at.clear()

    def _place(
        self,
        changed: Sequence[V],
        removed: Iterable[int],
        shown: dict[int, Any],
        times: dict[int, Any],
        shows: Callable[[V], bool],
    ) -> tuple[list[V], list[int], list[int], list[int]]:
        """The changed views the page draws (with a position, and `shows` true) with their positions as the page
        gets them (`to_micro`), and the shown ids to take off the page (removed, or no longer drawn); those are forgotten."""
        rm = [item_id for item_id in removed if item_id in shown]
        placed: list[V] = []
        lats: list[float] = []
        lons: list[float] = []
        for view in changed:
            lat, lon = view.lat, view.lon
            if lat is None or lon is None or not shows(view):
                if view.id in shown:
                    rm.append(view.id)
            else:
                placed.append(view)
                lats.append(lat)
                lons.append(lon)
        for item_id in rm:
            shown.pop(item_id, None)
            times.pop(item_id, None)
        return (placed, *to_micro(lats, lons, gcj02=self._gcj02), rm)

    # -- units ----------------------------------------------------------------------------------------------------

    def units(
        self, changed: Sequence[UnitView], removed: Iterable[int], now: datetime, *, recheck: bool = False
    ) -> dict[str, Any] | None:
        """Rows for the changed units (hot path: a few hundred units several times a second), removals, and with
        `recheck` every shown unit whose fix turned stale since."""
        threshold = now - timedelta(seconds=self._stale_s)
        shown, fix_at = self.units_shown, self._fix_at
        up: list[list[Any]] = []
        mv: list[int] = []  # flat: id, lat, lon, id, lat, lon, ... (one list, not one per unit)
        off_duty = UnitStatus.OFF_DUTY
        placed, lats, lons, rm = self._place(changed, removed, shown, fix_at, lambda u: u.status is not off_duty)
        if placed:
            kind_index, status_index = KIND_INDEX, STATUS_INDEX
            # Hot loop (5,000 units in a full batch): no temporary tuples for the comparison, only plain fields.
            for u, lat, lon in zip(placed, lats, lons, strict=True):
                uid, fix = u.id, u.fix_at
                fix_at[uid] = fix
                stale = 1 if fix is None or fix < threshold else 0
                kind, status, callsign = kind_index[u.kind], status_index[u.status], u.callsign
                before = shown.get(uid)
                if (
                    before is not None
                    and before[4] == stale
                    and before[3] == status
                    and before[2] == kind
                    and before[5] == callsign
                ):
                    if before[0] == lat and before[1] == lon:
                        continue
                    mv += (uid, lat, lon)
                else:
                    up.append([uid, lat, lon, kind, status, stale, callsign])
                shown[uid] = (lat, lon, kind, status, stale, callsign)
        if recheck:
            up.extend(self._restale(threshold, skip={u.id for u in placed}))
        return _batch(up, mv, rm)

    def _restale(self, threshold: datetime, skip: set[int]) -> list[list[Any]]:
        rows: list[list[Any]] = []
        shown = self.units_shown
        for uid, fix in self._fix_at.items():
            stale = 1 if fix is None or fix < threshold else 0
            row = shown[uid]
            if row[4] != stale and uid not in skip:
                row = (*row[:4], stale, row[5])
                shown[uid] = row
                rows.append([uid, *row])
        return rows

    # -- cases ----------------------------------------------------------------------------------------------------

    def cases(
        self, changed: Sequence[CaseView], removed: Iterable[int], now: datetime, *, recheck: bool = False
    ) -> dict[str, Any] | None:
        """Rows for the changed open cases with a place, removals (closed, moved out of view), and with `recheck`
        every shown case whose deadline passed since."""
        shown, due_at = self.cases_shown, self._due_at
        placed, lats, lons, rm = self._place(changed, removed, shown, due_at, lambda c: c.status.is_open)
        up: list[list[Any]] = []
        for c, lat, lon in zip(placed, lats, lons, strict=True):
            row = self._case_row(c, lat, lon, now)
            due_at[c.id] = c.due_at
            if shown.get(c.id) != row:
                shown[c.id] = row
                up.append([c.id, *row])
        if recheck:
            done = {c.id for c in placed}
            for cid, due in due_at.items():
                row = shown[cid]
                overdue = 1 if due < now else 0
                if row[3] != overdue and cid not in done:
                    row = (*row[:3], overdue, *row[4:])
                    shown[cid] = row
                    up.append([cid, *row])
        return _batch(up, [], rm)

    def _case_row(self, c: CaseView, lat: int, lon: int, now: datetime) -> CaseRow:
        text = c.description if len(c.description) <= TEXT_LIMIT else c.description[: TEXT_LIMIT - 1] + "…"
        return (
            lat,
            lon,
            PRIORITY_INDEX[c.priority],
            1 if c.due_at < now else 0,
            c.number,
            self._category_label(c.category.value),
            c.address or "",
            text,
        )
