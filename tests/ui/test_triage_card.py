"""Triage in the intake form: the words suggest the priority as well as the category; the category's question card
is answered with Y and N and sets the priority; the answers are saved with the case and shown in its timeline."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from console.db import Database
from console.enums import Category, EventKind, Priority, Role
from tests.county import build_mini_county
from ui.case_detail.timeline import summary
from ui.intake import DraftStore, IntakeForm

from .helpers import LAT, LON

pytestmark = pytest.mark.ui


def test_card_answered_with_y_and_n_sets_priority_and_is_saved(
    sqlite_db: Database, make_console: Any, qtbot: Any
) -> None:
    county = build_mini_county(sqlite_db)
    console = make_console(sqlite_db, county.actors[Role.DISPATCHER])
    window, session = console.window, console.session
    form = window.intake
    form.new_appeal()
    form.phone.setText("13800001234")
    form.description.setPlainText("man collapsed at bus station not breathing")
    assert form.category.currentData() == Category.ASSISTANCE
    assert form.priority.currentData() == Priority.RED  # suggested from the words
    form.description.setPlainText("car crash at the crossing")
    assert form.category.currentData() == Category.TRAFFIC
    assert form.priority.currentData() == Priority.YELLOW
    card = form.card
    assert card.isVisibleTo(form) and card.card is not None and len(card.card.questions) <= 3
    card.setFocus()
    qtbot.keyClick(card, Qt.Key.Key_N)  # nobody injured
    qtbot.keyClick(card, Qt.Key.Key_Y)  # someone trapped in a vehicle
    assert card.answers == {"injured": False, "trapped": True}
    assert form.priority.currentData() == Priority.RED
    qtbot.keyClick(card, Qt.Key.Key_Backspace)  # taken back
    assert card.answers == {"injured": False}
    qtbot.keyClick(card, Qt.Key.Key_N)
    qtbot.keyClick(card, Qt.Key.Key_N)
    assert form.priority.currentData() == Priority.YELLOW  # all no: the card's "no"
    # The answers are part of the draft: a console that crashed now gets them back.
    fresh = IntakeForm(console.session, DraftStore(console.drafts.path))
    qtbot.addWidget(fresh)
    assert fresh.card.answers == {"injured": False, "trapped": False, "blocked": False}
    assert fresh.priority.currentData() == Priority.YELLOW
    form.address.setText("东河镇")
    form.set_location(LAT, LON, keep_address=True)
    form.save()
    qtbot.waitUntil(lambda: len(session.state.cases) == 1, timeout=5_000)
    case_id = next(iter(session.state.cases))
    detail = console.session
    events: list[Any] = []
    detail.run("case.detail", case_id=case_id, callback=lambda r: events.extend(r.value.timeline))
    qtbot.waitUntil(lambda: bool(events), timeout=5_000)
    triaged = [e for e in events if e.kind == EventKind.CASE_TRIAGED]
    assert len(triaged) == 1
    assert [a["yes"] for a in triaged[0].payload["answers"]] == [False, False, False]
    text = summary(triaged[0])
    assert "Is anyone injured?" in text and " N" in text
