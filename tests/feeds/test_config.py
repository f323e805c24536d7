"""The [feeds] configuration: typed settings, errors naming the key, secrets never shown."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest

from console.enums import Category, Channel
from console.feeds.config import config_file, load_feeds_config, parse_feeds
from console.feeds.secrets import RedactingFilter, Secret, redact
from console.services.errors import ValidationError

EXAMPLE = """
[database]
url = "sqlite:///county.sqlite3"

[feeds.traccar]
url = "http://gps.example:8082/"
token = "tok-very-secret-1"
interval_s = 5

[[feeds.open311]]
name = "city311"
url = "http://311.example/open311/v2"
api_key = "key-very-secret-2"
jurisdiction_id = "example.gov"
channel = "online"
interval_s = 60
[feeds.open311.categories]
"001" = "livelihood"

[[feeds.open311]]
name = "province"
url = "https://12345.example/open311/v2"
categories = { "noise" = "public_order" }
"""


def test_example_parses(tmp_path: Path) -> None:
    path = tmp_path / "console.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    config = load_feeds_config(path)
    assert config.traccar is not None
    assert config.traccar.url == "http://gps.example:8082" and config.traccar.auth == "token"
    assert config.traccar.token is not None and config.traccar.token.reveal() == "tok-very-secret-1"
    city, province = config.open311
    assert city.categories == {"001": Category.LIVELIHOOD} and city.channel == Channel.ONLINE
    assert city.jurisdiction_id == "example.gov" and city.interval_s == 60
    assert province.categories == {"noise": Category.PUBLIC_ORDER} and province.api_key is None
    assert config.source_names() == ["traccar", "city311", "province"]
    shown = repr(config) + str(config)
    assert "tok-very-secret-1" not in shown and "key-very-secret-2" not in shown


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('[feeds.traccar]\ntoken = "abcd"', "feeds.traccar.url"),
        ('[feeds.traccar]\nurl = "ftp://x"\ntoken = "abcd"', "feeds.traccar.url"),
        ('[feeds.traccar]\nurl = "http://x"', "feeds.traccar.token"),
        ('[feeds.traccar]\nurl = "http://x"\nuser = "u"', "feeds.traccar.password"),
        ('[feeds.traccar]\nurl = "http://x"\ntoken = "abcd"\ninterval_s = "5"', "feeds.traccar.interval_s"),
        ('[feeds.traccar]\nurl = "http://x"\ntoken = "abcd"\ntoken_typo = 1', "feeds.traccar.token_typo"),
        ('[[feeds.open311]]\nurl = "http://x"', "feeds.open311[0].name"),
        ('[[feeds.open311]]\nname = "a"\nurl = "http://x"\nchannel = "fax"', "feeds.open311[0].channel"),
        (
            '[[feeds.open311]]\nname = "a"\nurl = "http://x"\n[feeds.open311.categories]\n"1" = "x"',
            "feeds.open311[0].categories.1",
        ),
        (
            '[[feeds.open311]]\nname = "a"\nurl = "http://x"\n[[feeds.open311]]\nname = "a"\nurl = "http://y"',
            "feeds.open311[1].name",
        ),
        ("[feeds]\ngps = 1", "feeds.gps"),
    ],
)
def test_errors_name_the_key(toml: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_feeds(tomllib.loads(toml)["feeds"])
    assert info.value.field == field


def test_config_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    monkeypatch.setenv("CONSOLE_CONFIG", str(path))
    assert config_file(None) == path
    assert config_file(str(tmp_path / "x.toml")) == tmp_path / "x.toml"
    with pytest.raises(ValidationError) as info:
        load_feeds_config(path)  # missing
    assert info.value.field == "config"


def test_secrets_are_redacted_from_texts_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret("s3cr3t-token-xyz")
    assert "s3cr3t" not in f"{secret} {secret!r} {secret:>20}"
    assert redact("GET /x?api_key=s3cr3t-token-xyz failed") == "GET /x?api_key=*** failed"
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("url %s", "http://h/?token=s3cr3t-token-xyz")
    assert "s3cr3t-token-xyz" not in caplog.text and "***" in caplog.text
