"""Fixtures of the console window tests: a Qt application (pytest-qt, offscreen), a temporary data directory for
settings and drafts, a small county, and a factory of consoles (worker + session + main window) on one database.

(A `pytestmark` here would mark nothing: each test module that needs Qt carries `pytestmark = pytest.mark.ui`.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from console.db import Database
from console.enums import Role
from console.live import LiveDiff
from console.services.actor import Actor
from tests.county import MiniCounty, build_mini_county
from ui.intake import DraftStore
from ui.layouts import Layout, layout_for_role
from ui.main_window import MainWindow
from ui.session import ConsoleSession
from ui.workers import DbWorker


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and drafts of each test in its own directory."""
    path = tmp_path / "user-data"
    path.mkdir()
    monkeypatch.setenv("CONSOLE_DATA_DIR", str(path))
    return path


class FakeMap(QWidget):
    """Stands in for the live map (a `MapView`): records what the console shows on it, emits what a click would."""

    unitClicked = Signal(int)
    caseClicked = Signal(int)
    newAppealRequested = Signal(float, float)
    pageReady = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.units: list[Any] = []
        self.cases: list[Any] = []
        self.selected_case = 0
        self.recommendations: dict[int, list[Any]] = {}
        # The patrol and routing overlays (ui.map.widget.MapWidget has the same methods).
        self.targets: list[Any] = []
        self.sites: list[Any] = []
        self.routes: list[tuple[Any, str]] = []
        self.reaches: list[tuple[Any, str]] = []
        self.playbacks: list[Any] = []
        self.frames: list[Any] = []
        self.picking = False

    def pick_place(self, on: bool = True) -> None:
        self.picking = on

    def set_county(self, townships: Any, grids: Any, boundary: Any) -> None:
        pass

    def apply_units(self, diff: LiveDiff, units: Mapping[int, Any]) -> None:
        self.units = list(units.values())

    def apply_cases(self, diff: LiveDiff, cases: Mapping[int, Any]) -> None:
        self.cases = list(cases.values())

    def flush(self) -> None:
        pass

    def set_history(self, points: Any) -> None:
        pass

    def select_case(self, case_id: int) -> None:
        self.selected_case = case_id

    def select_unit(self, unit_id: int) -> None:
        pass

    def show_recommendations(self, case_id: int, recs: list[Any]) -> None:
        self.recommendations[case_id] = list(recs)

    def fit(self) -> None:
        pass

    def set_patrol_targets(self, targets: Any) -> None:
        self.targets = list(targets)

    def set_key_sites(self, sites: Any) -> None:
        self.sites = list(sites)

    def show_route(self, feature: Any, callsign: str = "", *, label: bool = True) -> None:
        self.routes.append((feature, callsign))

    def show_reach(self, collection: Any, caption: str = "") -> None:
        self.reaches.append((collection, caption))

    def load_playback(self, data: Any) -> None:
        self.playbacks.append(data)

    def show_playback_frame(self, frame: Any) -> None:
        self.frames.append(frame)


@dataclass
class Console:
    worker: DbWorker
    session: ConsoleSession
    window: MainWindow
    map: FakeMap
    drafts: DraftStore


@pytest.fixture
def county(db: Database) -> MiniCounty:
    return build_mini_county(db)


@pytest.fixture
def make_console(qtbot: Any, data_dir: Path) -> Iterator[Callable[..., Console]]:
    made: list[Console] = []

    def make(db: Database, actor: Actor, *, name: str = "", wait: bool = True) -> Console:
        worker = DbWorker(db, poll_interval=0.02, retry_interval=0.2)
        worker.start()
        session = ConsoleSession(worker, actor)
        drafts = DraftStore(data_dir / "drafts" / f"{name or actor.name}.json")
        fake_map = FakeMap()
        layout = layout_for_role(actor.role) if actor.role != Role.WALL else Layout.WALL
        window = MainWindow(session, drafts, layout=layout, map_widget=fake_map)
        fake_map.pageReady.emit()
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        session.start()
        console = Console(worker, session, window, fake_map, drafts)
        made.append(console)
        if wait:
            qtbot.waitUntil(lambda: session.is_loaded, timeout=10_000)
        return console

    yield make
    for console in made:
        console.window.close()
        console.worker.stop()
