"""Feeds the patrol panel, the readiness figure and the map's patrol overlays from the console's database worker,
and turns their requests into operations: `patrol.board`, `sites.readiness` and `patrol.layer` on a timer and soon
after the events that move them; `patrol.approve` / `patrol.return`, `sites.relocate`, `patrol.track` on request.
It also draws the chosen unit's route to the selected case (`roads.route`) and the 1/3/5-minute reach around a
selected unit or key site (`roads.reach`). Every value comes from an operation; nothing here decides a rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer

from console.enums import EventKind
from console.events import EventRecord
from console.live import LiveDiff
from console.views import Recommendation

from ..map.view import MapView
from ..messages import describe_error
from ..panels_link import _Refresher
from ..session import ConsoleSession
from ..workers import JobResult

#: Events after which today's board and the plans layer are read again.
PATROL_EVENTS = frozenset(
    {
        EventKind.PATROL_PLAN_CREATED,
        EventKind.PATROL_PLAN_UPDATED,
        EventKind.PATROL_PLAN_SUSPENDED,
        EventKind.PATROL_PLAN_RESUMED,
        EventKind.PATROL_PLANS_IMPORTED,
        EventKind.PATROL_PROGRESS,
        EventKind.PATROL_SHIFT_APPROVED,
        EventKind.PATROL_SHIFT_RETURNED,
    }
)
#: Events after which readiness is read again (a unit taken or freed, moved or relocated, new sites).
READINESS_EVENTS = frozenset(
    {
        EventKind.UNIT_STATUS,
        EventKind.UNIT_RELOCATED,
        EventKind.KEY_SITES_IMPORTED,
        EventKind.CASE_DISPATCHED,
    }
)
# Written changes arrive by the change feed (`_on_events`); these timers are for what the clock changes with nothing
# written: a shift starting or running late, a target's window closing, a unit's fix growing old. Units moving are not
# read after each position batch (their `unit_moved` events come every few seconds), only when a unit is heard again
# after a silence (`_on_units`).
BOARD_EVERY_MS = 60_000
READINESS_EVERY_MS = 30_000
LAYER_EVERY_MS = 120_000
#: A unit whose fix comes after a silence this long (or the first fix this console sees of it) may have been counted
#: stale by the last readiness read, which penalises old fixes: readiness is read again soon instead of up to 30 s on
#: (the feed back after an outage, a console opened while the units' last fixes were old). Shorter than any sensible
#: `stale_fix_s`, so no return is missed; fixes that keep coming every few seconds never trigger it.
RETURNED_AFTER = timedelta(seconds=60)


class PatrolLink(QObject):
    def __init__(
        self,
        session: ConsoleSession,
        *,
        panel: Any | None = None,
        figures: list[Any] | None = None,
        map_widget: Any | None = None,
        playback: Any | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.panel = panel
        self.figures = list(figures or [])
        self.map: Any = map_widget if isinstance(map_widget, MapView) and hasattr(map_widget, "show_route") else None
        self.playback = playback
        self._route_for: tuple[int, str] | None = None
        self.board = _Refresher(session, "patrol.board", dict, self._on_board, every_ms=BOARD_EVERY_MS, parent=self)
        self.readiness = _Refresher(
            session, "sites.readiness", dict, self._on_readiness, every_ms=READINESS_EVERY_MS, soon_ms=3000, parent=self
        )
        self.layer = _Refresher(session, "patrol.layer", dict, self._on_layer, every_ms=LAYER_EVERY_MS, parent=self)
        self._last_fix: dict[int, datetime] = {}
        session.loaded.connect(lambda: QTimer.singleShot(2000, self.start))
        session.eventsArrived.connect(self._on_events)
        session.unitsChanged.connect(self._on_units)
        if panel is not None:
            panel.approveRequested.connect(self.approve)
            panel.returnRequested.connect(self.return_shift)
            panel.relocateRequested.connect(self.relocate)
            panel.playbackRequested.connect(self.play_shift)
            panel.siteReachRequested.connect(self.site_reach)
            panel.refreshRequested.connect(self.board.refresh)
            if panel.suggestions is not None:
                panel.suggestions.suggestRequested.connect(self.suggest)
                panel.suggestions.saveRequested.connect(self.save_plan)
        if playback is not None:
            playback.loadRequested.connect(self.load_track)
            playback.closed.connect(self._end_playback)
            if self.map is not None:
                playback.frameReady.connect(self.map.show_playback_frame)
        if self.map is not None:
            session.selection.unitChanged.connect(self.unit_reach)

    def start(self) -> None:
        if self.panel is not None:
            self.board.start()
        if self.panel is not None or self.figures or self.map is not None:
            self.readiness.start()
        if self.map is not None:
            self.layer.start()

    def _on_events(self, events: list[EventRecord]) -> None:
        kinds = {e.kind for e in events}
        if kinds & PATROL_EVENTS:
            if self.panel is not None:
                self.board.refresh_soon()
            if self.map is not None:
                self.layer.refresh_soon()
        if kinds & READINESS_EVENTS:
            self.readiness.refresh_soon()

    def _on_units(self, diff: LiveDiff) -> None:
        """A unit heard again after a silence (or first heard by this console) is a reason to read readiness soon."""
        units = self.session.state.units
        returned = False
        for uid in (*diff.units_inserted, *diff.units_updated):
            unit = units.get(uid)
            fix = unit.fix_at if unit is not None else None
            if fix is None:
                continue
            before = self._last_fix.get(uid)
            if before is None or fix - before >= RETURNED_AFTER:
                returned = True
            if before is None or fix > before:
                self._last_fix[uid] = fix
        for uid in diff.units_removed:
            self._last_fix.pop(uid, None)
        if returned and self.readiness.started:
            self.readiness.refresh_soon()

    # -- values in ---------------------------------------------------------------------------------------------------

    def _on_board(self, value: dict[str, Any]) -> None:
        if self.panel is not None:
            self.panel.set_board(value)

    def _on_readiness(self, value: dict[str, Any]) -> None:
        if self.panel is not None:
            self.panel.set_readiness(value)
        for figure in self.figures:
            figure.set_readiness(value)
        if self.map is not None:
            self.map.set_key_sites(value.get("all_sites", []))

    def _on_layer(self, value: list[dict[str, Any]]) -> None:
        if self.map is not None:
            self.map.set_patrol_targets(value)

    # -- requests out ------------------------------------------------------------------------------------------------

    def _after_write(self, result: JobResult) -> None:
        if result.ok:
            self.board.refresh()
            self.readiness.refresh_soon()

    def approve(self, shift_id: int, version: int) -> None:
        self.session.run(
            "patrol.approve",
            shift_id=shift_id,
            version=version,
            callback=self._after_write,
            done_text=lambda _v: self.tr("Patrol shift approved."),
        )

    def return_shift(self, shift_id: int, version: int, remark: str) -> None:
        self.session.run(
            "patrol.return",
            shift_id=shift_id,
            version=version,
            remark=remark,
            callback=self._after_write,
            done_text=lambda _v: self.tr("Patrol shift returned to its team."),
        )

    def relocate(self, move: dict[str, Any]) -> None:
        self.session.run(
            "sites.relocate",
            callsign=move["unit"],
            site=move["to_site"],
            covers=list(move.get("covers", [])),
            callback=self._after_relocation,
            done_text=lambda v: (
                self.tr("%1 ordered to stand by at %2.").replace("%1", v["unit"]).replace("%2", v["site"])
            ),
        )

    def _after_relocation(self, result: JobResult) -> None:
        if result.ok:
            self.readiness.refresh_soon()

    def play_shift(self, shift_id: int) -> None:
        if self.playback is None:
            return
        self.playback.request_shift(shift_id)

    def load_track(self, arguments: dict[str, Any]) -> None:
        self.session.run("patrol.track", callback=self._on_track, **arguments)

    def _on_track(self, result: JobResult) -> None:
        if self.playback is None:
            return
        if not result.ok:
            self.playback.set_error(describe_error(result.error))
            return
        if self.map is not None:
            self.map.load_playback(result.value)
        self.playback.set_data(result.value)

    def _end_playback(self) -> None:
        if self.map is not None:
            self.map.load_playback(None)

    def suggest(self, days: int) -> None:
        self.session.run("patrol.suggest", days=days, callback=self._on_suggestions)

    def _on_suggestions(self, result: JobResult) -> None:
        if result.ok and self.panel is not None and self.panel.suggestions is not None:
            self.panel.suggestions.set_suggestions(result.value)
        elif not result.ok:
            self.session.notice.emit("error", describe_error(result.error))

    def save_plan(self, text: str) -> None:
        self.session.run(
            "patrol.import",
            text=text,
            callback=self._after_plan,
            done_text=lambda v: self.tr("Patrol plan saved: %1.").replace(
                "%1", "、".join(v["plans"]["created"] + v["plans"]["updated"])
            ),
        )

    def _after_plan(self, result: JobResult) -> None:
        if result.ok:
            self.board.refresh_soon()
            self.layer.refresh_soon()

    def file_report(self, unit_id: int, values: dict[str, Any]) -> None:
        """A case found on patrol (`patrol.file`); the new case is selected once the change feed brings it."""
        self.session.run(
            "patrol.file",
            unit_id=unit_id,
            callback=self._after_filing,
            done_text=lambda v: self.tr("Filed from patrol as %1.").replace("%1", v["case"]),
            **values,
        )

    def _after_filing(self, result: JobResult) -> None:
        if result.ok:
            self.session.selection.select_case(int(result.value["case_id"]))

    # -- route and reach ---------------------------------------------------------------------------------------------

    def show_route(self, case_id: int, recs: list[Recommendation]) -> None:
        """When the case detail shows its ranking: the way of the unit dispatched to the case, else of the first
        recommended unit (`roads.route`)."""
        if self.map is None:
            return
        case = self.session.state.cases.get(case_id)
        if case is not None and case.unit_ids:
            unit = self.session.state.units.get(case.unit_ids[0])
            if unit is not None:  # the dispatched unit's way, labelled (no recommendation labels once it is sent)
                self.show_unit_route(case.number, unit.callsign, label=True)
            return
        if case is None or not recs:
            self._route_for = None
            self.map.show_route(None)
            return
        self.show_unit_route(case.number, recs[0].callsign)

    def route_to_unit(self, case_id: int, unit_id: int) -> None:
        """The way of this unit (a recommendation the dispatcher picked, or the dispatched one) to the case."""
        case = self.session.state.cases.get(case_id)
        unit = self.session.state.units.get(unit_id)
        if case is not None and unit is not None:
            self.show_unit_route(case.number, unit.callsign)

    def show_unit_route(self, number: str, callsign: str, *, label: bool = False) -> None:
        """The unit's way to the case; `label` puts its arrival and distance on the way (a recommended unit carries
        them in the recommendation's own label already)."""
        if self.map is None:
            return
        self._route_for = (0, callsign)
        self.session.run(
            "roads.route", number=number, callsign=callsign, callback=lambda r: self._on_route(r, callsign, label)
        )

    def _on_route(self, result: JobResult, callsign: str, label: bool) -> None:
        if self.map is not None and self._route_for is not None and self._route_for[1] == callsign:
            self.map.show_route(result.value if result.ok else None, callsign, label=label)

    def unit_reach(self, unit_id: int) -> None:
        unit = self.session.state.units.get(unit_id)
        if self.map is None or unit is None or unit.lat is None:
            return
        self.session.run("roads.reach", callsign=unit.callsign, callback=lambda r: self._on_reach(r, unit.callsign))

    def site_reach(self, lat: float, lon: float, name: str) -> None:
        if self.map is None:
            return
        self.session.run("roads.reach", lat=lat, lon=lon, towards=True, callback=lambda r: self._on_reach(r, name))

    def _on_reach(self, result: JobResult, caption: str) -> None:
        if self.map is not None:
            self.map.show_reach(result.value if result.ok else None, caption)
