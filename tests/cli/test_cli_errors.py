"""Every failure of the command line is a clean answer: a JSON error on standard error with its documented exit code,
never a traceback. Each case here printed a traceback (exit 1) before, or left a file where none should be."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from console.cli import main as main_module
from console.cli.main import main
from console.db import Database, engine, tx
from console.db.engine import normalise_url
from console.db.migrate import alembic_config
from console.models import Case, Unit
from tests.cli.test_cli import UNITS_CSV
from tests.county import MiniCounty, build_mini_county

ROOT = Path(__file__).resolve().parents[2]
APPEAL = {"channel": "walk_in", "category": "other", "priority": "blue", "description": "路灯不亮"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any] | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    error = None
    if code != 0:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err  # one line of JSON, nothing else
        error = json.loads(lines[0])
        assert error["error"] and error["message"]
    return code, error, captured.out


def intake_file(tmp_path: Path, content: bytes | str) -> str:
    path = tmp_path / "appeal.json"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


# -- the database ----------------------------------------------------------------------------------------------------


def test_a_missing_or_empty_database_is_refused_and_no_file_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "gone.sqlite3"
    for argv in (
        ["export", "cases"],
        ["intake", "--json", intake_file(tmp_path, json.dumps(APPEAL))],
        ["kpi", "--from", "2026-01-01", "--to", "2026-01-02"],
    ):
        code, error, _ = run(capsys, "--db", str(path), *argv)
        assert code == 3 and error is not None and error["error"] == "database_missing"
        assert not path.exists() and list(tmp_path.glob("gone*")) == []
    path.touch()
    code, error, _ = run(capsys, "--db", str(path), "export", "cases")
    assert code == 3 and error is not None and error["error"] == "schema_missing"
    assert path.stat().st_size == 0 and list(tmp_path.glob("gone.sqlite3-*")) == []
    code, _, _ = run(capsys, "--db", str(path), "init")
    assert code == 0
    assert run(capsys, "--db", str(path), "export", "cases")[0] == 0


def test_a_schema_from_another_version_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database(f"sqlite:///{path}")
    command.upgrade(alembic_config(db.engine), "0002")
    db.dispose()
    code, error, _ = run(capsys, "--db", str(path), "export", "cases")
    assert code == 3 and error is not None and error["error"] == "schema_outdated" and "init" in error["message"]
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    code, error, _ = run(capsys, "--db", str(path), "export", "cases")
    assert code == 3 and error is not None and error["error"] == "schema_newer"


def test_database_down_is_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Nothing listens on port 1 of the loopback: the connection is refused, as when the server is down."""
    for argv in (["export", "cases"], ["intake", "--json", intake_file(tmp_path, json.dumps(APPEAL))]):
        code, error, _ = run(capsys, "--db", "postgresql://postgres@127.0.0.1:1/county", *argv)
        assert code == 3 and error is not None and error["error"] == "database_unavailable"


