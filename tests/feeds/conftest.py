"""Fixtures of the feed tests: fake Traccar and Open311 servers on 127.0.0.1, and units carrying trackers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.db import Database, write_transaction
from console.enums import UnitKind
from console.models import Unit

from .fake_open311 import FakeOpen311
from .fake_traccar import FakeTraccar
from .fakeserver import FakeServer

TOKEN = "tok-5f1c2a9e7b"
USER, PASSWORD = "dispatch@county.example", "pw-8d2e41c6"


@pytest.fixture
def traccar() -> Iterator[tuple[FakeTraccar, FakeServer]]:
    app = FakeTraccar(tokens={TOKEN}, users={USER: PASSWORD})
    server = FakeServer(app, slow_s=0.6).start()
    yield app, server
    server.stop()


@pytest.fixture
def open311() -> Iterator[tuple[FakeOpen311, FakeServer]]:
    app = FakeOpen311()
    server = FakeServer(app, slow_s=0.6).start()
    yield app, server
    server.stop()


def add_units(db: Database, n: int, *, prefix: str = "T-") -> dict[str, int]:
    """n patrol cars with trackers `T-001`...; returns tracker id -> unit id."""

    def work(s: object) -> dict[str, int]:
        units = [
            Unit(callsign=f"PC-{i:03d}", kind=UnitKind.PATROL_CAR, tracker_id=f"{prefix}{i:03d}", capabilities=[])
            for i in range(1, n + 1)
        ]
        s.add_all(units)  # type: ignore[attr-defined]
        s.flush()  # type: ignore[attr-defined]
        return {u.tracker_id: u.id for u in units if u.tracker_id}

    return write_transaction(db.sessions, work)  # type: ignore[arg-type]
