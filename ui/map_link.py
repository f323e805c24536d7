"""Keeps the live map in step with the console: hands it every live-state diff as it comes (the map coalesces and
throttles; nothing waits here), and turns map clicks into the shared selection or a new appeal at the clicked
place. A placeholder that is no `MapView` (a build without the map) is left alone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from console.live import LiveDiff

from .map.view import MapView
from .session import ConsoleSession
from .workers import JobResult


class MapLink(QObject):
    def __init__(self, session: ConsoleSession, map_widget: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.map: MapView | None = map_widget if isinstance(map_widget, MapView) else None
        if self.map is None:
            return
        session.casesChanged.connect(self._on_cases)
        session.unitsChanged.connect(self._on_units)
        session.selection.caseChanged.connect(self._select_case)
        session.selection.unitChanged.connect(self._select_unit)
        map_widget.caseClicked.connect(session.selection.select_case)
        map_widget.unitClicked.connect(session.selection.select_unit)
        # What the console already holds (a map made after the first snapshot) is shown too.
        state = session.state
        self.map.apply_units(LiveDiff(units_inserted=list(state.units)), state.units)
        self.map.apply_cases(LiveDiff(cases_inserted=list(state.cases)), state.cases)

    def set_county(self, county: Any) -> None:
        if self.map is None:
            return
        self.map.set_county(county.townships, county.grids, county.boundary)
        self.map.fit()
        # The last 30 days of cases for the switchable heat and cluster layers, read in the database worker.
        self.session.run("map.history", days=30, callback=self._on_history)

    def _on_history(self, result: JobResult) -> None:
        if result.ok and self.map is not None:
            self.map.set_history(result.value)

    def _on_cases(self, diff: LiveDiff) -> None:
        if self.map is not None:
            self.map.apply_cases(diff, self.session.state.cases)

    def _on_units(self, diff: LiveDiff) -> None:
        if self.map is not None:
            self.map.apply_units(diff, self.session.state.units)

    def flush(self) -> None:
        """Have the map draw what is pending now (the self-test waits for the first drawn batch)."""
        if self.map is not None:
            self.map.flush()

    def _select_case(self, case_id: int) -> None:
        if case_id and self.map is not None:
            self.map.select_case(case_id)

    def _select_unit(self, unit_id: int) -> None:
        if unit_id and self.map is not None:
            self.map.select_unit(unit_id)

    def set_follow(self, on: bool) -> None:
        """The map follows the selection (on by default) or stays where the dispatcher left it."""
        setter = getattr(self.map, "set_follow", None)
        if setter is not None:
            setter(on)

    def show_recommendations(self, case_id: int, recs: list[Any]) -> None:
        if self.map is not None:
            self.map.show_recommendations(case_id, recs)
