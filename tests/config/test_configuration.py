"""Typed configuration: the four files checked whole, errors naming file, key and line, one loader and its order,
the command line's JSON error, secrets as SecretStr, and the README's tables in step with the models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from console.cli.main import main
from console.config import ConfigError, load_config, parse_config
from console.config.dispatch_rules import SpeedTable
from console.config.reference import END, START, render
from console.config.toml_lines import key_lines, line_of
from console.enums import Category, Priority, UnitKind
from console.paths import resource
from console.rules import load_rules
from console.services.suggest import load_rules as load_keywords
from console.worktime import load_calendar

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No CONSOLE_CONFIG, and an empty user configuration directory."""
    monkeypatch.delenv("CONSOLE_CONFIG", raising=False)
    monkeypatch.delenv("CONSOLE_DB_URL", raising=False)
    user_dir = tmp_path / "user-config"
    monkeypatch.setenv("CONSOLE_CONFIG_DIR", str(user_dir))
    return user_dir


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_readme_tables_are_generated_from_the_models() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(START) : readme.index(END) + len(END)]
    assert block == render(), "run: python -m console.config.reference README.md"
    # Every key of every model is in it, with its bounds.
    assert "| `interval_s` | number (≥ 0.01, ≤ 86400) | `5.0` |" in block
    assert "`[[feeds.open311]]`" in block and "| `token` | secret text |" in block


def test_the_shipped_tables_are_valid_and_complete() -> None:
    rules = load_rules()
    assert set(rules.speed_kmh) == set(UnitKind) and set(rules.deadline_hours) == set(Priority)
    assert set(SpeedTable.model_fields) == {k.value for k in UnitKind}  # a new unit kind needs its speed
    calendar = load_calendar()
    assert calendar.periods[0] == (8 * 3600 + 1800, 12 * 3600) and set(calendar.default_hours) == set(Priority)
    keywords = load_keywords(resource("config", "category_keywords.toml"))
    assert {c for c, _ in keywords.rules} <= set(Category) and keywords.suggest("煤气漏气")


CONSOLE_TOML = """# the center's console
[database]
url = "sqlite:///county.sqlite3"

[feeds.traccar]
url = "http://gps.example:8082"
token = "tok-line-test"
interval_s = {interval}

[[feeds.open311]]
name = "city"
url = "http://311.example/v2"

[[feeds.open311]]
name = "province"
url = "http://12345.example/v2"
[feeds.open311.categories]
"001" = "livelihood"
"002" = {category}
"""


@pytest.mark.parametrize(
    ("interval", "category", "field", "line", "reason"),
    [
        ('"5"', '"traffic"', "feeds.traccar.interval_s", 8, "must be a number"),
        ("true", '"traffic"', "feeds.traccar.interval_s", 8, "must be a number"),
        ("0", '"traffic"', "feeds.traccar.interval_s", 8, "greater than or equal to 0.01"),
        ("5", '"weather"', "feeds.open311[1].categories.002", 19, "unknown value 'weather'"),
    ],
)
def test_an_error_names_the_file_the_key_and_the_line(
    tmp_path: Path, interval: str, category: str, field: str, line: int, reason: str
) -> None:
    path = write(tmp_path / "console.toml", CONSOLE_TOML.format(interval=interval, category=category))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.field == field and err.value.line == line and err.value.file == path
    assert reason in err.value.reason
    assert err.value.message.startswith(f"console.toml line {line}: {field}: ")
    assert err.value.as_dict()["file"] == str(path) and err.value.as_dict()["line"] == line


