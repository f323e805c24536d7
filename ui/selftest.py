"""`dispatch-console --self-test [--screenshot FILE]`: does this installation work? (From source and frozen.)

Starts offscreen on a fresh demo database in a temporary directory, opens the main window in the dispatcher layout
(1920×1080), waits for the map page and for its first drawn batch, checks that no request left the application's
own schemes (the map's request guard records every one), takes one appeal in and dispatches the nearest unit through
the console session (the same operations, `intake.create` then `dispatch.nearest`, through the same database worker,
as the intake form's "save and dispatch"), optionally saves a screenshot, and prints a one-line JSON report. Exit status 0 when every check passed,
1 otherwise (the report's `error` says which and why).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWidget

import console
from console.db import Database
from console.enums import CaseStatus, Category, Channel, Priority, UnitKind, UnitStatus
from console.ops import SYSTEM, Actor
from console.paths import is_frozen

# Seconds each stage may take before the self-test gives up on it (generous: a slow, shared CI machine).
TIMEOUTS = {"demo": 180.0, "login": 30.0, "loaded": 60.0, "map": 60.0, "drawn": 30.0, "intake": 30.0, "dispatch": 30.0}
WINDOW_SIZE = (1920, 1080)
DEMO_DAYS = 2
DEMO_USER = "demo"


def seconds_since_process_start() -> float | None:
    """How long this process has been running (Linux: from /proc; elsewhere unknown)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return round(uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"), 2)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class SelfTestFailed(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


def prepare_environment() -> None:
    """Before the QApplication exists: offscreen unless a display was asked for explicitly, software rendering;
    Chromium's sandbox cannot run as root (CI containers), so it is off there."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def wait_until(condition: Callable[[], bool], timeout: float, stage: str, what: str) -> float:
    """Run the event loop until `condition()` holds; returns the seconds it took (raises after `timeout`)."""
    started = time.perf_counter()
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(loop.quit)  # back to the checks below every tick
    deadline = started + timeout
    poll.start()
    while not condition():
        if time.perf_counter() > deadline:
            poll.stop()
            raise SelfTestFailed(stage, f"{what} did not happen within {timeout:.0f} s")
        loop.exec()
    poll.stop()
    return time.perf_counter() - started


class SelfTest:
    def __init__(self, app: QApplication, args: argparse.Namespace, workdir: Path) -> None:
        self.app = app
        self.args = args
        self.workdir = workdir
        self.started = time.perf_counter()
        self.report: dict[str, Any] = {
            "ok": False,
            "version": console.__version__,
            "frozen": is_frozen(),
            "lang": getattr(args, "lang", None),
            # process start → application created (interpreter, imports, Qt); the demo build is not part of a start
            "seconds_to_application": seconds_since_process_start(),
        }
        self.db: Database | None = None
        self.worker: Any = None
        self.window: QWidget | None = None
        self._drawn: list[int] = []  # sequence numbers of the batches the map page says it drew

    # -- stages ------------------------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from ui.workers import DbWorker

        self._check_language()
        self.db = Database(f"sqlite:///{self.workdir / 'console.sqlite3'}")
        self.worker = DbWorker(self.db)
        self.worker.start()
        self._build_demo()
        actor = self._log_in()
        session, map_widget = self._open_window(actor)
        self._wait_for_map(session, map_widget)
        self._round_trip(session)
        screenshot = getattr(self.args, "screenshot", None)
        if screenshot:
            self._screenshot(Path(screenshot))
        blocked = map_widget.blocked_requests
        self.report["outside_requests"] = len(blocked)
        if blocked:
            self.report["blocked"] = blocked[:10]
            raise SelfTestFailed("offline", f"{len(blocked)} request(s) left the application's schemes: {blocked[0]}")
        self.report["ok"] = True
        return self.report

    def _check_language(self) -> None:
        """The interface's language as loaded: our catalogue and Qt's own (standard buttons), and the font."""
        from PySide6.QtCore import QCoreApplication, QLocale

        chinese = QLocale().language() == QLocale.Language.Chinese
        self.report["lang"] = "zh_CN" if chinese else "en"
        self.report["font"] = self.app.font().family()
        if chinese:
            ours = QCoreApplication.translate("Labels", "Dispatcher") != "Dispatcher"
            # Qt's catalogue, seen through a standard button (not a string of ours, so lupdate does not collect it).
            box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
            qts = box.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", "") != "Cancel"
            box.deleteLater()
            self.report["translations"] = {"console": ours, "qt": qts}
            if not (ours and qts):
                raise SelfTestFailed("language", f"Chinese translations not loaded (console: {ours}, Qt: {qts})")

    def _job(self, stage: str, operation: str, /, **arguments: Any) -> Any:
        """Run an operation as the system in the database worker and wait for its value."""
        from ui.workers import OpCall

        box: list[Any] = []
        self.worker.run(OpCall(operation, SYSTEM, arguments), box.append)
        wait_until(lambda: bool(box), TIMEOUTS[stage], stage, "the database job")
        result = box[0]
        if not result.ok:
            raise SelfTestFailed(stage, f"{type(result.error).__name__}: {result.error}")
        return result.value

    def _build_demo(self) -> None:
        started = time.perf_counter()
        self._job("demo", "schema.upgrade")
        summary = self._job("demo", "setup.demo", days=DEMO_DAYS)
        self.report["demo"] = {k: summary[k] for k in ("cases", "open_cases", "units")}
        self.report["seconds_demo"] = round(time.perf_counter() - started, 2)

    def _log_in(self) -> Actor:
        actor: Actor = self._job("login", "auth.login", name=DEMO_USER, password=DEMO_USER)
        return actor

    def _open_window(self, actor: Actor) -> tuple[Any, Any]:
        from console.geo.basemap import BasemapConfig
        from console.paths import data_dir
        from ui.intake import DraftStore
        from ui.layouts import Layout
        from ui.main_window import MainWindow
        from ui.map.widget import MapWidget
        from ui.session import ConsoleSession

        self.window_started = time.perf_counter()
        session = ConsoleSession(self.worker, actor)
        map_widget = MapWidget(BasemapConfig())
        map_widget.batchApplied.connect(self._drawn.append)
        window = MainWindow(
            session, DraftStore.for_user(data_dir(), actor.name), layout=Layout.DISPATCHER, map_widget=map_widget
        )
        self.window = window
        window.resize(*WINDOW_SIZE)
        window.restore_layout()
        window.show()
        window.set_reference(self._job("loaded", "reference.county"), self._job("loaded", "reference.places"))
        session.start()
        wait_until(lambda: session.is_loaded, TIMEOUTS["loaded"], "loaded", "the first snapshot")
        self.report["open_cases"] = len(session.state.cases)
        self.report["units"] = len(session.state.units)
        return session, map_widget

    def _wait_for_map(self, session: Any, map_widget: Any) -> None:
        wait_until(lambda: map_widget.is_ready, TIMEOUTS["map"], "map", "the map page's ready signal")
        self.report["seconds_to_map_page"] = round(time.perf_counter() - self.window_started, 2)
        # The units and cases of the snapshot reach the page as one batch; wait until the page says it drew one.
        wait_until(lambda: bool(self._drawn), TIMEOUTS["drawn"], "drawn", "the first drawn batch")
        self.report["seconds_to_map_drawn"] = round(time.perf_counter() - self.window_started, 2)
        if self.report["seconds_to_application"] is not None:
            # What a user waits for at start: the application, then the window until the map is drawn.
            self.report["seconds_start_to_map_drawn"] = round(
                self.report["seconds_to_application"] + self.report["seconds_to_map_drawn"], 2
            )

    def _round_trip(self, session: Any) -> None:
        unit = self._free_unit(session)
        data = {
            "channel": Channel.POLICE_110.value,
            "category": Category.PUBLIC_ORDER.value,
            "priority": Priority.ORANGE.value,
            "description": "自检：路口有人争吵，请派员到场查看。",
            "caller_phone": "13800000000",
            "caller_name": "自检",
            "lat": unit.lat,
            "lon": unit.lon,
        }
        started = time.perf_counter()
        created: list[Any] = []
        session.run("intake.create", data=data, callback=created.append)
        wait_until(lambda: bool(created), TIMEOUTS["intake"], "intake", "saving the appeal")
        if not created[0].ok:
            raise SelfTestFailed("intake", f"{type(created[0].error).__name__}: {created[0].error}")
        case_id, number = created[0].value.case.id, created[0].value.case.number
        dispatched: list[Any] = []
        session.run("dispatch.nearest", case_id=case_id, callback=dispatched.append)
        wait_until(lambda: bool(dispatched), TIMEOUTS["dispatch"], "dispatch", "dispatching the nearest unit")
        if not dispatched[0].ok:
            raise SelfTestFailed("dispatch", f"{type(dispatched[0].error).__name__}: {dispatched[0].error}")
        unit_id = dispatched[0].value.unit_id
        case = session.state.cases.get(case_id)
        taken = session.state.units.get(unit_id)
        if case is None or case.status != CaseStatus.DISPATCHED:
            raise SelfTestFailed("dispatch", f"case {number} is {case.status if case else 'missing'} in the console")
        if taken is None or taken.status != UnitStatus.DISPATCHED or taken.current_case_id != case_id:
            raise SelfTestFailed("dispatch", f"unit {unit_id} does not show the dispatch in the console")
        self.report["round_trip"] = {
            "case": number,
            "unit": taken.callsign,
            "seconds": round(time.perf_counter() - started, 3),
        }

    @staticmethod
    def _free_unit(session: Any) -> Any:
        """An available patrol car with a position: the appeal is placed where it is, so one is surely near."""
        units = [u for u in session.state.units.values() if u.status == UnitStatus.AVAILABLE and u.lat is not None]
        cars = [u for u in units if u.kind == UnitKind.PATROL_CAR] or units
        if not cars:
            raise SelfTestFailed("intake", "no available unit with a position in the demo county")
        return min(cars, key=lambda u: u.id)

    def _screenshot(self, path: Path) -> None:
        assert self.window is not None
        settle = QEventLoop()
        QTimer.singleShot(1500, settle.quit)  # let the page paint the batch and the docks their rows
        settle.exec()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.window.grab().save(str(path)):
            raise SelfTestFailed("screenshot", f"could not write {path}")
        self.report["screenshot"] = str(path)

    def close(self) -> None:
        if self.window is not None:
            # Delete the window (and with it the map's page before its web profile) now, not at interpreter exit,
            # where Python would free them in any order and QtWebEngine crashes on a profile outliving its page.
            self.window.close()
            shiboken6.delete(self.window)
            self.window = None
            self.app.processEvents()
        if self.worker is not None:
            self.worker.stop()
        if self.db is not None:
            self.db.dispose()


def run_self_test(args: argparse.Namespace, app: QApplication) -> int:
    """Run every check, print the one-line JSON report on stdout, return the exit status."""
    with tempfile.TemporaryDirectory(prefix="console-self-test-") as tmp:
        workdir = Path(tmp)
        os.environ["CONSOLE_DATA_DIR"] = str(workdir / "data")  # drafts, window state: nothing of the user's
        test = SelfTest(app, args, workdir)
        try:
            report = test.run()
        except SelfTestFailed as exc:
            report = test.report
            report["error"] = str(exc)
        except Exception as exc:  # an unexpected failure is still a report, never a crash without one
            report = test.report
            report["error"] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
        finally:
            test.close()
        report["seconds"] = round(time.perf_counter() - test.started, 2)
        print(json.dumps(report, ensure_ascii=False, default=str), flush=True)
    return 0 if report.get("ok") else 1
