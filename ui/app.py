"""Starting the desktop console: `run_gui(args)` (called by the `dispatch-console` command without subcommand, once
the application exists with its language and fonts — see `ui.entry`).

Opens the database (creating the schema, and the demo county on an empty database, in the worker with a progress
dialog), logs in (only the demo starts logged in as the demo dispatcher), and shows the main window in the layout of the
user's role. Every step is an operation run by the database worker (`schema.upgrade`, `setup.is_empty`,
`setup.demo`, `auth.login`, `reference.county`, `reference.places`). `--self-test` is `ui.selftest`'s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from console.config import load_config
from console.db import Database
from console.enums import Role
from console.ops import SYSTEM, Actor, CountyView, LoginSettings, PlaceName, ServiceError
from console.ops.live_demo import LiveDemo
from console.paths import data_dir, default_db_url

from . import shift
from .intake import DraftStore
from .labels import stage_label
from .layouts import Layout, apply_look, last_layout, layout_for_role
from .login import LoginDialog
from .main_window import MainWindow
from .session import ConsoleSession
from .theme import ThemeName, apply_theme
from .workers import DbWorker, FeedWorker, JobResult, OpCall

DEMO_USER = "demo"
#: The demo's stages and the part of the progress bar each fills.
DEMO_STAGES = {"county": (0, 10), "history": (10, 95), "positions": (95, 100)}


def wait_for(worker: DbWorker, operation: str, /, **arguments: Any) -> JobResult:
    """Run one operation as the system and wait for it with a local event loop (the interface keeps painting)."""
    loop = QEventLoop()
    box: list[JobResult] = []

    def done(result: JobResult) -> None:
        box.append(result)
        loop.quit()

    worker.run(OpCall(operation, SYSTEM, arguments), done)
    if not box:
        loop.exec()
    return box[0]


def _prepare_database(worker: DbWorker, *, parent: QWidget | None) -> tuple[str, bool]:
    """Schema to head; on an empty database, the demo county. Returns an error message ("" when all went well) and
    whether the demo county was built."""
    result = wait_for(worker, "schema.upgrade")
    if not result.ok:
        return str(result.error), False
    result = wait_for(worker, "setup.is_empty")
    if not result.ok or not result.value:
        return ("" if result.ok else str(result.error)), False
    dialog = QProgressDialog(QCoreApplication.translate("App", "Building the demo county…"), "", 0, 100, parent)
    dialog.setWindowTitle(QCoreApplication.translate("App", "First start"))
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.setValue(0)

    def on_progress(stage: str, done: int, total: int) -> None:
        lo, hi = DEMO_STAGES.get(stage, (0, 100))
        dialog.setValue(int(lo + (hi - lo) * (done / total if total else 1)))
        dialog.setLabelText(
            QCoreApplication.translate("App", "Building the demo county… (%1)").replace("%1", stage_label(stage))
        )

    worker.progress.connect(on_progress)
    result = wait_for(worker, "setup.demo", progress=worker.progress.emit)
    worker.progress.disconnect(on_progress)
    dialog.close()
    return ("" if result.ok else str(result.error)), result.ok


def _log_in(worker: DbWorker, args: argparse.Namespace, *, demo_built: bool) -> Actor | None:
    """Who uses this console, proven by a password like at the command line. The one exception is the demo: a demo
    county built by this start, or the demo database chosen at first run (`args.demo_start`), opens logged in as the
    demo dispatcher, as the README says (its password is its name). Any other database asks, `--user` or not."""
    user = getattr(args, "user", None)
    settings = _login_settings(args)
    if not user and (demo_built or getattr(args, "demo_start", False)):
        result = wait_for(worker, "auth.login", name=DEMO_USER, password=DEMO_USER, settings=settings)
        if result.ok:
            actor: Actor = result.value
            return actor
    dialog = LoginDialog(worker, user=user or "", settings=settings)
    return dialog.actor if dialog.exec() else None


def configure_session(session: ConsoleSession, config: str | None) -> None:
    """What the session takes from the configuration file: the `[handoff]` time limit for the other line to accept,
    the `[follow_up]` interval of a flagged dispute's visit and the `[attachments]` limits of the files added here
    (the defaults without a file, or when the file cannot be read — the entry point has reported that already)."""
    try:
        loaded = load_config(config)
    except ServiceError:
        return
    session.handoff_accept_s = loaded.handoff.accept_within_s
    session.risk_visit_h = loaded.settings.follow_up.risk_visit_h
    session.attachment_settings = loaded.attachments


def _alarm_settings(actor: Actor, config: Any) -> Any:
    """The `[alarm]` table's settings for the actor's role (the entry point has refused a bad file already)."""
    return load_config(config).settings.alarm.for_role(actor.role)


def _holds_demo(worker: DbWorker) -> bool:
    """The demo county opened by `--db` or by the configuration (not built by this start): kept alive too."""
    result = wait_for(worker, "setup.is_demo")
    return bool(result.ok and result.value)


def _login_settings(args: argparse.Namespace) -> LoginSettings:
    """The `[login]` table of the configuration file (the entry point has refused a bad file already)."""
    from console.config import load_config

    try:
        return load_config(getattr(args, "config", None)).login
    except ServiceError:
        return LoginSettings()


def run_gui(args: argparse.Namespace) -> int:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("run_gui needs the application made by ui.entry.create_application")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
    app.setApplicationName("County dispatch console")
    db = Database(getattr(args, "db", None) or default_db_url())
    worker = DbWorker(db)
    worker.start()
    apply_theme(app, ThemeName.LIGHT)
    try:
        error, demo_built = _prepare_database(worker, parent=None)
        if error:
            QMessageBox.critical(
                None,
                QCoreApplication.translate("App", "Database"),
                QCoreApplication.translate("App", "The database could not be opened:\n%1").replace("%1", error),
            )
            print(json.dumps({"ok": False, "error": error}), file=sys.stderr)
            return 2
        actor = _log_in(worker, args, demo_built=demo_built)
        if actor is None:
            return 1
        demo = demo_built or getattr(args, "demo_start", False) or _holds_demo(worker)
        live = demo and not getattr(args, "no_simulate", False)
        return _run_window(
            app,
            worker,
            actor,
            config=getattr(args, "config", None),
            live_demo=live,
            on_ready=getattr(args, "on_ready", None),
        )
    finally:
        worker.stop()
        if worker.read_db is not db:
            worker.read_db.dispose()
        db.dispose()


def _wall_read_database(actor: Actor, config: str | None) -> Database | None:
    """The wall only reads: with `[database] read_url` configured it reads from the hot standby."""
    if actor.role != Role.WALL:
        return None
    try:
        url = load_config(config).database_read_url
    except ServiceError:
        return None  # a broken file was reported when the database was chosen
    return Database(url) if url else None


def _run_window(
    app: QApplication,
    worker: DbWorker,
    actor: Actor,
    *,
    config: str | None = None,
    live_demo: bool = False,
    on_ready: Callable[[MainWindow], None] | None = None,
) -> int:
    window = _open_window(app, worker, actor, config=config, on_ready=on_ready)
    feeds = _start_feeds(worker.db, config, window)
    # The demo county lives: the simulator's light mode on its own thread (`--no-simulate` turns it off).
    alive = LiveDemo(worker.db) if live_demo else None
    if alive is not None:
        alive.start()
    try:
        return int(app.exec())
    finally:
        if alive is not None:
            alive.stop()
        if feeds is not None:
            feeds.stop()


def _open_window(
    app: QApplication,
    worker: DbWorker,
    actor: Actor,
    *,
    config: str | None = None,
    on_ready: Callable[[MainWindow], None] | None = None,
) -> MainWindow:
    layout = last_layout(actor.name, layout_for_role(actor.role)) if actor.role != Role.WALL else Layout.WALL
    wall = layout == Layout.WALL
    apply_look(layout)
    read_db = _wall_read_database(actor, config)
    if read_db is not None:
        worker.read_from(read_db)
    session = ConsoleSession(worker, actor)
    configure_session(session, config)
    drafts = DraftStore.for_user(data_dir(), actor.name)
    map_widget = _make_map(config)
    window = MainWindow(session, drafts, layout=layout, map_widget=map_widget, alarm=_alarm_settings(actor, config))
    window.map_factory = lambda: _make_map(config)
    screen = app.primaryScreen().availableGeometry() if app.primaryScreen() else None
    if screen is not None:
        window.resize(screen.width(), screen.height())
    window.restore_layout()
    if wall:
        # The wall is read from across the hall: the map's page is scaled with the screen, like the type.
        view = getattr(map_widget, "view", None)
        if view is not None and screen is not None and screen.width() >= 2560:
            view.setZoomFactor(screen.width() / 1920)
        window.menuBar().hide()
        window.showFullScreen()
    else:
        window.showMaximized()
    county, places = wait_for(worker, "reference.county"), wait_for(worker, "reference.places")
    if county.ok and places.ok:
        reference: tuple[CountyView, list[PlaceName]] = (county.value, places.value)
        window.set_reference(*reference)
    if on_ready is not None:  # a bench or a tool: told when the window shows the open cases and the units
        session.loaded.connect(lambda: on_ready(window))
    session.start()
    shift.show_last_handover(window)
    window.switchUserRequested.connect(lambda: _switch_user(app, worker, window, config=config))
    return window


def _switch_user(app: QApplication, worker: DbWorker, window: MainWindow, *, config: str | None) -> None:
    """Shift change without restarting: the handover note is written; the console locks (its window goes) and the
    next user logs in to a window of their own. Cancelling the login quits."""
    quit_on_close = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # between two users no window is open
    window.quit_confirmed = True
    window.close()
    dialog = LoginDialog(worker, settings=load_config(config).login)
    actor = dialog.actor if dialog.exec() else None
    app.setQuitOnLastWindowClosed(quit_on_close)
    old_session = window.session
    window.deleteLater()
    old_session.deleteLater()
    if actor is None:
        app.quit()
        return
    _open_window(app, worker, actor, config=config)


#: Set to 1 on the one workstation that runs the outside feeds inside its console (DESIGN: feeds run in one place).
FEEDS_HERE_ENV = "CONSOLE_FEEDS_IN_CONSOLE"


def _start_feeds(db: Database, config: str | None, window: MainWindow) -> FeedWorker | None:
    if os.environ.get(FEEDS_HERE_ENV) != "1":
        return None
    try:
        from console.config import load_config

        loaded = load_config(config)
        feeds = loaded.feeds
    except Exception as exc:  # a bad feeds table must not stop the console
        window.statusBar().showMessage(
            QCoreApplication.translate("App", "Feeds not started: %1").replace("%1", str(exc)), 15000
        )
        return None
    if feeds.empty:
        return None
    worker = FeedWorker(db, feeds, window, attachments=loaded.attachments)
    worker.polled.connect(window.show_feed_health)
    worker.start()
    return worker


def _make_map(config: str | None) -> QWidget | None:
    """The live map (another part of the team), with the configured basemap; optional in this build."""
    try:
        from ui.map.widget import MapWidget
    except ImportError:
        return None
    try:
        try:
            from console.config import load_config

            basemap = load_config(config).basemap_config()
        except Exception:
            from console.geo.basemap import BasemapConfig

            basemap = BasemapConfig()
        widget: QWidget = MapWidget(basemap)
        return widget
    except Exception:
        import logging

        logging.getLogger(__name__).exception("the live map could not start")
        return None
