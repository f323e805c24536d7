"""The demo county kept alive inside a console: the simulator's light mode on a thread of its own.

Opening the demo county starts it (unless the console is started with `--no-simulate`): units patrol and report
their positions (so they never turn grey), dispatched units drive to their case, go on scene and clear, and a few
appeals arrive (`LIGHT.per_day` a day). Everything goes through the services, as `simulate` does; the console sees
the changes by its change feed like any other workstation's. Outside the demo nothing starts it.
"""

from __future__ import annotations

import logging
import threading

from ..db import Database
from ..demo.simulator import LIGHT, LightMode, Simulator

log = logging.getLogger(__name__)

__all__ = ["LIGHT", "LightMode", "LiveDemo"]


class LiveDemo:
    """`start()` builds the simulator on its own thread (it reads the county and the roads) and steps it every
    `mode.tick_s` seconds until `stop()`."""

    def __init__(self, db: Database, mode: LightMode = LIGHT) -> None:
        self.db = db
        self.mode = mode
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="live-demo", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            sim = Simulator(
                self.db,
                speed=self.mode.speed,
                per_day=self.mode.per_day,
                report_every_s=self.mode.report_every_s,
                auto_dispatch=self.mode.auto_dispatch,
                old_fixes_at_once=self.mode.old_fixes_at_once,
            )

            def counted(_report: object) -> None:
                self.steps += 1

            sim.run(None, self._stop, tick_s=self.mode.tick_s, on_step=counted)
        except Exception:  # the demo's life must never take the console down
            log.exception("the live demo stopped")

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
