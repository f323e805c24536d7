"""Small helpers shared by the console window tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from console.db import Database
from console.enums import Category, Channel, Priority
from console.models import Case, Event

# Inside grid G100 of the mini county (township 东河镇), next to PC-01 and GW-G100.
LAT, LON = 24.8055, 113.6055


def fill_form(
    form: Any,
    *,
    phone: str = "13800001111",
    description: str = "two neighbours quarrel loudly",
    with_place: bool = True,
) -> None:
    form.new_appeal()
    form.channel.setCurrentIndex(form.channel.findData(Channel.HOTLINE_12345))
    form.phone.setText(phone)
    form.description.setPlainText(description)
    form.priority.setCurrentIndex(form.priority.findData(Priority.ORANGE))
    if with_place:
        form.address.setText("东河镇 clinic gate")
        form.set_location(LAT, LON, keep_address=True)


def category_of(form: Any) -> Category:
    return form.category.currentData()


def wait_worker_done(qtbot: Any, worker: Any) -> None:
    """Wait until the database worker has run every job submitted so far (it runs them in order: a no-op job's
    answer comes after theirs)."""
    from console.ops import SYSTEM
    from ui.workers import OpCall

    done: list[bool] = []
    worker.run(OpCall("setup.is_empty", SYSTEM), lambda _result: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)


def wait_in_step(qtbot: Any, db: Database, session: Any) -> None:
    """Wait until the console's live state has taken in every event committed so far."""
    with db.session() as s:
        head = int(s.scalar(select(func.max(Event.id))) or 0)
    qtbot.waitUntil(lambda: session.state.last_event_id >= head, timeout=10_000)


def stored_cases(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count(Case.id))) or 0)
