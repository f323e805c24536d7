"""First run: the connection test says clearly what is wrong; a new database gets the county's files and an
administrator; the dialog remembers the choice in the configuration file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from console.config import load_config
from console.db import Database
from console.ops import SYSTEM, DatabaseCheck, execute
from console.ops.setup import classify_error
from console.services import queries
from console.services.login import authenticate
from ui.first_run import FirstRunDialog, run_first_run


def check_database(url: str) -> DatabaseCheck:
    """What the dialog's connection test runs: the `setup.check` operation."""
    check: DatabaseCheck = execute(None, SYSTEM, "setup.check", url=url).value
    return check


def create_county_database(url: str, *, grids_file: Path, units_file: Path | None, **arguments: Any) -> Any:
    """What the dialog's "create and import" runs: the `setup.new_county` operation."""
    return execute(
        None,
        SYSTEM,
        "setup.new_county",
        url=url,
        grids_file=str(grids_file),
        units_file=str(units_file) if units_file else None,
        **arguments,
    ).value


PG_URL = os.environ.get("CONSOLE_TEST_PG_URL")


def test_a_new_sqlite_file_is_reachable_and_empty(tmp_path: Path) -> None:
    check = check_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert check.ok and check.empty and check.revision is None and check.head is not None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "bad_url"),
        ("postgresql://user@:notaport/db", "bad_url"),
        ("mysql+nosuchdriver://x@localhost/db", "bad_scheme"),
        ("postgresql://postgres@127.0.0.1:1/test", "refused"),
        ("postgresql://postgres@no-such-host.invalid:5432/test", "unknown_host"),
    ],
)
def test_connection_problems_are_named(url: str, problem: str) -> None:
    check = check_database(url)
    assert not check.ok
    assert check.problem == problem, check.detail


@pytest.mark.skipif(not PG_URL, reason="needs CONSOLE_TEST_PG_URL")
def test_a_missing_postgres_database_is_named() -> None:
    assert PG_URL
    base = PG_URL.rsplit("/", 1)[0]
    check = check_database(f"{base}/no_such_database_here")
    assert check.problem == "no_database"


def test_unknown_driver_errors_are_other() -> None:
    assert classify_error(RuntimeError("something odd")) == "other"


def test_create_imports_the_county_and_an_administrator(tmp_path: Path, county_files: tuple[Path, Path]) -> None:
    grids, units = county_files
    url = f"sqlite:///{tmp_path / 'county.sqlite3'}"
    stages: list[tuple[str, int, int]] = []
    report = create_county_database(
        url,
        grids_file=grids,
        units_file=units,
        admin_name="chief",
        admin_password="s3cret-pass",
        progress=lambda *a: stages.append(a),
    )
    assert report["grids"]["created"] == 4 and report["units"]["created"] == 3
    assert [s[0] for s in stages] == ["schema", "grids", "units", "admin", "done"]
    assert stages[-1][1] == stages[-1][2]
    db = Database(url)
    try:
        with db.session() as s:
            county = queries.county(s)
            assert {t.name for t in county.townships} == {"城关镇", "北山镇"}
            assert len(queries.list_units(s)) == 3
        assert authenticate(db, "chief", "s3cret-pass").name == "chief"
    finally:
        db.dispose()
    again = check_database(url)
    assert again.ok and not again.empty and again.revision == again.head


def test_a_bad_units_file_names_the_line(tmp_path: Path, county_files: tuple[Path, Path]) -> None:
    grids, units = county_files
    units.write_text(units.read_text("utf-8") + "XX-01,spaceship,,,,,\n", "utf-8")
    from console.services.errors import ValidationError

    with pytest.raises(ValidationError) as err:
        create_county_database(
            f"sqlite:///{tmp_path / 'c.sqlite3'}",
            grids_file=grids,
            units_file=units,
            admin_name="chief",
            admin_password="s3cret-pass",
        )
    assert err.value.field == "line 5: kind"


@pytest.mark.ui
def test_dialog_demo_choice_is_remembered(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    monkeypatch.setenv("CONSOLE_DATA_DIR", str(tmp_path / "data"))
    config_file = tmp_path / "console.toml"

    def click_demo() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, FirstRunDialog) and w.isVisible())
        dialog.demo_button.click()

    QTimer.singleShot(0, click_demo)
    url = run_first_run(QApplication.instance(), load_config(), str(config_file))
    assert url is not None and url.endswith("console.sqlite3") and str(tmp_path / "data") in url
    saved = load_config(config_file)
    assert saved.database_url == url and saved.setup == "demo"


@pytest.mark.ui
def test_dialog_shared_page_explains_a_refused_connection(qtbot) -> None:
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.shared_button.click()
    assert dialog.pages.currentIndex() == FirstRunDialog.PAGE_SHARED
    dialog.shared_url.setText("postgresql://postgres@127.0.0.1:1/test")
    dialog.test_button.click()
    qtbot.waitUntil(
        lambda: dialog.test_button.isEnabled() and dialog.shared_status.property("role") == "error", timeout=20_000
    )
    assert "firewall" in dialog.shared_status.text()
    assert not dialog.use_button.isEnabled()


@pytest.mark.ui
def test_dialog_shared_page_accepts_a_ready_database(qtbot, tmp_path: Path, county_files) -> None:
    grids, units = county_files
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    create_county_database(url, grids_file=grids, units_file=units, admin_name="chief", admin_password="s3cret-pass")
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.shared_button.click()
    dialog.shared_url.setText(url)
    dialog.test_button.click()
    qtbot.waitUntil(dialog.use_button.isEnabled, timeout=20_000)
    with qtbot.waitSignal(dialog.accepted):
        dialog.use_button.click()
    assert dialog.url == url and dialog.setup == "shared"


@pytest.mark.ui
def test_dialog_new_database_with_progress(qtbot, tmp_path: Path, county_files) -> None:
    grids, units = county_files
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.new_button.click()
    dialog.new_url.setText(str(tmp_path / "new.sqlite3"))
    dialog.grids_file.setText(str(grids))
    dialog.units_file.setText(str(units))
    dialog.admin_password.setText("short")
    dialog.create_button.click()
    assert "8 characters" in dialog.new_status.text()  # refused before any work
    dialog.admin_password.setText("s3cret-pass")
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        dialog.create_button.click()
    assert dialog.setup == "new" and dialog.url == f"sqlite:///{(tmp_path / 'new.sqlite3').resolve()}"
    assert dialog.overall_bar.value() == dialog.overall_bar.maximum()


@pytest.mark.ui
def test_dialog_new_database_refuses_a_database_with_data(qtbot, tmp_path: Path, county_files) -> None:
    grids, units = county_files
    path = tmp_path / "full.sqlite3"
    create_county_database(
        f"sqlite:///{path}", grids_file=grids, units_file=None, admin_name="chief", admin_password="s3cret-pass"
    )
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    dialog.new_button.click()
    dialog.new_url.setText(str(path))
    dialog.grids_file.setText(str(grids))
    dialog.admin_password.setText("s3cret-pass")
    dialog.create_button.click()
    qtbot.waitUntil(
        lambda: dialog.create_button.isEnabled() and dialog.new_status.property("role") == "error", timeout=20_000
    )
    assert "already holds data" in dialog.new_status.text()
    assert isinstance(dialog, FirstRunDialog) and DatabaseCheck("x").ok is False
