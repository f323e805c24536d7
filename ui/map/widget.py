"""The live map widget: the folium base page loaded by URL from app://, live layers fed as JSON batches over
the web channel, clicks and the right-click menu coming back as signals.

It is a `MapView`: the console hands it the live state's diffs (`apply_units` / `apply_cases`: which ids changed,
and the dicts of views). The ids wait in two pending sets until the next batch; batches go out at most every
`MIN_BATCH_INTERVAL_MS` (the first change after a quiet spell at once) — the one throttle between the change feed and
the page. A batch carries rows only for the pending ids (`PageState`), never the whole list."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.enums import Category, Priority, UnitKind, UnitStatus
from console.geo.basemap import BasemapConfig
from console.geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from console.geo.mbtiles import MBTiles
from console.live import LiveDiff
from console.timeutil import utcnow
from console.views import CaseView, GridView, Recommendation, TownshipView, UnitView
from ui.i18n.formats import format_distance, format_eta
from ui.labels import label

from .bridge import MapBridge
from .guard import RequestGuard
from .overlays import Datum, frame_row, playback_rows, reach_rows, route_row, site_rows, target_rows
from .page_builder import PAGE_URL, PageTexts, build_page
from .page_state import PageState
from .schemes import APP_SCHEME, TILES_SCHEME, AppSchemeHandler, TileSchemeHandler

log = logging.getLogger(__name__)

MIN_BATCH_INTERVAL_MS = 250  # at most ~4 batches a second
#: Pending units and cases are turned into rows this many at a time (500 case rows take 3-5 ms, so a batch stops
#: close to its budget); a batch takes slices until it has used
#: `BATCH_CPU_MS` of the interface thread's processor time (its own work: a busy machine does not make batches
#: smaller). What is left of a big change (the first snapshot of 10,000 open cases) goes out in the following turns
#: of the event loop, so that no batch holds the interface for long, while a batch of moves (5,000 units: a few
#: milliseconds) goes out whole, as one message the page draws once.
SLICE_ROWS = 500
BATCH_CPU_MS = 15.0
#: Each slice's rows are turned into JSON as they are taken, so the budget counts that too; handing the text to the
#: page (the web channel copies and wraps it) costs about this much processor time per character, learnt from the
#: batches sent, and a batch keeps room for it (without it a batch of case rows built for 15 ms took 15-20 ms more).
SEND_S_PER_CHAR_START = 2e-9
#: Fixes age and deadlines pass without new data: every so often the shown units and cases are looked at again.
RECHECK_INTERVAL_MS = 5000


class _Page(QWebEnginePage):
    """Navigation stays on the app's page: links and scripts cannot take the view anywhere else."""

    def acceptNavigationRequest(self, url: QUrl | str, nav_type: QWebEnginePage.NavigationType, is_main: bool) -> bool:
        return QUrl(url).scheme() == "app"

    def createWindow(self, _type: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:  # type: ignore[override]
        return None  # no pop-up windows: the map never opens one

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        log.debug("map page: %s (%s:%d)", message, source, line)


class MapWidget(QWidget):
    unitClicked = Signal(int)
    caseClicked = Signal(int)
    newAppealRequested = Signal(float, float)
    pageReady = Signal()
    batchApplied = Signal(int)
    playbackSent = Signal()  # a playback layer went to the page (it is built off the interface thread)
    _playbackBuilt = Signal(int, str)  # generation, the layer's JSON text (from the building thread)

    def __init__(
        self, basemap: BasemapConfig, parent: QWidget | None = None, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        super().__init__(parent)
        self.basemap = basemap
        self._clock = clock
        self._view = QWebEngineView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        # The profile must outlive its page: it becomes the page's child below, so it is deleted right after the
        # page's own destructor has run, whenever and however the page goes.
        self._profile = QWebEngineProfile()
        origins = frozenset({basemap.tile_origin}) if basemap.tile_origin else frozenset()
        self._guard = RequestGuard(origins, self._profile)
        self._profile.setUrlRequestInterceptor(self._guard)
        self._app_handler = AppSchemeHandler(self._profile)
        self._profile.installUrlSchemeHandler(APP_SCHEME, self._app_handler)
        self._store = MBTiles(basemap.mbtiles) if basemap.mbtiles is not None else None
        self._tile_handler = TileSchemeHandler(self._store, self._profile)
        self._profile.installUrlSchemeHandler(TILES_SCHEME, self._tile_handler)

        self._page = _Page(self._profile, self._view)
        self._profile.setParent(self._page)
        self._bridge = MapBridge(self)
        self._channel = QWebChannel(self._page)
        self._channel.registerObject("bridge", self._bridge)
        self._page.setWebChannel(self._channel)
        self._view.setPage(self._page)

        self._bridge.readied.connect(self._on_ready)
        self._bridge.selected.connect(self._on_selected)
        self._bridge.context_menu.connect(self._on_context_menu)
        self._bridge.batch_applied.connect(self.batchApplied)

        self._category_labels: dict[str, str] = {}
        self._state = PageState(
            gcj02=basemap.datum == "gcj02",
            stale_fix_s=basemap.stale_fix_s,
            category_label=self._category_label,
        )
        self._ready = False
        self._units: Mapping[int, UnitView] = {}
        self._cases: Mapping[int, CaseView] = {}
        # Ids changed or removed since the last batch (a removed id is in `_*_gone` only).
        self._units_pending: set[int] = set()
        self._units_gone: set[int] = set()
        self._cases_pending: set[int] = set()
        self._cases_gone: set[int] = set()
        self._recheck = False
        self._datum = Datum(basemap.datum == "gcj02")
        self._frame: dict[str, Any] | None = None  # the latest playback frame, drawn with the next batch
        self._playback_generation = 0
        self._playbackBuilt.connect(self._on_playback_built)
        self._queued: list[dict[str, Any] | str] = []  # commands waiting for the page
        self._wall = False  # the wall's map: no layer list, no zoom buttons
        self._seq = 0
        self._last_flush = 0.0
        self._send_s_per_char = SEND_S_PER_CHAR_START  # learnt from the big batches sent (see `flush`)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        # Fixes age without any new data: look again now and then so stale units turn grey (and cases overdue).
        self._stale_timer = QTimer(self)
        self._stale_timer.setInterval(RECHECK_INTERVAL_MS)
        self._stale_timer.timeout.connect(self._recheck_stale)
        self._stale_timer.start()

    # ---- public API ----------------------------------------------------------------------------------------

    @property
    def view(self) -> QWebEngineView:
        return self._view

    @property
    def blocked_requests(self) -> list[str]:
        """Every request the page tried outside the app's own schemes (all of them were blocked)."""
        return self._guard.blocked

    @property
    def tile_stats(self) -> tuple[int, int]:
        return self._tile_handler.served, self._tile_handler.missing

    @property
    def is_ready(self) -> bool:
        return self._ready

    def set_county(
        self, townships: Sequence[TownshipView], grids: Sequence[GridView], boundary: dict[str, Any] | None
    ) -> None:
        """Build the base page and load it (by URL, through the app scheme)."""
        self._load(build_page(self.basemap, townships, grids, boundary, self._texts()))

    def _load(self, html: str) -> None:
        self._category_labels.clear()
        self._app_handler.set_page(html)
        self._ready = False
        self._everything_pending()
        self._view.load(QUrl(PAGE_URL))

    def _everything_pending(self) -> None:
        """The page has nothing (a new page): every unit and case goes in the next batch."""
        self._state.reset()
        self._units_pending = set(self._units)
        self._cases_pending = set(self._cases)
        self._units_gone.clear()
        self._cases_gone.clear()

    def apply_units(self, diff: LiveDiff, units: Mapping[int, UnitView]) -> None:
        """The live state's units changed (`diff.units_*`); `units` is its dict, read at the next batch."""
        self._units = units
        self._units_pending.update(diff.units_inserted)
        self._units_pending.update(diff.units_updated)
        if diff.units_removed:
            self._units_pending.difference_update(diff.units_removed)
            self._units_gone.update(diff.units_removed)
        self._schedule_flush()

    def apply_cases(self, diff: LiveDiff, cases: Mapping[int, CaseView]) -> None:
        """The live state's open cases changed (`diff.cases_*`); `cases` is its dict, read at the next batch."""
        self._cases = cases
        self._cases_pending.update(diff.cases_inserted)
        self._cases_pending.update(diff.cases_updated)
        if diff.cases_removed:
            self._cases_pending.difference_update(diff.cases_removed)
            self._cases_gone.update(diff.cases_removed)
        self._schedule_flush()

    def set_units(self, units: Sequence[UnitView]) -> None:
        """Show exactly these units (for tools and tests; the console gives diffs through `apply_units`)."""
        given = {u.id: u for u in units}
        gone = [uid for uid in self._units if uid not in given]
        self.apply_units(LiveDiff(units_updated=list(given), units_removed=gone), given)

    def set_cases(self, cases: Sequence[CaseView]) -> None:
        """Show exactly these cases (for tools and tests; the console gives diffs through `apply_cases`)."""
        given = {c.id: c for c in cases}
        gone = [cid for cid in self._cases if cid not in given]
        self.apply_cases(LiveDiff(cases_updated=list(given), cases_removed=gone), given)

    def select_case(self, case_id: int) -> None:
        self._command({"op": "select", "kind": "case", "id": int(case_id)})

    def set_follow(self, on: bool) -> None:
        """Whether the map goes to what is selected (a case just saved included, as soon as its marker is there)."""
        self._command({"op": "follow", "on": bool(on)})

    def select_unit(self, unit_id: int) -> None:
        self._command({"op": "select", "kind": "unit", "id": int(unit_id)})

    def show_recommendations(self, case_id: int, recs: Sequence[Recommendation]) -> None:
        # The texts are made here by the case panel's formatters, so the map and the panel never differ.
        rows = [
            [r.unit_id, i + 1, r.callsign, format_distance(r.distance_m), format_eta(r.eta_s)]
            for i, r in enumerate(recs)
        ]
        self._command({"op": "recs", "caseId": int(case_id), "rows": rows})

    def fit(self) -> None:
        self._command({"op": "fit"})

    def set_wall(self, on: bool) -> None:
        """The wall's map: no layer list and no zoom buttons (read from across the hall, never clicked). Kept for a
        page loaded again (a new county)."""
        self._wall = bool(on)
        self._command({"op": "wall", "on": self._wall})

    def set_history(self, points: Sequence[tuple[float, float, str]]) -> None:
        """Cases of the last 30 days (WGS-84 lat, lon, category code) for the heat and cluster layers."""
        gcj = self.basemap.datum == "gcj02"
        rows = []
        for wgs_lat, wgs_lon, category in points:
            lat, lon = wgs84_to_gcj02(wgs_lat, wgs_lon) if gcj else (wgs_lat, wgs_lon)
            rows.append([round(lat, 5), round(lon, 5), self._category_label(category)])
        self._command({"op": "history", "rows": rows})

    def show_history_layer(self, name: str, on: bool = True) -> None:
        """Switch the "heat" or "cluster" layer (the layer control does the same)."""
        self._command({"op": "layer", "name": name, "on": on})

    # ---- patrol and routing overlays (ui.map.overlays makes the rows) -------------------------------------

    def set_patrol_targets(self, targets: Sequence[Mapping[str, Any]]) -> None:
        """The plans' targets with today's state (`patrol.layer`): points as rings, routes as lines, areas as
        outlines, in the switchable "Patrol plans" layer."""
        self._command({"op": "patrol", "rows": target_rows(self._datum, targets)})

    def set_key_sites(self, sites: Sequence[Mapping[str, Any]]) -> None:
        """Key sites coloured by readiness (`sites.readiness`'s `all_sites`): the uncovered ones stand out."""
        self._command({"op": "sites", "rows": site_rows(self._datum, sites)})

    def pick_place(self, on: bool = True) -> None:
        """The next click on the map gives the place of the call being typed (`newAppealRequested`); a crosshair
        shows the map is waiting for it."""
        self._command({"op": "pick", "on": on})

    def show_route(self, feature: Mapping[str, Any] | None, callsign: str = "", *, label: bool = True) -> None:
        """A unit's way to a case (`roads.route`); None clears it. `label`: its arrival and distance on the way, in
        the case panel's words (one formatter)."""
        self._command({"op": "route", "route": route_row(self._datum, feature, callsign, label=label)})

    def show_reach(self, collection: Mapping[str, Any] | None, caption: str = "") -> None:
        """Reach outlines (`roads.reach`: 1/3/5 minutes) around a unit or a key site; None clears them."""
        self._command({"op": "reach", "rows": reach_rows(self._datum, collection), "caption": caption})

    def load_playback(self, data: Any | None) -> None:
        """The tracks, stops, check-ins and cases of a playback (`patrol.track`'s value); None ends it. A day of
        300 units is megabytes of rows and JSON: they are built in a thread of their own, never on the interface's,
        and a newer load (or None) supersedes one still being built."""
        self._frame = None
        self._playback_generation += 1
        if data is None:
            self._command({"op": "tracks", "units": []})
            self.playbackSent.emit()
            return
        generation, datum = self._playback_generation, self._datum

        def build() -> None:
            text = json.dumps({"op": "tracks", **playback_rows(datum, data)}, ensure_ascii=False, separators=(",", ":"))
            self._playbackBuilt.emit(generation, text)

        threading.Thread(target=build, name="playback-rows", daemon=True).start()

    def _on_playback_built(self, generation: int, text: str) -> None:
        if generation == self._playback_generation:
            self._command(text)
            self.playbackSent.emit()

    def show_playback_frame(self, frame: Mapping[str, Any]) -> None:
        """Where the played units were at one moment ({t, mv}): only the latest frame waits for the next batch,
        so a fast playback draws at the map's pace, never queues frames."""
        self._frame = frame_row(self._datum, frame)
        self._schedule_flush()

    @property
    def _dirty(self) -> bool:
        return bool(
            self._units_pending
            or self._units_gone
            or self._cases_pending
            or self._cases_gone
            or self._recheck
            or self._frame is not None
        )

    def flush(self) -> None:
        """Send what changed since the last batch now (normally a timer does this, at most ~4 times a second)."""
        self._flush_timer.stop()
        if not self._ready:
            return
        deadline = time.thread_time() + BATCH_CPU_MS / 1000.0
        now = self._clock()
        recheck, self._recheck = self._recheck, False
        parts: list[str] = []  # the message's JSON members, each made as its rows were taken
        units = self._slices(
            self._units,
            self._units_pending,
            self._units_gone,
            deadline,
            self._state.units,
            now,
            recheck,
            self._send_s_per_char,
        )
        if units:
            parts.append('"u":' + units)
        if self._units_pending:  # no time left for cases in this batch (their removals can wait too)
            cases = None
            self._recheck = recheck  # the cases' look at their deadlines goes with the batch that has them
        else:
            cases = self._slices(
                self._cases,
                self._cases_pending,
                self._cases_gone,
                deadline - len(units or "") * self._send_s_per_char,
                self._state.cases,
                now,
                recheck,
                self._send_s_per_char,
            )
        if cases:
            parts.append('"c":' + cases)
        if self._frame is not None:
            parts.append('"p":' + json.dumps(self._frame, ensure_ascii=False, separators=(",", ":")))
            self._frame = None
        if self._units_pending or self._cases_pending:  # the rest of a big change: in the next turn of the loop
            self._flush_timer.start(0)
        if not parts:
            return  # nothing went out (a look at the fixes' age that found none turned stale): no interval starts
        self._last_flush = time.monotonic()
        self._seq += 1
        text = '{"op":"batch",' + ",".join(parts) + f',"s":{self._seq}}}'
        sent = time.thread_time()
        self._post(text)
        if len(text) >= 100_000:  # learn the cost of sending from the big ones only (a small one is mostly overhead)
            per_char = (time.thread_time() - sent) / len(text)
            self._send_s_per_char = 0.7 * self._send_s_per_char + 0.3 * per_char

    @property
    def last_seq(self) -> int:
        return self._seq

    # ---- internals -----------------------------------------------------------------------------------------

    @classmethod
    def _slices(
        cls,
        source: Mapping[int, Any],
        pending: set[int],
        gone: set[int],
        deadline: float,
        rows_for: Callable[..., dict[str, Any] | None],
        now: datetime,
        recheck: bool,
        send_s_per_char: float,
    ) -> str | None:
        """Rows for pending ids, `SLICE_ROWS` at a time, until none is left or `deadline` (thread time) would pass
        once what is taken has been sent (at least one slice: a batch always makes progress); the slices' rows
        joined into one part of a batch, as JSON (an object of lists)."""
        out: dict[str, list[str]] = {}
        chars = 0
        first = True
        while first or (pending and time.thread_time() + chars * send_s_per_char < deadline):
            rows = rows_for(*cls._take(source, pending, gone, SLICE_ROWS), now, recheck=recheck and first)
            first = False
            for key, values in (rows or {}).items():
                if values:
                    piece = json.dumps(values, ensure_ascii=False, separators=(",", ":"))[1:-1]
                    out.setdefault(key, []).append(piece)
                    chars += len(piece)
        if not out:
            return None
        return "{" + ",".join(f'"{key}":[' + ",".join(pieces) + "]" for key, pieces in out.items()) + "}"

    @staticmethod
    def _take(source: Mapping[int, Any], pending: set[int], gone: set[int], limit: int) -> tuple[list[Any], list[int]]:
        """The views of up to `limit` pending ids (taken out of the set) and every id to remove (a pending id no
        longer in the dict is gone too)."""
        views: list[Any] = []
        removed = list(gone)
        gone.clear()
        while pending and len(views) < limit:
            item_id = pending.pop()
            view = source.get(item_id)
            if view is None:
                removed.append(item_id)
            else:
                views.append(view)
        return views, removed

    def _post(self, message: dict[str, Any] | str) -> None:
        text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        self._bridge.post.emit(text)

    def _command(self, message: dict[str, Any] | str) -> None:
        """A command for the page (a dict, or its JSON text already made)."""
        if self._ready:
            if self._dirty:
                self.flush()  # the page gets what a command refers to before the command
            self._post(message)
        else:
            self._queued.append(message)

    def _schedule_flush(self) -> None:
        if not self._ready or self._flush_timer.isActive():
            return
        since = (time.monotonic() - self._last_flush) * 1000.0
        self._flush_timer.start(max(0, int(MIN_BATCH_INTERVAL_MS - since)))

    def _recheck_stale(self) -> None:
        if self._ready:
            self._recheck = True
            self._schedule_flush()

    def _on_ready(self) -> None:
        self._ready = True
        self._everything_pending()
        self.flush()
        queued, self._queued = self._queued, []
        if self._wall and not any(isinstance(m, dict) and m.get("op") == "wall" for m in queued):
            queued.insert(0, {"op": "wall", "on": True})
        for message in queued:
            self._post(message)
        self.pageReady.emit()

    def _on_selected(self, kind: str, item_id: int) -> None:
        if kind == "unit":
            self.unitClicked.emit(item_id)
        else:
            self.caseClicked.emit(item_id)

    def _on_context_menu(self, lat: float, lon: float) -> None:
        if self.basemap.datum == "gcj02":
            lat, lon = gcj02_to_wgs84(lat, lon)
        self.newAppealRequested.emit(lat, lon)

    def _category_label(self, code: str) -> str:
        """A category's label, translated once per page (each case row and history point asks for one)."""
        text = self._category_labels.get(code)
        if text is None:
            try:
                text = label(Category(code))
            except ValueError:
                text = code
            self._category_labels[code] = text
        return text

    def _texts(self) -> PageTexts:
        return PageTexts(
            basemap=self.tr("Basemap"),
            boundary=self.tr("County boundary"),
            townships=self.tr("Townships"),
            grids=self.tr("Grids"),
            units=self.tr("Units"),
            cases=self.tr("Open cases"),
            recommendations=self.tr("Recommendations"),
            heat=self.tr("30-day heat map"),
            cluster=self.tr("30-day cases (clusters)"),
            new_appeal=self.tr("New appeal here"),
            overdue=self.tr("overdue"),
            legend=self.tr("Legend"),
            legend_kinds=self.tr("Unit kinds"),
            legend_states=self.tr("Unit states"),
            legend_priorities=self.tr("Case priorities"),
            labels={
                "kind": {k.value: label(k) for k in UnitKind},
                "status": {s.value: label(s) for s in UnitStatus},
                "priority": {p.value: label(p) for p in Priority},
                "misc": {"stale": self.tr("position fix is old")},
            },
            extra={
                "patrol": self.tr("Patrol plans"),
                "sites": self.tr("Key sites"),
                "route": self.tr("Route"),
                "reach": self.tr("Reach (1/3/5 min)"),
                "playback": self.tr("Track playback"),
                "state_done": self.tr("done today"),
                "state_due_now": self.tr("due now"),
                "state_missed": self.tr("missed"),
                "state_planned": self.tr("planned later today"),
                "state_none_today": self.tr("not planned today"),
                "covered": self.tr("covered"),
                "uncovered": self.tr("not covered"),
                "unreachable": self.tr("no unit can reach it"),
                "target": self.tr("target"),
                "min": self.tr("min"),
                "stop": self.tr("stop"),
                "checkin": self.tr("check-in"),
            },
        )