def test_unknown_keys_are_refused_with_what_is_expected(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[interface]\nlanguage = "en"\n\n[basemap]\ndatum = "gcj02"\nzoom = 3\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert (err.value.field, err.value.line) == ("basemap.zoom", 6)
    assert "expected one of attribution, datum, max_zoom" in err.value.reason
    with pytest.raises(ConfigError) as err:
        parse_config({"feeds": {"gps": {}}})
    assert err.value.field == "feeds.gps" and err.value.line is None


def test_checks_across_keys_blame_one_key(tmp_path: Path) -> None:
    text = '[basemap]\nmin_zoom = 12\nmax_zoom = 10\n\n[feeds.traccar]\nurl = "http://x"\nuser = "u"\n'
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert (err.value.field, err.value.line) == ("basemap.max_zoom", 3)
    path.write_text(text.replace("min_zoom = 12", "min_zoom = 8"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert (err.value.field, err.value.line) == ("feeds.traccar.password", 5)  # the table that lacks it


def test_secrets_are_secret_str_and_never_shown(tmp_path: Path) -> None:
    config = parse_config(
        {"feeds": {"traccar": {"url": "http://gps:8082", "user": "ops", "password": "pw-never-shown"}}}
    )
    traccar = config.feeds.traccar
    assert traccar is not None and traccar.auth == "session"
    assert isinstance(traccar.password, SecretStr) and traccar.password.get_secret_value() == "pw-never-shown"
    assert "pw-never-shown" not in repr(config) + str(config.settings) + config.settings.model_dump_json()


def test_the_loader_order_is_option_then_variable_then_user_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_user_config: Path
) -> None:
    assert not load_config().exists  # nothing anywhere: the first run
    user = write(no_user_config / "console.toml", '[database]\nurl = "sqlite:///user.sqlite3"\n')
    assert load_config().database_url == "sqlite:///user.sqlite3" and load_config().path == user
    env = write(tmp_path / "env.toml", '[database]\nurl = "sqlite:///env.sqlite3"\n')
    monkeypatch.setenv("CONSOLE_CONFIG", str(env))
    assert load_config().database_url == "sqlite:///env.sqlite3"
    given = write(tmp_path / "given.toml", '[database]\nurl = "sqlite:///given.sqlite3"\n')
    assert load_config(given).database_url == "sqlite:///given.sqlite3"
    # A named file must exist, whether named by the option or by the variable.
    monkeypatch.setenv("CONSOLE_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError) as err:
        load_config()
    assert err.value.field == "config" and "gone.toml" in err.value.reason


def test_the_command_line_answers_a_bad_file_with_the_json_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_user_config: Path
) -> None:
    path = write(tmp_path / "console.toml", '[database]\nurl = "sqlite:///x.sqlite3"\nsetup = "cloud"\n')
    for argv in (["--config", str(path), "export", "units"], ["export", "units"]):
        monkeypatch.setenv("CONSOLE_CONFIG", str(path))
        assert main(argv) == 2
        captured = capsys.readouterr()
        error = json.loads(captured.err)
        assert error["field"] == "database.setup" and error["line"] == 3 and error["file"] == str(path)
        assert captured.out == "" and "Traceback" not in captured.err
    broken = write(tmp_path / "broken.toml", "[database\n")
    assert main(["--config", str(broken), "export", "units"]) == 2
    error = json.loads(capsys.readouterr().err)
    assert error["field"] == "config" and error["line"] == 1 and "not valid TOML" in error["message"]


def test_the_resource_tables_name_their_file_key_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(resource("config"), config)
    dispatch = config / "dispatch.toml"
    text = dispatch.read_text(encoding="utf-8")
    dispatch.write_text(text.replace("drone = 60", 'drone = "fast"'), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(dispatch)
    line = next(i for i, t in enumerate(dispatch.read_text("utf-8").splitlines(), 1) if t.startswith("drone"))
    assert (err.value.field, err.value.line, err.value.file) == ("speed_kmh.drone", line, dispatch)
    dispatch.write_text(text.replace("red    = { default = 1,", "red    = { defualt = 1,"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(dispatch)
    assert err.value.field == "deadline_hours.red.defualt" and err.value.line is not None
    calendar = config / "calendar.toml"
    calendar.write_text(calendar.read_text("utf-8").replace('"2026-05-05"', '"2026-05-35"'), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_calendar(calendar)
    line = next(i for i, t in enumerate(calendar.read_text("utf-8").splitlines(), 1) if t.startswith("holidays"))
    assert err.value.field == "days.holidays[19]" and err.value.line == line  # the line of `holidays = [`
    keywords = config / "category_keywords.toml"
    keywords.write_text(keywords.read_text("utf-8") + '\n[weather]\nwords = ["rain"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_keywords(keywords)
    assert err.value.field == "weather" and err.value.line == len(keywords.read_text("utf-8").splitlines()) - 1


def test_key_lines_follow_toml() -> None:
    text = """a = 1
"quoted key" = 2
b.c = [
  1, "x = 3",
]
s = \"\"\"
d = 4
\"\"\"
[[t]]
x = 1
[t.sub]
y = 2
[[t]]
x = 2
[u."v.w"]
z = { inline = 1 }
"""
    lines = key_lines(text)
    assert lines[("a",)] == 1 and lines[("quoted key",)] == 2 and lines[("b", "c")] == 3
    assert ("x",) not in lines and ("d",) not in lines  # inside an array, inside a multi-line string
    assert lines[("t", 0, "x")] == 10 and lines[("t", 0, "sub", "y")] == 12 and lines[("t", 1, "x")] == 14
    assert lines[("u", "v.w", "z")] == 16
    assert line_of(lines, ("u", "v.w", "z", "inline")) == 16 and line_of(lines, ("t", 1, "missing")) == 13
