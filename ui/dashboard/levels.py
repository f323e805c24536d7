"""Two lines of the level and hand-off figures above the tiles: where the period's cases were resolved (village,
township, county) and the share resolved locally (就地化解); the 110 ↔ 12345 hand-offs — each way, accepted within
the limit, returned. Lines rather than more tiles, so that the charts keep their room in the Figures dock; broken
by hand, not word-wrapped, so that the dock's scroll area sizes the dashboard by its minimum (a word-wrapped label
would make it size by height-for-width and squeeze the tiles)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from console.stats.dashboard import DashboardData
from console.stats.kpi import LEVEL_COUNTS

from .style import TILE_LABEL_PT, font, percent


class LevelFigures(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(font(TILE_LABEL_PT))
        self.setWordWrap(False)
        self.setTextFormat(self.textFormat().RichText)
        self.setToolTip(
            QCoreApplication.translate(
                "LevelFigures",
                "Resolved locally: resolved at a village or township without being sent up (就地化解), of all resolved",
            )
        )
        #: What is shown, by figure (`levels`, `local`, `handoffs`, `in_time`, `returned`), as plain text.
        self.values: dict[str, str] = {}
        # Its two lines from the start, so that its height does not change when the figures arrive (the dock would
        # squeeze the tiles for a moment while it lays the dashboard out again).
        self._draw(dict.fromkeys(("levels", "local", "handoffs", "in_time", "returned"), "—"))

    def show_data(self, data: DashboardData) -> None:
        total = data.report.total
        levels = {level: total.counts.get(name, 0) for level, name in LEVEL_COUNTS.items()}
        local = total.rate("local_resolution_rate")
        h = data.report.handoffs
        police, hotline = h.get("to_police_110", 0), h.get("to_hotline_12345", 0)
        sent = police + hotline
        in_time = h.get("accepted_in_time", 0)
        self.values = {
            "levels": QCoreApplication.translate("LevelFigures", "village %1 · township %2 · county %3")
            .replace("%1", str(levels["village"]))
            .replace("%2", str(levels["township"]))
            .replace("%3", str(levels["county"])),
            "local": f"{percent(local.value)} ({local.numerator}/{local.denominator})",
            "handoffs": QCoreApplication.translate("LevelFigures", "to 110: %1 · to 12345: %2 · waiting %3")
            .replace("%1", str(police))
            .replace("%2", str(hotline))
            .replace("%3", str(h.get("waiting", 0))),
            "in_time": f"{percent(in_time / sent if sent else None)} ({in_time}/{sent})",
            "returned": str(h.get("returned", 0)),
        }
        self._draw(self.values)

    def _draw(self, values: dict[str, str]) -> None:
        titles = {
            "levels": QCoreApplication.translate("LevelFigures", "Resolved at"),
            "local": QCoreApplication.translate("LevelFigures", "Resolved locally"),
            "handoffs": QCoreApplication.translate("LevelFigures", "Hand-offs"),
            "in_time": QCoreApplication.translate("LevelFigures", "accepted in time"),
            "returned": QCoreApplication.translate("LevelFigures", "returned"),
        }

        def line(keys: tuple[str, ...]) -> str:
            return " &nbsp;│&nbsp; ".join(f"{escape(titles[k])}: <b>{escape(values[k])}</b>" for k in keys)

        self.setText(line(("levels", "local")) + "<br>" + line(("handoffs", "in_time", "returned")))
