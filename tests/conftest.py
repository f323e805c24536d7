"""Shared fixtures.

`db` gives a migrated database: a fresh SQLite file always, and a fresh PostgreSQL database when
CONSOLE_TEST_PG_URL is set (one database per test session, dropped at the end, so parallel runs never collide).
Without that variable the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from console.db import Database, upgrade_to_head
from console.db.engine import normalise_url
from tests.county import MiniCounty, build_mini_county

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

PG_URL = os.environ.get("CONSOLE_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long tests (frozen build); run by .ci/run")
    config.addinivalue_line("markers", "ui: tests that need a Qt application")
    config.addinivalue_line("markers", "standby: PostgreSQL primary and hot standby started by the test")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database for this session; tests clone it (CREATE DATABASE ... TEMPLATE)."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need CONSOLE_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"console_tpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade_to_head(db.engine)
    db.dispose()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_pg(template: str) -> tuple[str, str]:
    assert PG_URL
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"console_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return name, make_url(normalise_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def _drop_pg(name: str) -> None:
    assert PG_URL
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade_to_head(db.engine)
    db.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """URL of a fresh, migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "console.sqlite3"
        path.write_bytes(sqlite_template.read_bytes())
        yield f"sqlite:///{path}"
    else:
        template = request.getfixturevalue("pg_template")
        name, url = _fresh_pg(template)
        yield url
        _drop_pg(name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for tests that are about the UI or files rather than the database."""
    path = tmp_path / "console.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def pg_db(pg_template: str) -> Iterator[Database]:
    """PostgreSQL only, for what only PostgreSQL has (LISTEN/NOTIFY, sequences committing out of order)."""
    name, url = _fresh_pg(pg_template)
    database = Database(url)
    yield database
    database.dispose()
    _drop_pg(name)


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without Python's interpreter teardown once a Qt application has run.

    Every result has been reported by now. What remains is the destruction of module globals in an arbitrary order,
    during which QtWebEngine's objects can outlive the application they belong to and crash the process (seen
    intermittently as a segmentation fault after the summary line), turning a green run red. The exit status is
    pytest's own.
    """
    if "PySide6.QtWidgets" not in sys.modules or not _exit_status:
        return
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status[-1])


@pytest.fixture
def county(db: Database) -> MiniCounty:
    """The mini county (tests/county.py) on the test's database; a folder's own conftest may give another."""
    return build_mini_county(db)
