"""The plain values write operations return: where the case, assignment, unit or dispatch stands after the step,
taken from the rows the step itself wrote (never read again), safe to hand to another thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..enums import AssigneeKind, AssignmentStatus, CaseStatus, FeedbackResult, UnitStatus
from ..models import Assignment, Case, Dispatch, Unit
from ..services.assignments import assignee_name


@dataclass(frozen=True, slots=True)
class CaseState:
    id: int
    number: str
    status: CaseStatus
    escalation: int

    @classmethod
    def of(cls, case: Case) -> CaseState:
        return cls(case.id, case.number, case.status, case.escalation)

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.number, "status": self.status.value, "escalation": self.escalation}


@dataclass(frozen=True, slots=True)
class AssignmentState:
    id: int
    case: CaseState
    status: AssignmentStatus
    assignee_kind: AssigneeKind
    assignee: str
    due_at: datetime

    @classmethod
    def of(cls, session: Session, a: Assignment, case: Case) -> AssignmentState:
        name = assignee_name(session, a.assignee_kind, a.department_id or a.township_id or 0)
        return cls(a.id, CaseState.of(case), a.status, a.assignee_kind, name, a.due_at)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.case.as_dict(),
            "assignment": {
                "id": self.id,
                "status": self.status.value,
                "assignee_kind": self.assignee_kind.value,
                "assignee": self.assignee,
                "due_at": self.due_at.isoformat(),
            },
        }


@dataclass(frozen=True, slots=True)
class CallbackState:
    id: int
    case: CaseState
    result: FeedbackResult

    def as_dict(self) -> dict[str, Any]:
        return {**self.case.as_dict(), "callback": {"id": self.id, "result": self.result.value}}


@dataclass(frozen=True, slots=True)
class UnitState:
    id: int
    callsign: str
    status: UnitStatus
    case_id: int | None  # the case the step concerned (the one it left, for a clear)
    case_number: str | None = None
    case_status: CaseStatus | None = None

    @classmethod
    def of(cls, unit: Unit, case_id: int | None, number: str | None, case_status: str | None) -> UnitState:
        return cls(
            unit.id, unit.callsign, unit.status, case_id, number, CaseStatus(case_status) if case_status else None
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.callsign,
            "status": self.status.value,
            "case": self.case_number,
            "case_status": self.case_status.value if self.case_status else None,
        }


@dataclass(frozen=True, slots=True)
class DispatchState:
    id: int
    case_id: int
    number: str
    unit_id: int
    callsign: str
    dispatched_by: str
    dispatched_at: datetime
    eta_s: float | None

    @classmethod
    def of(cls, d: Dispatch, *, number: str, callsign: str) -> DispatchState:
        return cls(d.id, d.case_id, number, d.unit_id, callsign, d.dispatched_by, d.dispatched_at, d.eta_s)

    def as_dict(self) -> dict[str, Any]:
        """The `dispatch` command's output."""
        return {
            "case": self.number,
            "unit": self.callsign,
            "dispatched_by": self.dispatched_by,
            "dispatched_at": self.dispatched_at.isoformat(),
            "eta_s": None if self.eta_s is None else round(self.eta_s),
        }
