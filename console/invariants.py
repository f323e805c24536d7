"""The crash check: what must hold in the database whatever happened to the writers (killed, cut off, failed over).

`check_invariants(session)` reads the whole state and returns every violation found (an empty list when all hold):

- `one_active_dispatch_per_unit`: a unit is attached to at most one case at a time;
- `unit_status_matches_dispatch`: a busy unit (dispatched, en route, on scene) has exactly one active dispatch, for
  its current case, with the step times of its status; an available or off-duty unit has none and no case;
- `case_status_matches_dispatches`: a case with a unit attached is open, and a case waiting for or with a unit
  (dispatched, on scene) has one;
- `event_for_every_change`: every case has its intake event, every dispatch its dispatch event, and every guarded
  update of a case or unit (each bumps its `version`) has an event naming it;
- `counters_equal_rows`: each year's case-number counter equals the cases numbered in that year, and each case's
  assignment, return and dissatisfaction counts equal their rows.

Used by the soak (`tests/soak`), the standby promotion test and any operator after an incident (it is read-only).
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .enums import OPEN_CASE_STATUSES, CaseStatus, EventKind, FeedbackResult, UnitStatus
from .models import Assignment, Callback, Case, Counter, Dispatch, Event, Unit
from .models.cases import dispatch_is_active


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    subject: str  # "unit PC-01", "case 2026-000012", "counter case-2026"
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "subject": self.subject, "detail": self.detail}


BUSY = (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE)


def check_invariants(session: Session) -> list[Violation]:
    out: list[Violation] = []
    out += _dispatches_and_units(session)
    out += _cases_and_dispatches(session)
    out += _events(session)
    out += _counters(session)
    return out


def _dispatches_and_units(session: Session) -> list[Violation]:
    out: list[Violation] = []
    active: dict[int, list[Dispatch]] = {}
    for d in session.scalars(select(Dispatch).where(dispatch_is_active()).order_by(Dispatch.id)):
        active.setdefault(d.unit_id, []).append(d)
    for unit in session.scalars(select(Unit).order_by(Unit.id)):
        mine = active.get(unit.id, [])
        who = f"unit {unit.callsign}"
        if len(mine) > 1:
            cases = ", ".join(str(d.case_id) for d in mine)
            out.append(Violation("one_active_dispatch_per_unit", who, f"active dispatches for cases {cases}"))
        if unit.status in BUSY:
            if not mine:
                out.append(Violation("unit_status_matches_dispatch", who, f"{unit.status.value} without a dispatch"))
            elif unit.current_case_id != mine[-1].case_id:
                out.append(
                    Violation(
                        "unit_status_matches_dispatch",
                        who,
                        f"current case {unit.current_case_id}, dispatched to case {mine[-1].case_id}",
                    )
                )
            elif unit.status == UnitStatus.ON_SCENE and mine[-1].on_scene_at is None:
                out.append(Violation("unit_status_matches_dispatch", who, "on scene, its dispatch never arrived"))
            elif unit.status == UnitStatus.DISPATCHED and mine[-1].on_scene_at is not None:
                out.append(Violation("unit_status_matches_dispatch", who, "dispatched, its dispatch already arrived"))
        else:
            if mine:
                out.append(
                    Violation("unit_status_matches_dispatch", who, f"{unit.status.value} with an active dispatch")
                )
            if unit.current_case_id is not None:
                out.append(
                    Violation(
                        "unit_status_matches_dispatch",
                        who,
                        f"{unit.status.value} but holds case {unit.current_case_id}",
                    )
                )
    return out


def _cases_and_dispatches(session: Session) -> list[Violation]:
    out: list[Violation] = []
    with_units = dict(
        session.execute(
            select(Dispatch.case_id, func.count(Dispatch.id)).where(dispatch_is_active()).group_by(Dispatch.case_id)
        )
        .tuples()
        .all()
    )
    rows = session.execute(select(Case.id, Case.number, Case.status, Case.cleared_at)).tuples()
    for case_id, number, status, cleared_at in rows:
        units = with_units.get(case_id, 0)
        if units and status not in OPEN_CASE_STATUSES:
            out.append(
                Violation("case_status_matches_dispatches", f"case {number}", f"{status.value} with {units} unit(s)")
            )
        # A case whose units all cleared from the scene stays on scene until resolved (its clear time says so).
        if not units and status in (CaseStatus.DISPATCHED, CaseStatus.ON_SCENE) and cleared_at is None:
            out.append(Violation("case_status_matches_dispatches", f"case {number}", f"{status.value} without a unit"))
    return out


def _events(session: Session) -> list[Violation]:
    out: list[Violation] = []
    received = set(session.scalars(select(Event.case_id).where(Event.kind == EventKind.CASE_RECEIVED)))
    per_case = dict(
        session.execute(
            select(Event.case_id, func.count(Event.id)).where(Event.case_id.is_not(None)).group_by(Event.case_id)
        )
        .tuples()
        .all()
    )
    for case_id, number, version in session.execute(select(Case.id, Case.number, Case.version)).tuples():
        if case_id not in received:
            out.append(Violation("event_for_every_change", f"case {number}", "no intake event"))
        if per_case.get(case_id, 0) < version:
            out.append(
                Violation(
                    "event_for_every_change",
                    f"case {number}",
                    f"version {version} but {per_case.get(case_id, 0)} event(s)",
                )
            )
    per_unit = dict(
        session.execute(
            select(Event.unit_id, func.count(Event.id)).where(Event.unit_id.is_not(None)).group_by(Event.unit_id)
        )
        .tuples()
        .all()
    )
    for unit_id, callsign, version in session.execute(select(Unit.id, Unit.callsign, Unit.version)).tuples():
        if per_unit.get(unit_id, 0) < version - 1:  # version 1 is the unit as created
            out.append(
                Violation(
                    "event_for_every_change",
                    f"unit {callsign}",
                    f"version {version} but {per_unit.get(unit_id, 0)} event(s)",
                )
            )
    announced: set[int] = set()
    for payload in session.scalars(select(Event.payload).where(Event.kind == EventKind.CASE_DISPATCHED)):
        if isinstance(payload, dict) and isinstance(payload.get("dispatch_id"), int):
            announced.add(payload["dispatch_id"])
    for dispatch_id, case_id in session.execute(select(Dispatch.id, Dispatch.case_id)).tuples():
        if dispatch_id not in announced:
            out.append(
                Violation("event_for_every_change", f"dispatch {dispatch_id}", f"of case {case_id} has no event")
            )
    return out


def _counters(session: Session) -> list[Violation]:
    out: list[Violation] = []
    numbered = Tally(number.split("-", 1)[0] for number in session.scalars(select(Case.number)))
    counters = {name: value for name, value in session.execute(select(Counter.name, Counter.value)).tuples()}
    for name, value in counters.items():
        if name.startswith("case-") and numbered.get(name[5:], 0) != value:
            out.append(
                Violation("counters_equal_rows", f"counter {name}", f"{value}, but {numbered.get(name[5:], 0)} case(s)")
            )
    for year, count in numbered.items():
        if f"case-{year}" not in counters:
            out.append(Violation("counters_equal_rows", f"counter case-{year}", f"missing, {count} case(s)"))

    assigned = Tally(session.scalars(select(Assignment.case_id)))
    returned = Tally(session.scalars(select(Assignment.case_id).where(Assignment.returned_at.is_not(None))))
    unhappy = Tally(session.scalars(select(Callback.case_id).where(Callback.result == FeedbackResult.DISSATISFIED)))
    rows = session.execute(
        select(Case.id, Case.number, Case.assignment_count, Case.return_count, Case.dissatisfied_count)
    ).tuples()
    for case_id, number, assignments, returns, dissatisfied in rows:
        for what, stored, counted in (
            ("assignment_count", assignments, assigned[case_id]),
            ("return_count", returns, returned[case_id]),
            ("dissatisfied_count", dissatisfied, unhappy[case_id]),
        ):
            if stored != counted:
                out.append(Violation("counters_equal_rows", f"case {number}", f"{what} {stored}, rows {counted}"))
    return out
