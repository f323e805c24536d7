"""The one selection shared by the queue, the unit board, the map and the case detail.

Selecting anywhere calls `select_case`/`select_unit`; every view listens to the signals. Selecting what is already
selected emits nothing, so views that echo a selection back cannot loop.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Selection(QObject):
    caseChanged = Signal(int)  # 0 = none
    unitChanged = Signal(int)  # 0 = none

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case_id = 0
        self.unit_id = 0

    def select_case(self, case_id: int | None) -> None:
        case_id = int(case_id or 0)
        if case_id != self.case_id:
            self.case_id = case_id
            self.caseChanged.emit(case_id)

    def select_unit(self, unit_id: int | None) -> None:
        unit_id = int(unit_id or 0)
        if unit_id != self.unit_id:
            self.unit_id = unit_id
            self.unitChanged.emit(unit_id)