def test_a_postgresql_database_that_does_not_exist(pg_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    url = make_url(pg_db.url).set(database="no_such_database_here").render_as_string(hide_password=False)
    code, error, _ = run(capsys, "--db", url, "export", "cases")
    assert code == 3 and error is not None and error["error"] == "database_missing"


def test_a_bad_database_address_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, error, _ = run(capsys, "--db", "mysql+nosuchdriver://x/y", "export", "cases")
    assert code == 2 and error is not None and error["field"] == "db"


def test_write_lock_held_longer_than_the_wait_is_exit_5(
    sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build_mini_county(sqlite_db)
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 100)  # the 10 s wait, 8 times, made short
    monkeypatch.setattr(tx, "ATTEMPTS", 2)
    path = make_url(sqlite_db.url).database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, error, _ = run(
            capsys, "--db", sqlite_db.url, "intake", "--json", intake_file(tmp_path, json.dumps(APPEAL))
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 5 and error is not None and error["error"] == "database_busy"
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_a_postgresql_lock_held_longer_than_the_wait_is_exit_5(
    pg_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL waited for a held lock forever; now as long as SQLite waits (made short here)."""
    build_mini_county(pg_db)
    monkeypatch.setattr(engine, "PG_LOCK_TIMEOUT_MS", 200)
    holder = create_engine(normalise_url(pg_db.url))
    with holder.connect() as conn:
        conn.execute(text("LOCK TABLE counters IN EXCLUSIVE MODE"))  # another writer, in the middle of a transaction
        code, error, _ = run(capsys, "--db", pg_db.url, "intake", "--json", intake_file(tmp_path, json.dumps(APPEAL)))
        conn.rollback()
    holder.dispose()
    assert code == 5 and error is not None and error["error"] == "database_busy"
    with pg_db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_read_only_sqlite_is_exit_6(sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    county = build_mini_county(sqlite_db)
    path = make_url(sqlite_db.url).database
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"  # a read-only connection, as a read-only mount gives
    code, _, out = run(capsys, "--db", read_only, "export", "units")
    assert code == 0 and len(json.loads(out)) == len(county.unit_ids)  # reading still works
    code, error, _ = run(capsys, "--db", read_only, "intake", "--json", intake_file(tmp_path, json.dumps(APPEAL)))
    assert code == 6 and error is not None and error["error"] == "read_only"


def _as_unprivileged(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.skipif(os.geteuid() == 0 and not Path("/usr/bin/setpriv").exists(), reason="needs setpriv as root")
def test_read_only_file_and_folder_in_a_real_process(sqlite_db: Database) -> None:
    """The file read-only: `export` works and `intake` is refused (6). The folder read-only as well: SQLite cannot
    even read a WAL database there, and `export` says so (6) instead of a traceback. As root (who may write
    anything), the program runs as the unprivileged user `nobody`."""
    build_mini_county(sqlite_db)
    path = Path(str(make_url(sqlite_db.url).database))
    sqlite_db.dispose()
    folder = Path(tempfile.mkdtemp(prefix="console-ro-"))  # not under pytest's folder, which nobody may enter
    try:
        folder.chmod(0o755)
        database = folder / "county.sqlite3"
        database.write_bytes(path.read_bytes())
        appeal = folder / "appeal.json"
        appeal.write_text(json.dumps(APPEAL), encoding="utf-8")
        if os.geteuid() == 0:
            for p in (folder, database, appeal):
                os.chown(p, 65534, 65534)
        database.chmod(0o444)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(folder), "CONSOLE_DATA_DIR": str(folder)}
        cli = [sys.executable, "-m", "console.cli.main", "--db", str(database)]
        done = _as_unprivileged([*cli, "export", "units"], env)
        assert done.returncode == 0, done.stderr
        done = _as_unprivileged([*cli, "intake", "--json", str(appeal)], env)
        assert done.returncode == 6 and "Traceback" not in done.stderr, done.stderr
        assert json.loads(done.stderr)["error"] == "read_only"
        for leftover in folder.glob("county.sqlite3-*"):
            leftover.unlink()
        folder.chmod(0o555)
        done = _as_unprivileged([*cli, "export", "cases"], env)
        assert done.returncode == 6 and "Traceback" not in done.stderr, done.stderr
        assert "folder is read-only" in json.loads(done.stderr)["message"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_read_only_postgresql_is_exit_6(pg_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_mini_county(pg_db)
    """A standby or a read-only database: reading works, writing is refused with exit 6."""
    name = make_url(pg_db.url).database
    pg_db.dispose()
    admin = create_engine(normalise_url(pg_db.url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    assert run(capsys, "--db", pg_db.url, "export", "cases")[0] == 0
    code, error, _ = run(capsys, "--db", pg_db.url, "intake", "--json", intake_file(tmp_path, json.dumps(APPEAL)))
    assert code == 6 and error is not None and error["error"] == "read_only"


def test_disk_full_is_exit_7(
    sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build_mini_county(sqlite_db)
    """SQLite's own SQLITE_FULL: the database may not grow by a page (max_page_count at its current size)."""
    real_connect = engine._sqlite_on_connect

    def full(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        real_connect(dbapi_connection, record)
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(engine, "_sqlite_on_connect", full)
    big = {**APPEAL, "description": "很长的诉求" * 800}
    code, error, _ = run(
        capsys, "--db", sqlite_db.url, "intake", "--json", intake_file(tmp_path, json.dumps([big] * 20))
    )
    assert code == 7 and error is not None and error["error"] == "disk_full"
    monkeypatch.undo()
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_an_output_file_on_a_full_disk_is_exit_7(
    db: Database, county: MiniCounty, capsys: pytest.CaptureFixture[str]
) -> None:
    code, error, _ = run(capsys, "--db", db.url, "export", "units", "--format", "csv", "--out", "/dev/full")
    assert code == 7 and error is not None and error["error"] == "disk_full"
    code, error, _ = run(capsys, "--db", db.url, "export", "units", "--out", "/no/such/folder/units.json")
    assert code == 2 and error is not None and error["field"] == "out"


# -- bad input of any kind ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"channel": "walk_in", "description": "\xff\xfe"}', "json"),  # invalid UTF-8
        ('{"channel":"walk_in","category":"other","priority":"blue","description":"\\ud800"}', "description"),
        (
            '{"channel":"walk_in","category":"other","priority":"blue","description":"x","lat":1'
            + "0" * 400
            + ',"lon":1}',
            "lat",
        ),
        (
            '{"channel":"walk_in","category":"other","priority":"blue","description":"x","lat":1'
            + "0" * 5000
            + ',"lon":1}',
            "json",
        ),
        ("[" * 1000 + "]" * 1000, "json"),
        (json.dumps({**APPEAL, "received_at": "0001-01-01T00:00:00+08:00"}), "received_at"),
        (json.dumps({**APPEAL, "received_at": "1900-06-01T08:00:00+08:00"}), "received_at"),
        (json.dumps({**APPEAL, "description": "\u202e已办结"}), "description"),
        (json.dumps({**APPEAL, "caller_name": "张\x00三"}), "caller_name"),
    ],
)
def test_bad_intake_is_refused_naming_the_field(
    db: Database, county: MiniCounty, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, field: str
) -> None:
    code, error, _ = run(capsys, "--db", db.url, "intake", "--json", intake_file(tmp_path, content))
    assert code == 2 and error is not None and error["field"] == field
    with db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_bad_import_files_are_refused_on_both_databases(
    db: Database, county: MiniCounty, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.geojson"
    deep.write_text('{"type": "FeatureCollection", "features": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    code, error, _ = run(capsys, "--db", db.url, "import", "grids", str(deep))
    assert code == 2 and error is not None and error["field"] == "file"
    header = UNITS_CSV.splitlines()[0] + "\n"
    for row, field in (
        ('PC-09,patrol_car,T9,,,,"' + "x" * 131_073 + '"\n', "line 2"),
        ("PC-09,patrol_car," + "T" * 100 + ",,,,\n", "line 2: tracker_id"),  # PostgreSQL crashed on it
        ("PC\x00-09,patrol_car,T9,,,,\n", "line 2: callsign"),  # and on this; SQLite stored both
    ):
        units = tmp_path / "units.csv"
        units.write_text(header + row, encoding="utf-8")
        code, error, _ = run(capsys, "--db", db.url, "import", "units", str(units))
        assert code == 2 and error is not None and error["field"] == field
    with db.session() as s:
        assert s.scalar(select(func.count(Unit.id))) == len(county.unit_ids)


def test_bad_arguments_are_json_too(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["--db", db.url, "no-such-command"],
        ["--db", db.url, "kpi", "--from", "x"],
        ["--db", db.url, "export", "cases", "--user"],
    ):
        code, error, _ = run(capsys, *argv)
        assert code == 2 and error is not None and error["field"] == "arguments"
    code, error, _ = run(capsys, "--db", db.url, "dispatch", "2026-\udcff")  # bytes that are not UTF-8
    assert code == 2 and error is not None and error["field"] == "arguments"


def test_an_unexpected_error_is_exit_9_without_a_traceback(
    db: Database, county: MiniCounty, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cli import export_cmd

    def broken(*_a: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr(export_cmd, "_units", broken)
    code, error, _ = run(capsys, "--db", db.url, "export", "units")
    assert code == 9 and error == {"error": "internal", "type": "KeyError", "message": "unexpected error: 'a bug'"}
    assert main_module.Exit.INTERNAL == 9


def test_a_real_process_prints_json_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv, exit_code in (
        (["--db", "postgresql://postgres@127.0.0.1:1/county", "export", "cases"], 3),
        (["--db", str(tmp_path / "nothing.sqlite3"), "export", "cases"], 3),
        (["--db", str(tmp_path / "nothing.sqlite3"), "intake", "--json", str(tmp_path / "missing.json")], 2),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "console.cli.main", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == exit_code and "Traceback" not in done.stderr
        assert json.loads(done.stderr)["error"]
    assert not (tmp_path / "nothing.sqlite3").exists()
