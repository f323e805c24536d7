"""Open cases and units of one console, and how a batch of change-feed events updates them.

Two halves, so that no database work happens on the interface thread:
- `load_snapshot` and `fetch_changes` read the database (run them in the console's database worker);
- `LiveState.apply` folds what they returned into the in-memory dicts (pure, fast; run it on the interface
  thread) and says which ids were inserted, updated or removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..enums import EventKind
from ..events.feed import EventRecord
from ..services import queries
from ..services.actor import Actor
from ..views import CaseView, UnitView


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a console shows at start: the open cases, every unit, and the event id they reflect."""

    cases: list[CaseView]
    units: list[UnitView]
    last_event_id: int


@dataclass(frozen=True, slots=True)
class Changes:
    """Fresh views of what a batch of events touched. A touched case that is no longer open is in `closed_cases`."""

    cases: list[CaseView]
    units: list[UnitView]
    closed_cases: list[int]
    events: list[EventRecord]
    last_event_id: int


@dataclass(slots=True)
class LiveDiff:
    """Ids inserted, updated and removed by one `apply`, for cases and for units."""

    cases_inserted: list[int] = field(default_factory=list)
    cases_updated: list[int] = field(default_factory=list)
    cases_removed: list[int] = field(default_factory=list)
    units_inserted: list[int] = field(default_factory=list)
    units_updated: list[int] = field(default_factory=list)
    units_removed: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.cases_inserted
            or self.cases_updated
            or self.cases_removed
            or self.units_inserted
            or self.units_updated
            or self.units_removed
        )


def touched_ids(events: Iterable[EventRecord]) -> tuple[set[int], set[int]]:
    """The case ids and unit ids a batch of events may have changed."""
    cases: set[int] = set()
    units: set[int] = set()
    for event in events:
        if event.case_id is not None:
            cases.add(event.case_id)
        if event.unit_id is not None:
            units.add(event.unit_id)
        if event.kind == EventKind.UNIT_MOVED:  # one event per batch of positions names its units in the payload
            units.update(int(u) for u in event.payload.get("unit_ids", ()))
    return cases, units


def load_snapshot(
    session: Session,
    *,
    actor: Actor,
    last_event_id: int,
    chunk: int = 500,
    between_chunks: Callable[[], None] | None = None,
) -> Snapshot:
    """Read the open cases (in `actor`'s scope) and its units. `last_event_id` is the feed head taken *before*
    reading, so that an event committed while reading is applied again afterwards (applying is idempotent).

    The cases are read in one lean pass (`queries.open_case_views`) and `between_chunks` is called every `chunk`
    rows: a console's worker thread lets the interface thread run there (the interpreter's lock is otherwise held
    through long stretches)."""
    cases = queries.open_case_views(session, actor=actor, chunk=chunk, between_chunks=between_chunks)
    return Snapshot(cases, queries.list_units(session, actor=actor), last_event_id)


def fetch_changes(session: Session, events: list[EventRecord], *, actor: Actor) -> Changes:
    """Re-read the cases and units the events touched."""
    case_ids, unit_ids = touched_ids(events)
    cases = queries.cases_by_ids(session, case_ids, actor=actor) if case_ids else []
    units = queries.units_by_ids(session, unit_ids, actor=actor) if unit_ids else []
    open_cases = [c for c in cases if c.status.is_open]
    closed = sorted({c.id for c in cases if not c.status.is_open} | (case_ids - {c.id for c in cases}))
    last = max((e.id for e in events), default=0)
    return Changes(open_cases, units, closed, events, last)


class LiveState:
    """Open cases and units by id. Only `apply`/`reset` change it; both return what changed."""

    def __init__(self) -> None:
        self.cases: dict[int, CaseView] = {}
        self.units: dict[int, UnitView] = {}
        self.last_event_id = 0

    def reset(self, snapshot: Snapshot) -> LiveDiff:
        old_cases, old_units = set(self.cases), set(self.units)
        # The dicts are updated in place: views and models hold them.
        self.cases.clear()
        self.cases.update((c.id, c) for c in snapshot.cases)
        self.units.clear()
        self.units.update((u.id, u) for u in snapshot.units)
        self.last_event_id = max(self.last_event_id, snapshot.last_event_id)
        return LiveDiff(
            cases_inserted=[i for i in self.cases if i not in old_cases],
            cases_updated=[i for i in self.cases if i in old_cases],
            cases_removed=[i for i in old_cases if i not in self.cases],
            units_inserted=[i for i in self.units if i not in old_units],
            units_updated=[i for i in self.units if i in old_units],
            units_removed=[i for i in old_units if i not in self.units],
        )

    def apply(self, changes: Changes) -> LiveDiff:
        diff = LiveDiff()
        for case in changes.cases:
            old = self.cases.get(case.id)
            if old is None:
                self.cases[case.id] = case
                diff.cases_inserted.append(case.id)
            elif old != case:
                self.cases[case.id] = case
                diff.cases_updated.append(case.id)
        for case_id in changes.closed_cases:
            if self.cases.pop(case_id, None) is not None:
                diff.cases_removed.append(case_id)
        for unit in changes.units:
            old_unit = self.units.get(unit.id)
            if old_unit is None:
                self.units[unit.id] = unit
                diff.units_inserted.append(unit.id)
            elif old_unit != unit:
                self.units[unit.id] = unit
                diff.units_updated.append(unit.id)
        self.last_event_id = max(self.last_event_id, changes.last_event_id)
        return diff
