"""A hypothesis fuzz of the command line's three ways in — `intake --json`, `import grids`, `import units` — on
SQLite and PostgreSQL, each example given to both databases in turn. Every answer must be either success or the
JSON error of bad input (exit 2) — never a traceback, never another exit code (an `internal` 9 is a bug) — and a
refusal must store nothing: cases, events, citizens, grids, townships and units are counted before and after. Both
databases must give the same answer to the same input, since the core checks it before either sees it.

The number of examples is bounded (`EXAMPLES`) and the run is derandomised, so CI runs the same fuzz every time.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from sqlalchemy import func, select

from console.cli import main as cli_main
from console.cli.main import main
from console.db import Database
from console.models import Case, Citizen, Event, Grid, Township, Unit
from tests.county import build_mini_county
from tests.fuzz_inputs import grids_bytes, intake_bytes, units_bytes

EXAMPLES = {"intake": 200, "grids": 100, "units": 100, "intake_sqlite": 100}
COUNTED = (Case, Event, Citizen, Grid, Township, Unit)


def fuzz_settings(target: str) -> Any:
    return settings(
        max_examples=EXAMPLES[target],
        deadline=None,
        derandomize=True,
        database=None,  # nothing written into the source tree
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def counts(db: Database) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(int(s.scalar(select(func.count(m.id))) or 0) for m in COUNTED)


def answer(db: Database, argv: list[str]) -> tuple[int, dict[str, Any] | None]:
    """Run one command in this process; check the answer's form and that a refusal stored nothing."""
    before = counts(db)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", db.url, *argv])
    assert "Traceback" not in err.getvalue()
    if code == 0:
        assert err.getvalue() == ""
        json.loads(out.getvalue())
        return 0, None
    assert code == 2, err.getvalue()  # bad input, said as such; 9 (internal) would be a bug
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    error = json.loads(lines[0])
    assert error["error"] == "invalid" and error["message"] and error.get("field"), error
    assert out.getvalue() == ""
    assert counts(db) == before, "nothing is stored for a refused input"
    return code, error


class Backends:
    """The databases every example goes to, in the same order, so they stay in step."""

    def __init__(self, databases: list[Database], folder: Path) -> None:
        self.databases = databases
        self.file = folder / "input"
        for db in databases:
            build_mini_county(db)

    def check(self, command: list[str], content: bytes) -> None:
        self.file.write_bytes(content)
        answers = [answer(db, [*command, str(self.file)]) for db in self.databases]
        codes = {code for code, _ in answers}
        fields = {error["field"] if error else None for _, error in answers}
        assert len(codes) == 1 and len(fields) == 1, f"the databases answered differently: {answers}"
        field = answers[0][1]["field"] if answers[0][1] else None
        event("stored" if field is None else f"refused: {field.split(': ')[-1].split('.')[-1].split('[')[0]}")
        if answers[0][0] == 0:
            assert len({counts(db) for db in self.databases}) == 1


@pytest.fixture(autouse=True, scope="module")
def one_parser() -> Iterator[None]:
    """The command line's parser made once for the module, not once for each of the ~1,500 calls of its examples.

    Making it (two dozen subcommand modules, each adding its parsers) was two thirds of an example's time; what the
    fuzz is about (parsing the input, checking it, storing it or refusing it) is the same with one parser, and each
    call still goes through `main` and `parse_args`.
    """
    parser = cli_main.build_parser()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_main, "build_parser", lambda: parser)
        yield


@pytest.fixture
def both(sqlite_db: Database, pg_db: Database, tmp_path: Path) -> Iterator[Backends]:
    yield Backends([sqlite_db, pg_db], tmp_path)


@pytest.fixture
def sqlite_only(sqlite_db: Database, tmp_path: Path) -> Iterator[Backends]:
    yield Backends([sqlite_db], tmp_path)


@fuzz_settings("intake")
@given(content=intake_bytes)
def test_intake_fuzz_on_both_databases(both: Backends, content: bytes) -> None:
    both.check(["intake", "--json"], content)


@fuzz_settings("grids")
@given(content=grids_bytes)
def test_grids_import_fuzz_on_both_databases(both: Backends, content: bytes) -> None:
    both.check(["import", "grids"], content)


@fuzz_settings("units")
@given(content=units_bytes)
def test_units_import_fuzz_on_both_databases(both: Backends, content: bytes) -> None:
    both.check(["import", "units"], content)


@fuzz_settings("intake_sqlite")
@given(content=intake_bytes)
def test_intake_fuzz_on_sqlite(sqlite_only: Backends, content: bytes) -> None:
    """The same fuzz where no PostgreSQL server is configured (the run above then skips, naming why)."""
    sqlite_only.check(["intake", "--json"], content)
