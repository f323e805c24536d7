"""The page's only door into Python: a few narrow slots, and one signal that carries JSON text to the page."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot


class MapBridge(QObject):
    post = Signal(str)  # Python → page: one JSON message (a batch of changes or a command)

    readied = Signal()
    selected = Signal(str, int)
    context_menu = Signal(float, float)
    batch_applied = Signal(int)

    @Slot()
    def ready(self) -> None:
        self.readied.emit()

    @Slot(str, int)
    def select(self, kind: str, item_id: int) -> None:
        if kind in ("unit", "case"):
            self.selected.emit(kind, int(item_id))

    @Slot(float, float)
    def contextMenu(self, lat: float, lon: float) -> None:
        if -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0:
            self.context_menu.emit(float(lat), float(lon))

    @Slot(int)
    def applied(self, seq: int) -> None:
        self.batch_applied.emit(int(seq))
