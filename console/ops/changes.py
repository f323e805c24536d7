"""What an operation hands back: its result value and the small `OpChanges` value saying what it touched.

Like Anki's `OpChanges`, the changes are not the new rows: they say which cases, units and assignments an operation
changed (and whether reference data did), so a view can tell whether it is concerned. The fresh rows reach every
console by the one path every change takes, the change feed. A write's changes come from the events its
transaction wrote (every state change writes one), joined with what the operation itself knows it created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..enums import EventKind
from ..models import Event

T = TypeVar("T")

#: Events that change reference data (the county's grids and townships, the units list, users).
_REFERENCE_EVENTS = frozenset(
    {EventKind.GRIDS_IMPORTED, EventKind.UNIT_CREATED, EventKind.USER_CREATED, EventKind.PLACES_IMPORTED}
)
#: Payload keys naming assignments.
_ASSIGNMENT_KEYS = ("assignment", "to_assignment")


def _ids(values: Iterable[int | None]) -> frozenset[int]:
    return frozenset(int(v) for v in values if v is not None)


@dataclass(frozen=True, slots=True)
class OpChanges:
    cases: frozenset[int] = frozenset()
    units: frozenset[int] = frozenset()
    assignments: frozenset[int] = frozenset()
    reference: bool = False

    @classmethod
    def of(
        cls,
        *,
        cases: Iterable[int | None] = (),
        units: Iterable[int | None] = (),
        assignments: Iterable[int | None] = (),
        reference: bool = False,
    ) -> OpChanges:
        return cls(_ids(cases), _ids(units), _ids(assignments), reference)

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> OpChanges:
        cases: set[int] = set()
        units: set[int] = set()
        assignments: set[int] = set()
        reference = False
        for event in events:
            if event.case_id is not None:
                cases.add(event.case_id)
            if event.unit_id is not None:
                units.add(event.unit_id)
            payload: dict[str, Any] = event.payload or {}
            for key in _ASSIGNMENT_KEYS:
                if isinstance(payload.get(key), int):
                    assignments.add(payload[key])
            if event.kind == EventKind.UNIT_MOVED:
                units.update(int(u) for u in payload.get("unit_ids", ()))
            reference = reference or event.kind in _REFERENCE_EVENTS
        return cls(frozenset(cases), frozenset(units), frozenset(assignments), reference)

    def __or__(self, other: OpChanges) -> OpChanges:
        return OpChanges(
            self.cases | other.cases,
            self.units | other.units,
            self.assignments | other.assignments,
            self.reference or other.reference,
        )

    def as_dict(self) -> dict[str, Any]:
        """The command line's `changes` field."""
        return {
            "cases": sorted(self.cases),
            "units": sorted(self.units),
            "assignments": sorted(self.assignments),
            "reference": self.reference,
        }


@dataclass(frozen=True, slots=True)
class OpResult(Generic[T]):
    """An operation's result value and what it changed (nothing, for a read)."""

    value: T
    changes: OpChanges = field(default_factory=OpChanges)
