"""The configuration file: read, validated naming the key, written back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config import dumps_toml, load_config, parse_config, save_config
from console.services.errors import ValidationError


def test_missing_default_file_means_first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_CONFIG_DIR", str(tmp_path / "nowhere"))
    config = load_config()
    assert not config.exists and config.database_url is None


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        load_config(tmp_path / "absent.toml")
    assert err.value.field == "config"


def test_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c" / "console.toml"
    config = parse_config(
        {
            "database": {"url": 'postgresql://dispatch:p"w@10.1.2.3/county', "setup": "shared"},
            "interface": {"language": "zh_CN"},
            "basemap": {"url_template": "http://tiles.intranet/{z}/{x}/{y}.png", "max_zoom": 17},
            "feeds": {
                "traccar": {"url": "http://10.1.2.4:8082", "token": "tok-round-trip", "interval_s": 5.5},
                "open311": [{"name": "city", "url": "http://311.example/v2", "categories": {"001": "livelihood"}}],
            },
        }
    )
    save_config(config, path)
    again = load_config(path)
    assert again.database_url == config.database_url
    assert again.language == "zh_CN" and again.setup == "shared"
    assert again.basemap_config() == config.basemap_config()
    assert again.settings == config.settings
    assert again.feeds.traccar is not None and again.feeds.traccar.token is not None
    assert again.feeds.traccar.token.reveal() == "tok-round-trip"
    assert again.path == path
    # Choosing the database at first run keeps everything else the file says.
    chosen = again.with_database("sqlite:///county.sqlite3", setup="new")
    save_config(chosen)
    assert load_config(path).settings == chosen.settings and chosen.feeds == again.feeds


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"database": {"url": ""}}, "database.url"),
        ({"database": {"setup": "cloud"}}, "database.setup"),
        ({"interface": {"language": "fr"}}, "interface.language"),
        ({"basemap": "tiles"}, "basemap"),
    ],
)
def test_bad_values_name_the_key(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_config(data)
    assert err.value.field == field


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text("[database\nurl = 1", "utf-8")
    with pytest.raises(ValidationError) as err:
        load_config(path)
    assert err.value.field == "config" and "console.toml" in err.value.message
    assert err.value.details["file"] == str(path) and err.value.details["line"] == 1


def test_basemap_settings_become_the_maps_config() -> None:
    config = parse_config({"basemap": {"mbtiles": "county.mbtiles", "datum": "gcj02"}})
    basemap = config.basemap_config()
    assert basemap.kind == "mbtiles" and basemap.datum == "gcj02" and basemap.mbtiles == Path("county.mbtiles")
    with pytest.raises(ValidationError):
        parse_config({"basemap": {"zoom": 3}}).basemap_config()


def test_toml_writer_escapes_text() -> None:
    import tomllib

    data = {"a": {"text": 'line "one"\nline\ttwo \\ 网格', "list": [1, 2.5, "x"], "b": {"deep": False}}}
    assert tomllib.loads(dumps_toml(data)) == data


def test_database_url_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from console.config import resolve_database_url

    monkeypatch.delenv("CONSOLE_DB_URL", raising=False)
    monkeypatch.setenv("CONSOLE_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "console.toml"
    assert resolve_database_url(None, path if path.exists() else None).endswith("console.sqlite3")
    save_config(parse_config({"database": {"url": "postgresql://db.center/county"}}), path)
    assert resolve_database_url(None, path) == "postgresql://db.center/county"
    monkeypatch.setenv("CONSOLE_DB_URL", "sqlite:///env.sqlite3")
    assert resolve_database_url(None, path) == "sqlite:///env.sqlite3"
    assert resolve_database_url("given.sqlite3", path) == "given.sqlite3"
