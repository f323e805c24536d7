"""Starting the desktop console: `run_gui(args)` (called by the `dispatch-console` command without subcommand).

Opens the database (creating the schema, and the demo county on an empty database, in the worker with a progress
dialog), logs in (the demo starts logged in as the demo dispatcher), and shows the main window in the layout of the
user's role. `--self-test` starts on a fresh demo database, waits for the window to be loaded and exits 0 if it was;
`--screenshot FILE` saves the window once loaded (with `--self-test`, or on the given database).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from console.cli.identity import PASSWORD_ENV
from console.db import Database, upgrade_to_head
from console.enums import Role
from console.paths import data_dir, default_db_url
from console.services import queries
from console.services.actor import Actor
from console.services.errors import ServiceError
from console.services.login import authenticate
from console.services.login_policy import LoginSettings

from .intake import DraftStore
from .layouts import Layout, last_layout, layout_for_role
from .login import LoginDialog
from .main_window import MainWindow
from .session import ConsoleSession
from .theme import ThemeName, apply_theme
from .workers import DbWorker, FeedWorker, JobKind, JobResult

DEMO_USER = "demo"


def wait_for(worker: DbWorker, kind: JobKind, fn: Any) -> JobResult:
    """Run one job and wait for it with a local event loop (the interface keeps painting)."""
    loop = QEventLoop()
    box: list[JobResult] = []

    def done(result: JobResult) -> None:
        box.append(result)
        loop.quit()

    worker.submit(kind, fn, done)
    if not box:
        loop.exec()
    return box[0]


def _prepare_application(app: QApplication, lang: str | None) -> None:
    """Language and fonts, when the console creates its application itself (the entry point may have done it)."""
    from .fonts import apply_fonts
    from .i18n import install_translators

    install_translators(app, lang)
    apply_fonts(app)


def _prepare_database(worker: DbWorker, *, demo_days: int, parent: QWidget | None) -> tuple[bool, str]:
    """Schema to head; on an empty database, the demo county. Returns (demo_built, error message)."""
    result = wait_for(worker, JobKind.RAW, lambda db: upgrade_to_head(db.engine))
    if not result.ok:
        return False, str(result.error)
    result = wait_for(worker, JobKind.READ, queries.database_is_empty)
    if not result.ok or not result.value:
        return False, "" if result.ok else str(result.error)
    dialog = QProgressDialog(QCoreApplication.translate("App", "Building the demo county…"), "", 0, 100, parent)
    dialog.setWindowTitle(QCoreApplication.translate("App", "First start"))
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.setValue(0)
    stages = {"county": (0, 10), "history": (10, 95), "positions": (95, 100)}

    def progress(stage: str, done: int, total: int) -> None:
        worker.progress.emit(stage, done, total)

    def on_progress(stage: str, done: int, total: int) -> None:
        lo, hi = stages.get(stage, (0, 100))
        dialog.setValue(int(lo + (hi - lo) * (done / total if total else 1)))
        dialog.setLabelText(QCoreApplication.translate("App", "Building the demo county… (%1)").replace("%1", stage))

    worker.progress.connect(on_progress)

    def build(db: Database) -> Any:
        from console.demo import build_demo

        return build_demo(db, days=demo_days, progress=progress)

    result = wait_for(worker, JobKind.RAW, build)
    worker.progress.disconnect(on_progress)
    dialog.close()
    return result.ok, "" if result.ok else str(result.error)


def _log_in(worker: DbWorker, args: argparse.Namespace, demo_built: bool) -> Actor | None:
    """Who uses this console, proven by a password like at the command line. The one exception is the demo: a demo
    county built by this start, or the demo database chosen at first run, opens logged in as the demo dispatcher
    (as the README says; its password is its name). `--user NAME` without a window to ask in (self-test,
    screenshot) takes the password from CONSOLE_PASSWORD."""
    user = getattr(args, "user", None)
    automated = bool(getattr(args, "self_test", False) or getattr(args, "screenshot", None))
    settings = _login_settings(args)
    if not user and (demo_built or getattr(args, "demo_start", False)):
        result = wait_for(worker, JobKind.RAW, lambda db: authenticate(db, DEMO_USER, DEMO_USER, settings=settings))
        if result.ok:
            return result.value
    if automated:
        if not user:
            return None
        password = os.environ.get(PASSWORD_ENV, "")
        result = wait_for(worker, JobKind.RAW, lambda db: authenticate(db, user, password, settings=settings))
        if not result.ok:
            print(json.dumps({"ok": False, "error": str(result.error)}), file=sys.stderr)
        return result.value if result.ok else None
    dialog = LoginDialog(worker, user=user or "", settings=settings)
    return dialog.actor if dialog.exec() else None


def _login_settings(args: argparse.Namespace) -> LoginSettings:
    from console.config import load_config

    try:
        return load_config(getattr(args, "config", None)).login
    except ServiceError:  # the entry point has refused a bad configuration file already
        return LoginSettings()


def run_gui(args: argparse.Namespace) -> int:
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
    created = QApplication.instance() is None
    if created:
        _register_map_schemes()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("County dispatch console")
    if created:
        _prepare_application(app, getattr(args, "lang", None))
    self_test = bool(getattr(args, "self_test", False))
    screenshot = getattr(args, "screenshot", None)
    started = time.perf_counter()

    url = getattr(args, "db", None)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if self_test and not url:
        tmp = tempfile.TemporaryDirectory(prefix="console-self-test-")
        url = f"sqlite:///{Path(tmp.name) / 'console.sqlite3'}"
    db = Database(url or default_db_url())
    worker = DbWorker(db)
    worker.start()
    apply_theme(app, ThemeName.LIGHT)
    try:
        demo_built, error = _prepare_database(worker, demo_days=2 if self_test else 30, parent=None)
        if error:
            if not self_test:
                QMessageBox.critical(
                    None,
                    QCoreApplication.translate("App", "Database"),
                    QCoreApplication.translate("App", "The database could not be opened:\n%1").replace("%1", error),
                )
            print(json.dumps({"ok": False, "error": error}), file=sys.stderr)
            return 2
        actor = _log_in(worker, args, demo_built)
        if actor is None:
            return 1
        return _run_window(
            app,
            worker,
            actor,
            self_test=self_test,
            screenshot=screenshot,
            started=started,
            config=getattr(args, "config", None),
        )
    finally:
        worker.stop()
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


def _run_window(
    app: QApplication,
    worker: DbWorker,
    actor: Actor,
    *,
    self_test: bool,
    screenshot: str | None,
    started: float,
    config: str | None = None,
) -> int:
    layout = last_layout(actor.name, layout_for_role(actor.role)) if actor.role != Role.WALL else Layout.WALL
    wall = layout == Layout.WALL
    apply_theme(app, ThemeName.DARK if wall else ThemeName.LIGHT, point_size=15 if wall else 10.5)
    session = ConsoleSession(worker, actor)
    drafts = DraftStore.for_user(data_dir(), actor.name)
    map_widget = _make_map(config)
    window = MainWindow(session, drafts, layout=layout, map_widget=map_widget)
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

    reference = wait_for(worker, JobKind.READ, lambda s: (queries.county(s), queries.place_names(s)))
    if reference.ok:
        window.set_reference(*reference.value)
    session.start()
    feeds = _start_feeds(worker.db, config, window) if not (self_test or screenshot) else None
    if not (self_test or screenshot):
        try:
            return int(app.exec())
        finally:
            if feeds is not None:
                feeds.stop()

    # Automated run: wait until the window is loaded (and the map has had a moment to draw), then check and exit.
    loop = QEventLoop()
    session.loaded.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    if not session.is_loaded:
        loop.exec()
    drawn = getattr(map_widget, "batchApplied", None)
    if drawn is not None:  # the map's first batch of units and cases drawn in the page
        map_loop = QEventLoop()
        drawn.connect(lambda *_a: map_loop.quit())
        QTimer.singleShot(20_000, map_loop.quit)
        window.map_link.flush()
        map_loop.exec()
    settle = QEventLoop()
    QTimer.singleShot(1500, settle.quit)
    settle.exec()
    ok = session.is_loaded
    if screenshot:
        window.grab().save(screenshot)
    print(
        json.dumps(
            {
                "ok": ok,
                "user": actor.name,
                "layout": layout.value,
                "open_cases": len(session.state.cases),
                "units": len(session.state.units),
                "seconds": round(time.perf_counter() - started, 2),
                "screenshot": screenshot,
            }
        )
    )
    window.close()
    return 0 if ok else 1


#: Set to 1 on the one workstation that runs the outside feeds inside its console (DESIGN: feeds run in one place).
FEEDS_HERE_ENV = "CONSOLE_FEEDS_IN_CONSOLE"


def _start_feeds(db: Database, config: str | None, window: MainWindow) -> FeedWorker | None:
    if os.environ.get(FEEDS_HERE_ENV) != "1":
        return None
    try:
        from console.config import load_config
        from console.feeds.config import parse_feeds

        feeds = parse_feeds(load_config(config).feeds)
    except Exception as exc:  # a bad feeds table must not stop the console
        window.statusBar().showMessage(
            QCoreApplication.translate("App", "Feeds not started: %1").replace("%1", str(exc)), 15000
        )
        return None
    if feeds.empty:
        return None
    worker = FeedWorker(db, feeds, window)
    worker.polled.connect(window.show_feed_health)
    worker.start()
    return worker


def _register_map_schemes() -> None:
    try:
        from ui.map import register_schemes
    except ImportError:
        return
    register_schemes()


def _make_map(config: str | None) -> QWidget | None:
    """The live map (another part of the team), with the configured basemap; optional in this build."""
    try:
        from ui.map import MapWidget
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
