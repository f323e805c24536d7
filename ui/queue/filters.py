"""What the queue shows and in which order: filters and sort keys over plain case views (no Qt)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from console.enums import CaseStatus, Category, Channel
from console.views import CaseView


class Column(IntEnum):
    PRIORITY = 0
    NUMBER = 1
    AGE = 2
    DEADLINE = 3
    CATEGORY = 4
    STATUS = 5
    TOWNSHIP = 6
    PLACE = 7
    UNITS = 8


@dataclass(frozen=True)
class QueueFilter:
    statuses: frozenset[CaseStatus] = frozenset()  # empty = every open status
    category: Category | None = None
    township_id: int | None = None
    channel: Channel | None = None
    mine: str | None = None  # the actor's name: cases they took in
    overdue_only: bool = False
    received_from: datetime | None = None  # from a click on the dashboard's hourly or daily chart
    received_to: datetime | None = None
    search: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def accepts(self, case: CaseView, haystack: Callable[[CaseView], str], now: datetime) -> bool:
        """`haystack(case)` gives the searchable text (only asked for when there is a search)."""
        if self.statuses and case.status not in self.statuses:
            return False
        if self.category is not None and case.category != self.category:
            return False
        if self.township_id is not None and case.township_id != self.township_id:
            return False
        if self.channel is not None and case.channel != self.channel:
            return False
        if self.mine is not None and case.created_by != self.mine:
            return False
        if self.overdue_only and case.due_at > now:
            return False
        if self.received_from is not None and case.received_at < self.received_from:
            return False
        if self.received_to is not None and case.received_at >= self.received_to:
            return False
        if self.search:
            text = haystack(case)
            return all(word in text for word in self.search.casefold().split())
        return True


def haystack(case: CaseView, township: str) -> str:
    """The text searched by the queue's search box: number, phone, caller, address, description, township."""
    parts = [
        case.number,
        case.caller_phone or "",
        case.caller_name or "",
        case.address or "",
        case.description,
        township,
    ]
    return " ".join(parts).casefold()


def sort_key(column: Column, townships: Mapping[int, str]) -> Callable[[CaseView], Any]:
    if column == Column.PRIORITY:
        return lambda c: (c.priority.rank, c.due_at)
    if column == Column.NUMBER:
        return lambda c: c.number
    if column == Column.AGE:
        return lambda c: c.received_at
    if column == Column.DEADLINE:
        return lambda c: c.due_at
    if column == Column.CATEGORY:
        return lambda c: (c.category.value, c.priority.rank)
    if column == Column.STATUS:
        return lambda c: (c.status.value, c.priority.rank)
    if column == Column.TOWNSHIP:
        return lambda c: (townships.get(c.township_id or 0, ""), c.priority.rank)
    if column == Column.PLACE:
        return lambda c: c.address or ""
    return lambda c: len(c.unit_ids)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time from a filter asked for elsewhere, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
