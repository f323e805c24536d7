"""The wall's band: five figures read from across the hall, and a ticker of the newest red and orange cases.

The wall is read from 3 m and more, on a 1080p or a 4K screen: the type is sized in pixels from the height of the
screen the band is shown on (a figure is 5.5 % of it, about 60 px on 1080p and 120 px on 4K), never from the point
size of the desktop. The band has no filters, no scroll bars and no controls; the map below it takes the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QSize, Qt
from PySide6.QtGui import QFont, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.enums import Priority
from console.stats.dashboard import DashboardData
from console.views import CaseView

from ..i18n.formats import format_short, tooltip_text
from ..labels import label
from ..theme import PRIORITY_COLOURS

#: The figures of the band, in order: key → English source text (translated when shown).
FIGURES: tuple[tuple[str, object], ...] = (
    ("received", QT_TRANSLATE_NOOP("WallBand", "Received today")),
    ("open", QT_TRANSLATE_NOOP("WallBand", "Open now")),
    ("overdue", QT_TRANSLATE_NOOP("WallBand", "Overdue now")),
    ("resolution", QT_TRANSLATE_NOOP("WallBand", "Resolution rate")),
    ("dispatch60", QT_TRANSLATE_NOOP("WallBand", "Dispatched ≤ 60 s")),
)
#: How many of the newest urgent cases the ticker shows.
TICKER_ROWS = 4
#: Type sizes as a share of the screen height.
VALUE_SHARE = 0.055
TITLE_SHARE = 0.022
TICKER_SHARE = 0.021
ALERT = "#ff6b5e"


def _tr(text: object) -> str:
    return QCoreApplication.translate("WallBand", str(text))


def _pixel_font(px: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, px))
    font.setBold(bold)
    return font


class _TickerLine(QLabel):
    """A ticker line: as wide as the band allows, its end elided with "…" (never cut mid-glyph, never wrapped)."""

    def __init__(self) -> None:
        super().__init__("")
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)  # citizens' words are shown as text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_line(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("……"), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        # The line's colour is a style sheet, and a style sheet or the wall's type size for the screen can change
        # the font after the text was elided: elide again, or the end is cut mid-glyph at the band's edge.
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width())))


class _Figure(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallFigure")
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 6, 16, 6)
        box.setSpacing(0)
        self.title = QLabel(title)
        self.value = QLabel("—")
        for w in (self.title, self.value):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(w)
        self.title.setProperty("role", "muted")

    def set_sizes(self, value_px: int, title_px: int) -> None:
        self.value.setFont(_pixel_font(value_px, bold=True))
        self.title.setFont(_pixel_font(title_px))

    def show_value(self, text: str, colour: str | None = None) -> None:
        self.value.setText(text)
        self.value.setStyleSheet(f"color: {colour};" if colour else "")


class WallBand(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallBand")
        self.figures: dict[str, _Figure] = {key: _Figure(_tr(text)) for key, text in FIGURES}
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.setSpacing(12)
        for figure in self.figures.values():
            row.addWidget(figure, 1)
        ticker = QFrame()
        ticker.setObjectName("wallTicker")
        self.ticker_box = QVBoxLayout(ticker)
        self.ticker_box.setContentsMargins(12, 4, 12, 4)
        self.ticker_box.setSpacing(2)
        self.ticker_title = QLabel(QCoreApplication.translate("WallBand", "Newest red and orange cases"))
        self.ticker_title.setProperty("role", "muted")
        self.ticker_box.addWidget(self.ticker_title)
        self.ticker_rows: list[_TickerLine] = []
        for _ in range(TICKER_ROWS):
            line = _TickerLine()
            self.ticker_rows.append(line)
            self.ticker_box.addWidget(line)
        self.ticker_box.addStretch(1)
        row.addWidget(ticker, 3)
        self.fit_to_height(1080)

    # -- sizes -------------------------------------------------------------------------------------------------------

    def fit_to_height(self, screen_height: int) -> None:
        """Type for a screen `screen_height` pixels tall."""
        value_px = round(screen_height * VALUE_SHARE)
        title_px = round(screen_height * TITLE_SHARE)
        ticker_px = round(screen_height * TICKER_SHARE)
        for figure in self.figures.values():
            figure.set_sizes(value_px, title_px)
        self.ticker_title.setFont(_pixel_font(title_px))
        for line in self.ticker_rows:
            line.setFont(_pixel_font(ticker_px))

    def showEvent(self, event: QShowEvent) -> None:
        screen = self.screen()
        if screen is not None:
            self.fit_to_height(screen.geometry().height())
        super().showEvent(event)

    # -- content -----------------------------------------------------------------------------------------------------

    def set_data(self, data: DashboardData) -> None:
        total = data.report.total
        counts = total.counts
        self.figures["received"].show_value(str(counts["received"]))
        self.figures["open"].show_value(str(counts["open"]))
        self.figures["overdue"].show_value(str(counts["overdue"]), ALERT if counts["overdue"] else None)
        for key, rate in (("resolution", "resolution_rate"), ("dispatch60", "dispatch_60s_rate")):
            value = total.rate(rate).value
            self.figures[key].show_value("—" if value is None else f"{value * 100:.0f}%")

    def set_cases(self, cases: Mapping[int, CaseView]) -> None:
        urgent = sorted(
            (c for c in cases.values() if c.priority in (Priority.RED, Priority.ORANGE)),
            key=lambda c: c.received_at,
            reverse=True,
        )[:TICKER_ROWS]
        for line, case in zip(self.ticker_rows, [*urgent, *([None] * TICKER_ROWS)], strict=False):
            if case is None:
                line.set_line("")
                continue
            place = case.address or ""
            line.set_line(
                f"● {format_short(case.received_at)}  {label(case.priority)}  {label(case.category)}  {place}".rstrip()
            )
            line.setStyleSheet(f"color: {PRIORITY_COLOURS[case.priority]};")
            line.setToolTip(tooltip_text(case.description))
        if not urgent:
            self.ticker_rows[0].set_line(QCoreApplication.translate("WallBand", "No red or orange case open"))
            self.ticker_rows[0].setStyleSheet("")
