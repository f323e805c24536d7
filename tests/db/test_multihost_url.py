"""A center with a hot standby names both servers in one URL, in any of libpq's forms; all reach psycopg alike."""

from __future__ import annotations

import pytest

from console.db.engine import libpq_params, make_engine, normalise_url

EXPECTED = {
    "dbname": "county",
    "user": "dispatch",
    "host": "db1,db2",
    "port": "5432,5433",
    "target_session_attrs": "read-write",
}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://dispatch@db1:5432,db2:5433/county?target_session_attrs=read-write",
        "postgresql://dispatch@/county?host=db1,db2&port=5432,5433&target_session_attrs=read-write",
        "host=db1,db2 port=5432,5433 dbname=county user=dispatch target_session_attrs=read-write",
        "postgresql+psycopg://dispatch@/county?host=db1:5432&host=db2:5433&target_session_attrs=read-write",
    ],
)
def test_every_multihost_form_reaches_libpq_with_all_servers(url: str) -> None:
    engine = make_engine(url)
    try:
        assert libpq_params(engine) == EXPECTED
    finally:
        engine.dispose()


def test_one_port_for_every_host_and_a_password_kept() -> None:
    engine = make_engine("postgresql://dispatch:s%40cret@/county?host=db1,db2&port=5432")
    try:
        params = libpq_params(engine)
    finally:
        engine.dispose()
    assert params["host"] == "db1,db2" and params["port"] == "5432,5432" and params["password"] == "s@cret"


def test_single_host_urls_and_files_are_unchanged() -> None:
    assert (
        normalise_url("postgresql://postgres@127.0.0.1:5432/test")
        == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    assert normalise_url("host=127.0.0.1 dbname=test user=postgres") == "postgresql+psycopg://postgres@127.0.0.1/test"
    assert normalise_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
    assert normalise_url("/srv/console/x.sqlite3") == "sqlite:////srv/console/x.sqlite3"


def test_ports_that_do_not_match_the_hosts_are_refused() -> None:
    with pytest.raises(ValueError, match="port"):
        normalise_url("postgresql://u@/d?host=a,b,c&port=1,2")
