"""Shared fixtures.

`db` gives a migrated database: a fresh SQLite file always, and a fresh PostgreSQL database when
CONSOLE_TEST_PG_URL is set (a copy of the session's migrated template for each test, named at random and dropped
after it, so parallel runs and pytest-xdist's workers never collide).
Without that variable the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import os
import sys
import threading
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


class PgClones:
    """Fresh copies of the session's migrated PostgreSQL database, made ahead and dropped behind on two threads.

    Each test still gets a database of its own, copied from the template (CREATE DATABASE ... TEMPLATE). What the
    threads take off the tests' clock is the server's side of it: making the next copies while a test runs, and
    dropping the used ones, which costs a checkpoint each (DROP DATABASE asks for one: seconds on a busy server).
    The droppers have threads of their own so that a checkpoint never holds up the next copy, and several of them,
    because drops asking at the same time are served by one checkpoint. The session waits for the last drops at
    its end.
    """

    AHEAD = 2
    DROPPERS = 4

    def __init__(self, template: str) -> None:
        assert PG_URL
        self.template = template
        self._admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        self._lock = threading.Condition()
        self._ready: list[str] = []
        self._failure: Exception | None = None
        self._wanted = self.AHEAD  # copies still to make
        self._to_drop: list[str] = []
        self._drop_failures: list[Exception] = []
        self._closing = False
        self._threads = [threading.Thread(target=self._make, name="pg-clones-make", daemon=True)] + [
            threading.Thread(target=self._drop, name=f"pg-clones-drop-{i}", daemon=True) for i in range(self.DROPPERS)
        ]
        for thread in self._threads:
            thread.start()

    def _sql(self, statement: str) -> None:
        with self._admin.connect() as c:
            c.execute(text(statement))

    def _make(self) -> None:
        while True:
            with self._lock:
                while not (self._wanted or self._closing):
                    self._lock.wait()
                if self._closing:
                    return
                self._wanted -= 1
            name = f"console_t_{uuid.uuid4().hex[:10]}"
            try:
                self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            except Exception as exc:  # a copy not made fails the test waiting for it
                with self._lock:
                    self._failure = exc
                    self._lock.notify_all()
                continue
            with self._lock:
                if self._closing:
                    self._to_drop.append(name)
                else:
                    self._ready.append(name)
                self._lock.notify_all()

    def _drop(self) -> None:
        while True:
            with self._lock:
                while not (self._to_drop or self._closing):
                    self._lock.wait()
                if not self._to_drop:
                    if self._threads[0].is_alive():  # the maker may still hand back a last copy
                        self._lock.wait(0.1)
                        continue
                    return
                name = self._to_drop.pop(0)
            try:
                self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # reported at the session's end
                with self._lock:
                    self._drop_failures.append(exc)

    def take(self) -> tuple[str, str]:
        """A fresh database (its name and URL); another one is begun at once."""
        with self._lock:
            while not self._ready and self._failure is None:
                self._lock.wait()
            if self._failure is not None:
                failure, self._failure = self._failure, None
                self._wanted += 1
                self._lock.notify_all()
                raise failure
            name = self._ready.pop(0)
            self._wanted += 1
            self._lock.notify_all()
        return name, make_url(normalise_url(PG_URL or "")).set(database=name).render_as_string(hide_password=False)

    def copy_of(self, source: str) -> tuple[str, str]:
        """A fresh copy of another database of the session, made now; given back like the others."""
        name = f"console_t_{uuid.uuid4().hex[:10]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return name, make_url(normalise_url(PG_URL or "")).set(database=name).render_as_string(hide_password=False)

    def give_back(self, name: str) -> None:
        with self._lock:
            self._to_drop.append(name)
            self._lock.notify_all()

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._to_drop.extend(self._ready)
            self._ready.clear()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join()
        self._admin.dispose()
        if self._drop_failures:
            raise self._drop_failures[0]


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


@pytest.fixture(scope="session")
def pg_clones(pg_template: str) -> Iterator[PgClones]:
    clones = PgClones(pg_template)
    yield clones
    clones.close()


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
        clones: PgClones = request.getfixturevalue("pg_clones")
        name, url = clones.take()
        yield url
        clones.give_back(name)


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
def pg_db(pg_clones: PgClones) -> Iterator[Database]:
    """PostgreSQL only, for what only PostgreSQL has (LISTEN/NOTIFY, sequences committing out of order)."""
    name, url = pg_clones.take()
    database = Database(url)
    yield database
    database.dispose()
    pg_clones.give_back(name)


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
