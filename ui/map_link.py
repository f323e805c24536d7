"""Keeps the live map in step with the console: pushes units and cases (throttled, as whole compact batches, which
the map draws fastest), and turns map clicks into the shared selection or a new appeal at the clicked place."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from console.live import LiveDiff

from .session import ConsoleSession
from .workers import JobResult


class MapLink(QObject):
    def __init__(self, session: ConsoleSession, map_widget: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.map = map_widget
        self._units_dirty = self._cases_dirty = False
        self._ready = False
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        session.casesChanged.connect(self._on_cases)
        session.unitsChanged.connect(self._on_units)
        session.selection.caseChanged.connect(self._select_case)
        session.selection.unitChanged.connect(self._select_unit)
        if hasattr(map_widget, "caseClicked"):
            map_widget.caseClicked.connect(session.selection.select_case)
            map_widget.unitClicked.connect(session.selection.select_unit)
        if hasattr(map_widget, "pageReady"):
            map_widget.pageReady.connect(self._on_ready)
        else:
            self._ready = True

    def set_county(self, county: Any) -> None:
        if hasattr(self.map, "set_county"):
            self.map.set_county(county.townships, county.grids, county.boundary)
            if hasattr(self.map, "fit"):
                self.map.fit()
        if hasattr(self.map, "set_history"):
            # The last 30 days of cases for the switchable heat and cluster layers, read in the database worker.
            self.session.run("map.history", days=30, callback=self._on_history)

    def _on_history(self, result: JobResult) -> None:
        if result.ok:
            self.map.set_history(result.value)

    def _on_ready(self) -> None:
        self._ready = True
        self._units_dirty = self._cases_dirty = True
        self.flush()

    def _on_cases(self, _diff: LiveDiff) -> None:
        self._cases_dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _on_units(self, _diff: LiveDiff) -> None:
        self._units_dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        if not self._ready:
            return
        if self._units_dirty and hasattr(self.map, "set_units"):
            self.map.set_units(list(self.session.state.units.values()))
        if self._cases_dirty and hasattr(self.map, "set_cases"):
            self.map.set_cases(list(self.session.state.cases.values()))
        self._units_dirty = self._cases_dirty = False

    def _select_case(self, case_id: int) -> None:
        if case_id and hasattr(self.map, "select_case"):
            self.map.select_case(case_id)

    def _select_unit(self, unit_id: int) -> None:
        if unit_id and hasattr(self.map, "select_unit"):
            self.map.select_unit(unit_id)

    def show_recommendations(self, case_id: int, recs: list[Any]) -> None:
        if hasattr(self.map, "show_recommendations"):
            self.map.show_recommendations(case_id, recs)
