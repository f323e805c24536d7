"""First run on a workstation: the console has no configuration yet, so it asks where its data is.

Three choices: open the demo county (a local file, built at first start), connect to the center's shared database
(the address is tested first with the `setup.check` operation, with a clear message when it does not answer), or
create an empty database and import the county's grids (GeoJSON) and units (CSV) with the `setup.new_county`
operation — the same imports and user creation the command line runs — with progress bars. The choice is written to
the configuration file (`console.config`), so the next start goes straight to the console.

The operations run in a background thread (there is no database worker yet: the database is what is being chosen);
their results come back to the dialog as values through signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCommandLinkButton,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.config import ConsoleConfig, save_config
from console.ops import SYSTEM, DatabaseCheck, ServiceError, execute
from console.ops.setup import classify_error, first_line
from console.paths import default_db_path

Progress = Callable[[str, int, int], None]


def _check(url: str) -> DatabaseCheck:
    check: DatabaseCheck = execute(None, SYSTEM, "setup.check", url=url).value
    return check


# -- running it off the interface thread ---------------------------------------------------------------------------


class Task(QObject):
    """Runs one function in a thread; `progress`, `finished(value)` and `failed(error)` arrive on the interface
    thread (the task object lives there)."""

    progress = Signal(str, int, int)
    finished = Signal(object)
    failed = Signal(object)

    def start(self, fn: Callable[[Progress], Any]) -> None:
        def run() -> None:
            try:
                value = fn(self.progress.emit)
            except Exception as exc:  # handed back as a value
                self.failed.emit(exc)
            else:
                self.finished.emit(value)

        threading.Thread(target=run, name="first-run", daemon=True).start()


# -- the dialog -----------------------------------------------------------------------------------------------------


class FirstRunDialog(QDialog):
    """Accepted with `url` and `setup` ("demo", "shared" or "new") set."""

    PAGE_CHOICE, PAGE_SHARED, PAGE_NEW = range(3)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url: str | None = None
        self.setup: str | None = None
        self._task: Task | None = None
        self.setWindowTitle(self.tr("First start — county dispatch console"))
        self.setMinimumWidth(620)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choice_page())
        self.pages.addWidget(self._shared_page())
        self.pages.addWidget(self._new_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # -- page 1: what to open

    def _choice_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        title = QLabel(self.tr("This workstation has not been set up yet. Where is the county's data?"))
        title.setProperty("role", "heading")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.demo_button = QCommandLinkButton(
            self.tr("Open the demo county"),
            self.tr("A fictional county with a month of appeals, for training and trying the console out."),
        )
        self.shared_button = QCommandLinkButton(
            self.tr("Connect to the center's shared database"),
            self.tr("The database server of the command center (PostgreSQL); every workstation sees the same data."),
        )
        self.new_button = QCommandLinkButton(
            self.tr("Create an empty database and import the county"),
            self.tr("Grids from a GeoJSON file and units from a CSV file, and a first administrator."),
        )
        self.demo_button.clicked.connect(self._choose_demo)
        self.shared_button.clicked.connect(lambda: self.pages.setCurrentIndex(self.PAGE_SHARED))
        self.new_button.clicked.connect(lambda: self.pages.setCurrentIndex(self.PAGE_NEW))
        for button in (self.demo_button, self.shared_button, self.new_button):
            layout.addWidget(button)
        layout.addStretch(1)
        cancel = QPushButton(self.tr("Quit"))
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(cancel)
        layout.addLayout(row)
        return page

    def _choose_demo(self) -> None:
        self._finish(f"sqlite:///{default_db_path()}", "demo")

    # -- page 2: the shared database

    def _shared_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            self.tr("Enter the address of the center's database, as the administrator gave it, for example:")
            + "\npostgresql://dispatch:password@10.1.2.3:5432/county"
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(intro)
        self.shared_url = QLineEdit()
        self.shared_url.setPlaceholderText("postgresql://user:password@host:5432/database")
        self.shared_url.textChanged.connect(self._shared_changed)
        layout.addWidget(self.shared_url)
        self.shared_status = QLabel()
        self.shared_status.setWordWrap(True)
        layout.addWidget(self.shared_status)
        layout.addStretch(1)
        row = QHBoxLayout()
        back = QPushButton(self.tr("Back"))
        back.clicked.connect(lambda: self.pages.setCurrentIndex(self.PAGE_CHOICE))
        self.test_button = QPushButton(self.tr("Test the connection"))
        self.test_button.clicked.connect(self._test_shared)
        self.use_button = QPushButton(self.tr("Use this database"))
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(lambda: self._finish(self.shared_url.text().strip(), "shared"))
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(self.test_button)
        row.addWidget(self.use_button)
        layout.addLayout(row)
        return page

    def _shared_changed(self) -> None:
        self.use_button.setEnabled(False)
        self.shared_status.clear()

    def _test_shared(self) -> None:
        url = self.shared_url.text().strip()
        self.test_button.setEnabled(False)
        self.use_button.setEnabled(False)
        self._set_status(self.shared_status, self.tr("Connecting…"), "muted")
        task = Task(self)
        task.finished.connect(lambda check: self._tested(url, check))
        task.failed.connect(lambda exc: self._tested(url, DatabaseCheck(classify_error(exc), first_line(exc))))
        self._task = task
        task.start(lambda _progress: _check(url))

    def _tested(self, url: str, check: DatabaseCheck) -> None:
        self.test_button.setEnabled(True)
        if url != self.shared_url.text().strip():
            return  # the address changed while it was being tested
        if not check.ok:
            self._set_status(self.shared_status, self.problem_text(check), "error")
            return
        if check.revision is None or check.empty:
            text = self.tr(
                "Connected. The database is empty: set it up with “Create an empty database and import the county”"
                " (the same address can be given there)."
            )
            self._set_status(self.shared_status, text, "warning")
            self.new_url.setText(url)
            return
        if check.revision != check.head:
            text = self.tr("Connected. Its schema (version %1) will be brought up to date (version %2) at start.")
            text = text.replace("%1", check.revision).replace("%2", check.head or "")
        else:
            text = self.tr("Connected. The database is ready.")
        self._set_status(self.shared_status, text, "ok")
        self.use_button.setEnabled(True)

    def problem_text(self, check: DatabaseCheck) -> str:
        texts = {
            "bad_url": self.tr(
                "This is not a database address. It reads like postgresql://user:password@host:5432/name."
            ),
            "bad_scheme": self.tr(
                "Unknown kind of database: the address must begin with postgresql:// (or be a file)."
            ),
            "unknown_host": self.tr("The server name is unknown: check the address (or use the server's IP address)."),
            "refused": self.tr(
                "Nothing answers at this address and port: is the database server running, and is the"
                " port open in the firewall?"
            ),
            "timeout": self.tr("The server did not answer in time: check the network cable and the address."),
            "unreachable": self.tr("The network cannot reach this server: check the network settings."),
            "auth": self.tr("The server refused the user name or password."),
            "no_database": self.tr("The server answers, but this database does not exist on it."),
            "no_file": self.tr("The database file cannot be opened or created at this place."),
            "not_database": self.tr("This file is not a database."),
        }
        text = texts.get(check.problem or "", self.tr("The database cannot be opened."))
        return f"{text}\n({check.detail})" if check.detail else text

    # -- page 3: a new database with the county's files

    def _new_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = QFormLayout()
        self.new_url = QLineEdit(str(default_db_path()))
        self.new_url.setToolTip(self.tr("A file on this workstation, or the address of an empty PostgreSQL database"))
        self.grids_file = QLineEdit()
        self.units_file = QLineEdit()
        self.admin_name = QLineEdit("admin")
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Database"), self.new_url)
        form.addRow(
            self.tr("Grids (GeoJSON)"), self._with_browse(self.grids_file, self.tr("GeoJSON (*.geojson *.json)"))
        )
        form.addRow(self.tr("Units (CSV, optional)"), self._with_browse(self.units_file, self.tr("CSV (*.csv)")))
        form.addRow(self.tr("Administrator"), self.admin_name)
        form.addRow(self.tr("Password"), self.admin_password)
        layout.addLayout(form)
        self.overall_bar = QProgressBar()
        self.overall_bar.setRange(0, 5)
        self.overall_bar.setValue(0)
        self.overall_bar.setFormat(self.tr("%v of %m steps done"))
        self.step_bar = QProgressBar()
        self.step_bar.setRange(0, 1)
        self.step_bar.setValue(0)
        self.step_bar.setTextVisible(False)
        self.new_status = QLabel()
        self.new_status.setWordWrap(True)
        layout.addWidget(self.overall_bar)
        layout.addWidget(self.step_bar)
        layout.addWidget(self.new_status)
        layout.addStretch(1)
        row = QHBoxLayout()
        self.new_back = QPushButton(self.tr("Back"))
        self.new_back.clicked.connect(lambda: self.pages.setCurrentIndex(self.PAGE_CHOICE))
        self.create_button = QPushButton(self.tr("Create and import"))
        self.create_button.clicked.connect(self._create)
        row.addWidget(self.new_back)
        row.addStretch(1)
        row.addWidget(self.create_button)
        layout.addLayout(row)
        return page

    def _with_browse(self, edit: QLineEdit, pattern: str) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        browse = QPushButton(self.tr("Choose…"))

        def choose() -> None:
            path, _filter = QFileDialog.getOpenFileName(self, self.tr("Choose a file"), edit.text(), pattern)
            if path:
                edit.setText(path)

        browse.clicked.connect(choose)
        row.addWidget(browse)
        return box

    def stage_text(self, stage: str) -> str:
        return {
            "schema": self.tr("Creating the tables…"),
            "grids": self.tr("Importing the grids…"),
            "units": self.tr("Importing the units…"),
            "admin": self.tr("Creating the administrator…"),
            "done": self.tr("Done."),
        }.get(stage, stage)

    def _create(self) -> None:
        url = self.new_url.text().strip()
        grids = self.grids_file.text().strip()
        units = self.units_file.text().strip()
        name, password = self.admin_name.text().strip(), self.admin_password.text()
        missing = [
            (not url, self.tr("Give the database file or address.")),
            (not grids, self.tr("Choose the grids file (GeoJSON).")),
            (not name, self.tr("Give the administrator's user name.")),
            (len(password) < 8, self.tr("The administrator's password needs at least 8 characters.")),
        ]
        for bad, text in missing:
            if bad:
                self._set_status(self.new_status, text, "error")
                return
        if "://" not in url:
            url = f"sqlite:///{Path(url).expanduser().resolve()}"
        self._busy(True)
        self._set_status(self.new_status, self.tr("Checking the database…"), "muted")
        task = Task(self)
        task.progress.connect(self._on_progress)
        task.finished.connect(lambda report: self._created(url, report))
        task.failed.connect(self._create_failed)
        self._task = task

        def work(progress: Progress) -> Any:
            check = _check(url)
            if not check.ok:
                return check
            if not check.empty:
                return DatabaseCheck("not_empty")
            return execute(
                None,
                SYSTEM,
                "setup.new_county",
                url=url,
                grids_file=grids,
                units_file=units or None,
                admin_name=name,
                admin_password=password,
                progress=progress,
            ).value

        task.start(work)

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.overall_bar.setRange(0, total)
        self.overall_bar.setValue(done)
        # Each step is one transaction: the step bar runs busy while it works and fills when all is done.
        finished = stage == "done"
        self.step_bar.setRange(0, 1 if finished else 0)
        self.step_bar.setValue(1 if finished else 0)
        self._set_status(self.new_status, self.stage_text(stage), "muted")

    def _created(self, url: str, report: Any) -> None:
        self._busy(False)
        if isinstance(report, DatabaseCheck):
            if report.problem == "not_empty":
                text = self.tr("This database already holds data: choose “Connect to the center's shared database”.")
            else:
                text = self.problem_text(report)
            self._set_status(self.new_status, text, "error")
            return
        self._finish(url, "new")

    def _create_failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.step_bar.setRange(0, 1)
        if isinstance(exc, ServiceError):
            text = self.tr("Nothing was imported: %1").replace("%1", exc.message)
        else:
            text = self.problem_text(DatabaseCheck(classify_error(exc), first_line(exc)))
        self._set_status(self.new_status, text, "error")

    def _busy(self, busy: bool) -> None:
        for widget in (self.create_button, self.new_back, self.new_url, self.grids_file, self.units_file):
            widget.setEnabled(not busy)

    # -- common

    @staticmethod
    def _set_status(label: QLabel, text: str, role: str) -> None:
        label.setText(text)
        label.setProperty("role", role)
        label.style().unpolish(label)
        label.style().polish(label)

    def _finish(self, url: str, setup: str) -> None:
        self.url, self.setup = url, setup
        self.accept()


def run_first_run(app: QApplication, config: ConsoleConfig, explicit_path: str | None = None) -> str | None:
    """Show the first-run dialog; remember the choice in the configuration file. None when the user quits."""
    dialog = FirstRunDialog()
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.url is None or dialog.setup is None:
        return None
    save_config(config.with_database(dialog.url, setup=dialog.setup), explicit_path)
    return dialog.url
