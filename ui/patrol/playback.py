"""Track playback (轨迹回放): pick units (or a shift) and a time range, then play their tracks on the map with a time
slider at ×1 to ×600. The bar asks for the data by signal (`patrol.track`, run in the database worker) and, once it
has it, turns the slider's moment into a frame (`Frames.frame`, one vectorised lookup over every track) that the map
draws with its next batch — a fast playback never queues frames, the map takes the latest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from console.timeutil import CHINA_TZ

SPEEDS = (1, 10, 60, 120, 300, 600)
TICK_MS = 100  # the bar's clock; the map draws at its own pace (at most ~4 batches a second)


class PlaybackBar(QWidget):
    loadRequested = Signal(dict)  # the arguments of `patrol.track`
    frameReady = Signal(dict)  # {t, mv}: the units where they were at the slider's moment
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: Any = None
        self.moment = 0.0
        self.start = 0.0
        self.end = 0.0
        self._shift_id: int | None = None

        self.units = QLineEdit()
        self.units.setPlaceholderText(self.tr("Callsigns, separated by ;"))
        now = QDateTime.currentDateTime()
        self.since = QDateTimeEdit(now.addSecs(-4 * 3600))
        self.until = QDateTimeEdit(now)
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
        self.load_button = QPushButton(self.tr("Load"))
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setCheckable(True)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"×{s}", s)
        self.speed.setCurrentIndex(SPEEDS.index(60))
        self.slider = QSlider()
        self.slider.setOrientation(self.slider.orientation().Horizontal)
        self.slider.setRange(0, 1000)
        self.clock = QLabel("--:--:--")
        self.status = QLabel("")
        self.status.setProperty("role", "muted")
        self.close_button = QPushButton(self.tr("End playback"))

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Units")))
        top.addWidget(self.units, 2)
        top.addWidget(QLabel(self.tr("From")))
        top.addWidget(self.since)
        top.addWidget(QLabel(self.tr("To")))
        top.addWidget(self.until)
        top.addWidget(self.load_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.play_button)
        bottom.addWidget(self.speed)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.clock)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addLayout(bottom)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.load_button.clicked.connect(self.request_load)
        self.play_button.toggled.connect(self.play)
        self.slider.valueChanged.connect(self._slid)
        self.close_button.clicked.connect(self.stop)
        self._enable(False)

    def _enable(self, loaded: bool) -> None:
        for w in (self.play_button, self.speed, self.slider, self.close_button):
            w.setEnabled(loaded)

    # -- loading ---------------------------------------------------------------------------------------------------

    def request_load(self) -> None:
        callsigns = [c.strip() for c in self.units.text().replace("；", ";").split(";") if c.strip()]
        since = self.since.dateTime().toSecsSinceEpoch()
        until = self.until.dateTime().toSecsSinceEpoch()
        args: dict[str, Any] = {
            "callsigns": callsigns,
            "start": datetime.fromtimestamp(since, UTC).isoformat(),
            "end": datetime.fromtimestamp(until, UTC).isoformat(),
        }
        self._shift_id = None
        self.status.setText(self.tr("Loading the tracks…"))
        self.loadRequested.emit(args)

    def request_shift(self, shift_id: int, label: str = "") -> None:
        """Play a shift's team over the shift's window (the range comes from the shift)."""
        self._shift_id = shift_id
        self.units.setText(label)
        self.status.setText(self.tr("Loading the tracks…"))
        self.loadRequested.emit({"shift_id": shift_id})

    def set_data(self, data: Any) -> None:
        """`patrol.track`'s value (PlaybackData); the slider spans its range."""
        self.data = data
        self.start, self.end = data.start.timestamp(), data.end.timestamp()
        self.since.setDateTime(QDateTime.fromSecsSinceEpoch(int(self.start)))
        self.until.setDateTime(QDateTime.fromSecsSinceEpoch(int(self.end)))
        if self._shift_id is not None:
            self.units.setText("; ".join(c for c in data.callsigns.values() if c))
        fixes = sum(len(t) for t in data.tracks.values())
        self.status.setText(
            self.tr("%1 units, %2 fixes, %3 stops, %4 check-ins, %5 cases")
            .replace("%1", str(len(data.tracks)))
            .replace("%2", str(fixes))
            .replace("%3", str(len(data.stops)))
            .replace("%4", str(len(data.checkins)))
            .replace("%5", str(len(data.cases)))
        )
        self._enable(True)
        first = min((float(t.t[0]) for t in data.tracks.values() if len(t)), default=self.start)
        self.seek(first)

    def set_error(self, text: str) -> None:
        self.status.setText(text)

    # -- playing ---------------------------------------------------------------------------------------------------

    @property
    def speed_factor(self) -> int:
        return int(self.speed.currentData())

    def play(self, on: bool) -> None:
        if on and self.data is not None:
            if self.moment >= self.end:
                self.seek(self.start)
            self._timer.start()
            self.play_button.setText(self.tr("Pause"))
        else:
            self._timer.stop()
            self.play_button.setText(self.tr("Play"))
            if self.play_button.isChecked():
                self.play_button.setChecked(False)

    def _tick(self) -> None:
        moment = self.moment + self.speed_factor * TICK_MS / 1000.0
        if moment >= self.end:
            self.seek(self.end)
            self.play(False)
            return
        self.seek(moment)

    def seek(self, moment: float) -> None:
        """Show the moment (epoch seconds): the slider follows, the map gets the frame."""
        if self.data is None:
            return
        self.moment = min(max(moment, self.start), self.end)
        span = max(1.0, self.end - self.start)
        self.slider.blockSignals(True)
        self.slider.setValue(round(1000 * (self.moment - self.start) / span))
        self.slider.blockSignals(False)
        self.clock.setText(datetime.fromtimestamp(self.moment, CHINA_TZ).strftime("%m-%d %H:%M:%S"))
        self.frameReady.emit(self.data.frames.frame(self.moment))

    def _slid(self, value: int) -> None:
        self.seek(self.start + (self.end - self.start) * value / 1000.0)

    def stop(self) -> None:
        self.play(False)
        self.data = None
        self._enable(False)
        self.status.setText("")
        self.closed.emit()
