"""The intake form: inline validation messages naming the field, the draft kept across a crash."""

from __future__ import annotations

from typing import Any

import pytest

from console.db import Database
from console.enums import Role
from tests.county import build_mini_county
from ui.intake import DraftStore, IntakeForm

from .helpers import LAT, LON, fill_form, stored_cases, wait_in_step, wait_worker_done

pytestmark = pytest.mark.ui


def test_invalid_phone_is_marked_inline_and_nothing_is_saved(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    form = console.window.intake
    fill_form(form, phone="call me maybe")
    form.save()
    error = form.errors["caller_phone"]
    assert not error.isHidden()
    assert "Phone" in error.text() and "phone number" in error.text()
    assert form.phone.property("invalid") is True
    wait_worker_done(qtbot, console.worker)  # had the form asked for a write, it would have run by now
    assert stored_cases(sqlite_db) == 0 and console.session.state.cases == {}
    # Correcting the field clears the mark.
    form.phone.setText("13800001111")
    assert error.isHidden()
    assert not form.phone.property("invalid")


def test_empty_description_is_refused_with_its_field(sqlite_db: Database, make_console: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    form = console.window.intake
    fill_form(form, description="   ")
    form.save(dispatch=True)
    assert not form.errors["description"].isHidden()
    assert "Description" in form.errors["description"].text()


def test_draft_is_restored_after_a_crash(sqlite_db: Database, make_console: Any, qtbot: Any, data_dir: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    form = console.window.intake
    fill_form(form, phone="13700009999", description="water pipe burst on the main street")
    form.name.setText("王先生")
    # The "crash": the form goes away without saving; a new console for the same user reads the same file.
    path = console.drafts.path
    assert path.exists()
    fresh = IntakeForm(console.session, DraftStore(path))
    qtbot.addWidget(fresh)
    assert fresh.phone.text() == "13700009999"
    assert fresh.name.text() == "王先生"
    assert fresh.description.toPlainText() == "water pipe burst on the main street"
    assert str(fresh.category.currentData()) == "livelihood"
    assert (fresh.lat, fresh.lon) == (round(LAT, 6), round(LON, 6))
    assert "Draft restored" in fresh.status.text()


def test_draft_file_is_replaced_atomically(tmp_path: Any) -> None:
    store = DraftStore(tmp_path / "d" / "intake.json")
    store.save({"description": "first"})
    store.save({"description": "second"})
    assert store.load() == {"description": "second"}
    assert [p.name for p in store.path.parent.iterdir()] == ["intake.json"]  # no temporary file left behind
    store.path.write_text("{ not json")
    assert store.load() is None
    store.clear()
    assert not store.path.exists()


def test_duplicate_candidate_merged_with_one_key(sqlite_db: Database, make_console: Any, qtbot: Any) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    session, form = console.session, console.window.intake
    fill_form(form, phone="13511112222", description="neighbours quarrel about a wall")
    form.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    first = next(iter(session.state.cases))
    # The same caller calls again: the first case is offered as a duplicate.
    fill_form(form, phone="13511112222", description="they are still quarrelling")
    qtbot.waitUntil(lambda: form.duplicates.count() == 1, timeout=5_000)
    assert form.merge_button.isEnabled()
    from ui.actions import ActionId

    console.window.actions_[ActionId.MERGE_DUPLICATE].trigger()  # Ctrl+M
    qtbot.waitUntil(form.is_empty, timeout=5_000)
    wait_worker_done(qtbot, console.worker)
    wait_in_step(qtbot, sqlite_db, session)  # every event of the merge has reached the live state
    assert stored_cases(sqlite_db) == 2
    assert list(session.state.cases) == [first]  # the new appeal went into the first case, not the queue
    assert session.selection.case_id == first


def test_a_point_clicked_on_the_map_is_named_after_the_nearest_village(sqlite_db: Database, make_console: Any) -> None:
    from console.ops import PlaceName

    county = build_mini_county(sqlite_db)
    form = make_console(sqlite_db, county.actors[Role.DISPATCHER]).window.intake
    form.set_places(
        [
            PlaceName("东坑村", "village", LAT + 0.004, LON),  # about 450 m north
            PlaceName("西坑村", "village", LAT + 0.009, LON),  # about 1 km north
            PlaceName("G100", "grid", LAT, LON),  # a grid's centre names no address
        ]
    )
    form.set_location(LAT, LON)
    assert form.address.text() == f"near 东坑村 ({LAT:.5f}, {LON:.5f})"
    # Nothing named within 1.5 km: the coordinates alone.
    form.address.clear()
    form.set_location(LAT - 0.05, LON)
    assert form.address.text() == f"{LAT - 0.05:.5f}, {LON:.5f}"
    # A typed address is kept.
    form.address.setText("村口大榕树下")
    form.set_location(LAT, LON)
    assert form.address.text() == "村口大榕树下"
