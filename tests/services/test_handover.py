"""Shift change (交接班): the handover note lists the open cases, the unacknowledged alarms and the shift's notes, is
kept as an event, and is what the next user reads at login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.db import Database
from console.enums import EventKind, Role
from console.models import Event
from console.ops import execute
from console.services.errors import ValidationError
from tests.county import build_mini_county

APPEAL = {
    "channel": "walk_in",
    "category": "traffic",
    "priority": "red",
    "description": "crash",
    "lat": 24.805,
    "lon": 113.605,
}


def test_handover_lists_and_is_shown_to_the_next_user(db: Database) -> None:
    county = build_mini_county(db)
    dispatcher, leader = county.actors[Role.DISPATCHER], county.actors[Role.SHIFT_LEADER]
    red = execute(db, dispatcher, "intake.create", data=APPEAL).value.case
    blue = execute(
        db, dispatcher, "intake.create", data={**APPEAL, "priority": "blue", "category": "consultation"}
    ).value.case
    execute(db, dispatcher, "case.note", case_id=red.id, text="caller will ring back")
    draft = execute(db, dispatcher, "shift.handover_draft", alarms=[red.id]).value
    assert draft.open_count == 2 and [c["number"] for c in draft.open_cases] == [red.number, blue.number]
    assert draft.alarms == [red.number]
    assert [n["text"] for n in draft.notes] == ["caller will ring back"]
    assert execute(db, leader, "shift.last_handover").value is None
    done = execute(db, dispatcher, "shift.handover", note="路口红绿灯仍坏，注意", alarms=[red.id]).value
    assert done.event_id is not None
    with db.session() as s:
        event = s.scalars(select(Event).where(Event.kind == EventKind.SHIFT_HANDOVER)).one()
    assert event.actor == dispatcher.name and event.payload["note"] == "路口红绿灯仍坏，注意"
    assert event.payload["open_count"] == 2 and event.payload["alarms"] == [red.number]
    shown = execute(db, leader, "shift.last_handover").value
    assert shown is not None and shown.by == dispatcher.name and shown.note == "路口红绿灯仍坏，注意"
    assert shown.open_count == 2 and shown.notes[0]["number"] == red.number
    assert execute(db, dispatcher, "shift.last_handover").value is None  # one's own note is not news
    with pytest.raises(ValidationError) as err:
        execute(db, dispatcher, "shift.handover", note="bad\x00text")
    assert err.value.field == "note"
