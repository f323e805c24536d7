"""Photos in the console: the case detail shows the case's thumbnails and adds a file, a pasted image is kept, the
viewer opens the photo, the photo's place is offered and taken, and the wall shows the selected case's photo."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication, QImage

from console.db import Database
from console.enums import Role
from console.ops import execute
from tests.county import build_mini_county
from tests.evidence.files import jpeg
from ui.case_detail.attachments import AttachmentViewer

pytestmark = pytest.mark.ui

APPEAL = {"channel": "grid_report", "category": "environment", "priority": "yellow", "description": "路边垃圾"}


def test_case_detail_shows_adds_and_opens_photos(
    sqlite_db: Database, make_console: Any, qtbot: Any, tmp_path: Any
) -> None:
    county = build_mini_county(sqlite_db)
    dispatcher = county.actors[Role.DISPATCHER]
    photo = jpeg(gps=(24.805, 113.605), seed=1)
    created = execute(
        sqlite_db,
        dispatcher,
        "intake.create",
        data={**APPEAL, "attachments": [{"base64": base64.b64encode(photo).decode()}]},
    ).value
    case_id = created.case.id
    console = make_console(sqlite_db, dispatcher)
    window, session = console.window, console.session
    strip = window.case.files
    session.selection.select_case(case_id)
    qtbot.waitUntil(lambda: strip.list.count() == 1 and not strip.list.item(0).icon().isNull(), timeout=10_000)

    path = tmp_path / "second.jpg"
    path.write_bytes(jpeg(seed=2))
    strip.add_files([str(path)])
    qtbot.waitUntil(lambda: strip.list.count() == 2, timeout=10_000)

    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(0x3366AA)
    QGuiApplication.clipboard().setImage(image)
    strip.paste_image()
    qtbot.waitUntil(lambda: strip.list.count() == 3, timeout=10_000)
    assert {v.type for v in strip.files} == {"image/jpeg", "image/png"}

    viewer = AttachmentViewer(session, strip.files[0], window)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(
        lambda: viewer.picture.pixmap() is not None and not viewer.picture.pixmap().isNull(), timeout=10_000
    )
    qtbot.waitUntil(lambda: viewer.data is not None, timeout=10_000)
    assert viewer.data == photo  # the dispatcher saves the file as taken


def test_photo_place_offered_and_wall_shows_the_photo(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    dispatcher = county.actors[Role.DISPATCHER]
    created = execute(sqlite_db, dispatcher, "intake.create", data=APPEAL).value
    case_id = created.case.id
    photo = jpeg(gps=(24.805, 113.605), seed=4)
    execute(
        sqlite_db, dispatcher, "attachments.add", case_id=case_id, files=[{"base64": base64.b64encode(photo).decode()}]
    )
    console = make_console(sqlite_db, dispatcher)
    strip = console.window.case.files
    console.session.selection.select_case(case_id)
    qtbot.waitUntil(lambda: strip.offer is not None and strip.place_button.isVisible(), timeout=10_000)
    strip.use_photo_place()
    qtbot.waitUntil(lambda: strip.offer is None and not strip.place_button.isVisible(), timeout=10_000)

    wall = make_console(sqlite_db, county.actors[Role.WALL], name="wall")
    assert wall.window.docks
    wall.session.selection.select_case(case_id)
    qtbot.waitUntil(lambda: wall.window.photo.pixmap_shown is not None, timeout=10_000)
    assert wall.window.photo.pixmap_shown.width() == 640  # the photo's own size: below the wall's preview size


def test_intake_form_saves_the_appeal_with_its_photo(
    sqlite_db: Database, make_console: Any, qtbot: Any, tmp_path: Any
) -> None:
    from .helpers import fill_form

    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    path = tmp_path / "rubbish.jpg"
    path.write_bytes(jpeg(seed=9))
    fill_form(window.intake, description="路边垃圾堆放")
    window.intake.files.add_paths([str(path)])
    window.intake.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=10_000)
    assert window.intake.files.items == []  # cleared for the next call
    (case_id,) = session.state.cases
    files = execute(sqlite_db, county.actors[Role.DISPATCHER], "attachments.list", case_id=case_id).value
    assert [(f.source, f.bytes) for f in files.attachments] == [("intake", path.stat().st_size)]
