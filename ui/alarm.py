"""The alarm for new urgent cases: a new red (and, configurably, orange) case from anywhere — another console, a feed,
the command line — plays the bundled sound, flashes its row in the queue and the console in the taskbar until the
dispatcher acknowledges it with a key (F4), and takes the map to it when the dispatcher is idle. What each role's
console does is the `[alarm]` table of the console's file (`console.config.alarm`); the wall flashes only.

A case this console's own user took in raises no alarm (they know), nor does a case already there when the console
started or one received more than `RECENT` ago (a snapshot after an outage brings old cases back, not news).
"""

from __future__ import annotations

import time
from datetime import timedelta

from PySide6.QtCore import QEvent, QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication, QWidget

from console.config.alarm import RoleAlarm
from console.enums import CaseStatus
from console.live import LiveDiff
from console.paths import resource
from console.timeutil import utcnow

from .queue.model import QueueModel
from .session import ConsoleSession

#: A case received longer ago than this is not news (it arrived with a snapshot).
RECENT = timedelta(minutes=10)
FLASH_MS = 500
SOUND_FILE = ("sounds", "alarm.wav")


class _Sound:
    """The bundled sound, played with QtMultimedia when the system has it, else the system's beep."""

    def __init__(self, parent: QObject) -> None:
        self._effect = None
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:  # no audio libraries on this machine
            return
        effect = QSoundEffect(parent)
        effect.setSource(QUrl.fromLocalFile(str(resource(*SOUND_FILE))))
        effect.setLoopCount(2)
        self._effect = effect

    def play(self) -> None:
        if self._effect is not None:
            self._effect.play()
        else:
            QApplication.beep()


class AlarmController(QObject):
    alarmRaised = Signal(int)  # the case
    acknowledged = Signal(list)  # the cases acknowledged at once

    def __init__(
        self,
        session: ConsoleSession,
        window: QWidget,
        queue_model: QueueModel,
        settings: RoleAlarm,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or window)
        self.session = session
        self.window = window
        self.model = queue_model
        self.settings = settings
        self.pending: dict[int, None] = {}  # unacknowledged, oldest first
        self.flash_on = False
        self._last_input = time.monotonic()
        self._sound = _Sound(self) if settings.sound else None
        self._timer = QTimer(self)
        self._timer.setInterval(FLASH_MS)
        self._timer.timeout.connect(self._flash)
        session.casesChanged.connect(self._on_cases)
        # Input is watched on the window's native window (every key and click in it passes there first), not on the
        # application: a Python filter on the application is handed objects still under construction by Qt (a web
        # page's request jobs), and wrapping one of those crashes PySide6.
        self._watched: QObject | None = None
        QTimer.singleShot(0, self._watch_input)

    # -- what raises it ---------------------------------------------------------------------------------------------

    def _on_cases(self, diff: LiveDiff) -> None:
        if not self.session.is_loaded:
            return
        cases = self.session.state.cases
        since = utcnow() - RECENT
        for case_id in diff.cases_inserted:
            case = cases.get(case_id)
            if (
                case is not None
                and case.priority in self.settings.priorities
                and case.status == CaseStatus.RECEIVED
                and case.created_by != self.session.actor.name
                and case.received_at >= since
            ):
                self.raise_alarm(case_id)

    def raise_alarm(self, case_id: int) -> None:
        if case_id in self.pending:
            return
        self.pending[case_id] = None
        if self._sound is not None:
            self._sound.play()
        if self.settings.taskbar:
            QApplication.alert(self.window, 0)  # until the window is activated
        if self.settings.flash and not self._timer.isActive():
            self.flash_on = False
            self._flash()
            self._timer.start()
        if self.settings.follow_map and self.is_idle():
            self.session.selection.select_case(case_id)
        self.alarmRaised.emit(case_id)

    def is_idle(self) -> bool:
        return time.monotonic() - self._last_input >= self.settings.idle_s

    # -- acknowledging ----------------------------------------------------------------------------------------------

    def acknowledge(self) -> list[int]:
        """The key (F4): every pending alarm acknowledged; the flashing stops."""
        cases = list(self.pending)
        self.pending.clear()
        self._timer.stop()
        self.flash_on = False
        self.model.set_flashing(frozenset())
        if cases:
            self.acknowledged.emit(cases)
        return cases

    def unacknowledged(self) -> list[int]:
        return list(self.pending)

    def _flash(self) -> None:
        self.flash_on = not self.flash_on
        self.model.set_flashing(frozenset(self.pending) if self.flash_on else frozenset())

    def _watch_input(self) -> None:
        handle = self.window.windowHandle()
        if handle is None:  # not shown yet
            QTimer.singleShot(500, self._watch_input)
            return
        if self._watched is not handle:
            handle.installEventFilter(self)
            self._watched = handle

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self._last_input = time.monotonic()
        return False
