"""Qt fixtures for the map tests: schemes registered before the QApplication, a small synthetic county, and a
map widget that has loaded its page."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from ui.map.schemes import register_schemes

register_schemes()  # must happen before pytest-qt creates the QApplication

from console.enums import CaseStatus, Category, Channel, Priority, UnitKind, UnitStatus  # noqa: E402
from console.geo.basemap import BasemapConfig  # noqa: E402
from console.timeutil import utcnow  # noqa: E402
from console.views import CaseView, GridView, TownshipView, UnitView  # noqa: E402

PAGE_TIMEOUT_MS = 30_000

BASE_LAT, BASE_LON = 24.8, 113.6
GRID_DEG = 0.02  # about 2 km


def _square(lat: float, lon: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def synthetic_county() -> tuple[list[TownshipView], list[GridView], dict[str, Any]]:
    """Four townships of 3×3 square grids each, around 24.8N 113.6E."""
    townships: list[TownshipView] = []
    grids: list[GridView] = []
    names = ["城关镇", "东岭乡", "西河镇", "南山乡"]
    gid = 1
    for t_index, (row, col) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        t_lat = BASE_LAT + row * 3 * GRID_DEG
        t_lon = BASE_LON + col * 3 * GRID_DEG
        townships.append(
            TownshipView(id=t_index + 1, name=names[t_index], geometry=_square(t_lat, t_lon, 3 * GRID_DEG))
        )
        for i in range(3):
            for j in range(3):
                grids.append(
                    GridView(
                        id=gid,
                        code=f"G{gid:03d}",
                        name=f"{names[t_index][:2]}第{i * 3 + j + 1}网格",
                        township_id=t_index + 1,
                        township=names[t_index],
                        geometry=_square(t_lat + i * GRID_DEG, t_lon + j * GRID_DEG, GRID_DEG),
                    )
                )
                gid += 1
    boundary = _square(BASE_LAT, BASE_LON, 6 * GRID_DEG)
    return townships, grids, boundary


def make_unit(uid: int, lat: float, lon: float, **kw: Any) -> UnitView:
    now = utcnow()
    values: dict[str, Any] = dict(
        id=uid,
        callsign=f"巡{uid:03d}",
        kind=UnitKind.PATROL_CAR,
        status=UnitStatus.AVAILABLE,
        status_since=now,
        lat=lat,
        lon=lon,
        fix_at=now,
        current_case_id=None,
        home_grid_id=None,
        township_id=None,
    )
    values.update(kw)
    return UnitView(**values)


def make_case(cid: int, lat: float, lon: float, **kw: Any) -> CaseView:
    now = utcnow()
    values: dict[str, Any] = dict(
        id=cid,
        number=f"2026-{cid:06d}",
        channel=Channel.HOTLINE_12345,
        category=Category.DISPUTE,
        priority=Priority.ORANGE,
        status=CaseStatus.RECEIVED,
        received_at=now,
        due_at=now + timedelta(hours=2),
        description="邻里噪音纠纷",
    )
    values.update(kw)
    return CaseView(lat=lat, lon=lon, **values)


@pytest.fixture
def county() -> tuple[list[TownshipView], list[GridView], dict[str, Any]]:
    return synthetic_county()


@pytest.fixture
def make_map(qtbot: Any, county: Any) -> Iterator[Callable[..., Any]]:
    from ui.map.widget import MapWidget

    made: list[Any] = []

    def factory(basemap: BasemapConfig | None = None, load: bool = True, **kwargs: Any) -> Any:
        widget = MapWidget(basemap or BasemapConfig(), **kwargs)
        qtbot.addWidget(widget)
        widget.resize(900, 700)
        widget.show()
        made.append(widget)
        if load:
            with qtbot.waitSignal(widget.pageReady, timeout=PAGE_TIMEOUT_MS):
                widget.set_county(*county)
        return widget

    yield factory
    # Delete the widgets (and with them page and profile) while the application still runs.
    gone: list[bool] = []
    for widget in made:
        widget.view.page().destroyed.connect(lambda *_: gone.append(True))
        widget.close()
        widget.deleteLater()
    qtbot.waitUntil(lambda: len(gone) == len(made), timeout=PAGE_TIMEOUT_MS)


@pytest.fixture
def js(qtbot: Any) -> Callable[[Any, str], Any]:
    """Evaluate a script in the widget's page and return its (JSON-able) result."""

    def run(widget: Any, script: str) -> Any:
        box: dict[str, Any] = {}

        def done(value: Any) -> None:
            box["value"] = value

        # JSON across the boundary: objects and arrays come back as Python dicts and lists.
        wrapped = f"(function () {{ var v = eval({json.dumps(script)}); return v === undefined ? 'null' : JSON.stringify(v); }})()"
        widget.view.page().runJavaScript(wrapped, 0, done)
        qtbot.waitUntil(lambda: "value" in box, timeout=PAGE_TIMEOUT_MS)
        return json.loads(box["value"])

    return run
